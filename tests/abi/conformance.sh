#!/usr/bin/env bash
# The host meets every kind of plugin a plugin directory can hold, and stays
# up: the real plugin and the frozen 1.0 fixture load, and so does a fixture
# built against a newer minor that requires 1.0 (speaking the host's minor);
# one requiring a newer minor is refused with "requires ABI 1.N, this host
# speaks 1.M"; everything else is refused with its reason; and a refresh
# through the frozen ABI, by both loading fixtures, reaches the store. Usage: conformance.sh CDHOST DOCKER_REGISTRY_SO FIXTURE_DIR CRASH_SO
set -uo pipefail
cdhost=$1 plugin=$2 fixtures=$3 crash=$4
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../integration/lib/common.sh
source "$here/../integration/lib/common.sh"   # fail, wait_for, free_port, service_*
work=$(mktemp -d)
trap 'service_stop; rm -rf "$work"' EXIT

expect_line() { # OUTPUT FILE STATE TEXT
  local line
  line=$(grep -F "/$2" <<<"$1") || { fail "no line for $2"; return; }
  grep -q " $3 " <<<"$line" || fail "$2 is not $3: $line"
  grep -qF -- "$4" <<<"$line" || fail "$2: expected '$4' in: $line"
}

mkdir -p "$work/plugins"
cp "$plugin" "$fixtures"/*.so "$crash" "$work/plugins/"
echo "this is not ELF" > "$work/plugins/garbage.so"
cp "$fixtures/fixture_v1.so" "$work/plugins/writable.so" && chmod o+w "$work/plugins/writable.so"
ln -s "$work/plugins/fixture_v1.so" "$work/plugins/link.so"

out=$("$cdhost" --plugin-dir "$work/plugins" plugins 2>"$work/stderr")
rc=$?
echo "$out"
[ "$rc" -eq 1 ] || fail "plugins exited $rc, want 1 (some refused)"
expect_line "$out" docker_registry.so ready "docker_registry"
expect_line "$out" fixture_v1.so ready "fixture_v1"
expect_line "$out" fixture_built_newer.so ready "fixture_built_newer"
# It speaks the host's minor (the real plugin's, built against this header),
# not the 1.9 it was built against.
abi_of() { grep -F "/$1" <<<"$out" | awk '{print $3}'; }
[ "$(abi_of fixture_built_newer.so)" = "$(abi_of docker_registry.so)" ] \
  || fail "built-newer fixture speaks $(abi_of fixture_built_newer.so), host $(abi_of docker_registry.so)"
expect_line "$out" fixture_requires_newer.so refused "plugin fixture_requires_newer requires ABI 1.9, this host speaks 1."
expect_line "$out" fixture_newer_major.so refused "speaks ABI 2, this host speaks 1"
expect_line "$out" fixture_bad_signature.so refused "build signature"
expect_line "$out" fixture_missing_op.so refused "missing required op 'refresh'"
expect_line "$out" not_a_plugin.so refused "no cdh_plugin_entry symbol"
expect_line "$out" fixture_crash.so refused "crashed while loading"
expect_line "$out" garbage.so refused "cannot load"
expect_line "$out" link.so refused "not a regular file"
expect_line "$out" writable.so refused "writable by group or others"

# A refresh through the frozen ABI, stored and queried by the host.
cat > "$work/cdhost.cfg" <<CFG
fixture = { accounts = ( { name = "fx"; tags = ["b", "a"]; } ); };
fixture_newer = { accounts = ( { name = "fxnew"; tags = ["c"]; } ); };
CFG
"$cdhost" --config "$work/cdhost.cfg" --plugin-dir "$work/plugins" run --once \
  2>"$work/run.log" || fail "run --once with the 1.0 fixture failed: $(cat "$work/run.log")"
tags=$("$cdhost" --config "$work/cdhost.cfg" images tags --account fx --repository fixture/repo)
[ "$tags" = '["a","b"]' ] || fail "tags via the frozen fixture: got $tags"
# Built against a newer minor, requiring 1.0: loads and refreshes here too.
tags=$("$cdhost" --config "$work/cdhost.cfg" images tags --account fxnew --repository fixture/repo)
[ "$tags" = '["c"]' ] || fail "tags via the built-newer fixture: got $tags"

# The 1.0 fixture has no query op (ABI 1.1): its records are served by the
# host's generic /cache/{provider}/{type}, and it has no routes of its own.
port=$(free_port)
sed "1i host = { listen = \"127.0.0.1:$port\"; };" "$work/cdhost.cfg" > "$work/service.cfg"
service_start "$cdhost" "$work/service.cfg" "$work/plugins" "$work/service.log"
wait_for 20 curl -fsS "http://127.0.0.1:$port/health" || fail "service did not start: $(cat "$work/service.log")"
ids=$(curl -fsS "http://127.0.0.1:$port/cache/fixture/taggedImage?pattern=*:fx:fixture/repo:*" | jq -r '[.[].id] | join(" ")')
[ "$ids" = "dockerRegistry:taggedImage:fx:fixture/repo:a dockerRegistry:taggedImage:fx:fixture/repo:b" ] \
  || fail "/cache of the 1.0 fixture: got '$ids'"
attrs=$(curl -fsS "http://127.0.0.1:$port/cache/fixture/taggedImage?pattern=*/repo:a" | jq -c '.[0].attributes')
[ "$attrs" = '{"name":"fixture/repo:a","account":"fx"}' ] || fail "/cache attributes: got $attrs"
status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/fixture/anything")
[ "$status" = 404 ] || fail "a plugin without query has no routes: got $status"
service_stop
[ "$SERVICE_RC" -eq 0 ] || fail "service exited $SERVICE_RC: $(cat "$work/service.log")"

# A config error in a plugin's section is reported with file:line, exit 2.
cat > "$work/bad.cfg" <<CFG
fixture = {
  accounts = ( { tags = ["x"]; } );
};
CFG
"$cdhost" --config "$work/bad.cfg" --plugin-dir "$work/plugins" run --once 2>"$work/bad.log"
rc=$?
[ "$rc" -eq 2 ] || fail "invalid fixture config exited $rc, want 2"
grep -qF "$work/bad.cfg:2: fixture account needs a name" "$work/bad.log" \
  || fail "no file:line error: $(cat "$work/bad.log")"

# An empty plugin directory is no plugin, not a crash (it once handed
# qsort a NULL array: undefined behaviour that UBSan stops on).
mkdir -p "$work/empty"
out=$("$cdhost" --plugin-dir "$work/empty" plugins 2>&1)
rc=$?
[ "$rc" -eq 0 ] || fail "plugins on an empty directory exited $rc: $out"
grep -q 'runtime error' <<<"$out" && fail "plugins on an empty directory: $out"

[ "$failures" -eq 0 ] && echo "ok: conformance" && exit 0
exit 1
