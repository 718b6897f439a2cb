#!/usr/bin/env bash
# A push is served while a full cycle runs (#15): after a first cycle
# (its gate passed once), the service's next cycle lists team/app (1.0),
# then waits on a gated repository the test holds shut; a tag is pushed to
# team/app and the registry's notification reaches POST
# /webhooks/docker-registry. The pushed tag must show in /find while the
# cycle is still held (it cannot end before the gate opens), and, once the
# gate opens and the cycle stores its older read, still be there (the
# store keeps the newest observation). No timing: bounded waits, and the
# gate is a file.
# Usage: push_beside_cycle.sh CDHOST PLUGIN_DIR
set -uo pipefail
cdhost=$1 plugin_dir=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
work=$(mktemp -d)
trap 'gated_cleanup "$work"' EXIT

printf '1.0\n' > "$work/team_app.tags"
printf '1\n' > "$work/gate_slow.tags"
touch "$work/pass_once" # the first cycle goes through
gated_registry_start "$work" || exit 1
reg_port=$(head -1 "$work/port")
url=$GATED_URL

port=$(free_port)
api=http://127.0.0.1:$port
token=push-beside-token-$RANDOM$RANDOM
printf '%s\n' "$token" > "$work/token"
chmod 600 "$work/token"
cfg=$work/cdhost.cfg log=$work/cdhost.log
cat > "$cfg" <<CFG
host = { listen = "127.0.0.1:$port"; workers = 2;
         cache = { path = "$work/cache.db"; };
         webhooks = { tokenFile = "$work/token"; }; };
dockerRegistry = { accounts = (
  { name = "acct"; address = "$url"; repositories = ["team/app", "gate/slow"];
    cacheIntervalSeconds = 1; }
); };
CFG
agent='acct/DockerRegistryImageCachingAgent\[1/1\]'
app_listed() { grep -q 'GET /v2/team/app/tags/list' "$work/requests.log" 2>/dev/null; }
gate_asked() { grep -q 'GET /v2/gate/slow/tags/list' "$work/requests.log" 2>/dev/null; }
cycles_ended() { grep -c "$agent: ok: 2 repositories" "$log"; }
first_ended() { [ "$(cycles_ended)" -ge 1 ]; }
second_ended() { [ "$(cycles_ended)" -ge 2 ]; }
find_has() { curl -fsS "$api/dockerRegistry/images/find?q=team/app" | grep -qF -- "$1"; }
tags() { curl -fsS "$api/dockerRegistry/images/tags?account=acct&repository=$1"; }
tags_are() { [ "$(tags "$1")" = "$2" ]; }

service_start "$cdhost" "$cfg" "$plugin_dir" "$log"
wait_for 30 first_ended || fail "the first cycle never ended: $(cat "$log")"
expect_eq "first cycle" "$(tags team/app)" '["1.0"]'
# The second cycle (a second later) reads team/app, then is held.
wait_for 30 test ! -e "$work/pass_once" || fail "the gate was never passed"
: > "$work/requests.log"
wait_for 30 app_listed || fail "the cycle never listed team/app: $(cat "$log")"
wait_for 30 gate_asked || fail "the cycle never reached the gate: $(cat "$log")"
agent_health() { curl -fsS "$api/health" | grep -o '"accounts":{[^]]*]'; }
before=$(agent_health)
[ -n "$before" ] || fail "no agent in /health: $(curl -fsS "$api/health")"

# The push: the registry now has 2.0, and says so.
printf '1.0\n2.0\n' > "$work/team_app.tags"
event=$(printf '{"id":"ev-%s","action":"push","target":{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","repository":"team/app","url":"%s/v2/team/app/manifests/sha256:00","tag":"2.0"},"request":{"host":"127.0.0.1:%s"}}' \
  "$RANDOM$RANDOM" "$url" "$reg_port")
status=$(curl -sS -o "$work/answer" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $token" --data-binary "{\"events\":[$event]}" \
  "$api/webhooks/docker-registry")
expect_eq "webhook answer" "$status $(cat "$work/answer")" '202 {"events":1,"refreshes":1}'

# Served while the cycle is held at the gate.
wait_for 20 find_has '"tag":"2.0"' ||
  fail "pushed tag not in /find during the cycle: $(tail -5 "$log")"
[ -e "$work/release" ] && fail "the gate was open"
second_ended && fail "the cycle ended before the gate opened: $(cat "$log")"
grep -q "$agent: ok: 1 repositories" "$log" || fail "no push summary line: $(cat "$log")"
curl -fsS "$api/health" > "$work/health.json" || fail "no /health"
grep -qF '"scope":"team/app","result":"ok"' "$work/health.json" ||
  fail "/health does not show the push: $(cat "$work/health.json")"
# The push is not the cycle: the agent's own entry is still the first
# cycle's.
expect_eq "/health of the agent during the push" "$(agent_health)" "$before"

# The cycle completes with what it read before the push: kept out.
touch "$work/release"
wait_for 30 second_ended || fail "the cycle never ended: $(tail -5 "$log")"
expect_eq "the pushed tag survives the cycle" "$(tags team/app)" '["1.0","2.0"]'
wait_for 10 tags_are gate/slow '["1"]' || fail "gate/slow not stored: $(tags gate/slow)"
grep -q 'team/app: kept: what is stored was read' "$log" ||
  fail "no 'kept' line: $(cat "$log")"

service_stop
expect_eq "service exit" "$SERVICE_RC" 0
grep -q 'Sanitizer' "$log" && fail "sanitizer report: $(cat "$log")"
finish "push beside a cycle"
