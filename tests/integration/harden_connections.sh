#!/usr/bin/env bash
# The HTTP API against descriptor exhaustion (issue #19, item 3). cdhost
# runs under `ulimit -n 256` (soft and hard: raising the soft limit cannot
# help). Idle clients opening 600 connections from another loopback
# address are held to host.maxConnectionsPerAddress (64 by default, and at
# most half the descriptors in all): /health still answers and a config
# edit made meanwhile is applied. When an operator sets the limits so high
# that the descriptors do run out, the reload that failed with "Too many
# open files" is retried with backoff until it succeeds, once the idle
# connections time out (host.idleTimeoutSeconds); so is that of a plugin
# file changed meanwhile. At start the soft descriptor limit is raised to
# the hard one, and the connection limit derived from the raised limit.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

port=$(free_port)
api=http://127.0.0.1:$port
cfg=$T/cdhost.cfg

# write_config HOST_EXTRA [ACCOUNT]: replaced by rename, as editors do.
write_config() {
    { echo "host = { listen = \"127.0.0.1:$port\"; cache = { backend = \"memory\"; }; $1 };"
      if [[ -n ${2:-} ]]; then
          echo "dockerRegistry = { accounts = ( { name = \"$2\"; address = \"http://127.0.0.1:9\";"
          echo "  repositories = [\"team/app\"]; } ); };"
      fi; } > "$cfg.tmp"
    mv "$cfg.tmp" "$cfg"
}

# start [PLUGIN_DIR]: cdhost with at most 256 descriptors, until /health
# answers.
start() {
    ( ulimit -n 256; exec "$CDHOST" --config "$cfg" --plugin-dir "${1:-$CDH_PLUGIN_DIR}" run ) \
        2> "$T/run.log" &
    pid=$!
    CLEANUP_PIDS+=("$pid")
    wait_http "$api/health" || fail "cdhost did not start: $(cat "$T/run.log")"
}
stop() { registry__kill "$pid"; }

# idle N: N connections from 127.0.0.2 that send nothing, held until killed.
idle() {
    python3 - "$port" "$1" > "$T/idle.out" 2>&1 <<'PY' &
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
held = []
for _ in range(n):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.bind(("127.0.0.2", 0))
        s.connect(("127.0.0.1", port))
        held.append(s)
    except OSError:
        s.close()
print("connected", len(held), flush=True)
time.sleep(600)
PY
    idle_pid=$!
    CLEANUP_PIDS+=("$idle_pid")
    for _ in $(seq 1 300); do
        grep -q connected "$T/idle.out" && return 0
        sleep 0.1
    done
    fail "the idle clients did not connect: $(cat "$T/idle.out")"
}

# exhausted: until the idle connections hold (nearly) every descriptor.
exhausted() {
    for _ in $(seq 1 300); do
        (( $(ls "/proc/$pid/fd" | wc -l) >= 250 )) && return 0
        sleep 0.1
    done
    fail "the descriptors did not run out"
}

accounts() { curl -fsS -m 20 "$api/credentials" | jq -r '[.[].name] | join(",")'; }
# until_account NAME: /credentials lists NAME within a minute.
until_account() {
    for _ in $(seq 1 120); do
        [[ $(accounts 2> /dev/null) == *"$1"* ]] && return 0
        sleep 0.5
    done
    return 1
}

# The defaults: 600 idle connections from one address.
write_config ""
start
idle 600
code=$(curl -sS -m 20 -o /dev/null -w '%{http_code}' "$api/health") || code="no answer"
assert_eq "600 idle connections: /health still answers" 200 "$code"
write_config "" edited
until_account edited || fail "the config edit was not applied: $(tail -5 "$T/run.log")"
pass "600 idle connections: a config edit is applied"
assert_contains "the limits are logged" "at most 128 connections, 64 per address" "$(cat "$T/run.log")"
registry__kill "$idle_pid"
stop

# Limits set above the descriptors: the reload fails for want of them and
# is retried until the idle connections are closed.
write_config "maxConnections = 1000; maxConnectionsPerAddress = 0; idleTimeoutSeconds = 8;"
start
idle 300
exhausted
write_config "maxConnections = 1000; maxConnectionsPerAddress = 0; idleTimeoutSeconds = 8;" retried
until_account retried || fail "the reload was not retried: $(tail -5 "$T/run.log")"
pass "a reload that failed with EMFILE is applied once descriptors are free"
assert_contains "the failed reload says it retries" "reload failed, retrying in 1000 ms: " "$(cat "$T/run.log")"
assert_contains "the failure was the descriptors" "Too many open files" "$(cat "$T/run.log")"
registry__kill "$idle_pid"
stop

# The same for a plugin file replaced while the descriptors are out: its
# load fails ("cannot open: Too many open files") and is retried until it
# succeeds. The plugin directory is the test's own.
mkdir "$T/plugins"
cp "$CDH_PLUGIN_DIR/docker_registry.so" "$T/plugins/"
start "$T/plugins"
idle 300
exhausted
cp "$CDH_PLUGIN_DIR/docker_registry.so" "$T/plugins/.docker_registry.so.new"
mv "$T/plugins/.docker_registry.so.new" "$T/plugins/docker_registry.so"
reloaded() { grep -q "loaded from $T/plugins/docker_registry.so" "$T/run.log"; }
for _ in $(seq 1 120); do reloaded && break; sleep 0.5; done
reloaded || fail "the plugin reload was not retried: $(tail -5 "$T/run.log")"
pass "a plugin reload that failed with EMFILE is applied once descriptors are free"
assert_contains "the failed plugin reload says it retries" "plugin reload failed, retrying in 1000 ms: " \
    "$(cat "$T/run.log")"
until_account retried || fail "the account is gone after the plugin reload: $(tail -5 "$T/run.log")"
registry__kill "$idle_pid"
stop

# The soft limit is raised to the hard one at start: under soft 256 and
# hard 4096, cdhost runs with 4096, and derives its connection limit (half,
# at most 1024) from that.
(( $(ulimit -Hn) >= 4096 )) || fail "this test needs a hard open files limit of 4096 or more"
write_config ""
( ulimit -Sn 256; ulimit -Hn 4096; exec "$CDHOST" --config "$cfg" --plugin-dir "$CDH_PLUGIN_DIR" run ) \
    2> "$T/run.log" &
pid=$!
CLEANUP_PIDS+=("$pid")
wait_http "$api/health" || fail "cdhost did not start: $(cat "$T/run.log")"
assert_eq "the soft limit is raised to the hard one" "4096 4096" \
    "$(awk '/^Max open files/ { print $4, $5 }' "/proc/$pid/limits")"
assert_contains "the raised limit is logged" "open files limit 4096" "$(cat "$T/run.log")"
assert_contains "the connection limit comes from the raised limit" "at most 1024 connections" \
    "$(cat "$T/run.log")"
stop
echo "harden_connections: all passed"
