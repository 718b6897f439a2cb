# shellcheck shell=bash
# Shared helpers for the integration tests: failure counting, polling waits,
# a free loopback port, and a cdhost service started in the background.

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect_eq() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
wait_for() {
  local deadline=$(( $(date +%s%N) + $1 * 1000000000 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s%N)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# A TCP port on 127.0.0.1 that nothing listens on right now, below the
# ephemeral range (see registry__random_port).
free_port() {
  local port
  while :; do
    port=$(( (RANDOM << 15 | RANDOM) % 12000 + 20000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# service_start CDHOST CONFIG PLUGIN_DIR LOG: runs `cdhost run`, sets SERVICE_PID.
service_start() {
  "$1" --config "$2" --plugin-dir "$3" run 2>>"$4" &
  SERVICE_PID=$!
}

# service_stop: SIGTERM, then the exit code of the service in SERVICE_RC.
service_stop() {
  [ -n "${SERVICE_PID:-}" ] || return 0
  kill -TERM "$SERVICE_PID" 2>/dev/null
  wait "$SERVICE_PID"
  SERVICE_RC=$?
  SERVICE_PID=
}

finish() {
  if [ "$failures" -eq 0 ]; then
    echo "ok: $1"
    exit 0
  fi
  echo "$failures failure(s) in $1" >&2
  exit 1
}
