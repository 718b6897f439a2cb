#!/usr/bin/env bash
# Issue #22, 5: an address where no registry answers (a plain web server:
# 404 on /v2/ and everything else) is an account error, as Clouddriver's
# health indicator reports it: `run --once` exits 1 and names the problem,
# and the service's /health shows it for that account while the other
# account refreshes.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
: "${CDHOST:?run through ctest}" "${CDH_PLUGIN_DIR:?run through ctest}"

registry_start "$T/reg" > /dev/null || fail "cannot start registry"
CLEANUP_PIDS+=("$REGISTRY_PID")
registry_push_image "$REGISTRY_URL" team/app 1 > /dev/null || fail "push"
mkdir "$T/www"
web_port=$(free_port)
(cd "$T/www" && exec python3 -m http.server --bind 127.0.0.1 "$web_port" > "$T/www.log" 2>&1) &
CLEANUP_PIDS+=("$!")
web=http://127.0.0.1:$web_port
wait_http "$web/" || fail "web server did not start"
assert_eq "the web server answers 404 on /v2/" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$web/v2/")"

api_port=$(free_port)
cat > "$T/cdhost.cfg" <<CFG
host = { listen = "127.0.0.1:$api_port"; };
dockerRegistry = { accounts = (
  { name = "web"; address = "$web"; repositories = ["team/app", "team/x", "team/y"];
    cacheIntervalSeconds = 60; maxConcurrentRequests = 1; },
  { name = "good"; address = "$REGISTRY_URL"; repositories = ["team/app"]; cacheIntervalSeconds = 60; }
); };
CFG
cdhost() { "$CDHOST" --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR" "$@"; }

asked() { grep -c "\"GET $1" "$T/www.log" || true; }
pings=$(asked '/v2/ HTTP') gets=$(asked '')
rc=0
cdhost run --once 2> "$T/once.log" || rc=$?
assert_eq "run --once exits 1" 1 "$rc"
assert_contains "the summary names the problem" \
    "web/DockerRegistryImageCachingAgent[1/1]: failed (configuration error): $web is not a Docker registry: GET /v2/ answered 404" \
    "$(< "$T/once.log")"
assert_eq "one GET /v2/ for three repositories" 1 "$(( $(asked '/v2/ HTTP') - pings ))"
assert_eq "nothing else asked" 1 "$(( $(asked '') - gets ))"
assert_eq "the other account is cached" '["1"]' \
    "$(cdhost images tags --account good --repository team/app)"

"$CDHOST" --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR" run 2> "$T/service.log" &
service_pid=$!
CLEANUP_PIDS+=("$service_pid")
health() { curl -fsS "http://127.0.0.1:$api_port/health"; }
web_error() { health | jq -r '.accounts.web[0].lastErrorMessage // empty' | grep -q 'not a Docker registry'; }
for _ in $(seq 1 100); do web_error && break; sleep 0.1; done
web_error || fail "/health does not show the account error: $(health)"
assert_eq "/health: the error is the web account's" \
    "$web is not a Docker registry: GET /v2/ answered 404" \
    "$(health | jq -r '.accounts.web[0].lastErrorMessage')"
assert_eq "/health still UP" UP "$(health | jq -r .status)"
kill -TERM "$service_pid"
wait "$service_pid" || fail "service exit code $?"
echo "parity_not_registry: all passed"
