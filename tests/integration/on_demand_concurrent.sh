#!/usr/bin/env bash
# On-demand refreshes never hold the API's threads (#15): POST
# /cache/dockerRegistry/taggedImage waits (up to 5 s) for its refresh, and
# libmicrohttpd has a pool of 2 threads, each serving many connections.
# Two on-demand calls whose refreshes are held at the gated registry's
# gate, each sent once the one before reached the registry (so, before the
# fix, each held one pool thread); then GET /health and /find must answer
# while both calls are still pending and the gate still shut. Ordering,
# not timing: the GETs' answers are checked before the gate opens.
# Usage: on_demand_concurrent.sh CDHOST PLUGIN_DIR
set -uo pipefail
cdhost=$1 plugin_dir=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
work=$(mktemp -d)
reg_pid="" posts=()
cleanup() {
  touch "$work/release"
  local p
  for p in "${posts[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  service_stop
  [ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null && wait "$reg_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

printf '1\n' > "$work/gate_slow.tags"
touch "$work/release" # the first cycles go through
gated_registry_start "$work" || exit 1
reg_pid=$GATED_PID url=$GATED_URL

port=$(free_port)
api=http://127.0.0.1:$port
cfg=$work/cdhost.cfg log=$work/cdhost.log
cat > "$cfg" <<CFG
host = { listen = "127.0.0.1:$port"; workers = 3; };
dockerRegistry = { accounts = (
  { name = "a1"; address = "$url"; repositories = ["gate/slow"]; cacheIntervalSeconds = 3600; },
  { name = "a2"; address = "$url"; repositories = ["gate/slow"]; cacheIntervalSeconds = 3600; }
); };
CFG
tags_are() { [ "$(curl -fsS "$api/dockerRegistry/images/tags?account=$1&repository=gate/slow")" = "$2" ]; }
gate_asked() { [ "$(grep -c 'GET /v2/gate/slow/tags/list' "$work/requests.log" 2>/dev/null)" -ge "$1" ]; }
ondemand() { # ACCOUNT: in the background, the answer in $work/answer.ACCOUNT
  curl -sS -m 60 -o "$work/answer.$1" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data-binary "{\"account\":\"$1\",\"repository\":\"gate/slow\"}" \
    "$api/cache/dockerRegistry/taggedImage" > "$work/status.$1" &
  posts+=($!)
}
pending() { local p; for p in "${posts[@]}"; do kill -0 "$p" 2>/dev/null || return 1; done; }

service_start "$cdhost" "$cfg" "$plugin_dir" "$log"
wait_for 30 tags_are a1 '["1"]' || fail "first cycle of a1 not served: $(cat "$log")"
wait_for 30 tags_are a2 '["1"]' || fail "first cycle of a2 not served: $(cat "$log")"

# The gate shuts; each call's refresh reaches it before the next is sent.
rm -f "$work/release"
: > "$work/requests.log"
printf '1\n2\n' > "$work/gate_slow.tags"
ondemand a1
wait_for 20 gate_asked 1 || fail "a1's refresh never reached the registry: $(tail -5 "$log")"
ondemand a2
wait_for 20 gate_asked 2 || fail "a2's refresh never reached the registry: $(tail -5 "$log")"

# Served while both wait.
health=$(curl -sS -m 60 -o /dev/null -w '%{http_code}' "$api/health")
found=$(curl -sS -m 60 "$api/dockerRegistry/images/find?q=gate/slow")
pending || fail "an on-demand call ended before the GETs were answered (they waited for it)"
[ -e "$work/release" ] && fail "the gate was open"
expect_eq "/health while on-demand calls wait" "$health" 200
case $found in *'"tag":"1"'*) ;; *) fail "/find while on-demand calls wait: $found" ;; esac

# The gate opens: each call answers (200 once stored, 202 past its bound).
touch "$work/release"
for p in "${posts[@]}"; do wait "$p"; done
posts=()
for a in a1 a2; do
  case "$(cat "$work/status.$a") $(cat "$work/answer.$a")" in
    "200 "*"dockerRegistry:taggedImage:$a:gate/slow:2"*|'202 {"status":"queued"}') ;;
    *) fail "on-demand of $a: $(cat "$work/status.$a") $(cat "$work/answer.$a")" ;;
  esac
done
wait_for 20 tags_are a1 '["1","2"]' || fail "a1's refresh not stored"

service_stop
expect_eq "service exit" "$SERVICE_RC" 0
grep -q 'Sanitizer' "$log" && fail "sanitizer report: $(cat "$log")"
finish "on-demand beside other requests"
