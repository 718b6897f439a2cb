#!/usr/bin/env bash
# Core dumps (issue #19, item 11): the process holds passwords and Basic
# headers, so cdhost makes itself non-dumpable at start (no core file, no
# ptrace or /proc/PID/environ|mem by other processes of its user) unless
# --allow-core-dumps is given. The kernel shows it in /proc/PID: a
# non-dumpable process's files there (not the directory) belong to root, and another process
# of the same user cannot read them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# Run as an unprivileged user when we are root: root may read anything.
as_user=()
if (( EUID == 0 )); then
    as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    chmod 755 "$T"
fi
user=$("${as_user[@]}" id -un)
port=$(free_port)
cat > "$T/cdhost.cfg" <<CFG
host = { listen = "127.0.0.1:$port"; cache = { backend = "memory"; }; };
CFG
chmod 644 "$T/cdhost.cfg"

# start [GLOBAL-OPTIONS...]: cdhost run as $user, until /health answers.
start() {
    "${as_user[@]}" "$CDHOST" "$@" --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR" run \
        2>> "$T/run.log" &
    pid=$!
    CLEANUP_PIDS+=("$pid")
    wait_http "http://127.0.0.1:$port/health" || fail "cdhost did not start: $(cat "$T/run.log")"
}
stop() { kill -TERM "$pid"; wait "$pid" || true; }

start
assert_eq "by default /proc/PID/environ belongs to root (not dumpable)" root "$(stat -c %U "/proc/$pid/environ")"
if "${as_user[@]}" cat "/proc/$pid/environ" > /dev/null 2>&1; then
    fail "$user could read /proc/$pid/environ"
fi
pass "another process of $user cannot read /proc/PID/environ"
stop

start --allow-core-dumps
assert_eq "--allow-core-dumps: /proc/PID/environ belongs to $user (dumpable)" "$user" "$(stat -c %U "/proc/$pid/environ")"
"${as_user[@]}" cat "/proc/$pid/environ" > /dev/null || fail "$user cannot read /proc/$pid/environ"
pass "--allow-core-dumps: $user can read /proc/PID/environ"
stop
assert_contains "documented in --help" "--allow-core-dumps" "$("$CDHOST" --help)"
echo "harden_core_dumps: all passed"
