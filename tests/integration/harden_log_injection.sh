#!/usr/bin/env bash
# A registry's error message must not forge log lines or drive the
# operator's terminal: control characters are escaped in the text log
# format (the JSON format escapes them already) (issue #19, item 8).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

start_fake control --mode none
cat > "$T/cdhost.cfg" <<CFG
host = { cache = { backend = "memory"; }; };
dockerRegistry = { accounts = (
  { name = "evil"; address = "$FAKE_URL"; repositories = ["err/control"]; }
); };
CFG
rc=0
"$CDHOST" --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR" run --once 2> "$T/text.log" || rc=$?
assert_eq "a repository the registry does not know is a warning (exit 0)" 0 "$rc"
log=$(< "$T/text.log")
assert_contains "the message is logged, escaped" \
    'not here\n2026-01-01T00:00:00.000Z info  FORGED line\r\x1b[2Jcleared\x07\x7f' "$log"
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]\|\r' "$T/text.log"; then
    fail "a control character reached the log: $(LC_ALL=C grep -n $'[\x01-\x08\x0b-\x1f\x7f]' "$T/text.log" | cat -v)"
fi
pass "no control character in the text log"
forged=$(grep -c 'FORGED' "$T/text.log" || true)
assert_eq "the forged text stays inside the one line that carries it" \
    "$forged" "$(grep 'FORGED' "$T/text.log" | grep -c '^20[0-9-]*T[0-9:.]*Z \(warn\|error\) ')"
assert_not_contains "no line starts with the forged entry" $'\n2026-01-01T00:00:00.000Z info  FORGED' $'\n'"$log"

rc=0
"$CDHOST" --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR" --log-format json run --once \
    2> "$T/json.log" || rc=$?
assert_eq "json: exit 0" 0 "$rc"
assert_contains "json: the message keeps its characters" "FORGED line"$'\r\e'"[2Jcleared" \
    "$(grep FORGED "$T/json.log" | jq -r .message)"
echo "harden_log_injection: all passed"
