#!/usr/bin/env bash
# The transport's limits against fake_registry.py: the host's cancel check
# stops everything at once, per-attempt timeouts, requests_per_second,
# connection reuse.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
start_fake transport
elapsed() { python3 -c "print(int(($(date +%s.%N) - $1) * 1000))"; }

: > "$FAKE_LOG"
probe --concurrency 1 --cancel-after 0.5 "$FAKE_URL" tags slow/1 slow/2 slow/3 slow/4 slow/5 slow/6 slow/7 slow/8
asked=$(grep -cE '/v2/slow/[0-9]+/tags' "$FAKE_LOG" || true)
assert_eq "cancelled run fails" 1 "$PROBE_RC"
assert_contains "cancellation reported" "run: refresh cancelled" "$PROBE_OUT"
assert_contains "unfinished listings end cancelled" "tags of slow/8: cancelled" "$PROBE_OUT"
# Stopped at once: the listings after the cancel were never asked for (a
# count, not a clock, so a loaded machine cannot fail it).
assert_eq "stopped promptly (${asked} of 8 listings asked)" 1 "$(( asked < 8 ))"

probe --timeout-ms 100 "$FAKE_URL" tags slow/1
assert_contains "per-attempt timeout is a transient error" "error transient 0: tags of slow/1: " "$PROBE_OUT"

start=$(date +%s.%N)
probe --stats --rps 5 "$FAKE_URL" tags odd/unsorted odd/null odd/missing odd/mixed
ms=$(elapsed "$start")
assert_contains "5 requests" "requests=5 " "$PROBE_ERR"
assert_eq "spaced at 5 per second (${ms} ms)" 1 "$(( ms >= 750 ))"
: > "$FAKE_LOG"
probe --concurrency 1 "$FAKE_URL" tags odd/unsorted odd/null odd/missing odd/mixed links/multi
assert_eq "one connection reused for ping + 7 requests" 1 \
    "$(sed 's/.* c=//' "$FAKE_LOG" | sort -u | wc -l)"
echo "fake_transport: all passed"
