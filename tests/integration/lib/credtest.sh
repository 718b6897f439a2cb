# shellcheck shell=bash
#
# credtest.sh - what the credential integration tests share. Sourced by
# test_credentials_*.sh, which are called by ctest as
#   bash test_credentials_X.sh CDHOST CRED_PROBE SOURCE_DIR
#
#   credtest_init "$@"        -> CDHOST, PROBE, SRC, WORK (a temp dir removed
#                                at exit, with any registry started in it)
#   credtest_config FILE ACCOUNT-BODY...   -> a cdhost config with one
#                                dockerRegistry account per ACCOUNT-BODY
#   pass MESSAGE / fail MESSAGE            -> report; fail exits 1
#   expect_eq WHAT GOT WANT / expect_contains WHAT HAYSTACK NEEDLE

credtest_init() {
    if (( $# != 3 )); then
        echo "usage: $0 CDHOST CRED_PROBE SOURCE_DIR" >&2; exit 2
    fi
    CDHOST=$1 PROBE=$2 SRC=$3
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/credtest.XXXXXX") || exit 1
    # shellcheck source=/dev/null
    source "$SRC/scripts/lib/registry.sh" || exit 1
    # shellcheck source=/dev/null
    source "$SRC/tests/integration/lib/registry_auth.sh" || exit 1
    trap credtest__cleanup EXIT
}

credtest__cleanup() {
    local d
    for d in "$WORK"/reg*; do
        [[ -d $d ]] && registry_stop "$d"
    done
    rm -rf "$WORK"
}

credtest_config() {
    local file=$1 body
    shift
    {
        printf 'host = { cache = { backend = "sqlite"; path = "%s/cache.db"; }; };\n' "$WORK"
        printf 'dockerRegistry = {\n  enabled = true;\n  accounts = (\n'
        local first=1
        for body in "$@"; do
            (( first )) || printf '    ,\n'
            printf '    { %s }\n' "$body"
            first=0
        done
        printf '  );\n};\n'
    } > "$file"
}

pass() { echo "ok: $*"; }

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

expect_eq() {
    local what=$1 got=$2 want=$3
    [[ $got == "$want" ]] || fail "$what: got '$got', want '$want'"
    pass "$what"
}

expect_contains() {
    local what=$1 haystack=$2 needle=$3
    [[ $haystack == *"$needle"* ]] || fail "$what: '$needle' not in: $haystack"
    pass "$what"
}
