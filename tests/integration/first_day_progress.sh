#!/usr/bin/env bash
# Long work is not silent on a terminal (#20 item 4): `run --once` draws a
# progress line (repositories listed of all, requests, rate, errors) and
# clears it at the end; `account add` says what it waits for once a wait
# lasts 2 s. Off a terminal neither appears. The terminal is script(1)'s
# pty; the registry answers tag lists after 4 s (slow_registry.py). A
# catalog account against a registry that never answers (silent_registry.py)
# says what it waits for before any total is known, and `account add` says
# when it waits for a slow password command.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# serve NAME SCRIPT [ARGS...]: a registry script that prints its port, in
# the background; its URL into URL.
serve() {
    local name=$1 script=$2
    shift 2
    python3 "$CDH_SOURCE_DIR/tests/integration/$script" "$@" > "$T/$name.port" &
    CLEANUP_PIDS+=("$!")
    for _ in $(seq 1 300); do [[ -s $T/$name.port ]] && break; sleep 0.1; done
    [[ -s $T/$name.port ]] || fail "$name registry did not start"
    URL=http://127.0.0.1:$(< "$T/$name.port")
}

serve slow slow_registry.py 4
slow=$URL
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
# A catalog account (no `repositories`) knows no total until the catalog
# answers: against a registry that never does, the line says what the
# refresh waits for (it was silent until clientTimeoutMillis).
serve silent silent_registry.py
silent=$URL
cat > "$T/cdhost.cfg" <<CFG
host = { cache = { backend = "memory"; }; };
dockerRegistry = { accounts = ( { name = "mute"; address = "$silent"; clientTimeoutMillis = 5000; } ); };
CFG
on_tty "$cmd run --once" && fail "run --once against a silent registry succeeded: $OUT"
assert_contains "catalog account on a terminal: says what it waits for" \
    "cdhost: waiting for $silent: the catalog (2 s)" "$OUT"
assert_contains "and the refresh fails in the end" "mute/DockerRegistryImageCachingAgent[1/1]: failed" "$OUT"
rc=0; eval "$cmd run --once" > "$T/out" 2> "$T/err" || rc=$?
assert_eq "off a terminal it fails the same" 1 "$rc"
assert_not_contains "off a terminal: nothing said of the wait" "waiting for" "$(< "$T/err")$(< "$T/out")"
assert_not_contains "off a terminal: no carriage return" $'\r' "$(< "$T/err")"

# A slow password command: `account add` says it waits for it.
addcmd="$cmd config provider docker-registry account add cmd --address $slow --repositories slow/repo --username u --password-command 'sleep 4; echo x'"
echo 'dockerRegistry = { enabled = true; accounts = (); };' > "$T/cdhost.cfg"
on_tty "$addcmd" || fail "account add with a password command on a terminal: $OUT"
assert_contains "account add on a terminal: waits for the password command" \
    "cdhost: waiting for $slow: the password command (2 s)" "$OUT"
echo 'dockerRegistry = { enabled = true; accounts = (); };' > "$T/cdhost.cfg"
rc=0; eval "$addcmd" > "$T/out" 2> "$T/err" || rc=$?
assert_eq "account add with a password command off a terminal works" 0 "$rc"
assert_not_contains "off a terminal: nothing said of the password command" "waiting for" "$(< "$T/err")$(< "$T/out")"
echo "first_day_progress: all passed"
