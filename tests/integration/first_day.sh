#!/usr/bin/env bash
# What a new operator ran into on the first day (#20), checked as they would
# see it: a disabled provider says so (item 7); each fact once and every line
# JSON in JSON mode (item 6); the last success as a timestamp and removed
# accounts named on reload (item 10).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cdh() { "$CDHOST" --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR" "$@"; }

# ---- item 7: a disabled provider is not silent ----
cat > "$T/cdhost.cfg" <<CFG
dockerRegistry = {
  enabled = false;
  accounts = ( { name = "off"; address = "http://127.0.0.1:1"; } );
};
CFG
rc=0; cdh run --once 2> "$T/err" || rc=$?
assert_eq "run --once of a disabled provider still succeeds" 0 "$rc"
assert_contains "says the section is disabled, at file:line" \
    "cdhost.cfg:2: dockerRegistry is disabled (enabled = false)" "$(< "$T/err")"

# ---- item 6: each fact once; every line JSON in JSON mode ----
start_fake basic --mode negotiate-basic
fake_pid=${CLEANUP_PIDS[-1]}
cat > "$T/cdhost.cfg" <<CFG
dockerRegistry = { accounts = (
  { name = "nofile"; address = "$FAKE_URL"; username = "alice";
    passwordFile = "$T/missing"; repositories = ["img/plain", "odd/unsorted"]; }
); };
CFG
rc=0; cdh run --once 2> "$T/err" || rc=$?
assert_eq "missing password file: the refresh fails" 1 "$rc"
assert_eq "missing password file: said once (the agent's failure), no line per repository" \
    1 "$(grep -c "$T/missing" "$T/err")"
assert_contains "the failure says it, as a credentials failure (#20)" "failed (credentials): tags of img/plain: passwordFile $T/missing: cannot read" "$(< "$T/err")"

echo 'dockerRegistry = { enabled = true; accounts = (); };' > "$T/hal.cfg"
rc=0; "$CDHOST" --config "$T/hal.cfg" --plugin-dir "$CDH_PLUGIN_DIR" config provider docker-registry account add nofile --address "$FAKE_URL" \
    --username alice --password-file "$T/missing" --repositories img/plain odd/unsorted > "$T/out" 2>&1 || rc=$?
assert_eq "account add with a missing password file fails" 1 "$rc"
assert_eq "account add: the missing password file said once ($(< "$T/out"))" 1 "$(grep -c "$T/missing" "$T/out")"
assert_contains "account add: as an error, with the hint" "! ERROR passwordFile $T/missing: cannot read" "$(< "$T/out")"

printf 's3cret' > "$T/open-password"
chmod 0644 "$T/open-password"
cat > "$T/cdhost.cfg" <<CFG
dockerRegistry = { accounts = (
  { name = "open"; address = "$FAKE_URL"; username = "alice";
    passwordFile = "$T/open-password"; repositories = ["img/plain"]; }
); };
CFG
rc=0; cdh run --once 2> "$T/err" || rc=$?
assert_eq "0644 password file: the refresh works" 0 "$rc"
assert_eq "0644 password file: warned once" 1 "$(grep -c "can be read by group or others" "$T/err")"
echo 'dockerRegistry = { enabled = true; accounts = (); };' > "$T/cdhost.cfg"
rc=0; cdh config provider docker-registry account add open --address "$FAKE_URL" \
    --username alice --password-file "$T/open-password" > "$T/out" 2>&1 || rc=$?
assert_eq "account add with a 0644 password file" 0 "$rc"
assert_eq "account add: warned once" 1 "$(grep -c "can be read by group or others" "$T/out")"
if grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$T/out"; then
    fail "a log line in account add's output: $(< "$T/out")"
fi
pass "no log line in account add's output"

