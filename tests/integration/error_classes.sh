#!/usr/bin/env bash
# The scheduler honours the plugin's error classes (cdh_plugin.h ERRORS, #12),
# as an operator sees them in GET /health and in the registry's request log:
#  - a registry without a catalog (_catalog 404) is "config-error" with
#    "this registry has no catalog: list repositories": never retried, not
#    even by a reload, until the account's config changes;
#  - a catalogFile that cannot be read is "backoff" and heals once the file
#    is back, without a reload;
#  - a fatal answer (a catalog refused with 400 UNSUPPORTED) is "disabled"
#    until a reload (SIGHUP), which runs it once more.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
: "${CDHOST:?run through ctest}" "${CDH_PLUGIN_DIR:?run through ctest}"

start_fake nocat --catalog-status 404
nocat_url=$FAKE_URL nocat_log=$FAKE_LOG
start_fake refused --catalog-status 400
refused_url=$FAKE_URL refused_log=$FAKE_LOG
port=$(free_port)
api=http://127.0.0.1:$port cfg=$T/cdhost.cfg log=$T/cdhost.log
echo '{"repositories":["odd/unsorted"]}' > "$T/catalog.json"

# write_config [NOCAT_EXTRA]: replaces the config the way editors do (rename).
write_config() {
    cat > "$cfg.tmp" <<CFG
host = { listen = "127.0.0.1:$port"; workers = 2; cache = { backend = "memory"; }; };
dockerRegistry = { accounts = (
  { name = "nocat"; address = "$nocat_url"; cacheIntervalSeconds = 1; ${1:-} },
  { name = "byfile"; address = "$nocat_url"; catalogFile = "$T/catalog.json"; cacheIntervalSeconds = 1; },
  { name = "refused"; address = "$refused_url"; cacheIntervalSeconds = 1; }
); };
CFG
    mv "$cfg.tmp" "$cfg"
}
field() { curl -fsS "$api/health" | jq -r ".accounts.$1[0].$2"; }
state_is() { [ "$(field "$1" state)" = "$2" ]; }
catalog_requests() { grep -c "GET /v2/_catalog" "$1" || true; }
# wait_state ACCOUNT STATE: up to 20 s (backoff after failures is 2 s, 4 s, ...)
wait_state() {
    local i
    for i in $(seq 1 200); do
        state_is "$1" "$2" 2>/dev/null && { pass "$1 is $2"; return 0; }
        sleep 0.1
    done
    fail "$1 never became $2: $(curl -sS "$api/health"; echo; tail -5 "$log")"
}

write_config
"$CDHOST" --config "$cfg" --plugin-dir "$CDH_PLUGIN_DIR" run 2>"$log" &
CLEANUP_PIDS+=("$!")
service_pid=$!
wait_http "$api/health" || fail "service did not start: $(cat "$log")"

wait_state nocat config-error
assert_eq "no catalog: the message says what to do" \
    "this registry has no catalog: list repositories" "$(field nocat stateMessage)"
assert_eq "the fields /health had stay" "this registry has no catalog: list repositories" \
    "$(field nocat lastErrorMessage)"
wait_state refused disabled
assert_contains "fatal: the registry's answer is shown" "HTTP 400 UNSUPPORTED" "$(field refused stateMessage)"
wait_state byfile ok

# Three one-second intervals later neither parked agent has asked again.
sleep 3
assert_eq "config error: _catalog asked once" 1 "$(catalog_requests "$nocat_log")"
assert_eq "disabled: _catalog asked once" 1 "$(catalog_requests "$refused_log")"

# The catalogFile goes away: backoff, and back to ok once it returns.
mv "$T/catalog.json" "$T/catalog.json.away"
wait_state byfile backoff
assert_contains "unreadable catalogFile: the message names it" "catalog.json" "$(field byfile stateMessage)"
mv "$T/catalog.json.away" "$T/catalog.json"
wait_state byfile ok

# A reload (nothing changed): the disabled agent runs once more, the
# config error stays parked.
kill -HUP "$service_pid"
for _ in $(seq 1 100); do
    [ "$(catalog_requests "$refused_log")" -ge 2 ] && break
    sleep 0.1
done
assert_eq "reload: the disabled agent ran again" 2 "$(catalog_requests "$refused_log")"
wait_state refused disabled
assert_eq "reload: the config error was not retried" 1 "$(catalog_requests "$nocat_log")"

# The account's config changes: it is recreated and runs.
write_config 'repositories = ["odd/unsorted"];'
wait_state nocat ok
assert_eq "changed account: no catalog asked" 1 "$(catalog_requests "$nocat_log")"
pass "error classes"
