# shellcheck shell=bash
#
# registry.sh - helpers for tests: run a throw-away Docker registry
# (Debian's docker-registry 2.8.2) on loopback and push tiny real images
# to it with curl only.  See /work/shared/reference/registry-protocol.md §7.
#
# Meant to be sourced.  It deliberately does not change the caller's shell
# options and works with or without `set -e` there.  Every step checks its
# own errors explicitly: bash ignores errexit inside a function (even one
# with its own `set -e`) whenever the call sits in `if`, `||` or `&&`, which
# is exactly how tests call these.  registry_push_image and
# registry_delete_tag run in a subshell so an EXIT trap can clean up.
#
#   registry_start DIR                      -> sets REGISTRY_URL, REGISTRY_HOSTPORT, REGISTRY_PID
#   registry_stop DIR
#   registry_push_image URL REPO TAG [CREATED]   -> prints manifest digest
#   registry_delete_tag URL REPO DIGEST
#
# Optional overrides for the image config labels pushed by registry_push_image
# (inserted into JSON verbatim: no quotes or backslashes):
#   REGISTRY_PUSH_COMMIT_ID     default: first 40 hex of sha256("REPO:TAG")
#   REGISTRY_PUSH_BUILD_NUMBER  default: 1
#   REGISTRY_PUSH_BRANCH        default: main
#   REGISTRY_PUSH_NO_LABELS     non-empty: an image config without Labels

REGISTRY_DEFAULT_CREATED=2021-03-04T05:06:07Z
REGISTRY_MT_MANIFEST=application/vnd.docker.distribution.manifest.v2+json
REGISTRY_MT_CONFIG=application/vnd.docker.container.image.v1+json
REGISTRY_MT_LAYER=application/vnd.docker.image.rootfs.diff.tar.gzip

# ---------------------------------------------------------------------------
# Server lifecycle
# ---------------------------------------------------------------------------

# A random port below Linux's ephemeral range (32768-60999 by default), so
# no outgoing connection of this machine can be holding it: a port picked
# inside that range can be refused by bind() although nothing listens.
registry__random_port() {
    echo $(( ((RANDOM << 15) | RANDOM) % 12000 + 20000 ))
}

# A random token; used to recognise *our* registry on the port (see below).
registry__nonce() {
    local n
    read -r n < /proc/sys/kernel/random/uuid || return 1
    echo "${n//-/}"
}

