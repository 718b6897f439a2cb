# shellcheck shell=bash
# lib.sh - shared by the integration tests: assertions, a scratch dir
# cleaned at exit, free loopback ports, and starting docker-registry with a
# config of the test's own (TLS, htpasswd, token auth) on an existing
# storage root. Sourced after `set -euo pipefail`.

: "${DRG_PROBE:?run through ctest (DRG_PROBE unset)}"
: "${CDH_SOURCE_DIR:?run through ctest}"
# shellcheck source=../../scripts/lib/registry.sh
source "$CDH_SOURCE_DIR/scripts/lib/registry.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/cdh-it.XXXXXX")
declare -a CLEANUP_PIDS=()
cleanup() {
    local pid
    for pid in "${CLEANUP_PIDS[@]}"; do
        registry__kill "$pid"
    done
    rm -rf "$T"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
    [[ $2 == "$3" ]] || fail "$1: expected [$2], got [$3]"
    pass "$1"
}
# assert_contains WHAT NEEDLE HAYSTACK
assert_contains() {
    [[ $3 == *"$2"* ]] || fail "$1: [$2] not in [$3]"
    pass "$1"
}
assert_not_contains() {
    [[ $3 != *"$2"* ]] || fail "$1: [$2] unexpectedly in [$3]"
    pass "$1"
}

# probe ARGS... -> stdout in PROBE_OUT, stderr in PROBE_ERR, status in PROBE_RC
probe() {
    PROBE_RC=0
    PROBE_OUT=$("$DRG_PROBE" "$@" 2> "$T/probe.err") || PROBE_RC=$?
    PROBE_ERR=$(< "$T/probe.err")
}

# A loopback port nothing listens on (the caller still checks its server).
free_port() {
    local port rc
    for _ in $(seq 1 50); do
        port=$(registry__random_port)
        rc=0; curl -sS -m 1 -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null || rc=$?
        (( rc == 7 )) && { echo "$port"; return 0; }
    done
    return 1
}

# wait_http URL [CURL_ARGS...]: until URL answers at all (any status), ~10 s.
wait_http() {
    local url=$1
    shift
    for _ in $(seq 1 100); do
        curl -sS -m 2 -o /dev/null "$@" "$url" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# start_registry_config DIR: runs docker-registry on DIR/config.yml (which
# the caller wrote); records the PID for cleanup in REG_PID.
start_registry_config() {
    local dir=$1
    registry__spawn "$dir" || return 1
    REG_PID=$REGISTRY__SPAWNED_PID
    CLEANUP_PIDS+=("$REG_PID")
}

# seed_storage DIR: a plain registry on DIR pushes the sample images, then
# stops; returns with DIR/data holding them for an auth/TLS registry.
seed_storage() {
    local dir=$1
    registry_start "$dir" || return 1
    "$CDH_SOURCE_DIR/scripts/seed-sample-registry.sh" "$REGISTRY_URL" > "$dir/seeded" || return 1
    registry_push_image "$REGISTRY_URL" public/tool 2.0 > /dev/null || return 1
    registry_stop "$dir"
}

# start_fake NAME [ARGS...]: fake_registry.py in the background; sets
# FAKE_URL (http://127.0.0.1:PORT), FAKE_LOG, FAKE_INFO for NAME.
start_fake() {
    local name=$1 i
    shift
    FAKE_LOG=$T/$name.log
    FAKE_INFO=$T/$name.info
    : > "$FAKE_LOG"
    python3 "$CDH_SOURCE_DIR/tests/integration/fake_registry.py" --port-file "$T/$name.port" \
        --log "$FAKE_LOG" --info "$FAKE_INFO" "$@" &
    CLEANUP_PIDS+=("$!")
    for i in $(seq 1 300); do   # 30 s: python starts slowly on a loaded machine
        [[ -s $T/$name.port ]] && break
        sleep 0.1
    done
    [[ -s $T/$name.port ]] || fail "fake registry $name did not start"
    FAKE_URL=http://127.0.0.1:$(< "$T/$name.port")
}

# info KEY: a digest the fake registry wrote to its --info file.
info() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$FAKE_INFO" "$1"
}

