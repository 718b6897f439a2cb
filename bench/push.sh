#!/usr/bin/env bash
# The push benchmark (bench/README.md, "Push → /find"): a local
# docker-registry 2.8 whose `notifications:` endpoint is cdhost's
# POST /webhooks/docker-registry, an account with cacheIntervalSeconds =
# 3600 (only the notification can explain a new tag), then N tag pushes one
# after the other (a manifest PUT under a new tag, as `docker push` of an
# existing image ends); for each, the time from the push's return (the
# registry answered the PUT: `docker push` is done) until
# GET /dockerRegistry/images/find shows the tag, polled as fast as curl goes.
# Prints p50, p90, p99 and max, and how long the pushes themselves took.
# Numbers, not a test. Loopback only; every wait is bounded.
#
# Usage: bench/push.sh [-n N] [--gap-ms MS] [--build DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=SCRIPTDIR/../scripts/lib/registry.sh
source "$root/scripts/lib/registry.sh"

count=100 gap_ms=500 build=$root/build-rel keep=""
work="" cdhost_pid=""

usage() {
  cat <<USAGE
usage: bench/push.sh [options]
  -n N          pushes measured (default $count)
  --gap-ms MS   pause after each push is seen, so that pushes do not join
                one refresh (default $gap_ms)
  --build DIR   cdhost build directory (default build-rel; built if missing)
  --keep FILE   copy cdhost's log there (each scope refresh's duration)
USAGE
}

die() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }

while [ $# -gt 0 ]; do
  case $1 in
    -n) count=$2; shift ;;
    --gap-ms) gap_ms=$2; shift ;;
    --build) build=$2; shift ;;
    --keep) keep=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

cleanup() {
  if [ -n "$cdhost_pid" ]; then
    kill -TERM "$cdhost_pid" 2>/dev/null || true
    wait "$cdhost_pid" 2>/dev/null || true
  fi
  [ -n "$keep" ] && [ -n "$work" ] && cp "$work/cdhost.log" "$keep"
  [ -n "$work" ] && registry_stop "$work/reg" 2>/dev/null
  [ -n "$work" ] && rm -rf "$work"
}
trap cleanup EXIT

if [ ! -x "$build/cdhost" ] || [ ! -f "$build/plugins/docker_registry.so" ]; then
  log "building cdhost in $build"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCDH_FUZZ_SMOKE=OFF >/dev/null
  cmake --build "$build" -j2 --target cdhost docker_registry >/dev/null
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cdhost-push.XXXXXX")
port=$(( (RANDOM << 15 | RANDOM) % 12000 + 20000 ))
api=http://127.0.0.1:$port
registry_start "$work/reg" "notifications:
  endpoints:
    - name: cdhost
      url: $api/webhooks/docker-registry
      timeout: 2s
      threshold: 3
      backoff: 1s" >/dev/null || die "cannot start the registry"
registry_push_image "$REGISTRY_URL" bench/app base >/dev/null || die "push base"

cat > "$work/cdhost.cfg" <<CFG
host = { listen = "127.0.0.1:$port"; cache = { backend = "memory"; }; };
dockerRegistry = { accounts = (
  { name = "bench"; address = "$REGISTRY_URL"; repositories = ["bench/app"];
    cacheIntervalSeconds = 3600; }
); };
CFG
"$build/cdhost" --config "$work/cdhost.cfg" --plugin-dir "$build/plugins" run \
  2>"$work/cdhost.log" &
cdhost_pid=$!

now_ns() { date +%s%N; }
# seen TAG: 0 when /find shows bench/app:TAG.
seen() {
  local out
  out=$(curl -fsS "$api/dockerRegistry/images/find?q=bench/app" 2>/dev/null) &&
    [[ $out == *"\"tag\":\"$1\""* ]]
}
# wait_seen TAG SECONDS: polls as fast as curl goes (no sleep: the figure
# is the latency), up to SECONDS.
wait_seen() {
  local deadline=$(( $(now_ns) + $2 * 1000000000 ))
  until seen "$1"; do
    [ "$(now_ns)" -lt "$deadline" ] || return 1
  done
}
wait_seen base 60 || die "first cycle not served: $(tail -5 "$work/cdhost.log")"

log "$count pushes, $gap_ms ms apart"
: > "$work/ms"
: > "$work/push_ms"
for i in $(seq 1 "$count"); do
  tag=p$i
  t_start=$(now_ns)
  registry_retag "$REGISTRY_URL" bench/app base "$tag" || die "push $tag"
  t0=$(now_ns)
  wait_seen "$tag" 30 || die "$tag not seen within 30 s: $(tail -5 "$work/cdhost.log")"
  echo $(( ($(now_ns) - t0) / 1000 )) >> "$work/ms"
  echo $(( (t0 - t_start) / 1000 )) >> "$work/push_ms"
  sleep "$(awk -v ms="$gap_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
done

# One-repository refreshes logged: the first cycle, the base push, then one
# per push unless pushes joined.
refreshes=$(grep -c 'DockerRegistryImageCachingAgent\[1/1\]: ok: 1 repositories' \
  "$work/cdhost.log" || true)
push_p50=$(sort -n "$work/push_ms" | awk -v n="$count" \
  '{ v[NR] = $1 } END { i = int((50 * n + 99) / 100); printf "%.0f", v[i] / 1000.0 }')
load=$(cut -d' ' -f1 /proc/loadavg)
sort -n "$work/ms" | awk -v n="$count" -v refreshes="$refreshes" \
    -v push="$push_p50" -v load="$load" '
  { v[NR] = $1 / 1000.0 }
  function rank(p) { i = int((p * n + 99) / 100); if (i < 1) i = 1; return v[i] }
  END {
    print "| pushes | push p50 ms | visible p50 ms | p90 ms | p99 ms | max ms | scope refreshes | load |"
    print "|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf "| %d | %s | %.0f | %.0f | %.0f | %.0f | %d | %s |\n", n, push,
      rank(50), rank(90), rank(99), v[n], refreshes, load
  }'
