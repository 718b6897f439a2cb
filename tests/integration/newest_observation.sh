#!/usr/bin/env bash
# Newest observation per scope (#15): a full cycle reads team/app's tags,
# then waits on a slow repository; meanwhile a tag is pushed to team/app and
# a second writer (scope_refresh, as another node of a cluster would, or a
# push refresh) stores team/app with it. When the slow cycle completes, its
# older team/app must not overwrite the pushed tag: the store keeps the
# newest observation, and says so in the log. The slow repository is a
# gate the test opens (no timing).
# Usage: newest_observation.sh CDHOST PLUGIN_DIR SCOPE_REFRESH
set -uo pipefail
cdhost=$1 plugin_dir=$2 scope_refresh=$3
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
work=$(mktemp -d)
run_pid=""
cleanup() {
  touch "$work/release"
  [ -n "$run_pid" ] && kill "$run_pid" 2>/dev/null && wait "$run_pid" 2>/dev/null
  gated_registry_stop
  rm -rf "$work"
}
trap cleanup EXIT

printf '1.0\n' > "$work/team_app.tags"
printf '1\n' > "$work/gate_slow.tags"
gated_registry_start "$work" || exit 1
url=$GATED_URL

cfg=$work/cdhost.cfg
cat > "$cfg" <<CFG
host = { cache = { path = "$work/cache.db"; }; };
dockerRegistry = { accounts = (
  { name = "acct"; address = "$url"; repositories = ["team/app", "gate/slow"]; }
); };
CFG
run() { "$cdhost" --config "$cfg" --plugin-dir "$plugin_dir" "$@"; }
tags() { run images tags --account acct --repository "$1"; }
app_listed() { grep -q 'GET /v2/team/app/tags/list' "$work/requests.log" 2>/dev/null; }

# The first cycle fills the cache (the gate open).
touch "$work/release"
run run --once 2>"$work/first.log" || fail "first run: $(cat "$work/first.log")"
expect_eq "first cycle" "$(tags team/app)" '["1.0"]'
rm -f "$work/release" "$work/requests.log"

# The slow cycle: it reads team/app (1.0 only), then waits at the gate.
run run --once 2>"$work/slow.log" &
run_pid=$!
wait_for 60 app_listed || fail "the cycle never listed team/app"
# A push lands mid-cycle, and is stored by a second writer at once.
printf '1.0\n2.0\n' > "$work/team_app.tags"
"$scope_refresh" "$cfg" "$plugin_dir" acct team/app 2>"$work/scope.log" ||
  fail "scope refresh: $(cat "$work/scope.log")"
expect_eq "the push is stored" "$(tags team/app)" '["1.0","2.0"]'
kill -0 "$run_pid" 2>/dev/null || fail "the cycle ended before the gate opened"

# The slow cycle completes: its older team/app is kept out.
touch "$work/release"
wait "$run_pid"
rc=$? run_pid=""
expect_eq "slow cycle exit" "$rc" 0
expect_eq "the pushed tag survives the slow cycle" "$(tags team/app)" '["1.0","2.0"]'
expect_eq "the slow repository is stored" "$(tags gate/slow)" '["1"]'
grep -q 'team/app: kept: what is stored was read' "$work/slow.log" ||
  fail "no 'kept' line: $(cat "$work/slow.log")"

# The next cycle reads team/app after the push: it writes, as usual.
printf '2.0\n' > "$work/team_app.tags"
run run --once 2>"$work/next.log" || fail "next run: $(cat "$work/next.log")"
expect_eq "a newer cycle writes" "$(tags team/app)" '["2.0"]'
grep -q 'Sanitizer' "$work"/*.log && fail "sanitizer report"

finish "newest observation"
