# shellcheck shell=bash
#
# registry_auth.sh - a throw-away docker-registry (Debian's 2.8) with
# htpasswd Basic auth, plain http on a free loopback port, for credential
# tests. Builds on scripts/lib/registry.sh (source that first); stop it with
# registry_stop DIR as usual.
#
#   registry_auth_start DIR USER PASSWORD   -> sets REGISTRY_URL, REGISTRY_HOSTPORT,
#                                              REGISTRY_PID (like registry_start)
#   registry_auth_set_password DIR USER PASSWORD
#                                           -> replaces the htpasswd file; the
#                                              registry re-reads it on its next
#                                              request (it watches the mtime)
#
# Like registry.sh: sourced, does not change the caller's shell options, and
# checks its own errors explicitly.

# htpasswd for USER:PASSWORD (bcrypt: 2.8 accepts nothing else), written
# to a temporary file and renamed over DIR/htpasswd.
registry_auth_set_password() {
    if (( $# != 3 )); then
        echo "usage: registry_auth_set_password DIR USER PASSWORD" >&2; return 2
    fi
    local dir=$1 user=$2 password=$3
    htpasswd -Bbn "$user" "$password" > "$dir/htpasswd.new" || return 1
    mv -f "$dir/htpasswd.new" "$dir/htpasswd"
}

registry_auth__write_config() {
    local dir=$1 port=$2 nonce=$3
    cat > "$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: fixed-test-secret
  headers:
    X-Registry-Instance: [$nonce]
auth:
  htpasswd:
    realm: basic-realm
    path: $dir/htpasswd
EOF
}

# Ready when /v2/ answers 401 with our nonce (it wants credentials: that is
# the point). 0 ready, 1 the process died, 2 timeout.
registry_auth__wait_ready() {
    local pid=$1 port=$2 nonce=$3 i hdrs
    for (( i = 0; i < 100; i++ )); do
        registry__alive "$pid" || return 1
        hdrs=$(curl -sS -m 2 -D - -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null) || hdrs=
        if [[ ${hdrs,,} == *"x-registry-instance: $nonce"* ]]; then
            registry__alive "$pid" && return 0
            return 1
        fi
        sleep 0.1
    done
    return 2
}

registry_auth_start() {
    if (( $# != 3 )); then
        echo "usage: registry_auth_start DIR USER PASSWORD" >&2; return 2
    fi
    local dir=$1 user=$2 password=$3 attempt port nonce pid rc
    mkdir -p "$dir/data" || return 1
    dir=$(cd "$dir" && pwd) || return 1
    registry_auth_set_password "$dir" "$user" "$password" || return 1
    nonce=$(registry__nonce) || return 1
    for (( attempt = 1; attempt <= 10; attempt++ )); do
        port=$(registry__random_port)
        rc=0; curl -sS -m 1 -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null || rc=$?
        (( rc == 7 )) || continue
        registry_auth__write_config "$dir" "$port" "$nonce" || return 1
        registry__spawn "$dir" || return 1
        pid=$REGISTRY__SPAWNED_PID
        rc=0; registry_auth__wait_ready "$pid" "$port" "$nonce" || rc=$?
        if (( rc == 0 )); then
            echo "$pid" > "$dir/registry.pid" || { registry__kill "$pid"; return 1; }
            REGISTRY_PID=$pid
            REGISTRY_HOSTPORT=127.0.0.1:$port
            REGISTRY_URL=http://$REGISTRY_HOSTPORT
            export REGISTRY_PID REGISTRY_HOSTPORT REGISTRY_URL
            return 0
        fi
        registry__kill "$pid"
        (( rc == 2 )) && break
    done
    echo "registry_auth_start: could not start docker-registry (last port $port); log tail:" >&2
    tail -n 20 "$dir/registry.log" >&2 2>/dev/null || true
    return 1
}
