#!/usr/bin/env bash
# What a new operator ran into on the first day (#20), checked as they would
# see it: a disabled provider says so.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cdh() { "$CDHOST" --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR" "$@"; }

# ---- item 7: a disabled provider is not silent ----
cat > "$T/cdhost.cfg" <<CFG
dockerRegistry = {
  enabled = false;
  accounts = ( { name = "off"; address = "http://127.0.0.1:1"; } );
};
CFG
rc=0; cdh run --once 2> "$T/err" || rc=$?
assert_eq "run --once of a disabled provider still succeeds" 0 "$rc"
assert_contains "says the section is disabled, at file:line" \
    "cdhost.cfg:2: dockerRegistry is disabled (enabled = false)" "$(< "$T/err")"
