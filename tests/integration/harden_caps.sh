#!/usr/bin/env bash
# Count caps (issue #19, item 7): a registry listing without end must not
# take the host's memory. maxTagsPerRepository keeps the first tags a
# repository lists, maxRecordsPerAccount the records of the account's
# repositories in their order (two per tag); each cap hit is warned, naming
# the account, the repository and the cap. Both are settings of the
# descriptor, so `account add --max-...` sets them and `account get` shows
# their defaults. The fake registry serves big/N: one page of N tags.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
start_fake caps
CFG=$T/conf/cdhost.cfg
export CDHOST_CONFIG=$CFG
mkdir -p "$T/conf"
echo 'host = { cache = { backend = "sqlite"; path = "cache.db"; }; };' > "$CFG"

# The defaults are in effect and shown.
run_hal account add plain --address "$FAKE_URL" --repositories big/3 --no-validate
assert_eq "account add without caps ($HAL_ERR)" 0 "$HAL_RC"
run_hal account get plain
assert_contains "get: maxTagsPerRepository's default" "#   maxTagsPerRepository = 100000;" "$HAL_OUT"
assert_contains "get: maxRecordsPerAccount's default" "#   maxRecordsPerAccount = 5000000;" "$HAL_OUT"
run_hal account delete plain
assert_eq "account delete" 0 "$HAL_RC"

run_hal enable
assert_eq "enable" 0 "$HAL_RC"
# Set through the generated flags.
run_hal account add caps --address "$FAKE_URL" --repositories big/5000,big/2000,big/10 \
    --max-tags-per-repository 1000 --max-records-per-account 3000 --no-validate
assert_eq "account add --max-tags-per-repository --max-records-per-account ($HAL_ERR)" 0 "$HAL_RC"
assert_eq "maxTagsPerRepository saved" 1000 "$(field maxTagsPerRepository)"
assert_eq "maxRecordsPerAccount saved" 3000 "$(field maxRecordsPerAccount)"

cdh() { "$CDHOST" --plugin-dir "$CDH_PLUGIN_DIR" "$@"; }
rc=0; cdh run --once 2> "$T/run.log" || rc=$?
assert_eq "run --once exits 0 ($(tail -3 "$T/run.log"))" 0 "$rc"
tags() { cdh images tags --account caps --repository "$1"; }
assert_eq "big/5000: the first 1000 tags cached" 1000 "$(tags big/5000 | jq length)"
assert_eq "big/5000: the first listed kept" "t000000 t000999" \
    "$(tags big/5000 | jq -r 'sort | "\(first) \(last)"')"
# 2000 records went to big/5000: 1000 remain, 500 tags of big/2000.
assert_eq "big/2000: what the records cap leaves (500 tags)" 500 "$(tags big/2000 | jq length)"
assert_eq "big/10: nothing left for it" 0 "$(tags big/10 | jq length)"
assert_eq "3000 records in all (images find)" 1500 \
    "$(cdh images find --account caps | jq length)"
log=$(< "$T/run.log")
assert_contains "the tag cap warned, naming repository, account and cap" \
    "Repository big/5000 of account caps lists 4000 tags more than maxTagsPerRepository (1000): they are not cached" "$log"
assert_contains "the tag cap warned for big/2000 too" \
    "Repository big/2000 of account caps lists 1000 tags more than maxTagsPerRepository (1000)" "$log"
assert_contains "the records cap warned, naming account, cap and repository" \
    "Account caps reached maxRecordsPerAccount (3000, 3000 for each of its 1 agents) at repository big/2000: 510 tags not cached" "$log"
echo "harden_caps: all passed"
