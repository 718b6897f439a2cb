#!/usr/bin/env bash
# Authentication against fake_registry.py in each --mode: pitfalls #3-#14
# of registry-protocol.md §6 (the real-registry side is token_auth.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
export DRG_PROBE_PASSWORD=s3cret
tokens() { grep -c ' /token\| /auth/token' "$FAKE_LOG" || true; }

start_fake bearer --mode bearer
probe --stats --user alice "$FAKE_URL" tags links/relative odd/unsorted
assert_contains "#3 escaped quotes, spaces, ',' and ':' in quotes: service decoded" "odd/unsorted c" "$PROBE_OUT"
assert_contains "#3 scope param sent" "scope=repository%3Aodd%2Funsorted%3Apull" "$(< "$FAKE_LOG")"
assert_contains "Basic credentials at the realm" "/token?service=fake%20%22registry%22&scope=repository%3Alinks%2Frelative%3Apull auth=basic" "$(< "$FAKE_LOG")"
assert_eq "one token per repository, cached across pages" 2 "$(tokens)"

: > "$FAKE_LOG"
probe --stats --user alice "$FAKE_URL" tags scope/extra
assert_eq "#10 scope upgrade: union of scopes, one retry" "scope/extra x" "$PROBE_OUT"
assert_contains "#10 both scopes asked for, one scope= each" "scope=repository%3Ascope%2Fextra%3Apull&scope=repository%3Ashared%2Fbase%3Apull" "$(< "$FAKE_LOG")"

: > "$FAKE_LOG"
probe --stats --user alice "$FAKE_URL" tags missing/repo
assert_contains "#13 repeated 401 after a fresh token: stop" "error auth 401: tags of missing/repo: HTTP 401 UNAUTHORIZED (authentication required): not found or not authorized" "$PROBE_OUT"
assert_eq "#13 exactly two attempts" 2 "$(grep -c 'missing/repo/tags' "$FAKE_LOG")"

probe --stats --user alice "$FAKE_URL" config img/redirect 1
assert_contains "blob redirect to another origin followed without Authorization" " 2021-03-04T05:06:07Z " "$PROBE_OUT"
assert_contains "the redirect target saw no credential" "/redirected/sha256:" "$(grep 'redirected' "$FAKE_LOG" | grep 'auth=none')"

start_fake multi --mode multi
probe --user alice "$FAKE_URL" tags odd/unsorted
assert_contains "#4 Bearer picked among Negotiate, Basic and Bearer" "odd/unsorted a" "$PROBE_OUT"
assert_contains "#4 via the token endpoint" "GET /token?" "$(< "$FAKE_LOG")"

start_fake negbasic --mode negotiate-basic
probe --user alice "$FAKE_URL" tags odd/unsorted
assert_contains "#4 Basic picked after Negotiate" "odd/unsorted a" "$PROBE_OUT"

start_fake noservice --mode noservice
probe "$FAKE_URL" tags odd/unsorted
assert_contains "#5 no service= when the challenge has none" "odd/unsorted a" "$PROBE_OUT"

start_fake ecr --mode basic-ecr
probe --user alice "$FAKE_URL" tags odd/unsorted
assert_contains "#6 Basic challenge with service= (ECR)" "odd/unsorted a" "$PROBE_OUT"
assert_contains "#6 Basic sent to the registry" "auth=basic" "$(grep 'tags/list' "$FAKE_LOG")"

start_fake relrealm --mode relrealm
probe --user alice "$FAKE_URL" tags odd/unsorted
assert_contains "#7 relative realm with its own query" "odd/unsorted a" "$PROBE_OUT"
assert_contains "#7 params appended with &" "/auth/token?tenant=a%2Fb&service=" "$(< "$FAKE_LOG")"

start_fake access --mode access-token
probe --stats "$FAKE_URL" tags links/relative odd/unsorted odd/mixed odd/null
assert_contains "#8 access_token only, expires_in 10, issued_at in the future" "odd/mixed b" "$PROBE_OUT"
probe "$FAKE_URL" tags-sync links/multi
assert_eq "#8 the token (clamped to 60 s) is reused across pages" 1 \
    "$(grep 'links%2Fmulti' "$FAKE_LOG" | grep -c 'GET /token')"

start_fake gcr --mode gcr
probe --stats --user alice "$FAKE_URL" tags odd/unsorted
assert_contains "#12/#14 401 without a challenge: /v2/ challenge reused, stale token dropped" "odd/unsorted a" "$PROBE_OUT"
assert_eq "#12 a second token was fetched" 2 "$(tokens)"

start_fake icr --mode icr
probe --user alice "$FAKE_URL" tags scope/extra
assert_contains "#11 403 + insufficient_scope is a scope upgrade" "scope/extra x" "$PROBE_OUT"

start_fake expire --mode expire
probe --stats --user alice "$FAKE_URL" catalog
assert_eq "#9 token dies after page 1: refreshed, listing resumed" "img/plain
odd/blobsonly
odd/null
pages/exact
team/x" "$PROBE_OUT"
assert_eq "#9 the failed page was asked again with the same URL" 2 \
    "$(grep -c 'GET /v2/_catalog?page=2&n=2 ' "$FAKE_LOG")"
echo "fake_auth: all passed"
