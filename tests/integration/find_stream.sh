#!/usr/bin/env bash
# Issue #18: /find and /tags are streamed from the store (a buffer, then a
# pipe for answers over 64 KiB), and what the service sends is byte for byte
# what the cache holds rendered as Clouddriver renders it: compared with
# find_expected.py, an independent rendering from the SQLite records, on a
# cache of a few thousand tags (tests' synthetic registry, digests) beside a
# real registry's labelled, unlabelled and dated images; the CLI's
# `images find` / `images tags` print the same bytes as the API.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
: "${CDHOST:?run through ctest}" "${CDH_PLUGIN_DIR:?run through ctest}"
: "${SYNTHETIC_REGISTRY:?run through ctest}"
here=$(cd "$(dirname "$0")" && pwd)
expected() { python3 "$here/find_expected.py" "$T/cache.db" "$@"; }

# 30 repositories x 100 tags: about 1 MB of /find, far over the buffer.
big_port=$(free_port) || fail "no free port"
"$SYNTHETIC_REGISTRY" "$big_port" 30 100 &
CLEANUP_PIDS+=("$!")
wait_http "http://127.0.0.1:$big_port/v2/" || fail "synthetic registry did not start"

registry_start "$T/reg" > /dev/null || fail "cannot start registry"
CLEANUP_PIDS+=("$REGISTRY_PID")
registry_push_image "$REGISTRY_URL" team/app 1.0 2024-01-02T03:04:05.123456789Z > /dev/null || fail "push 1.0"
registry_push_image "$REGISTRY_URL" team/app 2.0 2024-03-02T03:04:05Z > /dev/null || fail "push 2.0"
registry_push_image "$REGISTRY_URL" team/app latest 2024-03-02T03:04:05Z > /dev/null || fail "push latest"
REGISTRY_PUSH_NO_LABELS=1 registry_push_image "$REGISTRY_URL" team/bare 1 > /dev/null || fail "push bare"

port=$(free_port) || fail "no free port"
api=http://127.0.0.1:$port
cat > "$T/cdhost.cfg" <<CFG
host = { listen = "127.0.0.1:$port"; cache = { backend = "sqlite"; path = "cache.db"; }; };
dockerRegistry = { accounts = (
  { name = "big"; address = "http://127.0.0.1:$big_port"; trackDigests = true;
    cacheIntervalSeconds = 3600; },
  { name = "lab"; address = "$REGISTRY_URL"; repositories = ["team/app", "team/bare"];
    inspectDigests = true; sortTagsByDate = true; cacheIntervalSeconds = 3600; }
); };
CFG
cdhost() { "$CDHOST" --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR" "$@"; }
"$CDHOST" --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR" run 2> "$T/run.log" &
CLEANUP_PIDS+=("$!") # the process itself, not a subshell running it
refreshed() { [ "$(grep -c 'DockerRegistryImageCachingAgent\[1/1\]: ok: ' "$T/run.log")" -ge 2 ]; }
for _ in $(seq 1 600); do refreshed && break; sleep 0.1; done
refreshed || fail "no first refreshes: $(tail -n 5 "$T/run.log")"
assert_contains "big cached" "big/DockerRegistryImageCachingAgent[1/1]: ok: 30 repositories, 6000 records" "$(< "$T/run.log")"

registries="big=127.0.0.1:$big_port,lab=$REGISTRY_HOSTPORT"
# same WHAT URL EXPECTED_ARGS...: the API's bytes are the expected ones.
same() {
    local what=$1 url=$2
    shift 2
    curl -fsS "$api$url" > "$T/got"
    expected "$@" > "$T/want"
    cmp -s "$T/want" "$T/got" ||
        fail "$what: $(cmp "$T/want" "$T/got" 2>&1 | head -n 1); want $(head -c 300 "$T/want")... got $(head -c 300 "$T/got")..."
    pass "$what ($(wc -c < "$T/got") bytes)"
}
F=/dockerRegistry/images/find
same "find, every account, details" "$F?includeDetails=true" find "$registries" --details
[ "$(wc -c < "$T/got")" -gt 500000 ] || fail "the answer is not over the buffer: $(wc -c < "$T/got")"
[ "$(jq length "$T/got")" = 3004 ] || fail "not 3004 images: $(jq length "$T/got")"
same "find by account (Igor)" "$F?account=big&includeDetails=true" find "$registries" --account big --details
same "find by account, no details" "$F?account=lab" find "$registries" --account lab
same "find, labelled account, details" "$F?account=lab&includeDetails=true" find "$registries" --account lab --details
assert_eq "labels rendered" '"main"' "$(jq -c '[.[] | select(.tag == "2.0")][0].branch' "$T/got")"
same "find by repository" "$F?account=big&repository=bench/r00017" find "$registries" --account big --repository bench/r00017
same "find by tag" "$F?account=big&repository=bench/r00003&tag=t0042&includeDetails=true" \
    find "$registries" --account big --repository bench/r00003 --tag t0042 --details
same "find of nothing" "$F?account=big&repository=bench/none" find "$registries" --account big --repository bench/none
same "tags, key order" "/dockerRegistry/images/tags?account=big&repository=bench/r00029" tags big bench/r00029
same "tags, by date" "/dockerRegistry/images/tags?account=lab&repository=team/app" tags lab team/app
assert_eq "tags newest first" '["2.0","latest","1.0"]' "$(< "$T/got")"

# Several readers at once, each streamed whole (workers and pipes).
readers=()
for i in 1 2 3 4; do
    curl -fsS "$api$F?includeDetails=true" > "$T/par$i" &
    readers+=("$!")
done
for pid in "${readers[@]}"; do wait "$pid" || fail "parallel reader failed"; done
expected find "$registries" --details > "$T/want"
for i in 1 2 3 4; do
    cmp -s "$T/want" "$T/par$i" || fail "parallel reader $i: $(cmp "$T/want" "$T/par$i" 2>&1)"
done
pass "4 parallel /find answers whole"
# A reader that goes away mid-answer does not stop the service.
curl -sS --max-filesize 10000 "$api$F?includeDetails=true" > /dev/null 2>&1 || true
same "find after a reader left" "$F?account=big" find "$registries" --account big

# The CLI prints the same bytes as the API.
cdhost images find --include-details > "$T/cli" 2> "$T/cli.err" || fail "images find: $(< "$T/cli.err")"
curl -fsS "$api$F?includeDetails=true" > "$T/got"
cmp -s <(tr -d '\n' < "$T/cli") "$T/got" || fail "CLI find differs: $(cmp <(tr -d '\n' < "$T/cli") "$T/got" 2>&1)"
pass "CLI images find = API /find"
cdhost images tags --account lab --repository team/app > "$T/cli" || fail "images tags"
assert_eq "CLI images tags = API /tags" '["2.0","latest","1.0"]' "$(tr -d '\n' < "$T/cli")"
