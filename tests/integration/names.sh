#!/usr/bin/env bash
# Repository names and tags in distribution's grammar (#20 item 5, #19 item 5):
# a bad name in `repositories` is a config error naming it, for `run` and for
# `account add`, before any request; a registry's bad catalog entries and
# tags (spaces, upper case, "..", "?", invalid UTF-8, too long) are dropped
# with a warning and a count in the cycle summary, and the rest is cached.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
start_fake badnames --bad-names
cdh() { "$CDHOST" --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR" "$@"; }

# ---- a bad configured name: refused before any request ----
cat > "$T/cdhost.cfg" <<CFG
dockerRegistry = { accounts = (
  { name = "conf"; address = "$FAKE_URL";
    repositories = ["team/app", "a b", "Team/App"]; }
); };
CFG
: > "$FAKE_LOG"
rc=0; cdh run --once 2> "$T/err" || rc=$?
assert_eq "run refuses a bad repository name" 2 "$rc"
assert_contains "names the one with a space, at file:line" \
    "cdhost.cfg:3: account conf: repositories: \"a b\" is not a valid repository name" "$(< "$T/err")"
assert_contains "names the upper-case one" "\"Team/App\" is not a valid repository name" "$(< "$T/err")"
assert_eq "no request was made" "" "$(< "$FAKE_LOG")"

echo 'dockerRegistry = { enabled = true; accounts = (); };' > "$T/cdhost.cfg"
rc=0; cdh config provider docker-registry account add conf --address "$FAKE_URL" --repositories "a b" 2> "$T/err" || rc=$?
assert_eq "account add refuses it" 2 "$rc"
assert_contains "account add names it" "\"a b\" is not a valid repository name" "$(< "$T/err")"
assert_not_contains "nothing saved" "conf" "$(< "$T/cdhost.cfg")"
assert_eq "account add made no request" "" "$(< "$FAKE_LOG")"

# ---- bad names from the registry: dropped, counted, the rest cached ----
cat > "$T/cdhost.cfg" <<CFG
dockerRegistry = { accounts = (
  { name = "cat"; address = "$FAKE_URL"; }
); };
CFG
cdh run --once 2> "$T/run.log" || fail "run failed: $(< "$T/run.log")"
repos=$(cdh images find --account cat | jq -r '[.[].repository] | unique | join(" ")')
assert_eq "good repositories cached" "bad/tags odd/unsorted" "$repos"
tags=$(cdh images tags --account cat --repository bad/tags | jq -r 'sort | join(" ")')
assert_eq "good tags kept, one bad tag breaks nothing" "1.0 good_2" "$tags"
log=$(< "$T/run.log")
assert_contains "warns of a bad catalog entry" 'Invalid repository name "a b" in the catalog dropped' "$log"
assert_contains "invalid UTF-8 shown escaped" 'Invalid repository name "ok\xffno"' "$log"
assert_contains "warns of a bad tag" 'Invalid tag "bad tag" in bad/tags dropped' "$log"
assert_contains "the summary counts them" "ok: 2 repositories, 10 records" "$log"
assert_contains "the count" "10 invalid names dropped" "$log"
requests=$(cut -d' ' -f2 < "$FAKE_LOG" | sort -u)
assert_not_contains "no request for a dropped repository" "Upper" "$requests"
assert_not_contains "no request with a space" "a b" "$requests"
assert_not_contains "no request for ../../x" "x/tags" "$requests"
