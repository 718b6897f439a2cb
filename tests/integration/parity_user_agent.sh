#!/usr/bin/env bash
# Issue #22, 1: every request cdhost makes (the /v2/ ping, token requests,
# tag lists, manifests, image configs) carries User-Agent
# Spinnaker-cdhost/<version>: Clouddriver's "Spinnaker" prefix, which some
# registries and proxies key on, plus cdhost and its version.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
: "${CDHOST:?run through ctest}" "${CDH_PLUGIN_DIR:?run through ctest}"

start_fake ua --mode bearer
version=$("$CDHOST" version | awk '{print $2}')
cat > "$T/cdhost.cfg" <<CFG
host = { cache = { backend = "memory"; }; };
dockerRegistry = { accounts = (
  { name = "ua"; address = "$FAKE_URL"; repositories = ["img/plain"];
    trackDigests = true; inspectDigests = true; }
); };
CFG
"$CDHOST" --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR" run --once 2> "$T/run.log" \
    || fail "run --once failed: $(< "$T/run.log")"

log=$(< "$FAKE_LOG")
assert_contains "a token request was made" "GET /token?" "$log"
assert_contains "an image config was fetched" "GET /v2/img/plain/blobs/" "$log"
assert_eq "every request names Spinnaker-cdhost/$version" \
    "ua=Spinnaker-cdhost/$version" "$(grep -o 'ua=[^ ]*' "$FAKE_LOG" | sort -u)"
echo "parity_user_agent: all passed"
