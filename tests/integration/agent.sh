#!/usr/bin/env bash
# The caching agent against a real registry, checked the way a user would,
# through `cdhost images find|tags`: digests equal what was pushed, tags
# sorted by the images' creation dates, labels behind includeDetails, the
# catalog over several pages with skip and repositoriesRegex (Java syntax), catalogFile,
# cacheThreads partitioning, a second cycle that fetches no config twice, and
# a repository that fails keeping its tags while the others refresh.
# Usage: agent.sh CDHOST PLUGIN_DIR
set -uo pipefail
cdhost=$1 plugin_dir=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/lib/registry.sh
source "$here/../../scripts/lib/registry.sh"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
work=$(mktemp -d)
fake_pid=
trap '[ -n "$fake_pid" ] && kill "$fake_pid"; registry_stop "$work/reg"; rm -rf "$work"' EXIT

# The access log: image config fetches are counted in it.
REGISTRY_ACCESS_LOG_DISABLED=false registry_start "$work/reg" >/dev/null ||
  { echo "cannot start registry" >&2; exit 1; }
config_fetches() { grep -c 'GET /v2/team/app/blobs/' "$work/reg/registry.log"; }
d10=$(registry_push_image "$REGISTRY_URL" team/app 1.0 2021-01-01T00:00:00Z) || fail "push"
d11=$(registry_push_image "$REGISTRY_URL" team/app 1.1 2022-06-01T12:30:00.5Z) || fail "push"
dl=$(REGISTRY_PUSH_BUILD_NUMBER=42 REGISTRY_PUSH_BRANCH=release \
     registry_push_image "$REGISTRY_URL" team/app latest 2023-01-01T00:00:00Z) || fail "push"
registry_retag "$REGISTRY_URL" team/app latest stable || fail "retag"
for r in library/nginx skip/me other/x team/web; do
  registry_push_image "$REGISTRY_URL" "$r" 1 >/dev/null || fail "push $r"
done
echo '{"repositories": ["other/x", "team/web"]}' > "$work/catalog.json"
commit_latest=$(printf '%s' "team/app:latest" | sha256sum | cut -c1-40)

cfg=$work/cdhost.cfg
cat > "$cfg" <<CFG
dockerRegistry = { accounts = (
  { name = "full"; address = "$REGISTRY_URL"; repositories = ["team/app"];
    trackDigests = true; sortTagsByDate = true; inspectDigests = true; },
  { name = "catalog"; address = "$REGISTRY_URL"; paginateSize = 1; skip = ["skip/me"]; },
  { name = "regex"; address = "$REGISTRY_URL"; repositoriesRegex = "team/.*"; },
  { name = "javare"; address = "$REGISTRY_URL"; repositoriesRegex = "^team/(?!web).*$"; },
  { name = "file"; address = "$REGISTRY_URL"; catalogFile = "$work/catalog.json"; },
  { name = "threads"; address = "$REGISTRY_URL"; cacheThreads = 3; }
); };
CFG
run() { "$cdhost" --config "$cfg" --plugin-dir "$plugin_dir" "$@"; }
find_json() { run images find "$@"; }
repos_of() { find_json --account "$1" | jq -r '[.[].repository] | unique | join(" ")'; }

run run --once 2>"$work/run1.log" || fail "first run failed: $(cat "$work/run1.log")"

# Digests are the manifests' as pushed; tags newest first by creation date.
expect_eq "digest of 1.0" "$(find_json --account full --repository team/app --tag 1.0 | jq -r '.[0].digest')" "$d10"
expect_eq "digest of latest" "$(find_json --account full --tag latest | jq -r '.[0].digest')" "$dl"
expect_eq "tags by date" "$(run images tags --account full --repository team/app)" '["latest","stable","1.1","1.0"]'
expect_eq "a retag shares the digest" "$(find_json --account full --tag stable | jq -r '.[0].digest')" "$dl"
# One image config per distinct manifest: ping, tag list, 4 HEADs, 3 x 2 GETs;
# nothing saved (no " (N saved)" note): the cache was empty.
grep -q 'full/DockerRegistryImageCachingAgent\[1/1\]: ok: 1 repositories, 8 records, 12 requests, ' "$work/run1.log" \
  || fail "configs not shared by digest: $(grep 'full/' "$work/run1.log")"

# A second run --once on the same cache: the digests did not change, so the
# stored dates and labels serve and no image config is fetched again. Its
# summary: ping, tag list and 4 HEADs made (6); saved, a manifest GET and a
# config blob GET for each of the 3 distinct digests (1.0, 1.1, latest =
# stable), counted once a digest: 3 x 2 = 6, the 6 GETs the first run made
# beyond its own 6.
fetches=$(config_fetches)
expect_eq "image configs fetched by the first run" "$fetches" 3
run run --once 2>"$work/run2.log" || fail "second run failed: $(cat "$work/run2.log")"
expect_eq "image configs fetched by a second run --once" "$(config_fetches)" "$fetches"
grep -q 'full/DockerRegistryImageCachingAgent\[1/1\]: ok: 1 repositories, 8 records, 6 requests (6 saved), ' "$work/run2.log" \
  || fail "second run --once: $(grep 'full/' "$work/run2.log")"

