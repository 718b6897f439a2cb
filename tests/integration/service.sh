#!/usr/bin/env bash
# cdhost as a service, driven as an operator would: the HTTP API serves what
# refreshes cached; accounts are added, changed and removed by editing the
# config while it runs; an invalid edit keeps the running generation and shows
# in /health; the plugin is replaced with a rebuilt copy and with a broken
# file; SIGTERM during a slow refresh exits 0 promptly; a restart serves the
# stored cache before the first refresh ends.
# Usage: service.sh CDHOST PLUGIN_SO
set -uo pipefail
cdhost=$1 plugin_so=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/lib/registry.sh
source "$here/../../scripts/lib/registry.sh"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
work=$(mktemp -d)
slow_pid=
cleanup() { service_stop; [ -n "$slow_pid" ] && kill "$slow_pid"; registry_stop "$work/reg"; rm -rf "$work"; }
trap cleanup EXIT

registry_start "$work/reg" >/dev/null || { echo "cannot start registry" >&2; exit 1; }
registry_push_image "$REGISTRY_URL" team/app 1.0 >/dev/null || fail "push team/app"
registry_push_image "$REGISTRY_URL" library/nginx 1.25 >/dev/null || fail "push nginx"
mkdir -p "$work/plugins" && cp "$plugin_so" "$work/plugins/"
port=$(free_port)
api=http://127.0.0.1:$port
cfg=$work/cdhost.cfg log=$work/cdhost.log

# write_config ACCOUNTS...: replaces the config the way editors do (rename).
write_config() {
  { echo "host = { listen = \"127.0.0.1:$port\"; workers = 2; };"
    echo "dockerRegistry = { accounts = ("
    local sep=""
    for a in "$@"; do echo "$sep$a"; sep=","; done
    echo "); };"; } > "$cfg.tmp"
  mv "$cfg.tmp" "$cfg"
}
account() { # NAME ADDRESS REPO [EXTRA]
  echo "{ name = \"$1\"; address = \"$2\"; repositories = [\"$3\"]; cacheIntervalSeconds = 1; ${4:-} }"
}
tags() { curl -fsS "$api/dockerRegistry/images/tags?account=$1&repository=$2"; }
tags_are() { [ "$(tags "$1" "$2")" = "$3" ]; }
health_has() { curl -fsS "$api/health" | grep -qF -- "$1"; }
log_has() { grep -qF -- "$1" "$log"; }
ok_lines() { grep -c "$1/DockerRegistryImageCachingAgent\[1/1\]: ok" "$log"; }
more_ok_lines() { [ "$(ok_lines "$1")" -gt "$2" ]; }

write_config "$(account one "$REGISTRY_URL" team/app)"
service_start "$cdhost" "$cfg" "$work/plugins" "$log"
wait_for 10 tags_are one team/app '["1.0"]' || fail "first refresh not served: $(tags one team/app)"
wait_for 5 health_has '"status":"UP"' || fail "health not UP"

# Igor's poll: /credentials, then /credentials/{name}, then find.
expect_eq "Igor: accounts" "$(curl -fsS "$api/credentials" | jq -c '[.[] | select(.cloudProvider == "dockerRegistry") | .name]')" '["one"]'
expect_eq "Igor: trackDigests" "$(curl -fsS "$api/credentials/one" | jq -c '{name, trackDigests}')" '{"name":"one","trackDigests":false}'
expect_eq "Igor: find" "$(curl -fsS "$api/dockerRegistry/images/find?account=one&includeDetails=true" | jq -c '[.[] | {repository, tag, account, registry}]')" \
  "[{\"repository\":\"team/app\",\"tag\":\"1.0\",\"account\":\"one\",\"registry\":\"$REGISTRY_HOSTPORT\"}]"
expect_eq "Igor: unknown account" "$(curl -s -o /dev/null -w '%{http_code}' "$api/credentials/nobody")" 404

# Add an account: it starts at once.
write_config "$(account one "$REGISTRY_URL" team/app)" "$(account two "$REGISTRY_URL" library/nginx)"
wait_for 10 tags_are two library/nginx '["1.25"]' || fail "added account not served"

# Change one: its repository list moves; the repository that left goes.
write_config "$(account one "$REGISTRY_URL" library/nginx)" "$(account two "$REGISTRY_URL" library/nginx)"
wait_for 10 tags_are one library/nginx '["1.25"]' || fail "changed account not refreshed"
wait_for 10 tags_are one team/app '[]' || fail "repository that left the list kept: $(tags one team/app)"

# Remove two: its records go.
write_config "$(account one "$REGISTRY_URL" library/nginx)"
wait_for 10 tags_are two library/nginx '[]' || fail "removed account's records kept"

# An invalid edit: the running generation stays, /health says where.
write_config "$(account one "$REGISTRY_URL" library/nginx 'paginateSize = "many";')"
wait_for 10 health_has "cdhost.cfg:3: account one: paginateSize: must be an integer" \
  || fail "invalid reload not in /health: $(curl -s "$api/health")"
health_has '"status":"UP"' || fail "not UP during a bad reload"
tags_are one library/nginx '["1.25"]' || fail "cache not served during a bad reload"
write_config "$(account one "$REGISTRY_URL" library/nginx)"
wait_for 10 health_has '"reload":{"ok":true' || fail "good reload did not clear the error"

# Replace the plugin with a rebuilt copy (write, then rename into place).
cp "$plugin_so" "$work/plugins/.new" && mv "$work/plugins/.new" "$work/plugins/docker_registry.so"
wait_for 10 log_has "plugin docker_registry 0.1.0 loaded" || fail "replaced plugin not loaded"
before=$(ok_lines one)
wait_for 10 more_ok_lines one "$before" || fail "no refresh with the new plugin"

# A broken plugin file: refused, the running one keeps serving.
echo "not a plugin" > "$work/plugins/.new" && mv "$work/plugins/.new" "$work/plugins/docker_registry.so"
wait_for 10 log_has "plugin refused, the running configuration stays" || fail "broken plugin not refused"
before=$(ok_lines one)
wait_for 10 more_ok_lines one "$before" || fail "refreshes stopped after a broken plugin"
tags_are one library/nginx '["1.25"]' || fail "cache lost after a broken plugin"
cp "$plugin_so" "$work/plugins/docker_registry.so"

# Stop, then restart against a registry that answers tag lists slowly: the
# stored cache is served before the first refresh ends, and SIGTERM in the
# middle of that refresh stops the service promptly with exit 0.
service_stop
expect_eq "exit code after SIGTERM" "$SERVICE_RC" 0
python3 "$here/slow_registry.py" 30 > "$work/slow.port" & slow_pid=$!
wait_for 30 test -s "$work/slow.port" || fail "slow registry did not start"
write_config "$(account one "http://127.0.0.1:$(cat "$work/slow.port")" library/nginx)"
service_start "$cdhost" "$cfg" "$work/plugins" "$log"
wait_for 10 tags_are one library/nginx '["1.25"]' || fail "restart did not serve the stored cache"
sleep 1.5 # let the first refresh reach the slow registry
started=$(date +%s)
service_stop
expect_eq "exit code after SIGTERM mid-refresh" "$SERVICE_RC" 0
[ $(( $(date +%s) - started )) -le 12 ] || fail "SIGTERM took more than 12 s"

[ "$failures" -eq 0 ] || tail -40 "$log" >&2
finish "service"