# token_registry_start DIR STORAGE_ROOT: docker-registry 2.8 with token auth
# (registry-protocol.md §7.3) over STORAGE_ROOT, signing key and config in
# DIR, and its token server; sets TOKEN_REGISTRY_URL and TOKEN_PORT. The
# token server also passes every other request to the registry (listening
# on a port of its own), so registry and realm share one origin: over plain
# http, Basic credentials go only to the registry's origin (#19 item 12).
token_registry_start() {
    local dir=$1 storage=$2 rport
    mkdir -p "$dir/token" "$dir/reg"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/token/rsa.key" \
        -out "$dir/token/rsa.crt" -days 3650 -subj /CN=token-signer > "$dir/openssl.log" 2>&1 \
        || { cat "$dir/openssl.log"; fail "openssl"; }
    TOKEN_PORT=$(free_port)
    rport=$(free_port)
    TOKEN_UPSTREAM=http://127.0.0.1:$rport
    cat > "$dir/reg/config.yml" <<CFG
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $storage}}
http: {addr: 127.0.0.1:$rport, secret: fixed-test-secret}
auth:
  token:
    realm: http://127.0.0.1:$TOKEN_PORT/token
    service: test-registry
    issuer: test-issuer
    rootcertbundle: $dir/token/rsa.crt
CFG
    start_registry_config "$dir/reg"
    wait_http "$TOKEN_UPSTREAM/v2/" || fail "token registry did not start"
    TOKEN_REGISTRY_URL=http://127.0.0.1:$TOKEN_PORT
    TOKEN_DIR=$dir
    token_server_start
}

# token_server_start [ARGS...]: (re)starts token_server.py on $TOKEN_PORT
# with the key of token_registry_start; it logs to $TOKEN_DIR/token.log.
token_server_start() {
    [[ -n ${TOKEN_PID:-} ]] && registry__kill "$TOKEN_PID"
    : > "$TOKEN_DIR/token.log"
    python3 "$CDH_SOURCE_DIR/tests/integration/token_server.py" --port "$TOKEN_PORT" \
        --key "$TOKEN_DIR/token/rsa.key" --cert "$TOKEN_DIR/token/rsa.crt" \
        --log "$TOKEN_DIR/token.log" --upstream "$TOKEN_UPSTREAM" "$@" &
    TOKEN_PID=$!
    CLEANUP_PIDS+=("$TOKEN_PID")
    wait_http "http://127.0.0.1:$TOKEN_PORT/" || fail "token server did not start"
}

# A docker-registry with htpasswd Basic auth (alice / s3cret) over TLS signed
# by a CA made here (registry-protocol.md §7.2), serving the seeded images.
# Sets tls (the directory of ca.crt, server.crt...), port and url.
tls_htpasswd_registry_start() {
    seed_storage "$T/seed" || fail "seeding"
    tls=$T/tls
    mkdir -p "$tls"
    (
        cd "$tls"
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj /CN=test-ca
        openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > ext.cnf
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 3650 -extfile ext.cnf
    ) > "$T/openssl.log" 2>&1 || { cat "$T/openssl.log"; fail "openssl"; }
    htpasswd -Bbn alice s3cret > "$T/htpasswd"
    port=$(free_port)
    mkdir -p "$T/reg"
    cat > "$T/reg/config.yml" <<CFG
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $T/seed/data}}
http:
  addr: 127.0.0.1:$port
  secret: fixed-test-secret
  tls: {certificate: $tls/server.crt, key: $tls/server.key}
auth:
  htpasswd: {realm: basic-realm, path: $T/htpasswd}
CFG
    start_registry_config "$T/reg"
    url=https://127.0.0.1:$port
    wait_http "$url/v2/" --cacert "$tls/ca.crt" || fail "TLS registry did not start"
}

# Halyard-style commands against the config file $CFG (set by the test):
# run_hal ARGS... runs `cdhost config provider docker-registry ARGS...`
# into HAL_OUT, HAL_ERR and HAL_RC; expect_refused WHAT RC ARGS... checks
# the command exits RC and leaves $CFG as it was; field NAME prints the
# first `NAME = value;` of $CFG.
run_hal() {
    HAL_RC=0
    HAL_OUT=$("$CDHOST" --plugin-dir "$CDH_PLUGIN_DIR" config provider docker-registry "$@" \
        2> "$T/hal.err") || HAL_RC=$?
    HAL_ERR=$(< "$T/hal.err")
}
expect_refused() {
    local what=$1 want_rc=$2
    shift 2
    cp "$CFG" "$T/before"
    run_hal "$@"
    assert_eq "$what: exit $want_rc ($HAL_ERR)" "$want_rc" "$HAL_RC"
    cmp -s "$T/before" "$CFG" || fail "$what: the file changed"
    pass "$what: the file is unchanged"
}
field() { grep -E "^ *$1 = " "$CFG" | head -n 1 | sed -E 's/^ *[A-Za-z]+ = (.*);$/\1/'; }
