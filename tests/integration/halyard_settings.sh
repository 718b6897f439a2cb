#!/usr/bin/env bash
# The account flags the settings descriptor brings beyond Halyard's (issue
# #12's descriptor, #20 item 1), each written to the config and validated,
# against a registry with htpasswd over TLS signed by a CA this test makes:
# --ca-cert-file (a relative path, stored absolute; the registry check and
# `run --once` pass only with it), --dockerconfig-file (one of the password
# sources: it replaces the others, conflicts with them, and its credentials
# are checked), --catalog-file, --max-concurrent-requests,
# --requests-per-second, --password-command-timeout-seconds (a slow command
# is killed after it), --inspect-digests, --skip, --account-type; and
# integers the service would not use (--cache-interval-seconds 0) refused.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

export HOME=$T/home
mkdir -p "$HOME"
CFG=$T/conf/cdhost.cfg
export CDHOST_CONFIG=$CFG


# ---- a registry with htpasswd over TLS, signed by our own CA ----
tls_htpasswd_registry_start

printf 's3cret\n' > "$T/pw"
chmod 600 "$T/pw"
mkdir -p "$T/conf"
printf 'host = { cache = { backend = "sqlite"; path = "%s/cache.db"; }; };\n' "$T" > "$CFG"
run_hal enable

# ---- --ca-cert-file ----
run_hal account add private --address "$url" --username alice --password-file "$T/pw"
assert_eq "an unknown CA: the registry check fails ($HAL_ERR)" 1 "$HAL_RC"
run_hal account add private --address "$url" --username alice --password-file "$T/pw" \
    --ca-cert-file "$T/nope.pem" --no-validate
assert_eq "a CA file that is not there: saved with --no-validate" 0 "$HAL_RC"
assert_contains "a CA file that is not there: the plugin says so" "caCertFile: cannot read $T/nope.pem" "$HAL_ERR"
run_hal account delete private
HAL_RC=0
(cd "$tls" && "$CDHOST" --plugin-dir "$CDH_PLUGIN_DIR" config provider docker-registry \
    account add private --address "$url" --username alice --password-file "$T/pw" \
    --ca-cert-file ca.crt > /dev/null 2> "$T/hal.err") || HAL_RC=$?
HAL_ERR=$(< "$T/hal.err")
assert_eq "--ca-cert-file: the registry check passes ($HAL_ERR)" 0 "$HAL_RC"
assert_eq "--ca-cert-file: stored absolute" "\"$tls/ca.crt\"" "$(field caCertFile)"
rc=0; "$CDHOST" --plugin-dir "$CDH_PLUGIN_DIR" run --once > "$T/once.out" 2>&1 || rc=$?
assert_eq "run --once trusts the CA ($(tail -n 3 "$T/once.out"))" 0 "$rc"
assert_contains "and caches the registry" '"1.1.0"' \
    "$("$CDHOST" --plugin-dir "$CDH_PLUGIN_DIR" images tags --account private --repository team/app)"

# ---- --dockerconfig-file: one of the password sources ----
printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}}}\n' "$port" "$(printf 'alice:s3cret' | base64)" > "$T/docker.json"
printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}}}\n' "$port" "$(printf 'alice:wrong' | base64)" > "$T/bad.json"
chmod 600 "$T/docker.json" "$T/bad.json"
expect_refused "--dockerconfig-file with wrong credentials" 1 account edit private --dockerconfig-file "$T/bad.json"
expect_refused "--dockerconfig-file and --password-file" 2 account edit private \
    --dockerconfig-file "$T/docker.json" --password-file "$T/pw"
assert_contains "names the flags" "Set either --password or --password-command or --password-file or --dockerconfig-file" "$HAL_ERR"
run_hal account edit private --dockerconfig-file "$T/docker.json"
assert_eq "--dockerconfig-file ($HAL_ERR)" 0 "$HAL_RC"
assert_eq "--dockerconfig-file: said so" "+ Successfully edited account private for provider dockerRegistry." "$HAL_OUT"
assert_eq "--dockerconfig-file: stored" "\"$T/docker.json\"" "$(field dockerconfigFile)"
assert_eq "--dockerconfig-file: the password file goes" "" "$(field passwordFile)"

# ---- --catalog-file ----
printf '{"repositories": ["team/app"]}\n' > "$T/catalog.json"
expect_refused "--catalog-file with --repositories" 2 account edit private \
    --catalog-file "$T/catalog.json" --repositories team/app
assert_contains "Clouddriver's message" "repositories and catalogFile may not be specified together." "$HAL_ERR"
run_hal account edit private --catalog-file "$T/catalog.json"
assert_eq "--catalog-file ($HAL_ERR)" 0 "$HAL_RC"
assert_eq "--catalog-file: stored" "\"$T/catalog.json\"" "$(field catalogFile)"

