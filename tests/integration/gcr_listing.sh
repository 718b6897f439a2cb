#!/usr/bin/env bash
# Issue #21: GCR and Artifact Registry list each tag's digest, media type and
# creation time in tags/list's "manifest" map. The digests come from it (no
# manifest HEAD per tag); with sortTagsByDate the date comes from a non-zero
# timeCreatedMs (no manifest GET, no config blob); a zero one falls back to
# the image config, as does inspectDigests (labels live there). An index's
# digest is the index's own. The cycle summary counts the requests saved,
# config fetches skipped thanks to stored records included.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
: "${CDHOST:?run through ctest}" "${CDH_PLUGIN_DIR:?run through ctest}"
command -v sqlite3 > /dev/null || fail "sqlite3 missing (scripts/install-deps.sh)"

start_fake gcr
config() { # ACCOUNT_SETTINGS
    cat > "$T/cdhost.cfg" <<CFG
dockerRegistry = { accounts = (
  { name = "g"; address = "$FAKE_URL"; repositories = ["gcr/app"]; $1 }
); };
CFG
}
once() { # runs one cycle, the fake's log emptied first
    : > "$FAKE_LOG"
    "$CDHOST" --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR" run --once 2> "$T/once.log" ||
        fail "run --once: $(< "$T/once.log")"
    SUMMARY=$(grep 'g/DockerRegistryImageCachingAgent\[1/1\]: ok' "$T/once.log") ||
        fail "no summary: $(< "$T/once.log")"
}
requests() { grep -c " $1 /v2/gcr/app/$2" "$FAKE_LOG" || true; } # METHOD WHAT
attr() { # TAG JQ
    sqlite3 "$T/cache.db" "select attributes from records where id='dockerRegistry:taggedImage:g:gcr/app:$1'" | jq -c "$2"
}

# trackDigests: every digest from the map, not one manifest request.
config "trackDigests = true;"
once
assert_eq "digests: no manifest HEAD" 0 "$(requests HEAD manifests/)"
assert_eq "digests: no manifest GET" 0 "$(requests GET manifests/)"
assert_eq "digests: one tags/list" 1 "$(requests GET tags/list)"
for tag in v1 latest old multi; do
    assert_eq "digest of $tag from the map" "\"$(info gcr/app:$tag)\"" "$(attr "$tag" .digest)"
done
assert_contains "summary: 4 HEADs saved" "ok: 1 repositories, 8 records, 2 requests (4 saved)," "$SUMMARY"

# sortTagsByDate: dates from timeCreatedMs; "0" falls back to the config.
rm -f "$T/cache.db"
config "sortTagsByDate = true;"
once
assert_eq "dates: no manifest HEAD" 0 "$(requests HEAD manifests/)"
assert_eq "dates: one manifest GET (old's, by digest)" \
    "1 1" "$(requests GET manifests/) $(requests GET "manifests/$(info gcr/app:old)")"
assert_eq "dates: one config blob (old's)" 1 "$(requests GET blobs/)"
assert_eq "date of v1 from timeCreatedMs" '{"epochSecond":1700000000,"nano":123000000}' "$(attr v1 .date)"
assert_eq "date of latest from timeCreatedMs" '{"epochSecond":1700000000,"nano":123000000}' "$(attr latest .date)"
assert_eq "date of the index from timeCreatedMs" '{"epochSecond":1600000000,"nano":0}' "$(attr multi .date)"
assert_eq "date of old (timeCreatedMs 0) from its config" '{"epochSecond":1643760000,"nano":0}' "$(attr old .date)"
assert_eq "digest of the index is its own" "\"$(info gcr/app:multi)\"" "$(attr multi .digest)"
assert_contains "summary: 4 HEADs saved" "4 requests (4 saved)," "$SUMMARY"

# inspectDigests: labels need the configs (the index's through its amd64
# entry), still no HEAD; a second cycle reuses the stored records' configs.
rm -f "$T/cache.db"
config "sortTagsByDate = true; inspectDigests = true;"
once
assert_eq "inspect: no manifest HEAD" 0 "$(requests HEAD manifests/)"
assert_eq "inspect: three configs (manifests by digest, the index's child too)" "3 4 1" \
    "$(requests GET blobs/) $(requests GET manifests/sha256:) $(requests GET "manifests/$(info gcr/app:multi)")"
assert_eq "labels of the index's amd64 image" '"amd64"' "$(attr multi .labels.arch)"
assert_eq "labels of v1" '"abc"' "$(attr v1 .labels.commitId)"
assert_contains "summary: 4 HEADs saved" "(4 saved)," "$SUMMARY"
once
assert_eq "second cycle: tags/list only" "1 0 0 0" \
    "$(requests GET tags/list) $(requests HEAD manifests/) $(requests GET manifests/) $(requests GET blobs/)"
assert_eq "second cycle keeps the labels" '"amd64"' "$(attr multi .labels.arch)"
# Saved, counted by hand: the 4 HEADs the map replaces, and the 7 GETs the
# first inspect cycle made for the 3 configs (asserted above): v1's and
# old's manifest and blob (2 + 2), the index's own GET, its amd64 child's
# and that child's blob (3): 4 + 7 = 11.
assert_contains "summary: 4 HEADs + 7 config GETs saved" "2 requests (11 saved)," "$SUMMARY"
# A tag the map leaves out gets its HEAD (only it); an index whose
# timeCreatedMs is 0 is dated by its amd64 image's config.
rm -f "$T/cache.db"
config "sortTagsByDate = true;"
sed -i 's|"gcr/app"|"gcr/partial"|' "$T/cdhost.cfg"
once
partial() { grep -c " $1 /v2/gcr/partial/$2" "$FAKE_LOG" || true; } # METHOD WHAT
pattr() { # TAG JQ
    sqlite3 "$T/cache.db" "select attributes from records where id='dockerRegistry:taggedImage:g:gcr/partial:$1'" | jq -c "$2"
}
assert_eq "partial: one HEAD, the tag outside the map" "1 1" \
    "$(partial HEAD manifests/) $(partial HEAD manifests/extra)"
assert_eq "partial: configs of extra and of the index's amd64 image" 2 "$(partial GET blobs/)"
assert_eq "digest of extra from its HEAD" "\"$(info gcr/partial:extra)\"" "$(pattr extra .digest)"
assert_eq "digest of v1 from the map" "\"$(info gcr/partial:v1)\"" "$(pattr v1 .digest)"
assert_eq "digest of the index from the map" "\"$(info gcr/partial:idx0)\"" "$(pattr idx0 .digest)"
assert_eq "date of extra from its config" '{"epochSecond":1643760000,"nano":0}' "$(pattr extra .date)"
assert_eq "date of the index (timeCreatedMs 0) from its amd64 config" \
    '{"epochSecond":1672628645,"nano":0}' "$(pattr idx0 .date)"
assert_eq "date of v1 from timeCreatedMs" '{"epochSecond":1700000000,"nano":123000000}' "$(pattr v1 .date)"
assert_contains "summary: 2 HEADs saved" "(2 saved)," "$SUMMARY"
echo "gcr_listing: all passed"