# ---- item 10: an absent --remove-repository warns; the primary's move is said ----
export CDHOST_CONFIG=$T/hal.cfg CFG=$T/hal.cfg
echo 'dockerRegistry = { enabled = true; accounts = (); };' > "$CFG"
run_hal account add one --address "$FAKE_URL" --repositories img/plain odd/unsorted --no-validate
run_hal account add two --address "$FAKE_URL" --repositories img/plain --no-validate
assert_eq "the first account is primary" '"one"' "$(field primaryAccount)"
run_hal account edit one --remove-repository img/typo --no-validate
assert_eq "--remove-repository of an absent name: still exit 0 ($HAL_ERR)" 0 "$HAL_RC"
assert_contains "it warns" "cdhost: warning: --remove-repository img/typo: not in repositories; nothing removed" "$HAL_ERR"
assert_eq "the list is unchanged" '[ "img/plain", "odd/unsorted" ]' "$(field repositories)"
run_hal account edit one --remove-repository img/plain --no-validate
assert_eq "a present name: no warning" "" "$HAL_ERR"
assert_eq "a present name is removed" '[ "odd/unsorted" ]' "$(field repositories)"
run_hal account delete two
assert_eq "deleting another account: primaryAccount not mentioned" "+ Successfully deleted account two for provider dockerRegistry." "$HAL_OUT"
run_hal account add two --address "$FAKE_URL" --repositories img/plain --no-validate
run_hal account delete one
assert_contains "deleting the primary says where it moved" "+ dockerRegistry.primaryAccount is now two." "$HAL_OUT"
assert_eq "and it moved there" '"two"' "$(field primaryAccount)"
run_hal account delete two
assert_contains "deleting the last one says none is left" "+ dockerRegistry.primaryAccount removed: no account is left." "$HAL_OUT"
assert_eq "and it is gone" "" "$(field primaryAccount)"
unset CDHOST_CONFIG CFG

# ---- item 10: /health calls no account healthy before it stored anything ----
python3 "$CDH_SOURCE_DIR/tests/integration/slow_registry.py" 120 > "$T/slow.port" &
CLEANUP_PIDS+=("$!")
for _ in $(seq 1 300); do [[ -s $T/slow.port ]] && break; sleep 0.1; done
[[ -s $T/slow.port ]] || fail "slow registry did not start"
printf 's3cret' > "$T/fine-password"
chmod 0600 "$T/fine-password"
api=$(free_port)
cat > "$T/health.cfg" <<CFG
host = { listen = "127.0.0.1:$api"; cache = { backend = "memory"; }; };
dockerRegistry = { accounts = (
  { name = "fine"; address = "$FAKE_URL"; username = "alice";
    passwordFile = "$T/fine-password"; repositories = ["img/plain"]; },
  { name = "down"; address = "http://127.0.0.1:$(free_port)"; repositories = ["img/plain"];
    cacheIntervalSeconds = 1; },
  { name = "slow"; address = "http://127.0.0.1:$(< "$T/slow.port")"; repositories = ["slow/repo"]; }
); };
CFG
"$CDHOST" --config "$T/health.cfg" --plugin-dir "$CDH_PLUGIN_DIR" run 2> "$T/health.log" &
health_pid=$!
CLEANUP_PIDS+=("$health_pid")
wait_http "http://127.0.0.1:$api/health" || fail "service did not start"
state() { curl -fsS "http://127.0.0.1:$api/health" | jq -r ".accounts.$1[0].$2"; }
for _ in $(seq 1 300); do
    [[ $(state fine state) != starting && $(state down state) != starting ]] && break
    sleep 0.1
done
assert_eq "an account that stored its repositories is ok" ok "$(state fine state)"
assert_eq "one whose every repository failed, never stored anything, is unhealthy" \
    unhealthy "$(state down state)"
assert_contains "and says why" "img/plain" "$(state down stateMessage)"
assert_eq "one whose first refresh has not ended is starting" starting "$(state slow state)"
assert_eq "and says so" "not run yet" "$(state slow stateMessage)"
# Clouddriver's /titus/images/* alias of the docker image routes.
get() { curl -fsS "http://127.0.0.1:$api$1"; }
tags=$(get '/dockerRegistry/images/tags?account=fine&repository=img/plain')
[[ $tags == '['*'"'* ]] || fail "no tags to compare: $tags"
assert_eq "/titus/images/tags is /dockerRegistry/images/tags" "$tags" \
    "$(get '/titus/images/tags?account=fine&repository=img/plain')"
