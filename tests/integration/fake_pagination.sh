#!/usr/bin/env bash
# Pagination, odd listings, errors and rate limits against fake_registry.py
# (no auth): pitfalls #1, #15-#22, #24, #32-#35 of registry-protocol.md §6, plus
# transient retries and the concurrency cap.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
start_fake plain

all="a
b
c
d
e"
for form in relative absolute otherhost lower unquoted multi opaque; do
    probe "$FAKE_URL" tags "links/$form"
    assert_eq "#15/#16 Link $form: every page" "$(sed "s|^|links/$form |" <<< "$all")" "$PROBE_OUT"
done
assert_not_contains "#15 never talks to the Link's other host" "other.invalid" "$(< "$FAKE_LOG")"
assert_contains "#16 opaque token followed verbatim" "next_page=ghi%2Bjk%3D%3D&n=2" "$(< "$FAKE_LOG")"

probe "$FAKE_URL" tags pages/short pages/exact pages/empty
assert_eq "#18 short page with Link, exact page and empty page without" "pages/empty (no tags)
pages/exact a
pages/exact b
pages/short a
pages/short b
pages/short c" "$PROBE_OUT"
probe "$FAKE_URL" tags pages/cycle
assert_contains "#18 Link cycle stops with an error" "error fatal 0: tags of pages/cycle: Link header loops back to" "$PROBE_OUT"

probe "$FAKE_URL" tags pages/bign
assert_eq "#19 default n=100 is accepted" "pages/bign a" "$PROBE_OUT"
probe --page 5000 "$FAKE_URL" tags pages/bign
assert_contains "#19 n over the cap is reported, not retried" "error fatal 400: tags of pages/bign: HTTP 400 PAGINATION_NUMBER_INVALID" "$PROBE_OUT"

probe "$FAKE_URL" tags-sync odd/unsorted
assert_eq "#20 registry order is kept (callers sort)" "b
a
c" "$PROBE_OUT"
probe "$FAKE_URL" tags odd/null odd/missing odd/mixed odd/blobsonly odd/unsorted
assert_eq "#21 null/missing/odd entries; #22 one 404 leaves the rest" "error not found 404: tags of odd/blobsonly: HTTP 404 NAME_UNKNOWN (repository name not known to registry)
odd/missing (no tags)
odd/mixed a
odd/mixed b
odd/null (no tags)
odd/unsorted a
odd/unsorted b
odd/unsorted c" "$PROBE_OUT"

probe "$FAKE_URL" tags odd/textplain odd/iso
assert_eq "#24 success bodies parsed whatever the Content-Type" "odd/iso t
odd/textplain t" "$PROBE_OUT"
assert_not_contains "#1 /v2 always with its slash" "GET /v2 " "$(< "$FAKE_LOG")"

probe "$FAKE_URL" catalog
assert_eq "catalog pages" "img/plain
odd/blobsonly
odd/null
pages/exact
team/x" "$PROBE_OUT"

probe "$FAKE_URL" tags err/textplain err/jsontext err/detail-null err/detail-string err/detail-object err/detail-array
assert_eq "#34 non-JSON bodies not parsed; #35 any detail" "error not found 404: tags of err/detail-array: HTTP 404 NAME_UNKNOWN (repository name not known to registry)
error not found 404: tags of err/detail-null: HTTP 404 NAME_UNKNOWN (repository name not known to registry)
error not found 404: tags of err/detail-object: HTTP 404 NAME_UNKNOWN (repository name not known to registry)
error not found 404: tags of err/detail-string: HTTP 404 NAME_UNKNOWN (repository name not known to registry)
error not found 404: tags of err/jsontext: HTTP 404
error not found 404: tags of err/textplain: HTTP 404" "$PROBE_OUT"
probe --stats "$FAKE_URL" tags err/html
assert_contains "#34 HTML 502 is transient" "error transient 502: tags of err/html: HTTP 502" "$PROBE_OUT"
assert_contains "bounded retries: 1 + 3" "requests=5 " "$PROBE_ERR"

probe --stats "$FAKE_URL" tags flaky/503 flaky/reset
assert_eq "503 and a dropped connection are retried" "flaky/503 fine
flaky/reset fine" "$PROBE_OUT"

# #32: Retry-After in seconds pauses every request of the client.
: > "$FAKE_LOG"
probe --concurrency 1 --stats "$FAKE_URL" tags rl/seconds odd/unsorted
assert_contains "#32 429 Retry-After: 1 then success" "rl/seconds fine" "$PROBE_OUT"
t429=$(grep -m1 'rl/seconds' "$FAKE_LOG" | sed 's/^t=\([0-9.]*\).*/\1/')
tnext=$(grep -m1 'odd/unsorted' "$FAKE_LOG" | sed 's/^t=\([0-9.]*\).*/\1/')
assert_eq "#32 the whole client paused for Retry-After" 1 "$(python3 -c "print(int($tnext - $t429 >= 0.95))")"
start=$(date +%s.%N)
probe "$FAKE_URL" tags rl/date rl/none
assert_eq "#32 Retry-After as an HTTP-date; 429 without it" "rl/date fine
rl/none fine" "$PROBE_OUT"
assert_eq "#32 the HTTP-date was waited for" 1 "$(python3 -c "print(int($(date +%s.%N) - $start >= 0.9))")"
probe --stats "$FAKE_URL" tags rl/always
assert_contains "#32 persistent 429 (non-JSON) is rate limited" "error rate limited 429: tags of rl/always: HTTP 429" "$PROBE_OUT"
assert_contains "#32 bounded: 1 + 3 attempts" "429=4 " "$PROBE_ERR"

# Concurrency: 12 slow listings, at most 4 in flight, more than 1 at once
# (measured from here: earlier probes ran at the default 16).
rm -f "$FAKE_LOG.max"
probe --concurrency 4 "$FAKE_URL" tags slow/1 slow/2 slow/3 slow/4 slow/5 slow/6 slow/7 slow/8 slow/9 slow/10 slow/11 slow/12
assert_eq "12 slow listings" 12 "$(grep -c ' t$' <<< "$PROBE_OUT")"
max=$(< "$FAKE_LOG.max")
assert_eq "at most 4 in flight, several at once" 1 "$(( max >= 2 && max <= 4 ))"

# #17: a base path (Artifactory) that the Links drop.
start_fake based --base /artifactory/api/docker/repo
probe "$FAKE_URL/artifactory/api/docker/repo" tags links/relative links/absolute
assert_eq "#17 base path re-applied to Links" "$(sed 's|^|links/absolute |' <<< "$all")
$(sed 's|^|links/relative |' <<< "$all")" "$PROBE_OUT"
echo "fake_pagination: all passed"
