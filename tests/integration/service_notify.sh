#!/usr/bin/env bash
# `cdhost run` under systemd's Type=notify (issue #23, dist/cdhost.service):
# with $NOTIFY_SOCKET set it sends READY=1 only once its HTTP API answers,
# RELOADING=1 then READY=1 around a reload (SIGHUP, as ExecReload sends),
# and STOPPING=1 on SIGTERM, then exits 0. notify_listener.py plays systemd.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

port=$(free_port) || fail "no free port"
cat > "$T/cdhost.cfg" <<CFG
host = { listen = "127.0.0.1:$port"; pluginDir = "$CDH_PLUGIN_DIR";
         cache = { backend = "memory"; }; };
CFG
python3 "$CDH_SOURCE_DIR/tests/integration/notify_listener.py" "$T/notify.sock" \
    "$T/notify.log" "http://127.0.0.1:$port/health" &
CLEANUP_PIDS+=("$!")
for _ in $(seq 1 100); do [[ -S $T/notify.sock ]] && break; sleep 0.1; done
[[ -S $T/notify.sock ]] || fail "notify listener did not start"
: > "$T/notify.log"

NOTIFY_SOCKET=$T/notify.sock "$CDHOST" --config "$T/cdhost.cfg" run 2> "$T/cdhost.log" &
pid=$!
CLEANUP_PIDS+=("$pid")

# wait_lines N: until notify.log has N lines, ~30 s (a message cdhost sent
# before it exited may still be on its way to the log).
wait_lines() {
    for _ in $(seq 1 300); do
        (( $(wc -l < "$T/notify.log") >= $1 )) && return 0
        sleep 0.1
    done
    cat "$T/cdhost.log" >&2
    fail "expected $1 notify lines, got: $(< "$T/notify.log")"
}

wait_lines 2
assert_eq "first: READY=1, and the API answered by then" "READY=1
api 200" "$(< "$T/notify.log")"

kill -HUP "$pid"
wait_lines 5
assert_eq "SIGHUP: RELOADING=1, then READY=1 once reloaded" "RELOADING=1
READY=1
api 200" "$(tail -n 3 "$T/notify.log")"
assert_contains "the reload happened" "configuration reloaded" "$(< "$T/cdhost.log")"

kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
assert_eq "SIGTERM: exit 0" 0 "$rc"
wait_lines 6
assert_eq "SIGTERM: STOPPING=1" "STOPPING=1" "$(tail -n 1 "$T/notify.log")"
echo "service_notify: all passed"