assert_eq "/titus/images/find is /dockerRegistry/images/find" \
    "$(get '/dockerRegistry/images/find?account=fine&includeDetails=true')" \
    "$(get '/titus/images/find?account=fine&includeDetails=true')"
assert_eq "other /titus paths: 404" 404 \
    "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$api/titus/instances")"
kill -TERM "$health_pid"
wait "$health_pid" || true

# A refused reload in --log-format json: still only JSON lines.
api=$(free_port)
cat > "$T/cdhost.cfg" <<CFG
host = { listen = "127.0.0.1:$api"; };
dockerRegistry = { accounts = (
  { name = "gone"; address = "$FAKE_URL"; username = "alice";
    passwordFile = "$T/gone-password"; cacheIntervalSeconds = 1; }
); };
CFG
printf 's3cret' > "$T/gone-password"
chmod 0600 "$T/gone-password"
"$CDHOST" --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR" --log-format json run \
    2> "$T/service.json" &
service_pid=$!
CLEANUP_PIDS+=("$service_pid")
wait_http "http://127.0.0.1:$api/health" || fail "service did not start"

# ---- item 10: the last success as a timestamp; a removed account logged ----
metric='cdhost_refresh_last_success_timestamp_seconds{agent="gone/DockerRegistryImageCachingAgent[1/1]"}'
stamp=0
for _ in $(seq 1 100); do
    stamp=$(curl -fsS "http://127.0.0.1:$api/metrics" | grep -F "$metric" | cut -d' ' -f2) || true
    [[ ${stamp:-0} != 0 ]] && break
    sleep 0.1
done
now=$(date +%s)
(( stamp > now - 300 && stamp <= now )) || fail "last success timestamp: [$stamp], now $now"
pass "last success as a Unix timestamp"
assert_contains "the 0/1 gauge stays" 'cdhost_refresh_last_success{agent="gone/' "$(curl -fsS "http://127.0.0.1:$api/metrics")"
# A failed refresh stores nothing: /health's records say what is served.
records=$(curl -fsS "http://127.0.0.1:$api/health" | jq -r '.accounts.gone[0].records')
(( records > 0 )) || fail "no records after a good refresh: $records"
kill "$fake_pid"
health=""
for _ in $(seq 1 100); do
    health=$(curl -fsS "http://127.0.0.1:$api/health")
    [[ $(jq -r '.accounts.gone[0].lastErrorMessage // ""' <<< "$health") == *catalog* ]] && break
    sleep 0.1
done
assert_contains "the refresh failed" "catalog" "$(jq -r '.accounts.gone[0].lastErrorMessage' <<< "$health")"
assert_eq "records still served after the failure" "$records" "$(jq -r '.accounts.gone[0].records' <<< "$health")"
cat > "$T/cdhost.cfg" <<CFG
host = { listen = "127.0.0.1:$api"; };
dockerRegistry = { accounts = (); };
CFG
kill -HUP "$service_pid"
for _ in $(seq 1 100); do
    grep -q '"account":"gone","message":"account removed"' "$T/service.json" && break
    sleep 0.1
done
assert_contains "a reload names the account it removed" '"account":"gone","message":"account removed"' "$(< "$T/service.json")"
cat > "$T/cdhost.cfg" <<CFG
host = { listen = "127.0.0.1:$api"; };
dockerRegistry = { accounts = ( { name = "Bad_Name"; address = "$FAKE_URL"; } ); };
CFG
kill -HUP "$service_pid"
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$api/health" | jq -e '.reload.ok == false' > /dev/null && break
    sleep 0.1
done
assert_contains "the reload was refused" "Bad_Name" "$(curl -fsS "http://127.0.0.1:$api/health")"
kill -TERM "$service_pid"
wait "$service_pid" || true
while IFS= read -r line; do
    jq -e . <<< "$line" > /dev/null 2>&1 || fail "not JSON: $line"
done < "$T/service.json"
assert_contains "the refusal is a JSON log line" '"message":"' "$(grep 'Account name must match' "$T/service.json")"
