#!/usr/bin/env bash
# An account's first fill sends no events to Echo (#16), even when a push
# is stored before its first complete cycle: the registry refuses the first
# cycle (its catalog answers 503: the cycle fails as a whole), a push
# (on-demand refresh of team/app; its one catalog request let through)
# stores that repository meanwhile, then the registry answers and the next
# cycle stores the rest (team/lib). The fake Echo gets nothing for those
# tags; a tag added after that sends exactly one event. The registry is a
# fake (gated_registry.py) the test switches; no timing is asserted
# (the push must come within the first cycle's backoff, 10 s or more).
# Usage: echo_first_fill.sh CDHOST PLUGIN_DIR
set -uo pipefail
cdhost=$1 plugin_dir=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
work=$(mktemp -d)
reg_pid="" echo_pid=""
cleanup() {
  service_stop
  [ -n "$echo_pid" ] && kill "$echo_pid" 2>/dev/null && wait "$echo_pid" 2>/dev/null
  [ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null && wait "$reg_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

mkdir "$work/reg"
printf '1.0\n1.1\n' > "$work/reg/team_app.tags"
printf '1.0\n' > "$work/reg/team_lib.tags"
touch "$work/reg/refuse_catalog"
python3 "$here/gated_registry.py" "$work/reg" > "$work/reg.port" &
reg_pid=$!
wait_for 30 test -s "$work/reg.port" || { echo "registry did not start" >&2; exit 1; }
reg_url=http://127.0.0.1:$(head -1 "$work/reg.port")

echo_log=$work/echo.log
: > "$echo_log"
python3 "$here/fake_echo.py" --port-file "$work/echo.port" --log "$echo_log" &
echo_pid=$!
wait_for 30 test -s "$work/echo.port" || { echo "fake echo did not start" >&2; exit 1; }

port=$(free_port)
api=http://127.0.0.1:$port
cfg=$work/cdhost.cfg log=$work/cdhost.log
cat > "$cfg" <<CFG
host = { listen = "127.0.0.1:$port"; workers = 2;
         echo = { baseUrl = "http://127.0.0.1:$(cat "$work/echo.port")"; }; };
dockerRegistry = { accounts = (
  { name = "acct"; address = "$reg_url"; cacheIntervalSeconds = 10; }
); };
CFG
tags_are() { [ "$(curl -fsS "$api/dockerRegistry/images/tags?account=acct&repository=$1")" = "$2" ]; }
bodies_are() { [ "$(wc -l < "$echo_log")" -eq "$1" ]; }
refused() { grep -q 'refused' "$log"; }

service_start "$cdhost" "$cfg" "$plugin_dir" "$log"
wait_for 60 refused || fail "the first cycle was not refused: $(tail -5 "$log")"
# The push, stored while no cycle of the account has been.
touch "$work/reg/pass_once"
wait_for 30 curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' \
  --data-binary '{"account":"acct","repository":"team/app"}' \
  "$api/cache/dockerRegistry/taggedImage" || fail "on-demand team/app"
wait_for 30 tags_are team/app '["1.0","1.1"]' || fail "the push was not stored: $(tail -5 "$log")"
tags_are team/lib '[]' || fail "a cycle was stored before the push: $(tail -5 "$log")"

# The registry answers: the first complete cycle stores team/lib, silently.
rm "$work/reg/refuse_catalog"
wait_for 120 tags_are team/lib '["1.0"]' || fail "first cycle: $(tail -5 "$log")"
# A new tag after the fill: exactly one event, the first Echo ever got.
printf '1.0\n2.0\n' > "$work/reg/team_lib.tags"
wait_for 60 grep -q '"tag":"2.0"' "$echo_log" || fail "no event for team/lib:2.0: $(tail -5 "$log")"
bodies_are 1 || fail "events for the first fill's tags: $(cat "$echo_log")"
grep -q 'first fill: no events sent to Echo' "$log" || fail "no first-fill log line"

service_stop
expect_eq "service exit" "$SERVICE_RC" 0
grep -q 'Sanitizer' "$log" && fail "sanitizer report: $(grep -A20 Sanitizer "$log")"

finish "echo first fill"
