#!/usr/bin/env bash
# The Redis store against a real registry and a real redis-server, both on
# loopback, checked the way Clouddriver would read it: SSCAN members + MGET
# attributes give exactly what the SQLite store holds for the same config;
# every stored hash is SHA-1 of the UTF-16LE JSON; a deleted tag leaves
# members, attributes, hashes and _ALL_; an unchanged cycle writes nothing;
# /tags of one repository runs no SSCAN however many ids are cached; Redis
# down answers 503 and /health names it; Redis restarted empty is refilled.
# The password (passwordFile) never reaches the log.
# Usage: redis_store.sh CDHOST PLUGIN_DIR
set -uo pipefail
cdhost=$1 plugin_dir=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/lib/registry.sh
source "$here/../../scripts/lib/registry.sh"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
work=$(mktemp -d)
cleanup() {
  service_stop
  redis_stop
  registry_stop "$work/reg"
  rm -rf "$work"
}
trap cleanup EXIT

password=pw-$RANDOM-secret
export REDIS_PORT REDIS_PASSWORD=$password
REDIS_PORT=$(free_port)
reader() { python3 "$here/redis_reader.py" "$@"; }
redis_start "$work" "$REDIS_PORT" --requirepass "$password" || exit 1

registry_start "$work/reg" >/dev/null || { echo "cannot start registry" >&2; exit 1; }
registry_push_image "$REGISTRY_URL" team/app 1.0 >/dev/null || fail "push team/app:1.0"
digest_11=$(registry_push_image "$REGISTRY_URL" team/app 1.1) || fail "push team/app:1.1"
registry_push_image "$REGISTRY_URL" library/nginx 1.25 >/dev/null || fail "push nginx"
for i in 01 02 03 04 05 06 07 08 09 10; do
  registry_push_image "$REGISTRY_URL" big/ten "$i" >/dev/null || fail "push big/ten:$i"
done
printf '%s\n' "$password" > "$work/redis.pw"

accounts="dockerRegistry = { accounts = (
  { name = \"listed\"; address = \"$REGISTRY_URL\"; repositories = [\"team/app\"];
    trackDigests = true; cacheIntervalSeconds = 2; },
  { name = \"catalog\"; address = \"$REGISTRY_URL\"; skip = [\"team/app\"];
    cacheIntervalSeconds = 2; }
); };"
port=$(free_port)
cat > "$work/redis.cfg" <<CFG
host = { listen = "127.0.0.1:$port";
  cache = { backend = "redis"; url = "redis://127.0.0.1:$REDIS_PORT/0"; passwordFile = "redis.pw"; }; };
$accounts
CFG
printf '%s\n' "$accounts" > "$work/sqlite.cfg"
run() { "$cdhost" --config "$work/redis.cfg" --plugin-dir "$plugin_dir" "$@"; }
truth() { "$cdhost" --config "$work/sqlite.cfg" --plugin-dir "$plugin_dir" "$@"; }
sqlite_dump() {
  sqlite3 -separator $'\t' "$work/cache.db" "select type, id, attributes from records" | sort
}

run run --once 2>"$work/run1.log"
expect_eq "first run exit code" "$?" 0
truth run --once 2>/dev/null || fail "sqlite run failed"

# Clouddriver's read path sees exactly what the SQLite store holds. (The
# catalog skips team/app: two accounts writing one imageId would flap, as
# in Clouddriver, and the unchanged cycle below would not be.)
reader dump dockerRegistry > "$work/redis.dump"
sqlite_dump > "$work/sqlite.dump"
expect_eq "records" "$(wc -l < "$work/redis.dump")" 26
diff "$work/sqlite.dump" "$work/redis.dump" >/dev/null || fail "redis != sqlite: $(diff "$work/sqlite.dump" "$work/redis.dump")"
expect_eq "tags through cdhost" "$(run images tags --account listed --repository team/app)" '["1.0","1.1"]'
expect_eq "hashes" "$(reader hashes dockerRegistry | sed 's/ [0-9]*$//')" "ok"
reader all dockerRegistry > "$work/all1" || fail "_ALL_ lists: $(cat "$work/all1")"
grep -qx 'taggedImage listed/DockerRegistryImageCachingAgent\[1/1\] 2' "$work/all1" || fail "_ALL_ of listed: $(cat "$work/all1")"

