#!/usr/bin/env bash
# The store benchmark (bench/README.md, "Store: Redis vs SQLite"): one
# synthetic refresh of REPOS x TAGS tags applied to a fresh SQLite file and
# to an empty redis-server of its own on loopback, then the same cycle again.
# Prints a Markdown table. Numbers, not a test.
# Usage: bench/store.sh [REPOS [TAGS]]   (default 500 x 100 = 50,000 tags)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
repos=${1:-500} tags=${2:-100}
build=${BUILD:-$root/build-rel}
work=$(mktemp -d "${TMPDIR:-/tmp}/cdh-store-bench.XXXXXX")
redis_pid=
trap '[ -n "$redis_pid" ] && kill "$redis_pid"; rm -rf "$work"' EXIT

"$root/scripts/install-deps.sh"
[ -f "$build/CMakeCache.txt" ] ||
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target store_bench -j2 >/dev/null

port=$(( (RANDOM << 15 | RANDOM) % 12000 + 20000 ))
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
  --loglevel warning >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 1 100); do
  redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break
  sleep 0.1
done

echo "$repos repositories x $tags tags = $((repos * tags)) tags, $((2 * repos * tags)) records"
echo
echo "| apply | wall s | cdhost CPU s | Redis commands | Redis CPU s |"
echo "| --- | --- | --- | --- | --- |"
"$build/bench/store_bench" sqlite "$work/cache.db" "$repos" "$tags"
"$build/bench/store_bench" redis "$port" "$repos" "$tags"
# The same with each repository's observation time, as the docker plugin
# sends them (each written scope checked in its own transaction).
redis-cli -p "$port" flushall >/dev/null
"$build/bench/store_bench" sqlite "$work/observed.db" "$repos" "$tags" observed
"$build/bench/store_bench" redis "$port" "$repos" "$tags" observed
echo
echo "Redis memory: $(redis-cli -p "$port" info memory | grep '^used_memory_human' | tr -d '\r')"
