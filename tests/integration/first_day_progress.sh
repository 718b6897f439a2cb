#!/usr/bin/env bash
# Long work is not silent on a terminal (#20 item 4): `run --once` draws a
# progress line (repositories listed of all, requests, rate, errors) and
# clears it at the end; `account add` says what it waits for once a wait
# lasts 2 s. Off a terminal neither appears. The terminal is script(1)'s
# pty; the registry answers tag lists after 4 s (slow_registry.py).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

python3 "$CDH_SOURCE_DIR/tests/integration/slow_registry.py" 4 > "$T/slow.port" &
CLEANUP_PIDS+=("$!")
for _ in $(seq 1 300); do [[ -s $T/slow.port ]] && break; sleep 0.1; done
[[ -s $T/slow.port ]] || fail "slow registry did not start"
slow=http://127.0.0.1:$(< "$T/slow.port")
cat > "$T/cdhost.cfg" <<CFG
host = { cache = { backend = "memory"; }; };
dockerRegistry = { accounts = ( { name = "slow"; address = "$slow"; repositories = ["slow/repo"]; } ); };
CFG
cmd="'$CDHOST' --config '$T/cdhost.cfg' --plugin-dir '$CDH_PLUGIN_DIR'"
erase=$(printf '\r\033[K')

# on_tty COMMAND: runs it on a pty (stdout and stderr both there) into OUT.
on_tty() {
    local rc=0
    script -qec "$1" /dev/null > "$T/tty.out" 2>&1 < /dev/null || rc=$?
    OUT=$(< "$T/tty.out")
    return "$rc"
}

on_tty "$cmd run --once" || fail "run --once on a terminal: $OUT"
assert_contains "run --once on a terminal: the progress line" "cdhost: 0/1 repositories, " "$OUT"
[[ $OUT =~ [0-9]+\ requests\ \([0-9.]+/s\),\ [0-9]+\ errors? ]] || fail "requests, rate, errors: [$OUT]"
pass "it counts requests, their rate and errors"
assert_contains "it is redrawn in place" $'\r'"cdhost: " "$OUT"
assert_contains "and erased before the summary line" "$erase$(date -u +%Y)-" "$OUT"
assert_contains "the summary follows" "slow/DockerRegistryImageCachingAgent[1/1]: ok: 1 repositories" "$OUT"

rc=0; eval "$cmd run --once" > "$T/out" 2> "$T/err" || rc=$?
assert_eq "run --once off a terminal works" 0 "$rc"
assert_not_contains "off a terminal: no progress line" "cdhost: 0/1 repositories" "$(< "$T/err")"
assert_not_contains "off a terminal: no carriage return" $'\r' "$(< "$T/err")"

echo 'dockerRegistry = { enabled = true; accounts = (); };' > "$T/cdhost.cfg"
on_tty "$cmd config provider docker-registry account add slow --address $slow --repositories slow/repo" \
    || fail "account add on a terminal: $OUT"
assert_contains "account add on a terminal: says what it waits for" \
    "cdhost: waiting for $slow: the tags of slow/repo (2 s)" "$OUT"
assert_contains "and saves the account" "+ Successfully added account slow" "$OUT"

echo 'dockerRegistry = { enabled = true; accounts = (); };' > "$T/cdhost.cfg"
rc=0; eval "$cmd config provider docker-registry account add slow --address $slow --repositories slow/repo" \
    > "$T/out" 2> "$T/err" || rc=$?
assert_eq "account add off a terminal works" 0 "$rc"
assert_not_contains "off a terminal: nothing said of the wait" "waiting for" "$(< "$T/err")$(< "$T/out")"
echo "first_day_progress: all passed"
