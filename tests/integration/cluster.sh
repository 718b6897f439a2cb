#!/usr/bin/env bash
# Several cdhost nodes on one Redis (issue #14, DESIGN §9.2): three `cdhost
# run` processes with the same accounts (2 s interval) share the agents
# through Clouddriver's lock protocol. Checked against the request log of a
# fake registry (cluster_registry.py: when each repository's tags/list
# started and ended) and against Redis itself:
#   - each agent runs once per interval cluster-wide: consecutive runs of a
#     repository are never less than an interval apart, never more than
#     interval + 2 s, and the nodes' won locks add up to the runs;
#   - a lock held by a foreign value (clouddriver-1, as a Clouddriver node
#     holds it) keeps every node off that agent until it expires, but an
#     on-demand refresh of one of its repositories takes no lock and runs;
#     the nodes count those tries as lost, and never one refused by the
#     node's own key (node x, alone on its agent, loses none);
#   - a plugin swapped on every node keeps the schedule (no early run);
#   - host.cluster.enabledPattern (full match on the lower-cased type), and
#     /health on a node that leaves an agent out: "elsewhere", with the
#     running node's lastRun and lockOwner;
#   - host.cluster.nodeId: node x runs as "cdhost-x", its locks' value;
#   - kill -9 of an idle owner: another node runs the agent within
#     interval + 2 s of its due time;
#   - kill -9 during a run: nobody else runs it before the lock's 2 x
#     interval, another node does within 2 x interval + 2 s;
#   - Redis restarted (empty) during a run: the run's node takes its lock
#     again before the run ends, no second run of that agent while the first
#     one lasts, and every agent runs again afterwards;
#   - an account changed by a reload frees its lock at once: it runs again
#     long before its schedule; a removed one's lock goes at once; the
#     others keep their cadence across the reload.
# Usage: cluster.sh CDHOST PLUGIN_DIR
set -uo pipefail
cdhost=$1 plugin_dir=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
work=$(mktemp -d)
registry_pid=
declare -A node_pid=() node_port=()
cleanup() {
  local n
  for n in "${!node_pid[@]}"; do
    kill -9 "${node_pid[$n]}" 2>/dev/null && wait "${node_pid[$n]}" 2>/dev/null
  done
  [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null && wait "$registry_pid" 2>/dev/null
  redis_stop
  [ -n "${CLUSTER_KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

interval=2
agent() { echo "$1/DockerRegistryImageCachingAgent[1/1]"; }
redis_port=$(free_port)
rcli() { redis-cli -p "$redis_port" "$@"; }
redis_start "$work" "$redis_port" || exit 1

python3 "$here/cluster_registry.py" --port-file "$work/reg.port" \
  --log "$work/reg.log" --slow-file "$work/slow" &
registry_pid=$!
wait_for 30 test -s "$work/reg.port" || { echo "fake registry did not start" >&2; exit 1; }
reg="http://127.0.0.1:$(cat "$work/reg.port")"

# Unix time (s.ms) now, and the start times of a repository's tags/list.
now() { date +%s.%3N; }
starts() { awk -v r="$1" '$1 == "start" && $3 == r { print $2 }' "$work/reg.log"; }
ends() { awk -v r="$1" '$1 == "end" && $3 == r { print $2 }' "$work/reg.log"; }
# first_after REPO T: the first start of REPO after time T (empty: none).
first_after() { starts "$1" | awk -v t="$2" '$1 > t { print; exit }'; }
started_after() { [ -n "$(first_after "$1" "$2")" ]; }
ended_after() { [ -n "$(ends "$1" | awk -v t="$2" '$1 > t { print; exit }')" ]; }
# le A B: A <= B (decimals).
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
# add A EXPR: A + EXPR (decimals; EXPR is arithmetic of our own numbers).
add() { awk "BEGIN { printf \"%.3f\", $1 + ($2) }"; }

# write_cfg N PORT: node N's config (renamed into place: a reload reads it
# whole). Node x runs solo only, under a node id of its own; the others
# run every agent but skipped's and solo's.
changing_extra='' removed_kept=1
write_cfg() {
  local n=$1 port=$2 removed=
  local cluster='enabledPattern = "(?!skipped/|solo/)[a-z0-9]+/dockerregistryimagecachingagent\\[1/1\\]";'
  [ "$n" = x ] && cluster='nodeId = "cdhost-x"; enabledPattern = "solo/.*";'
  [ -n "$removed_kept" ] &&
    removed="{ name = \"removed\"; address = \"$reg\"; repositories = [\"gone\"]; cacheIntervalSeconds = 20; },"
  cat > "$work/n$n.cfg.new" <<CFG
host = { listen = "127.0.0.1:$port"; workers = 2;
  cache = { backend = "redis"; url = "redis://127.0.0.1:$redis_port/0"; };
  cluster = { $cluster }; };
dockerRegistry = { accounts = (
  { name = "a1"; address = "$reg"; repositories = ["r1"]; cacheIntervalSeconds = $interval; },
  { name = "a2"; address = "$reg"; repositories = ["r2"]; cacheIntervalSeconds = $interval; },
  { name = "a3"; address = "$reg"; repositories = ["r3"]; cacheIntervalSeconds = $interval; },
  { name = "foreign"; address = "$reg"; repositories = ["f"]; cacheIntervalSeconds = $interval; },
  { name = "skipped"; address = "$reg"; repositories = ["s"]; cacheIntervalSeconds = $interval; },
  { name = "slow"; address = "$reg"; repositories = ["slow"]; cacheIntervalSeconds = $interval; },
  { name = "long"; address = "$reg"; repositories = ["l"]; cacheIntervalSeconds = 6; },
  { name = "solo"; address = "$reg"; repositories = ["solo"]; cacheIntervalSeconds = $interval; },
  $removed
  { name = "changing"; address = "$reg"; repositories = ["c"]; cacheIntervalSeconds = 20; $changing_extra }
); };
CFG
  mv "$work/n$n.cfg.new" "$work/n$n.cfg"
}
# node_start N: a node with its own port, every other setting shared.
node_start() {
  local n=$1 port
  port=$(free_port)
  write_cfg "$n" "$port"
  "$cdhost" --config "$work/n$n.cfg" --plugin-dir "$work/plugins" run 2>>"$work/n$n.log" &
  node_pid[$n]=$! node_port[$n]=$port
}
node_up() { curl -sf "http://127.0.0.1:${node_port[$1]}/health" >/dev/null; }
# node_of VALUE: the node whose pid the lock value names (default node ids).
node_of() {
  local n pid=${1#*:}; pid=${pid%%@*}
  for n in "${!node_pid[@]}"; do [ "${node_pid[$n]}" = "$pid" ] && echo "$n"; done
}
kill_node() { kill -9 "${node_pid[$1]}"; wait "${node_pid[$1]}" 2>/dev/null; unset "node_pid[$1]"; }

# Every node loads the plugin from one directory: swapped below.
mkdir "$work/plugins" && cp "$plugin_dir/docker_registry.so" "$work/plugins/" ||
  { echo "no plugin in $plugin_dir" >&2; exit 1; }
# A Clouddriver node holds foreign's agent: from before the nodes start
# until 8 s after they all answer (however long that takes).
rcli SET "$(agent foreign)" clouddriver-1 PX 120000 >/dev/null
for n in 1 2 3 x; do node_start "$n"; done
for n in 1 2 3 x; do wait_for 30 node_up "$n" || fail "node $n not up: $(cat "$work/n$n.log")"; done
# foreign_until is taken before the SET: the lock ends no sooner (a time
# taken after it could fall past the end, and a node's run right at the end
# would count as one while the lock was held).
foreign_until=$(add "$(now)" 8)
expect_eq "clouddriver-1 still holds foreign" "$(rcli SET "$(agent foreign)" clouddriver-1 XX PX 8000 GET)" clouddriver-1
t0=$(now)

# The default node id: "<hostname>:<pid>@<hostname>", and /health shows it.
host=$(hostname)
expect_eq "node id" "$(curl -s "http://127.0.0.1:${node_port[1]}/health" | jq -r .cluster.node)" \
  "$host:${node_pid[1]}@$host"
# While clouddriver-1 holds it, /health names it as the owner.
wait_for 5 sh -c "curl -s http://127.0.0.1:${node_port[2]}/health | jq -e '.accounts.foreign[0].lockOwner == \"clouddriver-1\"'" ||
  fail "foreign's lock owner: $(curl -s "http://127.0.0.1:${node_port[2]}/health" | jq -c .accounts.foreign)"

# On demand: one scope of foreign, at once, though clouddriver-1 holds its lock.
answer=$(curl -s -X POST -H 'Content-Type: application/json' \
  --data-binary '{"account":"foreign","repository":"f"}' \
  "http://127.0.0.1:${node_port[2]}/cache/dockerRegistry/taggedImage")
# The refresh ends within on-demand's wait: 200 with what it stored.
expect_eq "on-demand refresh of foreign/f" "$(jq -c '.cachedIdentifiersByType.taggedImage' <<< "$answer")" \
  '["dockerRegistry:taggedImage:foreign:f:1"]'
wait_for 5 started_after f 0 || fail "the on-demand refresh of f did not run"

# The plugin replaced under every node: each recreates its accounts, and
# the locks stay as the schedule (the cadence below would see a rerun),
# also the lock of a run the swap cancels: slow's runs last 1 s, and the
# swap comes while one is in flight.
sleep 1
echo "slow 1" > "$work/slow"
mark=$(now)
wait_for 10 started_after slow "$mark" || fail "slow did not run before the swap"
in_flight=$(first_after slow "$mark")
swap_began=$(now)
cp "$plugin_dir/docker_registry.so" "$work/plugins/.new" &&
  mv "$work/plugins/.new" "$work/plugins/docker_registry.so"
swapped() { [ "$(grep -l "plugin docker_registry .* loaded from" "$work"/n[123].log | wc -l)" -eq 3 ]; }
wait_for 10 swapped || fail "the plugin swap was not loaded everywhere"
swap_ended=$(now)
[ -z "$(ends slow | awk -v a="$in_flight" -v b="$swap_began" '$1 > a && $1 < b')" ] ||
  fail "slow's run from $in_flight ended before the swap began at $swap_began"
sleep 5
# Once per interval cluster-wide: never two runs within an interval, never
# a gap beyond interval + 2 s (from the first run to now), except across
# the plugin swap: a node's control thread loads (and probes) the new
# plugin before it takes a lock again, one node as on many.
across_swap() { le "$1" "$swap_ended" && le "$swap_began" "$2"; }
check_cadence() { # REPO FROM TO [INTERVAL [GAPS]]
  local prev= t gaps=0 short=0 long=0 every=${4:-$interval}
  for t in $(starts "$1" | awk -v a="$2" -v b="$3" '$1 >= a && $1 <= b'); do
    if [ -n "$prev" ]; then
      gaps=$((gaps + 1))
      # A second of slack: the time from a lock to its request varies
      # on a loaded machine; two nodes running at once come within it.
      le "$(add "$prev" "$every - 1")" "$t" || short=$((short + 1))
      le "$t" "$(add "$prev" "$every + 2")" || across_swap "$prev" "$t" || long=$((long + 1))
    fi
    prev=$t
  done
  [ "$gaps" -ge "${5:-2}" ] || fail "$1: only $gaps intervals between $2 and $3: $(starts "$1" | tr '\n' ' ')"
  expect_eq "$1: runs less than an interval apart" "$short" 0
  expect_eq "$1: gaps over interval + 2 s" "$long" 0
}
t1=$(now)
for r in r1 r2 r3 slow solo; do check_cadence "$r" "$t0" "$t1"; done
# A 6 s agent: the swap came between two of its runs.
check_cadence l 0 "$t1" 6 1
# Won locks add up to the runs (one may be in flight between the two reads).
won=0
for n in 1 2 3; do
  w=$(curl -s "http://127.0.0.1:${node_port[$n]}/metrics" |
      awk -v a="cdhost_agent_locks_won_total{agent=\"$(agent a1)\"}" '$1 == a { print $2 }')
  won=$((won + ${w:-0}))
done
runs=$(starts r1 | wc -l)
le "$won" "$runs" && le "$runs" "$((won + 1))" || fail "a1: $won locks won, $runs runs"
# Lost: a try another value refused. clouddriver-1's lock on foreign was
# tried every second by every node; solo's lock, held by node x alone as
# its schedule, refuses node x each second, which loses nothing.
lock_count() { # lost|won AGENT NODE...: the counter summed over the nodes
  local what=$1 a=$2 n; shift 2
  for n in "$@"; do curl -s "http://127.0.0.1:${node_port[$n]}/metrics"; done |
    awk -v m="cdhost_agent_locks_${what}_total{agent=\"$a\"}" '$1 == m { s += $2 } END { print s + 0 }'
}
[ "$(lock_count lost "$(agent foreign)" 1 2 3)" -gt 0 ] || fail "no try at foreign counted lost to clouddriver-1"
[ "$(lock_count won "$(agent solo)" x)" -ge 3 ] || fail "node x ran solo $(lock_count won "$(agent solo)" x) times"
expect_eq "solo's tries node x lost" "$(lock_count lost "$(agent solo)" x)" 0
# The foreign lock: nobody's cycle before it expired (only the on-demand
# refresh), somebody's soon after.
# A fast machine gets here before the lock ends: wait out the time the
# issue allows (interval + 2 s after it), a bounded sleep.
deadline=$(add "$foreign_until" "$interval + 2")
while ! le "$deadline" "$(now)"; do sleep 0.2; done
expect_eq "requests of f while clouddriver-1 held the lock" \
  "$(starts f | awk -v t="$foreign_until" '$1 < t' | wc -l)" 1
first=$(first_after f "$(add "$foreign_until" -0.1)")
[ -n "$first" ] || fail "foreign never ran after clouddriver-1's lock expired"
[ -z "$first" ] || le "$first" "$(add "$foreign_until" "$interval + 2")" || fail "foreign first ran at $first, lock expired at $foreign_until"
# enabledPattern: "skipped" runs nowhere; it matched the lower-cased types
# of the others (the pattern has no capital letter).
expect_eq "skipped's requests" "$(starts s | wc -l)" 0
grep -q 'skipped/DockerRegistryImageCachingAgent\[1/1\]: not run on this node' "$work/n1.log" ||
  fail "no word of skipped in the log: $(head -5 "$work/n1.log")"
# host.cluster.nodeId: node x runs solo as "cdhost-x", the value of its lock.
expect_eq "node x's id" "$(curl -s "http://127.0.0.1:${node_port[x]}/health" | jq -r .cluster.node)" cdhost-x
holds() { [ "$(rcli GET "$(agent "$1")")" = "$2" ]; }
wait_for 10 holds solo cdhost-x || fail "solo's lock: '$(rcli GET "$(agent solo)")', not cdhost-x"
# A node that leaves solo out shows it run elsewhere: node x's last run,
# node x's lock (the lock is free for up to a second between two runs).
solo_elsewhere() {
  curl -s "http://127.0.0.1:${node_port[1]}/health" | jq -e '.accounts.solo[0] |
    .state == "elsewhere" and .lastRun.node == "cdhost-x" and .lastRun.ok and .lockOwner == "cdhost-x"'
}
wait_for 10 solo_elsewhere ||
  fail "solo on node 1: $(curl -s "http://127.0.0.1:${node_port[1]}/health" | jq -c .accounts.solo)"
# /health: who ran it last and when.
health=$(curl -s "http://127.0.0.1:${node_port[3]}/health")
last=$(jq -r '.accounts.a2[0].lastRun.node' <<<"$health")
[ -n "$(node_of "$last")" ] || fail "a2's last run by '$last', not one of the nodes: $(jq -c .accounts.a2 <<<"$health")"
jq -e '.accounts.a2[0].lastRun.time | test("^20[0-9-]+T")' <<<"$health" >/dev/null || fail "a2's lastRun.time: $health"
# Node x leaves a2 to the others: run elsewhere, by one of them.
health=$(curl -s "http://127.0.0.1:${node_port[x]}/health")
expect_eq "a2's state on node x" "$(jq -r '.accounts.a2[0].state' <<<"$health")" elsewhere
[ -n "$(node_of "$(jq -r '.accounts.a2[0].lastRun.node' <<<"$health")")" ] ||
  fail "a2's last run on node x's /health: $(jq -c .accounts.a2 <<<"$health")"

# kill -9 an idle owner: wait until a1's lock is the schedule (released
# with at most an interval left), then kill its owner.
idle_owner() {
  local ttl; ttl=$(rcli PTTL "$(agent a1)")
  [ "$ttl" -gt 0 ] && [ "$ttl" -le $((interval * 1000)) ] && [ -n "$(node_of "$(rcli GET "$(agent a1)")")" ]
}
wait_for 10 idle_owner || fail "a1's lock never idle: $(rcli PTTL "$(agent a1)")"
owner=$(node_of "$(rcli GET "$(agent a1)")")
last=$(starts r1 | tail -1)
kill_node "$owner"
wait_for 10 started_after r1 "$last"
next=$(first_after r1 "$last")
[ -n "$next" ] || fail "a1 never ran after its owner (node $owner) died"
[ -z "$next" ] || le "$next" "$(add "$last" "$interval + 2")" || fail "a1 ran at $next, due at $(add "$last" "$interval")"
node_start 4
wait_for 30 node_up 4 || fail "node 4 not up"

# kill -9 during a run: the slow repository answers after 30 s.
echo "slow 30" > "$work/slow"
mark=$(now)
wait_for 10 started_after slow "$mark"
began=$(first_after slow "$mark")
owner=$(node_of "$(rcli GET "$(agent slow)")")
[ -n "$owner" ] || fail "the slow run's owner: $(rcli GET "$(agent slow)")"
[ -n "$owner" ] && kill_node "$owner"
rm -f "$work/slow"
wait_for $((interval * 2 + 6)) started_after slow "$began"
next=$(first_after slow "$began")
[ -n "$next" ] || fail "slow never ran again after its owner died mid-run"
[ -z "$next" ] || le "$(add "$began" "$interval * 2 - 0.5")" "$next" || fail "slow ran again at $next while the dead node's lock (from $began) stood"
[ -z "$next" ] || le "$next" "$(add "$began" "$interval * 2 + 2")" || fail "slow ran again at $next, run began $began"
node_start 5
wait_for 30 node_up 5 || fail "node 5 not up"

# Redis restarted empty during a run of long (6 s interval: its lock
# stands 12 s, and no node may take a new one before its grace ends): the
# run's node takes its lock again before the run ends, so nobody runs it a
# second time.
echo "l 5" > "$work/slow"
mark=$(now)
wait_for 10 started_after l "$mark"
began=$(first_after l "$mark")
owner_id=$(rcli GET "$(agent long)")
[ -n "$(node_of "$owner_id")" ] || fail "long's run's owner: '$owner_id'"
sleep 0.5
redis_stop KILL
redis_start "$work" "$redis_port" || exit 1
restarted=$(now)
retaken=
while ! ended_after l "$began" && le "$(now)" "$(add "$restarted" 15)"; do
  holds long "$owner_id" && { retaken=1; break; }
  sleep 0.1
done
[ -n "$retaken" ] || fail "long's lock was not taken again by its run's node before the run ended: '$(rcli GET "$(agent long)")'"
wait_for 10 ended_after l "$began"
ended=$(ends l | awk -v t="$began" '$1 > t { print; exit }')
rm -f "$work/slow"
overlap=$(starts l | awk -v a="$began" -v b="${ended:-0}" '$1 > a && $1 < b' | wc -l)
expect_eq "runs of long while the first lasted" "$overlap" 0
wait_for 15 started_after r1 "$restarted" ||
  fail "a1 never ran after Redis restarted"
grep -q 'agent locks: Redis answers again' "$work"/n*.log || fail "no node noticed the restart"
wait_for 10 sh -c "curl -s http://127.0.0.1:${node_port[5]}/health | jq -e '.cluster.locks == \"UP\"'" ||
  fail "node 5 locks after the restart: $(curl -s "http://127.0.0.1:${node_port[5]}/health" | jq -c .cluster)"

# An account changed on every node: its lock goes at once, so it runs
# again well before its 20 s schedule; one removed: its lock goes at once
# too (both have a 20 s interval: wait until both locks have > 8 s left).
ttl_over() { local t; t=$(rcli PTTL "$(agent "$1")"); [ "$t" -gt "$2" ] && [ "$t" -le 20000 ]; }
both_idle() { ttl_over changing 6000 && ttl_over removed 8000; }
wait_for 25 both_idle || fail "changing's and removed's locks never idle: $(rcli PTTL "$(agent changing)") $(rcli PTTL "$(agent removed)")"
left=$(rcli PTTL "$(agent changing)")
changed=$(now)
changing_extra='paginateSize = 50;' removed_kept=
for n in "${!node_pid[@]}"; do write_cfg "$n" "${node_port[$n]}"; done
wait_for 5 started_after c "$changed" || fail "changing did not run after its account changed"
next=$(first_after c "$changed")
[ -z "$next" ] || le "$next" "$(add "$changed" "$left / 1000 - 2")" ||
  fail "changing ran at $next, only when its old lock ran out ($left ms after $changed)"
lock_gone() { [ "$(rcli EXISTS "$(agent "$1")")" = 0 ]; }
wait_for 4 lock_gone removed || fail "removed's lock stayed after the reload: $(rcli PTTL "$(agent removed)") ms left"
# The unchanged accounts keep their cadence across the reload.
while ! le "$(add "$changed" 5)" "$(now)"; do sleep 0.2; done
for r in r1 r2 r3; do check_cadence "$r" "$changed" "$(now)" "$interval" 1; done

finish "cluster"
