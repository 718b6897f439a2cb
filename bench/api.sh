#!/usr/bin/env bash
# The API benchmark (bench/README.md, "Serving at scale"): what the service
# costs to serve a big cache. Numbers, not a test; no figure is pass/fail.
#
# Per store backend (memory, sqlite, redis): bench/fake_registry serves
# REPOS x TAGS synthetic tags (trackDigests, so every record has a digest);
# `cdhost run` caches them; then
#   - idle RSS once the first refresh is stored;
#   - Igor's poll, /find?account=bench&includeDetails=true, ROUNDS times:
#     time to the last byte, bytes, RSS before the first and after the last;
#   - /tags of one 100-tag repository and /credentials (the floor: no store
#     read) with wrk -t1 -c16: requests/s and p99;
#   - for both, the service's own CPU time per call (/proc/PID/stat), which
#     a loaded machine inflates far less than wall time.
# With --refresh, also one `cdhost run --once` on a fresh SQLite cache under
# /usr/bin/time: wall time and peak RSS per cached tag.
# Everything listens on 127.0.0.1; every process is stopped by PID at exit.
#
# Usage: bench/api.sh [-r REPOS] [-t TAGS] [-b BACKENDS] [-n ROUNDS]
#                     [-d WRK_SECONDS] [--refresh]
#   defaults: -r 500 -t 100 -b memory,sqlite,redis -n 5 -d 10
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
repos=500 tags=100 backends=memory,sqlite,redis rounds=5 seconds=10 refresh=0
while [ $# -gt 0 ]; do
  case $1 in
    -r) repos=$2; shift 2 ;;
    -t) tags=$2; shift 2 ;;
    -b) backends=$2; shift 2 ;;
    -n) rounds=$2; shift 2 ;;
    -d) seconds=$2; shift 2 ;;
    --refresh) refresh=1; shift ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/api.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
build=${BUILD:-$root/build-rel}
work=$(mktemp -d "${TMPDIR:-/tmp}/cdh-api-bench.XXXXXX")
fake_pid='' redis_pid='' svc_pid=''
stop() { [ -n "$1" ] && kill "$1" 2>/dev/null && wait "$1" 2>/dev/null; return 0; }
cleanup() { stop "$svc_pid"; stop "$fake_pid"; stop "$redis_pid"; rm -rf "$work"; }
trap cleanup EXIT
die() { echo "bench/api.sh: $*" >&2; exit 1; }

"$root/bench/setup.sh" >/dev/null
command -v redis-server >/dev/null || "$root/scripts/install-deps.sh" redis-server >/dev/null
[ -f "$build/CMakeCache.txt" ] ||
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target cdhost docker_registry fake_registry >/dev/null

free_port() { echo $(( (RANDOM << 15 | RANDOM) % 12000 + 20000 )); }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
# The service's CPU time so far (user + system), in microseconds: what a
# call costs the service whatever else the machine runs, where wall time
# on a loaded machine mostly measures the load.
tck=$(getconf CLK_TCK)
cpu_us() { awk -v t="$tck" '{ printf "%d\n", ($14 + $15) * 1000000 / t }' "/proc/$1/stat"; }
wait_for() { # SECONDS COMMAND...
  local end=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -lt $end ] || return 1; sleep 0.2; done
}

reg_port=$(free_port)
"$build/bench/fake_registry" "$reg_port" "$repos" "$tags" &
fake_pid=$!
wait_for 10 curl -fs -o /dev/null "http://127.0.0.1:$reg_port/v2/" || die "fake registry did not start"

# config BACKEND PORT: one account, trackDigests, no second refresh.
config() {
  local cache
  case $1 in
    memory) cache='backend = "memory";' ;;
    sqlite) cache='backend = "sqlite"; path = "cache.db";' ;;
    redis) cache="backend = \"redis\"; url = \"redis://127.0.0.1:$redis_port/0\";" ;;
  esac
  cat > "$work/cdhost.cfg" <<EOF
host = { listen = "127.0.0.1:$2"; cache = { $cache }; };
dockerRegistry = { accounts = (
  { name = "bench"; address = "http://127.0.0.1:$reg_port"; trackDigests = true;
    cacheIntervalSeconds = 86400; }
); };
EOF
}

