#!/usr/bin/env bash
# A wrong password (#20 item 2) against docker-registry with htpasswd Basic
# auth over TLS: classified as rejected credentials naming the user (never
# the password) in the cycle summary ("failed (credentials)", not
# "transient failure": ABI 1.1's CDH_E_CREDENTIALS), per account in /health
# (state "credentials", still retried with backoff), and
# `account add` hints at the username and password.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

tls_htpasswd_registry_start

cdh() { "$CDHOST" --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR" "$@"; }
api=$(free_port)
cat > "$T/cdhost.cfg" <<CFG
host = { listen = "127.0.0.1:$api"; };
dockerRegistry = { accounts = (
  { name = "good"; address = "$url"; caCertFile = "$tls/ca.crt";
    username = "alice"; password = "s3cret"; },
  { name = "wrong"; address = "$url"; caCertFile = "$tls/ca.crt";
    username = "alice"; password = "not-the-password"; },
  { name = "wronglist"; address = "$url"; caCertFile = "$tls/ca.crt";
    repositories = ["team/app", "library/nginx"];
    username = "alice"; password = "not-the-password"; }
); };
CFG
rc=0; cdh run --once 2> "$T/once.log" || rc=$?
log=$(< "$T/once.log")
assert_eq "run --once: some agent failed" 1 "$rc"
assert_contains "the good account refreshed" "good/DockerRegistryImageCachingAgent[1/1]: ok:" "$log"
assert_contains "catalog mode: rejected credentials, named user" \
    "wrong/DockerRegistryImageCachingAgent[1/1]: failed (credentials): catalog: HTTP 401 UNAUTHORIZED (authentication required): registry rejected the credentials for user alice" "$log"
assert_contains "repositories mode: one error for the agent, not a partial" \
    "wronglist/DockerRegistryImageCachingAgent[1/1]: failed (credentials): tags of " "$log"
assert_contains "... saying why" "HTTP 401 UNAUTHORIZED (authentication required): registry rejected the credentials for user alice; cache kept" "$log"
assert_not_contains "not a 'partial'" "partial" "$log"
assert_not_contains "not called transient" "transient" "$log"
assert_not_contains "never the password" "not-the-password" "$log"

# The service: /health says it per account.
"$CDHOST" --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR" run 2> "$T/service.log" &
CLEANUP_PIDS+=("$!")
wait_http "http://127.0.0.1:$api/health" || fail "service did not start"
health=""
for _ in $(seq 1 100); do
    health=$(curl -fsS "http://127.0.0.1:$api/health")
    [[ $health == *'"wronglist"'*'lastErrorMessage'* ]] && break
    sleep 0.1
done
msg=$(jq -r '.accounts.wronglist[0].lastErrorMessage' <<< "$health")
assert_contains "/health: rejected credentials for the account" \
    "registry rejected the credentials for user alice" "$msg"
assert_eq "/health: the state names the class" "credentials" \
    "$(jq -r '.accounts.wronglist[0].state' <<< "$health")"
assert_contains "/health: stateMessage says why" \
    "registry rejected the credentials for user alice" \
    "$(jq -r '.accounts.wronglist[0].stateMessage' <<< "$health")"
assert_not_contains "/health: never the password" "not-the-password" "$health"

# account add: the check hints at the username and password.
echo 'dockerRegistry = { enabled = true; accounts = (); };' > "$T/cdhost.cfg"
rc=0
printf 'not-the-password\n' | cdh config provider docker-registry account add newacct \
    --address "$url" --insecure-registry true --username alice --password \
    > "$T/add.out" 2> "$T/add.err" || rc=$?
out=$(cat "$T/add.out" "$T/add.err")
assert_eq "account add refused" 1 "$rc"
assert_contains "account add: says the credentials were rejected" \
    "registry rejected the credentials for user alice" "$out"
assert_contains "account add: hints at username and password" \
    "? Check the username and the password" "$out"
assert_not_contains "account add: never the password" "not-the-password" "$out"