# ---- numbers: written, and refused outside what the service uses ----
run_hal account edit private --max-concurrent-requests 4 --requests-per-second 50 \
    --password-command-timeout-seconds 5
assert_eq "numbers ($HAL_ERR)" 0 "$HAL_RC"
assert_eq "--max-concurrent-requests" 4 "$(field maxConcurrentRequests)"
assert_eq "--requests-per-second" 50 "$(field requestsPerSecond)"
assert_eq "--password-command-timeout-seconds" 5 "$(field passwordCommandTimeoutSeconds)"
expect_refused "--max-concurrent-requests 0" 2 account edit private --max-concurrent-requests 0
assert_contains "says the range" "--max-concurrent-requests must be between 1 and 1024, not 0" "$HAL_ERR"
expect_refused "--max-concurrent-requests 2000" 2 account edit private --max-concurrent-requests 2000
expect_refused "--requests-per-second -1" 2 account edit private --requests-per-second -1
expect_refused "--password-command-timeout-seconds 0" 2 account edit private --password-command-timeout-seconds 0
expect_refused "--cache-interval-seconds 0 (the service would use 30)" 2 account edit private --cache-interval-seconds 0
assert_contains "says the range" "--cache-interval-seconds must be between 1 and 31536000, not 0" "$HAL_ERR"
expect_refused "--cache-interval-seconds 0 on add" 2 account add other --address "$url" --cache-interval-seconds 0

# ---- --password-command-timeout-seconds: a slow command is killed ----
start=$(date +%s)
run_hal account edit private --password-command "sleep 20; echo s3cret" \
    --password-command-timeout-seconds 1
assert_contains "the command was killed after the timeout" "timed out after 1 s and was killed" "$HAL_ERR"
(( $(date +%s) - start < 15 )) || fail "the command ran past its timeout"
run_hal account edit private --password-command "echo s3cret" --password-command-timeout-seconds 10
assert_eq "a password command within its timeout ($HAL_ERR)" 0 "$HAL_RC"
assert_eq "the command replaces the docker config" "" "$(field dockerconfigFile)"

# ---- flags for Clouddriver's fields Halyard has none for ----
run_hal account edit private --inspect-digests --skip team/web library/nginx --account-type docker
assert_eq "--inspect-digests --skip --account-type ($HAL_ERR)" 0 "$HAL_RC"
assert_eq "--inspect-digests" true "$(field inspectDigests)"
assert_eq "--skip" '[ "team/web", "library/nginx" ]' "$(field skip)"
assert_eq "--account-type" '"docker"' "$(field accountType)"
out=$("$CDHOST" --plugin-dir "$CDH_PLUGIN_DIR" credentials private)
assert_contains "the service reads them" '"accountType":"docker"' "${out// /}"
# ---- get: the effective account (#20 item 8) ----
printf 'second-pw\n' | "$CDHOST" --plugin-dir "$CDH_PLUGIN_DIR" config provider docker-registry \
    account add second --address "$url" --username bob --password --no-validate > /dev/null 2>&1 \
    || fail "add second"
run_hal account get second
assert_eq "get exits 0" 0 "$HAL_RC"
assert_contains "get: what the file says" 'username = "bob";' "$HAL_OUT"
assert_contains "get: the secret masked" "# password is set (not shown)" "$HAL_OUT"
assert_not_contains "get: never the secret" "second-pw" "$HAL_OUT$HAL_ERR"
assert_contains "get: the defaults in effect" "# defaults in effect:" "$HAL_OUT"
assert_contains "get: an integer default" "#   cacheIntervalSeconds = 30;" "$HAL_OUT"
assert_contains "get: one of ours" "#   maxConcurrentRequests = 16;" "$HAL_OUT"
assert_contains "get: a boolean default" "#   insecureRegistry = false;" "$HAL_OUT"
assert_contains "get: the environment is the name" '#   environment = "second";' "$HAL_OUT"
assert_not_contains "get: Halyard's e-mail placeholder is not in effect" "fake.email" "$HAL_OUT"
run_hal account get private
assert_contains "get: the password command" 'passwordCommand = "echo s3cret";' "$HAL_OUT"
assert_contains "get: a set value is not a default" "maxConcurrentRequests = 4;" "$HAL_OUT"
assert_not_contains "get: nor listed among them" "#   maxConcurrentRequests" "$HAL_OUT"
sed -i 's/name = "second";/name = "second"; paginateSize = 0;/' "$CFG"
run_hal account get second
assert_contains "get: a hand-written 0 is the default" "#   paginateSize = 100;" "$HAL_OUT"
echo "halyard_settings: all passed"