# True if PID exists and is not a zombie.  kill -0 alone succeeds on an
# unreaped zombie, which would make a registry that died look alive.
registry__alive() {
    local pid=$1 stat
    kill -0 "$pid" 2>/dev/null || return 1
    read -r stat < "/proc/$pid/stat" 2>/dev/null || return 1
    stat=${stat##*) }          # field 3 follows "(comm) "; comm may contain spaces
    [[ ${stat:0:1} != Z ]]
}

# Write DIR/config.yml for PORT.  The address lives in the file (not only in
# an env var) so the config alone reproduces the server.  The X-Registry-
# Instance header carries NONCE so registry_start can tell its own server
# from something else already answering /v2/ on that port.
registry__write_config() {
    local dir=$1 port=$2 nonce=$3 extra=${4:-}
    cat > "$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: ${REGISTRY_ACCESS_LOG_DISABLED:-true}   # false: requests in registry.log
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true         # registry_delete_tag needs DELETE on manifests
http:
  addr: 127.0.0.1:$port
  secret: fixed-test-secret   # otherwise random per start (upload state HMAC)
  headers:
    X-Registry-Instance: [$nonce]
EOF
    # Top-level YAML a caller adds, e.g. an `auth:` block.
    [[ -z $extra ]] || printf '%s\n' "$extra" >> "$dir/config.yml"
}

# Start docker-registry in the background; sets REGISTRY__SPAWNED_PID.
# Not run inside $(...), so the server stays a child of the caller's shell
# and registry_stop can `wait` for it.  All REGISTRY_* variables are removed
# from its environment: distribution reads them as config overrides, and we
# export REGISTRY_URL etc. ourselves (a second registry_start would inherit
# them; 2.8 only warns, but the config file should be the whole truth).
# stdin/stdout are detached so callers capturing output never hang.
registry__spawn() {
    local dir=$1
    (
        # shellcheck disable=SC2046  # compgen prints plain identifiers
        unset $(compgen -e REGISTRY_)
        exec docker-registry serve "$dir/config.yml"
    ) < /dev/null >> "$dir/registry.log" 2>&1 &
    REGISTRY__SPAWNED_PID=$!
}

# Wait up to ~10 s for PID to answer on PORT with our NONCE.
# Returns 0 when ready, 1 if the process died (e.g. port taken), 2 on timeout.
registry__wait_ready() {
    local pid=$1 port=$2 nonce=$3 i hdrs
    for (( i = 0; i < 100; i++ )); do
        registry__alive "$pid" || return 1
        # No -f: a registry that wants credentials answers 401, still ours.
        hdrs=$(curl -sS -m 2 -D - -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null) || hdrs=
        if [[ ${hdrs,,} == *"x-registry-instance: $nonce"* ]]; then
            registry__alive "$pid" && return 0
            return 1
        fi
        sleep 0.1
    done
    return 2
}

# Kill PID (TERM, then KILL after ~5 s) and reap it if it is our child.
registry__kill() {
    local pid=$1 i
    kill "$pid" 2>/dev/null || return 0
    for (( i = 0; i < 50; i++ )); do
        registry__alive "$pid" || break
        sleep 0.1
    done
    if registry__alive "$pid"; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    # Reap our own child (else it lingers as a zombie); fails harmlessly if
    # it is not ours.  `|| true`: the caller may run under set -e.
    wait "$pid" 2>/dev/null || true
    return 0
}

# registry_start DIR [EXTRA_YAML]
registry_start() {
    if (( $# < 1 || $# > 2 )); then
        echo "usage: registry_start DIR [EXTRA_YAML]" >&2; return 2
    fi
    local dir=$1 extra=${2:-} attempt port nonce pid rc
    mkdir -p "$dir/data" || return 1
    dir=$(cd "$dir" && pwd) || return 1     # config needs an absolute root
    if [[ -s $dir/registry.pid ]] && registry__alive "$(< "$dir/registry.pid")"; then
        echo "registry_start: a registry is already running for $dir" >&2
        return 1
    fi
    nonce=$(registry__nonce) || return 1
    for (( attempt = 1; attempt <= 10; attempt++ )); do
        port=$(registry__random_port)
        # Skip ports where something already accepts connections (curl exit
        # 7 = refused); the nonce check in wait_ready covers the races.
        rc=0; curl -sS -m 1 -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null || rc=$?
        (( rc == 7 )) || continue
        registry__write_config "$dir" "$port" "$nonce" "$extra" || return 1
        registry__spawn "$dir" || return 1
        pid=$REGISTRY__SPAWNED_PID
        rc=0; registry__wait_ready "$pid" "$port" "$nonce" || rc=$?
        if (( rc == 0 )); then
            echo "$pid" > "$dir/registry.pid" || { registry__kill "$pid"; return 1; }
            REGISTRY_PID=$pid
            REGISTRY_HOSTPORT=127.0.0.1:$port
            REGISTRY_URL=http://$REGISTRY_HOSTPORT
            export REGISTRY_PID REGISTRY_HOSTPORT REGISTRY_URL
            return 0
        fi
        registry__kill "$pid"
        (( rc == 2 )) && break      # hung rather than port clash: do not retry
    done
    echo "registry_start: could not start docker-registry (last port $port); log tail:" >&2
    tail -n 20 "$dir/registry.log" >&2 2>/dev/null || true
    return 1
}

# registry_stop DIR
registry_stop() {
    if (( $# != 1 )); then
        echo "usage: registry_stop DIR" >&2; return 2
    fi
    local pidfile=$1/registry.pid pid cmd=
    [[ -s $pidfile ]] || return 0
    pid=$(< "$pidfile")
    if registry__alive "$pid"; then
        # Guard against PID reuse: only kill what still is a docker-registry.
        read -r -d '' cmd < "/proc/$pid/cmdline" 2>/dev/null || true
        if [[ $cmd == *docker-registry* ]]; then
            registry__kill "$pid"
        fi
    fi
    rm -f "$pidfile"
    return 0
}

# ---------------------------------------------------------------------------
# HTTP helpers (used by the push/delete subshells)
# ---------------------------------------------------------------------------

# registry__http HDRFILE BODYFILE CURL_ARGS... -> prints the HTTP status.
# No -f: we want the error body.  "000" means curl could not talk at all.
# "Expect:" disables 100-continue so uploads are a single round trip.
registry__http() {
    local hdr=$1 body=$2
    shift 2
    curl -sS -m 60 -H 'Expect:' -D "$hdr" -o "$body" -w '%{http_code}' "$@" || true
}

# registry__check STEP STATUS BODYFILE: fail loudly unless STATUS is 2xx.
registry__check() {
    local step=$1 status=$2 body=$3
    [[ $status == 2?? ]] && return 0
    echo "registry: $step failed: HTTP $status" >&2
    [[ -s $body ]] && head -c 500 "$body" >&2 && echo >&2
    return 1
}

# registry__header FILE NAME: value of the last NAME header (case-insensitive).
registry__header() {
    local file=$1 name=${2,,} line val=
    while IFS= read -r line; do
        line=${line%$'\r'}
        if [[ ${line,,} == "$name:"* ]]; then
            val=${line#*:}
            val=${val#"${val%%[![:space:]]*}"}
        fi
    done < "$file"
    printf '%s' "$val"
}

# registry__resolve BASE LOCATION: make an upload Location absolute.
# 2.8 returns absolute URLs, but the spec allows relative ones.
registry__resolve() {
    local base=$1 loc=$2 origin
    case $loc in
        http://* | https://*) printf '%s' "$loc" ;;
        /*) origin=${base#*://}; origin=${base%%://*}://${origin%%/*}
            printf '%s%s' "$origin" "$loc" ;;
        *) printf '%s/%s' "${base%/}" "$loc" ;;
    esac
}

registry__sha256() {
    local sum
    sum=$(sha256sum "$1") || return 1
    printf 'sha256:%s' "${sum%% *}"
}

# Names go into URLs and JSON unescaped, so restrict them to the
# registry grammar (lower-case path components; tag charset).
registry__check_ref() {
    local repo=$1 tag=$2
    [[ $repo =~ ^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$ ]] \
        || { echo "registry: invalid repository name '$repo'" >&2; return 1; }
    [[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] \
        || { echo "registry: invalid tag '$tag'" >&2; return 1; }
}

# registry__upload_blob URL REPO FILE DIGEST WORKDIR: monolithic upload,
# POST then PUT (2.8 ignores a body on POST ...?digest=, see §7.4).
registry__upload_blob() {
    local url=$1 repo=$2 file=$3 digest=$4 work=$5 status loc got
    status=$(registry__http "$work/h" "$work/b" -X POST --data-binary '' \
        "$url/v2/$repo/blobs/uploads/")
    registry__check "blob upload POST /v2/$repo/blobs/uploads/" "$status" "$work/b" \
        || return 1
    loc=$(registry__header "$work/h" location)
    [[ -n $loc ]] || { echo "registry: blob upload POST: no Location header" >&2; return 1; }
    loc=$(registry__resolve "$url" "$loc")
    if [[ $loc == *\?* ]]; then loc+="&digest=$digest"; else loc+="?digest=$digest"; fi
    status=$(registry__http "$work/h" "$work/b" -X PUT \
        -H 'Content-Type: application/octet-stream' --data-binary "@$file" "$loc")
    registry__check "blob upload PUT ($digest)" "$status" "$work/b" || return 1
    got=$(registry__header "$work/h" docker-content-digest)
    if [[ -n $got && $got != "$digest" ]]; then
        echo "registry: blob upload PUT: registry says $got, expected $digest" >&2
        return 1
    fi
}

# ---------------------------------------------------------------------------
# Image push / delete
# ---------------------------------------------------------------------------

# Build the unique layer in WORK: WORK/layer.tar (for diff_id) and
# WORK/layer.tar.gz (the blob).  The nonce makes every push a new digest.
registry__make_layer() {
    local work=$1 repo=$2 tag=$3 nonce
    nonce=$(registry__nonce) || return 1
    mkdir -p "$work/rootfs/etc" || return 1
    printf 'repo=%s\ntag=%s\nnonce=%s\n' "$repo" "$tag" "$nonce" \
        > "$work/rootfs/etc/image-info" || return 1
    tar -C "$work/rootfs" --owner=0 --group=0 --numeric-owner -cf "$work/layer.tar" etc \
        || return 1
    gzip -n -c "$work/layer.tar" > "$work/layer.tar.gz"
}

# Write WORK/config.json.  Labels are what later tests check.
registry__make_config() {
    local work=$1 repo=$2 tag=$3 created=$4 diff_id=$5 commit
    if [[ -n ${REGISTRY_PUSH_COMMIT_ID:-} ]]; then
        commit=$REGISTRY_PUSH_COMMIT_ID
    else    # deterministic, git-like, so tests can recompute it
        commit=$(printf '%s:%s' "$repo" "$tag" | sha256sum)
        commit=${commit:0:40}
    fi
    {
        printf '{"architecture":"amd64","os":"linux","created":"%s",' "$created"
        if [[ -n ${REGISTRY_PUSH_NO_LABELS:-} ]]; then
            printf '"config":{},'
        else
            printf '"config":{"Labels":{"commitId":"%s","buildNumber":"%s","branch":"%s"}},' \
                "$commit" "${REGISTRY_PUSH_BUILD_NUMBER:-1}" "${REGISTRY_PUSH_BRANCH:-main}"
        fi
        printf '"rootfs":{"type":"layers","diff_ids":["%s"]},' "$diff_id"
        printf '"history":[{"created":"%s","created_by":"registry_push_image %s:%s"}]}' \
            "$created" "$repo" "$tag"
    } > "$work/config.json" || return 1
}

# registry__make_manifest WORK CFG_DIGEST LAYER_DIGEST -> WORK/manifest.json
registry__make_manifest() {
    local work=$1 cdig=$2 ldig=$3 csize lsize
    csize=$(wc -c < "$work/config.json") || return 1
    lsize=$(wc -c < "$work/layer.tar.gz") || return 1
    {
        printf '{"schemaVersion":2,"mediaType":"%s",' "$REGISTRY_MT_MANIFEST"
        printf '"config":{"mediaType":"%s","size":%d,"digest":"%s"},' \
            "$REGISTRY_MT_CONFIG" "$csize" "$cdig"
        printf '"layers":[{"mediaType":"%s","size":%d,"digest":"%s"}]}' \
            "$REGISTRY_MT_LAYER" "$lsize" "$ldig"
    } > "$work/manifest.json" || return 1
}

# registry_push_image URL REPO TAG [CREATED]
# Prints the manifest digest (and nothing else) on stdout.
registry_push_image() (
    set -uo pipefail    # no -e: see the header comment; checks are explicit
    if (( $# < 3 || $# > 4 )); then
        echo "usage: registry_push_image URL REPO TAG [CREATED]" >&2; exit 2
    fi
    url=${1%/} repo=$2 tag=$3 created=${4:-$REGISTRY_DEFAULT_CREATED}
    registry__check_ref "$repo" "$tag" || exit 1
    work=$(mktemp -d "${TMPDIR:-/tmp}/regpush.XXXXXX") || exit 1
    trap 'rm -rf "$work"' EXIT

    registry__make_layer "$work" "$repo" "$tag" || exit 1
    diff_id=$(registry__sha256 "$work/layer.tar") || exit 1
    layer_digest=$(registry__sha256 "$work/layer.tar.gz") || exit 1
    registry__make_config "$work" "$repo" "$tag" "$created" "$diff_id" || exit 1
    config_digest=$(registry__sha256 "$work/config.json") || exit 1
    registry__make_manifest "$work" "$config_digest" "$layer_digest" || exit 1
    manifest_digest=$(registry__sha256 "$work/manifest.json") || exit 1

    registry__upload_blob "$url" "$repo" "$work/layer.tar.gz" "$layer_digest" "$work" \
        || exit 1
    registry__upload_blob "$url" "$repo" "$work/config.json" "$config_digest" "$work" \
        || exit 1

    # Content-Type must equal the manifest's mediaType or 2.8 answers 400.
    status=$(registry__http "$work/h" "$work/b" -X PUT \
        -H "Content-Type: $REGISTRY_MT_MANIFEST" --data-binary "@$work/manifest.json" \
        "$url/v2/$repo/manifests/$tag")
    registry__check "manifest PUT /v2/$repo/manifests/$tag" "$status" "$work/b" || exit 1
    got=$(registry__header "$work/h" docker-content-digest)
    if [[ $got != "$manifest_digest" ]]; then
        echo "registry: manifest PUT: Docker-Content-Digest '$got' != sha256 of sent bytes $manifest_digest" >&2
        exit 1
    fi
    printf '%s\n' "$manifest_digest"
)

# registry_delete_tag URL REPO DIGEST
# Deletes the manifest DIGEST, i.e. every tag pointing at it.  2.8 rejects
# DELETE by tag name (400 DIGEST_INVALID), hence the digest argument.
registry_delete_tag() (
    set -uo pipefail    # no -e: see the header comment; checks are explicit
    if (( $# != 3 )); then
        echo "usage: registry_delete_tag URL REPO DIGEST" >&2; exit 2
    fi
    url=${1%/} repo=$2 digest=$3
    work=$(mktemp -d "${TMPDIR:-/tmp}/regdel.XXXXXX") || exit 1
    trap 'rm -rf "$work"' EXIT
    status=$(registry__http "$work/h" "$work/b" -X DELETE "$url/v2/$repo/manifests/$digest")
    registry__check "manifest DELETE /v2/$repo/manifests/$digest" "$status" "$work/b"
)

# registry_retag URL REPO FROM TO
# Puts the manifest of REPO:FROM under the tag TO as well (the same digest):
# what `docker tag` + push, or promoting `latest`, does.
registry_retag() (
    set -uo pipefail
    if (( $# != 4 )); then
        echo "usage: registry_retag URL REPO FROM TO" >&2; exit 2
    fi
    url=${1%/} repo=$2 from=$3 to=$4
    work=$(mktemp -d "${TMPDIR:-/tmp}/regtag.XXXXXX") || exit 1
    trap 'rm -rf "$work"' EXIT
    status=$(registry__http "$work/h" "$work/m" \
        -H "Accept: $REGISTRY_MT_MANIFEST" "$url/v2/$repo/manifests/$from")
    registry__check "manifest GET /v2/$repo/manifests/$from" "$status" "$work/m" || exit 1
    status=$(registry__http "$work/h" "$work/b" -X PUT \
        -H "Content-Type: $REGISTRY_MT_MANIFEST" --data-binary "@$work/m" \
        "$url/v2/$repo/manifests/$to")
    registry__check "manifest PUT /v2/$repo/manifests/$to" "$status" "$work/b"
)