# A deleted tag leaves members, attributes, hashes and _ALL_.
tag_id=dockerRegistry:taggedImage:listed:team/app:1.1
registry_delete_tag "$REGISTRY_URL" team/app "$digest_11" || fail "delete 1.1"
run run --once 2>"$work/run2.log"
truth run --once 2>/dev/null
expect_eq "member gone" "$(reader call SISMEMBER dockerRegistry:taggedImage:members "$tag_id")" 0
expect_eq "attributes gone" "$(reader call EXISTS "dockerRegistry:taggedImage:attributes:$tag_id")" 0
expect_eq "hash gone" "$(reader call HEXISTS dockerRegistry:taggedImage:hashes "dockerRegistry:taggedImage:attributes:$tag_id")" 0
reader all dockerRegistry > "$work/all2" || fail "_ALL_ after delete: $(cat "$work/all2")"
grep -qx 'taggedImage listed/DockerRegistryImageCachingAgent\[1/1\] 1' "$work/all2" || fail "_ALL_ kept the tag: $(cat "$work/all2")"
reader dump dockerRegistry > "$work/redis.dump"
sqlite_dump > "$work/sqlite.dump"
diff "$work/sqlite.dump" "$work/redis.dump" >/dev/null || fail "after delete redis != sqlite: $(diff "$work/sqlite.dump" "$work/redis.dump")"
expect_eq "hashes after delete" "$(reader hashes dockerRegistry | sed 's/ [0-9]*$//')" "ok"

# An unchanged cycle reads, and writes nothing.
reader call CONFIG RESETSTAT >/dev/null
run run --once 2>/dev/null || fail "third run"
writes=$(reader stats | grep -Ei '^(set|mset|hset|sadd|srem|del|hdel|zadd|zrem|multi|exec) ' | tr '\n' ' ')
expect_eq "writes of an unchanged cycle" "$writes" ""

# /tags of a 10-tag repository with 100,000 ids cached: no SSCAN.
reader sadd-many dockerRegistry:taggedImage:members 100000
service_start "$cdhost" "$work/redis.cfg" "$plugin_dir" "$work/service.log"
wait_for 20 curl -sf "http://127.0.0.1:$port/health" || fail "service not up: $(cat "$work/service.log")"
reader call CONFIG RESETSTAT >/dev/null
tags=$(curl -s "http://127.0.0.1:$port/dockerRegistry/images/tags?account=catalog&repository=big/ten")
expect_eq "/tags" "$tags" '["01","02","03","04","05","06","07","08","09","10"]'
stats=$(reader stats)
expect_eq "no SSCAN for /tags" "$(grep -c '^sscan ' <<<"$stats")" 0
expect_eq "one index page" "$(grep '^zrangebylex ' <<<"$stats")" "zrangebylex 1"

# Redis down: 503 with a JSON error, /health names Redis.
redis_stop
status=$(curl -s -o "$work/tags.json" -w '%{http_code}' "http://127.0.0.1:$port/dockerRegistry/images/tags?account=catalog&repository=big/ten")
expect_eq "tags while Redis is down" "$status" 503
expect_eq "503 body" "$(jq -r '.status, .error' "$work/tags.json" | tr '\n' ' ')" "503 Service Unavailable "
grep -q "redis 127.0.0.1:$REDIS_PORT" "$work/tags.json" || fail "503 does not name Redis: $(cat "$work/tags.json")"
status=$(curl -s -o "$work/health.json" -w '%{http_code}' "http://127.0.0.1:$port/health")
expect_eq "health while Redis is down" "$status" 503
expect_eq "health cache" "$(jq -r '.cache.backend + " " + .cache.status' "$work/health.json")" "redis DOWN"
grep -q "redis 127.0.0.1:$REDIS_PORT" "$work/health.json" || fail "/health does not name Redis: $(cat "$work/health.json")"
# No refresh starts without its agent lock (#14): said once in the log.
locks_down() { grep -q "agent locks: redis 127.0.0.1:$REDIS_PORT: .*no agent runs until Redis answers" "$work/service.log"; }
wait_for 20 locks_down || fail "no word of the agent locks while Redis is down: $(tail -5 "$work/service.log")"

# Redis restarted empty: the next cycles refill it.
redis_start "$work" "$REDIS_PORT" --requirepass "$password" || exit 1
refilled() {
  [ "$(curl -s "http://127.0.0.1:$port/dockerRegistry/images/tags?account=catalog&repository=big/ten")" = "$tags" ] &&
  [ "$(curl -s "http://127.0.0.1:$port/dockerRegistry/images/tags?account=listed&repository=team/app")" = '["1.0"]' ]
}
wait_for 30 refilled || fail "not refilled: $(tail -5 "$work/service.log")"
expect_eq "health after restart" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" 200
service_stop
reader dump dockerRegistry > "$work/redis.dump"
diff "$work/sqlite.dump" "$work/redis.dump" >/dev/null || fail "refilled redis != sqlite: $(diff "$work/sqlite.dump" "$work/redis.dump")"

# The password never reaches a log.
if grep -q "$password" "$work"/*.log; then fail "password in a log"; fi

finish "redis store"