start_redis() {
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    --loglevel warning >"$work/redis.log" 2>&1 &
  redis_pid=$!
  wait_for 10 sh -c "redis-cli -p $redis_port ping 2>/dev/null | grep -q PONG" ||
    die "redis-server did not start"
}

# wrk_line URL: "requests/s | p99 | service CPU per request (us)"
wrk_line() {
  local out cpu0 cpu1
  cpu0=$(cpu_us "$svc_pid")
  out=$(wrk -t1 -c16 -d"${seconds}s" --latency "$1")
  cpu1=$(cpu_us "$svc_pid")
  awk -v cpu=$((cpu1 - cpu0)) '/Requests\/sec/ { rps = $2 } /^ +99%/ { p99 = $2 }
       / requests in / { n = $1 }
       END { printf "%d | %s | %.0f", rps, p99, n ? cpu / n : 0 }' <<<"$out"
}

bench_backend() {
  local backend=$1 port api idle before after t bytes times=() i find cpu0 cpu1
  port=$(free_port)
  api=http://127.0.0.1:$port
  [ "$backend" = redis ] && start_redis
  rm -f "$work"/cache.db*
  config "$backend" "$port"
  "$build/cdhost" --config "$work/cdhost.cfg" --plugin-dir "$build/plugins" run \
    2>"$work/$backend.log" &
  svc_pid=$!
  wait_for 3600 grep -q 'DockerRegistryImageCachingAgent.*: ok: ' "$work/$backend.log" ||
    die "$backend: no first refresh: $(tail -n 3 "$work/$backend.log")"
  sleep 2 # the apply's transient memory goes back before "idle"
  idle=$(rss_kb "$svc_pid")
  find="$api/dockerRegistry/images/find?account=bench&includeDetails=true"
  before=$(rss_kb "$svc_pid")
  cpu0=$(cpu_us "$svc_pid")
  for ((i = 0; i < rounds; i++)); do
    read -r t bytes < <(curl -fsS -o /dev/null -w '%{time_total} %{size_download}\n' "$find")
    times+=("$t")
  done
  cpu1=$(cpu_us "$svc_pid")
  after=$(rss_kb "$svc_pid")
  echo "| $backend | $((idle / 1024)) | $(printf '%s\n' "${times[@]}" | sort -n |
    awk '{ a[NR] = $1 } END { printf "%.3f (%.3f-%.3f)", a[int((NR + 1) / 2)], a[1], a[NR] }') |" \
    "$(( (cpu1 - cpu0) / rounds / 1000 )) | $bytes | $((before / 1024)) -> $((after / 1024)) |" \
    "$(wrk_line "$api/dockerRegistry/images/tags?account=bench&repository=bench/r00001") |" \
    "$(wrk_line "$api/credentials") |"
  stop "$svc_pid"; svc_pid=
  [ "$backend" = redis ] && { stop "$redis_pid"; redis_pid=; }
  return 0
}

echo "$repos repositories x $tags tags = $((repos * tags)) tags; $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| backend | idle RSS MiB | /find s, median of $rounds (min-max) | service CPU ms per /find | /find bytes | RSS MiB before -> after the $rounds /find | /tags req/s | /tags p99 | service CPU us per /tags | /credentials req/s | /credentials p99 | service CPU us per /credentials |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
IFS=, read -ra list <<<"$backends"
for b in "${list[@]}"; do bench_backend "$b"; done

if [ "$refresh" = 1 ]; then
  port=$(free_port)
  rm -f "$work"/cache.db*
  config sqlite "$port"
  /usr/bin/time -v -o "$work/time.txt" "$build/cdhost" --config "$work/cdhost.cfg" \
    --plugin-dir "$build/plugins" run --once 2>"$work/once.log" ||
    die "run --once failed: $(tail -n 3 "$work/once.log")"
  peak=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")
  echo
  echo "run --once (sqlite, trackDigests): $(grep -oE 'ok: .*' "$work/once.log");" \
    "peak RSS $((peak / 1024)) MiB = $((peak * 1024 / (repos * tags))) bytes per cached tag"
fi
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
