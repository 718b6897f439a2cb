#!/usr/bin/env bash
# Plain http and the API's origin (issue #19, item 12): credentials
# configured for an http:// registry elsewhere than this machine are warned
# of once, at config check and at `account add` (they travel in clear); the
# API answers only to the Host names it may be reached by (DNS rebinding: a
# page on attacker.example resolving to 127.0.0.1 gets 421), which
# host.allowedHosts extends ("*": any). (12a, the realm's origin, is
# test_auth and the token set-up in lib.sh.)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
CFG=$T/cdhost.cfg
export CDHOST_CONFIG=$CFG
clear_text="are sent to http://registry.example:5000 in clear text: anyone on the network path can read them; use https://"

# ---- credentials for http:// ----
cat > "$CFG" <<CFG
dockerRegistry = { enabled = true; accounts = (
  { name = "plain"; address = "http://registry.example:5000"; username = "u"; password = "p"; },
  { name = "tls"; address = "https://registry.example"; username = "u"; password = "p"; },
  { name = "local"; address = "http://127.0.0.1:5000"; username = "u"; password = "p"; },
  { name = "anon"; address = "http://anon.example:5000"; }
); };
CFG
"$CDHOST" --plugin-dir "$CDH_PLUGIN_DIR" credentials > /dev/null 2> "$T/err" || fail "credentials: $(< "$T/err")"
err=$(< "$T/err")
assert_contains "config check warns of credentials over http" "account plain: address: credentials (password) $clear_text" "$err"
assert_eq "said once" 1 "$(grep -c "in clear text" "$T/err")"
assert_not_contains "not for https" "account tls" "$err"
assert_not_contains "not for loopback" "account local" "$err"
assert_not_contains "not without credentials" "account anon" "$err"

echo 'dockerRegistry = { enabled = true; accounts = (); };' > "$CFG"
run_hal account add second --address http://registry.example:5000 --username u \
    --password-command "echo p" --no-validate
assert_eq "account add exits 0 ($HAL_ERR)" 0 "$HAL_RC"
assert_contains "account add warns" "credentials (passwordCommand) $clear_text" "$HAL_ERR"

# ---- the Host header ----
port=$(free_port)
api=http://127.0.0.1:$port
start() {
    echo "host = { listen = \"127.0.0.1:$port\"; cache = { backend = \"memory\"; }; $1 };" > "$CFG"
    "$CDHOST" --plugin-dir "$CDH_PLUGIN_DIR" run 2> "$T/run.log" &
    pid=$!
    CLEANUP_PIDS+=("$pid")
    wait_http "$api/health" || fail "cdhost did not start: $(cat "$T/run.log")"
}
code() { curl -sS -o "$T/body" -w '%{http_code}' -H "Host: $1" "$api/credentials"; }

start ""
assert_eq "Host 127.0.0.1:port served" 200 "$(code "127.0.0.1:$port")"
assert_eq "Host localhost:port served" 200 "$(code "localhost:$port")"
assert_eq "Host <this machine's name> served" 200 "$(code "$(hostname):$port")"
assert_eq "Host attacker.example refused (DNS rebinding)" 421 "$(code "attacker.example:$port")"
assert_contains "the refusal says why" "host.allowedHosts" "$(< "$T/body")"
assert_eq "also /health" 421 "$(curl -sS -o /dev/null -w '%{http_code}' -H "Host: attacker.example" "$api/health")"
registry__kill "$pid"

start 'allowedHosts = ["cdhost.internal"];'
assert_eq "allowedHosts: a configured name served" 200 "$(code "cdhost.internal:$port")"
assert_eq "allowedHosts: others still refused" 421 "$(code "attacker.example:$port")"
assert_eq "allowedHosts: IP addresses still served" 200 "$(code "127.0.0.1:$port")"
registry__kill "$pid"

start 'allowedHosts = ["*"];'
assert_eq "allowedHosts = [\"*\"]: any name served" 200 "$(code "attacker.example:$port")"
registry__kill "$pid"
echo "harden_http_origin: all passed"
