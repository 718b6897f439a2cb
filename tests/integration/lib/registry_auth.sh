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

registry_auth_start() {
    if (( $# != 3 )); then
        echo "usage: registry_auth_start DIR USER PASSWORD" >&2; return 2
    fi
    local dir=$1 user=$2 password=$3
    mkdir -p "$dir" || return 1
    dir=$(cd "$dir" && pwd) || return 1
    registry_auth_set_password "$dir" "$user" "$password" || return 1
    registry_start "$dir" "auth:
  htpasswd:
    realm: basic-realm
    path: $dir/htpasswd"
}
