#!/usr/bin/env bash
# A new repository pushed while a full cycle runs survives the cycle (#15):
# on a catalog account, the service's second cycle reads the catalog
# (gate/slow, team/app), then waits on the gated repository the test holds
# shut. team/new is then created in the registry and refreshed on demand
# (POST /cache/dockerRegistry/taggedImage, as a push notification would):
# it is in /find. The cycle, released, ends without mentioning team/new
# (its catalog was read before): team/new must still be there, as the
# store keeps a scope a push stored after the cycle began. The next cycle
# is held at the gate too, so nothing else can put team/new back. No
# timing: bounded waits, and the gate is a file.
# Usage: new_repository_beside_cycle.sh CDHOST PLUGIN_DIR
set -uo pipefail
cdhost=$1 plugin_dir=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
work=$(mktemp -d)
trap 'gated_cleanup "$work"' EXIT

printf 'gate/slow\nteam/app\n' > "$work/catalog"
printf '1.0\n' > "$work/team_app.tags"
printf '1\n' > "$work/gate_slow.tags"
touch "$work/pass_once" # the first cycle goes through
gated_registry_start "$work" || exit 1
url=$GATED_URL

port=$(free_port)
api=http://127.0.0.1:$port
cfg=$work/cdhost.cfg log=$work/cdhost.log
cat > "$cfg" <<CFG
host = { listen = "127.0.0.1:$port"; workers = 2;
         cache = { path = "$work/cache.db"; }; };
dockerRegistry = { accounts = (
  { name = "acct"; address = "$url"; cacheIntervalSeconds = 1; }
); };
CFG
agent='acct/DockerRegistryImageCachingAgent\[1/1\]'
asked() { grep -c "GET $1" "$work/requests.log" 2>/dev/null; }
asked_twice() { [ "$(asked "$1")" -ge 2 ]; }
cycles_ended() { grep -c "$agent: ok: 2 repositories" "$log"; }
cycles_ended_at_least() { [ "$(cycles_ended)" -ge "$1" ]; }
find_has() { curl -fsS "$api/dockerRegistry/images/find?q=team/new" | grep -qF -- "$1"; }
tags() { curl -fsS "$api/dockerRegistry/images/tags?account=acct&repository=$1"; }

service_start "$cdhost" "$cfg" "$plugin_dir" "$log"
wait_for 30 cycles_ended_at_least 1 || fail "the first cycle never ended: $(cat "$log")"
expect_eq "first cycle" "$(tags team/app)" '["1.0"]'
# The second cycle reads the catalog, then is held at the gate.
wait_for 30 asked_twice /v2/_catalog || fail "no second catalog read: $(cat "$log")"
wait_for 30 asked_twice /v2/gate/slow/tags/list ||
  fail "the second cycle never reached the gate: $(cat "$log")"

# team/new is created after the catalog read, and refreshed on demand.
printf 'gate/slow\nteam/app\nteam/new\n' > "$work/catalog"
printf '1.0\n' > "$work/team_new.tags"
status=$(curl -sS -o "$work/answer" -w '%{http_code}' -X POST \
  -H 'Content-Type: application/json' \
  --data-binary '{"account":"acct","repository":"team/new"}' \
  "$api/cache/dockerRegistry/taggedImage")
case $status in
  200|202) ;;
  *) fail "on-demand answer: $status $(cat "$work/answer")" ;;
esac
wait_for 20 find_has '"tag":"1.0"' ||
  fail "team/new not in /find during the cycle: $(tail -5 "$log")"
cycles_ended_at_least 2 && fail "the cycle ended before the gate opened: $(cat "$log")"

# The held request alone goes through: the cycle ends, without team/new;
# the next one lists team/new but waits at the gate.
touch "$work/pass_once"
wait_for 30 cycles_ended_at_least 2 || fail "the cycle never ended: $(tail -5 "$log")"
expect_eq "team/new survives the cycle" "$(tags team/new)" '["1.0"]'
find_has '"tag":"1.0"' || fail "team/new not in /find after the cycle"
grep -q 'team/new: kept: a push stored it after this refresh began' "$log" ||
  fail "no 'kept' line: $(cat "$log")"
expect_eq "team/app still cached" "$(tags team/app)" '["1.0"]'

touch "$work/release"
service_stop
expect_eq "service exit" "$SERVICE_RC" 0
grep -q 'Sanitizer' "$log" && fail "sanitizer report: $(cat "$log")"
finish "new repository beside a cycle"
