#!/usr/bin/env bash
# End to end against a real registry (Debian's docker-registry on loopback):
# push images, `cdhost run --once`, then read them back the way a user would
# with `cdhost images tags`; a deleted tag is evicted after the next cycle;
# a registry that is down keeps what was cached and makes run exit 1.
# Usage: e2e_refresh.sh CDHOST PLUGIN_DIR
set -uo pipefail
cdhost=$1 plugin_dir=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/lib/registry.sh
source "$here/../../scripts/lib/registry.sh"
work=$(mktemp -d)
trap 'registry_stop "$work/reg"; rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect_eq() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }

registry_start "$work/reg" >/dev/null || { echo "cannot start registry" >&2; exit 1; }
registry_push_image "$REGISTRY_URL" team/app 1.0 >/dev/null || fail "push team/app:1.0"
digest_11=$(registry_push_image "$REGISTRY_URL" team/app 1.1) || fail "push team/app:1.1"
registry_push_image "$REGISTRY_URL" library/nginx 1.25 >/dev/null || fail "push nginx"

cfg=$work/cdhost.cfg
cat > "$cfg" <<CFG
dockerRegistry = {
  enabled = true;
  accounts = (
    { name = "listed"; address = "$REGISTRY_URL"; repositories = ["team/app"]; },
    { name = "catalog"; address = "$REGISTRY_URL/"; }
  );
};
CFG
run() { "$cdhost" --config "$cfg" --plugin-dir "$plugin_dir" "$@"; }

run run --once 2>"$work/run1.log"
expect_eq "first run exit code" "$?" 0
expect_eq "listed team/app" "$(run images tags --account listed --repository team/app)" '["1.0","1.1"]'
expect_eq "catalog library/nginx" "$(run images tags --account catalog --repository library/nginx)" '["1.25"]'
expect_eq "catalog team/app" "$(run images tags --account catalog --repository team/app)" '["1.0","1.1"]'
expect_eq "unknown account" "$(run images tags --account nobody --repository team/app)" '[]'
grep -q 'listed/DockerRegistryImageCachingAgent\[1/1\]: ok: 1 repositories, 4 records' "$work/run1.log" \
  || fail "no summary line: $(cat "$work/run1.log")"

# Clouddriver's keys, exactly: imageId carries the registry without scheme.
ids=$(sqlite3 "$work/cache.db" "select id from records where type='imageId' order by id")
grep -qx "dockerRegistry:imageId:$REGISTRY_HOSTPORT/team/app:1.0" <<<"$ids" \
  || fail "imageId key missing: $ids"

registry_delete_tag "$REGISTRY_URL" team/app "$digest_11" || fail "delete 1.1"
run run --once 2>"$work/run2.log"
expect_eq "second run exit code" "$?" 0
expect_eq "deleted tag evicted" "$(run images tags --account listed --repository team/app)" '["1.0"]'

registry_stop "$work/reg"
run run --once 2>"$work/run3.log"
expect_eq "run against a stopped registry exits" "$?" 1
expect_eq "cache kept while down" "$(run images tags --account listed --repository team/app)" '["1.0"]'
expect_eq "catalog cache kept while down" "$(run images tags --account catalog --repository library/nginx)" '["1.25"]'

[ "$failures" -eq 0 ] && echo "ok: e2e refresh" && exit 0
cat "$work"/run*.log >&2
exit 1
