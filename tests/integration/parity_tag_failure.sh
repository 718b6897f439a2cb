#!/usr/bin/env bash
# Issue #22, 4: one tag whose manifest or image config fails (500 after the
# retries) does not fail its repository. The other tags are stored fresh;
# the failed tag keeps its previous record when the plugin knows it (a
# running service, from last cycle), else it is stored without the missing
# digest or date, as on Clouddriver's first fill. The failed tag is named in
# the cycle summary and in /health; `run --once` exits 1.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
: "${CDHOST:?run through ctest}" "${CDH_PLUGIN_DIR:?run through ctest}"

fail_file=$T/fail
start_fake flaky --fail-file "$fail_file"
d1=$(info img/flaky:1) d2=$(info img/flaky:2)
config() { # EXTRA_ACCOUNT_SETTINGS [HOST_SETTINGS]
    cat > "$T/cdhost.cfg" <<CFG
host = { ${2:-} };
dockerRegistry = { accounts = (
  { name = "f"; address = "$FAKE_URL"; repositories = ["img/flaky", "img/plain"]; $1 }
); };
CFG
}
cdhost() { "$CDHOST" --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR" "$@"; }
tag_json() { cdhost images find --account f --repository img/flaky --tag "$1" --include-details; }
once() { # EXPECTED_RC
    local rc=0
    cdhost run --once 2> "$T/once.log" || rc=$?
    assert_eq "run --once exit code" "$1" "$rc"
}

# First fill, tag 2's manifest failing: tag 1 and the other repository are
# cached, tag 2 too but without a digest.
echo manifest > "$fail_file"
config "trackDigests = true;"
once 1
assert_contains "summary: one incomplete repository" \
    "partial: 2 repositories (0 failed, kept), 1 incomplete," "$(< "$T/once.log")"
assert_contains "summary names the failed tag" \
    "first problem: img/flaky: tag 2 not refreshed: manifest" "$(< "$T/once.log")"
assert_eq "the repository's tags are cached" '["1","2"]' \
    "$(cdhost images tags --account f --repository img/flaky)"
assert_eq "tag 1 with its digest" "$d1" "$(tag_json 1 | jq -r '.[0].digest')"
assert_eq "tag 2 without a digest" null "$(tag_json 2 | jq -r '.[0].digest')"
assert_eq "the other repository is cached" '["1"]' \
    "$(cdhost images tags --account f --repository img/plain)"

# First fill, tag 2's image config failing: tag 2 has its digest, no labels.
rm -f "$T/cache.db"
echo config > "$fail_file"
config "inspectDigests = true; sortTagsByDate = true;"
once 1
assert_contains "summary names the failed config" \
    "img/flaky: tag 2 not refreshed: " "$(< "$T/once.log")"
assert_eq "tag 1 with its labels" '"abc"' "$(tag_json 1 | jq -c '.[0].commitId')"
assert_eq "tag 2 with its digest, without labels" "$d2 null" \
    "$(tag_json 2 | jq -r '.[0] | "\(.digest) \(.commitId)"')"

# A running service: a good cycle, then tag 2's manifest fails. Its record
# stays as it was (digest, labels); /health names it.
rm -f "$T/cache.db" "$fail_file"
port=$(free_port)
api=http://127.0.0.1:$port
config "inspectDigests = true; sortTagsByDate = true; cacheIntervalSeconds = 1;" \
    "listen = \"127.0.0.1:$port\";"
"$CDHOST" --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR" run 2> "$T/service.log" &
service_pid=$!
CLEANUP_PIDS+=("$service_pid")
find_api() { curl -fsS "$api/dockerRegistry/images/find?account=f&repository=img/flaky&tag=$1&includeDetails=true"; }
until_log() { # PATTERN: waits for a log line matching it (~20 s)
    for _ in $(seq 1 200); do grep -q "$1" "$T/service.log" && return 0; sleep 0.1; done
    fail "no log line matching [$1]: $(< "$T/service.log")"
}
until_log 'f/DockerRegistryImageCachingAgent\[1/1\]: ok'
assert_eq "good cycle: tag 2" "$d2 def" "$(find_api 2 | jq -r '.[0] | "\(.digest) \(.commitId)"')"
echo manifest > "$fail_file"
until_log 'partial: 2 repositories (0 failed, kept), 1 incomplete'
assert_eq "failed tag keeps its previous record" "$d2 def" \
    "$(find_api 2 | jq -r '.[0] | "\(.digest) \(.commitId)"')"
assert_eq "the other tag is served" "$d1 abc" "$(find_api 1 | jq -r '.[0] | "\(.digest) \(.commitId)"')"
assert_contains "/health names the failed tag" "img/flaky: tag 2 not refreshed: " \
    "$(curl -fsS "$api/health" | jq -r '.accounts.f[0].lastErrorMessage')"
kill -TERM "$service_pid"
wait "$service_pid" || fail "service exit code $?"
echo "parity_tag_failure: all passed"