details=$(find_json --account full --tag latest --include-details)
expect_eq "commitId" "$(jq -r '.[0].commitId' <<<"$details")" "$commit_latest"
expect_eq "buildNumber" "$(jq -r '.[0].buildNumber' <<<"$details")" "42"
expect_eq "branch" "$(jq -r '.[0].branch' <<<"$details")" "release"
expect_eq "artifact reference" "$(jq -r '.[0].artifact.reference' <<<"$details")" \
  "$REGISTRY_HOSTPORT/team/app:latest"
date_11=$(sqlite3 "$work/cache.db" "select attributes from records where id='dockerRegistry:taggedImage:full:team/app:1.1'" | jq -c .date)
expect_eq "date attribute" "$date_11" '{"epochSecond":1654086600,"nano":500000000}'

# Catalog over seven pages, skip applied; the regex; the catalog file.
expect_eq "catalog with skip" "$(repos_of catalog)" "library/nginx other/x team/app team/web"
expect_eq "repositoriesRegex" "$(repos_of regex)" "team/app team/web"
expect_eq "Java regex syntax (lookahead)" "$(repos_of javare)" "team/app"
expect_eq "catalogFile" "$(repos_of file)" "other/x team/web"

# cacheThreads = 3: every repository cached by exactly one of three agents.
expect_eq "threads cover the catalog" "$(repos_of threads)" "library/nginx other/x skip/me team/app team/web"
owners=$(sqlite3 "$work/cache.db" "select count(distinct agent) from records where agent like 'threads/%' group by scope" | sort -u)
expect_eq "one agent per repository" "$owners" "1"
grep -q 'threads/DockerRegistryImageCachingAgent\[3/3\]' "$work/run1.log" || fail "no third agent"

# A second cycle of the service: digests unchanged, so no image config is
# fetched again (1 tag list + 4 manifest HEADs; no ping, the client is
# kept), and its memo, kept in the process, saves the same 3 x 2 = 6 GETs.
port=$(free_port)
sed "1i host = { listen = \"127.0.0.1:$port\"; };" "$cfg" |
  sed 's/inspectDigests = true; }/inspectDigests = true; cacheIntervalSeconds = 1; }/' > "$work/service.cfg"
"$cdhost" --config "$work/service.cfg" --plugin-dir "$plugin_dir" run 2>"$work/service.log" &
service_pid=$!
second_cycle() { [ "$(grep -c 'full/DockerRegistryImageCachingAgent\[1/1\]: ok' "$work/service.log")" -ge 2 ]; }
wait_for 20 second_cycle || fail "no second cycle: $(cat "$work/service.log")"
kill -TERM "$service_pid"; wait "$service_pid"
# Restarted, the service fetched no config either: its memo came from the
# store, so its first cycle saved as the second run --once did.
expect_eq "image configs fetched by a restarted service" "$(config_fetches)" "$fetches"
grep 'full/DockerRegistryImageCachingAgent\[1/1\]: ok' "$work/service.log" | sed -n 1p |
  grep -q 'ok: 1 repositories, 8 records, 6 requests (6 saved), ' ||
  fail "first service cycle: $(grep 'full/' "$work/service.log")"
grep 'full/DockerRegistryImageCachingAgent\[1/1\]: ok' "$work/service.log" | sed -n 2p |
  grep -q 'ok: 1 repositories, 8 records, 5 requests (6 saved), ' ||
  fail "second cycle re-fetched configs: $(grep 'full/' "$work/service.log")"
expect_eq "dates kept from the memo" "$(run images tags --account full --repository team/app)" '["latest","stable","1.1","1.0"]'

# The catalog file changes: what is cached follows at the next cycle.
echo '{"repositories": ["other/x"]}' > "$work/catalog.json"
run run --once 2>/dev/null
expect_eq "catalogFile edited" "$(repos_of file)" "other/x"

# One repository fails: it keeps its tags, the other refreshes, exit 1.
python3 "$here/failing_registry.py" "$work/fail" > "$work/fake.port" & fake_pid=$!
wait_for 30 test -s "$work/fake.port" || fail "fake registry did not start"
cat > "$cfg" <<CFG
dockerRegistry = { accounts = (
  { name = "flaky"; address = "http://127.0.0.1:$(cat "$work/fake.port")"; repositories = ["good", "bad"]; }
); };
CFG
run run --once 2>/dev/null || fail "flaky first run failed"
touch "$work/fail"
run run --once 2>"$work/run4.log"
expect_eq "exit code with a failed repository" "$?" 1
expect_eq "failed repository keeps its tags" "$(run images tags --account flaky --repository bad)" '["a","b"]'
expect_eq "good repository still served" "$(run images tags --account flaky --repository good)" '["1"]'
grep -q "partial: 2 repositories (1 failed, kept)" "$work/run4.log" || fail "no partial summary: $(cat "$work/run4.log")"

finish "agent"
