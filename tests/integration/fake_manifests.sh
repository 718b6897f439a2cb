#!/usr/bin/env bash
# Manifests and configs against fake_registry.py: the full Accept list
# (#25), digests computed over the raw bytes when the header is missing
# (#26), HEAD refused (#27), index platform choice, RateLimit headers (#33).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
start_fake img

probe --stats "$FAKE_URL" manifest img/plain 1
assert_eq "HEAD digest" "img/plain:1 $(info img/plain:1) application/vnd.docker.distribution.manifest.v2+json" "$PROBE_OUT"

probe "$FAKE_URL" manifest img/multi latest
assert_eq "#25 full Accept: the index's own digest" \
    "img/multi:latest $(info img/multi:latest) application/vnd.oci.image.index.v1+json" "$PROBE_OUT"

: > "$FAKE_LOG"
probe --stats "$FAKE_URL" manifest img/nodigest 1
assert_eq "#26 no Docker-Content-Digest: sha256 of the raw body" "img/nodigest:1 $(info img/nodigest:1) application/vnd.docker.distribution.manifest.v2+json" "$PROBE_OUT"
assert_contains "#26 HEAD then GET" "GET /v2/img/nodigest/manifests/1" "$(< "$FAKE_LOG")"

probe "$FAKE_URL" manifest img/nohead 1
assert_eq "#27 HEAD 405: GET" "img/nohead:1 $(info img/nohead:1) application/vnd.docker.distribution.manifest.v2+json" "$PROBE_OUT"

probe "$FAKE_URL" config img/multi latest
assert_eq "index: linux/amd64 entry, its config" \
    "img/multi:latest $(info img/multi:latest) $(info img/multi:amd64-config) 2023-01-02T03:04:05Z linux/amd64 {\"arch\":\"amd64\"}" "$PROBE_OUT"

probe "$FAKE_URL" config img/nodigest 1
assert_contains "config created and labels" " 2021-03-04T05:06:07Z - {\"commitId\":\"abc\"}" "$PROBE_OUT"

probe "$FAKE_URL" manifest img/plain nope
assert_contains "unknown tag is not found" "error not found 404: manifest img/plain:nope: HTTP 404 MANIFEST_UNKNOWN" "$PROBE_OUT"

probe --stats "$FAKE_URL" manifest img/ratelimit 1
assert_contains "#33 RateLimit headers exposed" "ratelimit=76/100;w=21600" "$PROBE_ERR"
probe --stats "$FAKE_URL" manifest img/ratelimit-empty 1
assert_contains "#33 empty values parsed leniently" "ratelimit=-1/-1;w=21600" "$PROBE_ERR"
echo "fake_manifests: all passed"
