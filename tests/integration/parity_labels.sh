#!/usr/bin/env bash
# Issue #22, 2: with inspectDigests, an image whose config has no Labels is
# stored as Clouddriver stores it, "labels": null (config.Labels as it is),
# and /find?includeDetails=true has no artifact.metadata.labels for it; a
# labelled image keeps its labels.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
: "${CDHOST:?run through ctest}" "${CDH_PLUGIN_DIR:?run through ctest}"

registry_start "$T/reg" > /dev/null || fail "cannot start registry"
CLEANUP_PIDS+=("$REGISTRY_PID")
REGISTRY_PUSH_NO_LABELS=1 registry_push_image "$REGISTRY_URL" team/bare 1 > /dev/null || fail "push bare"
registry_push_image "$REGISTRY_URL" team/labelled 1 > /dev/null || fail "push labelled"
cat > "$T/cdhost.cfg" <<CFG
dockerRegistry = { accounts = (
  { name = "lab"; address = "$REGISTRY_URL"; repositories = ["team/bare", "team/labelled"];
    inspectDigests = true; }
); };
CFG
cdhost() { "$CDHOST" --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR" "$@"; }
cdhost run --once 2> "$T/run.log" || fail "run --once failed: $(< "$T/run.log")"

stored() {
    sqlite3 "$T/cache.db" "select attributes from records where id='dockerRegistry:taggedImage:lab:$1:1'"
}
assert_eq "stored labels of an unlabelled image" '{"has":true,"labels":null}' \
    "$(stored team/bare | jq -c '{has: has("labels"), labels}')"
assert_eq "stored labels of a labelled image" '"main"' "$(stored team/labelled | jq -c .labels.branch)"

find_details() { cdhost images find --account lab --repository "$1" --include-details; }
assert_eq "find: no artifact.metadata.labels for an unlabelled image" false \
    "$(find_details team/bare | jq '.[0].artifact.metadata | has("labels")')"
assert_eq "find: no label-derived details" '{"branch":null,"commitId":null}' \
    "$(find_details team/bare | jq -c '.[0] | {branch, commitId}')"
assert_eq "find: a labelled image's labels" '"main"' \
    "$(find_details team/labelled | jq -c '.[0].artifact.metadata.labels.branch')"
echo "parity_labels: all passed"
