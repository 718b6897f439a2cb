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

# redis_start DIR PORT [ARGS...]: a redis-server of the test's own on
# 127.0.0.1:PORT, nothing persisted, logging to DIR/redis.log, its PID in
# REDIS_PID; ARGS go to redis-server (e.g. --requirepass PW). Waits up to
# 30 s for PONG; 1 (with the log) if it does not answer.
redis_start() {
  local dir=$1 port=$2 pass='' prev='' a; shift 2
  for a in "$@"; do [ "$prev" = --requirepass ] && pass=$a; prev=$a; done
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --loglevel warning "$@" >>"$dir/redis.log" 2>&1 &
  REDIS_PID=$!
  wait_for 30 redis__pong "$port" "$pass" && return 0
  echo "redis-server did not start: $(cat "$dir/redis.log")" >&2
  return 1
}

# redis__pong PORT PASSWORD: its PING answers PONG (REDISCLI_AUTH keeps the
# password off the command line; an empty one would send AUTH "").
redis__pong() {
  if [ -n "$2" ]; then
    REDISCLI_AUTH=$2 redis-cli -p "$1" PING | grep -qx PONG
  else
    redis-cli -p "$1" PING | grep -qx PONG
  fi
}

# redis_stop [SIGNAL]: stops REDIS_PID (SIGTERM, or e.g. KILL for a crash)
# and reaps it; nothing if none runs.
redis_stop() {
  [ -n "${REDIS_PID:-}" ] || return 0
  kill -"${1:-TERM}" "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null
  REDIS_PID=
  return 0
}

# gated_registry_start DIR: gated_registry.py (a registry whose gate/*
# repositories wait for the test) serving DIR, its PID in GATED_PID and
# its address in GATED_URL; 1 if it does not start within 30 s.
gated_registry_start() {
  python3 "$(dirname "${BASH_SOURCE[0]}")/../gated_registry.py" "$1" > "$1/port" &
  GATED_PID=$!
  wait_for 30 test -s "$1/port" || { echo "gated registry did not start" >&2; return 1; }
  # shellcheck disable=SC2034 # the caller's
  GATED_URL=http://127.0.0.1:$(head -1 "$1/port")
}

# gated_registry_stop: stops and reaps GATED_PID; nothing if none runs.
gated_registry_stop() {
  [ -n "${GATED_PID:-}" ] || return 0
  kill "$GATED_PID" 2>/dev/null && wait "$GATED_PID" 2>/dev/null
  GATED_PID=
  return 0
}

# gated_cleanup DIR: at exit of a test of the service beside the gated
# registry: opens the gate, stops both, removes DIR.
gated_cleanup() {
  touch "$1/release"
  service_stop
  gated_registry_stop
  rm -rf "$1"
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
