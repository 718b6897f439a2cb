#!/usr/bin/env bash
# Events to Echo from two cdhost nodes on one real redis-server (#16): the
# nodes share the account's agent (1 s interval) through the agent locks
# (#14), so its cycles run in turns, one node at a time. Two nodes write
# the same change at once only through pushes, which take no lock: each new
# tag is refreshed on demand on both nodes at the same moment, beside the
# cycles, and only the node whose write changed the record posts it: the
# fake Echo gets each new tag exactly once. (Whether the two writes really
# interleave inside the store is up to the scheduler of the machine;
# unit.test_store's of_two_nodes_only_the_writer_notes_a_change forces it.)
# Usage: echo_cluster.sh CDHOST PLUGIN_DIR
set -uo pipefail
cdhost=$1 plugin_dir=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/lib/registry.sh
source "$here/../../scripts/lib/registry.sh"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
work=$(mktemp -d)
echo_pid= pid_a= pid_b=
stop_node() { # PID -> exit code
  kill -TERM "$1" 2>/dev/null
  wait "$1"
}
cleanup() {
  [ -n "$pid_a" ] && kill -TERM "$pid_a" 2>/dev/null && wait "$pid_a" 2>/dev/null
  [ -n "$pid_b" ] && kill -TERM "$pid_b" 2>/dev/null && wait "$pid_b" 2>/dev/null
  [ -n "$echo_pid" ] && kill "$echo_pid" 2>/dev/null && wait "$echo_pid" 2>/dev/null
  redis_stop
  registry_stop "$work/reg"
  rm -rf "$work"
}
trap cleanup EXIT

redis_port=$(free_port)
redis_start "$work" "$redis_port" || exit 1

echo_log=$work/echo.log
: > "$echo_log"
python3 "$here/fake_echo.py" --port-file "$work/echo.port" --log "$echo_log" &
echo_pid=$!
wait_for 30 test -s "$work/echo.port" || { echo "fake echo did not start" >&2; exit 1; }

registry_start "$work/reg" >/dev/null || { echo "cannot start registry" >&2; exit 1; }
registry_push_image "$REGISTRY_URL" team/app 1.0 >/dev/null || fail "push team/app:1.0"

node_config() { # NAME PORT
  cat > "$work/$1.cfg" <<CFG
host = { listen = "127.0.0.1:$2"; workers = 2;
         cache = { backend = "redis"; url = "redis://127.0.0.1:$redis_port/0"; };
         echo = { baseUrl = "http://127.0.0.1:$(cat "$work/echo.port")"; }; };
dockerRegistry = { accounts = (
  { name = "acct"; address = "$REGISTRY_URL"; repositories = ["team/app"];
    cacheIntervalSeconds = 1; }
); };
CFG
}
port_a=$(free_port) port_b=$(free_port)
node_config a "$port_a"
node_config b "$port_b"
"$cdhost" --config "$work/a.cfg" --plugin-dir "$plugin_dir" run 2>>"$work/a.log" &
pid_a=$!
"$cdhost" --config "$work/b.cfg" --plugin-dir "$plugin_dir" run 2>>"$work/b.log" &
pid_b=$!

cycles() { grep -c 'acct/DockerRegistryImageCachingAgent\[1/1\]: ok:' "$work/$1.log"; }
cycled() { [ "$(cycles "$1")" -ge "$2" ]; }
wait_for 60 cycled a 1 || fail "node a never stored a cycle: $(tail -5 "$work/a.log")"
wait_for 60 cycled b 1 || fail "node b never stored a cycle: $(tail -5 "$work/b.log")"

tags="2.0 2.1 2.2 2.3 2.4 2.5"
ondemand() { # PORT
  curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' \
    --data-binary '{"account":"acct","repository":"team/app"}' \
    "http://127.0.0.1:$1/cache/dockerRegistry/taggedImage"
}
for t in $tags; do
  registry_push_image "$REGISTRY_URL" team/app "$t" >/dev/null || fail "push team/app:$t"
  ondemand "$port_a" & od_a=$!
  ondemand "$port_b" & od_b=$!
  wait "$od_a" || fail "on-demand refresh of $t on node a"
  wait "$od_b" || fail "on-demand refresh of $t on node b"
done
bodies_are() { [ "$(wc -l < "$echo_log")" -ge "$1" ]; }
wait_for 60 bodies_are 6 || fail "not every tag was posted: $(cat "$echo_log")"

# Both nodes run three more cycles, and their queues are empty: a second
# post of any change would have been made by then.
metric() { curl -fsS "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'; }
idle() { [ "$(metric "$1" cdhost_echo_queue_depth)" = 0 ]; }
seen_a=$(cycles a) seen_b=$(cycles b)
wait_for 60 cycled a $((seen_a + 3)) || fail "node a stopped cycling"
wait_for 60 cycled b $((seen_b + 3)) || fail "node b stopped cycling"
wait_for 30 idle "$port_a" || fail "node a's queue never emptied"
wait_for 30 idle "$port_b" || fail "node b's queue never emptied"

expect_eq "one post per change" "$(wc -l < "$echo_log")" 6
for t in $tags; do
  expect_eq "team/app:$t posted once" "$(grep -c "\"tag\":\"$t\"" "$echo_log")" 1
done
grep -q '"tag":"1.0"' "$echo_log" && fail "the first fill was posted"
sent=$(( $(metric "$port_a" cdhost_echo_events_sent_total) + $(metric "$port_b" cdhost_echo_events_sent_total) ))
expect_eq "sent over both nodes" "$sent" 6
echo "posted by node a: $(metric "$port_a" cdhost_echo_events_sent_total), node b: $(metric "$port_b" cdhost_echo_events_sent_total)"

stop_node "$pid_a"; rc_a=$?; pid_a=
stop_node "$pid_b"; rc_b=$?; pid_b=
expect_eq "node a exit" "$rc_a" 0
expect_eq "node b exit" "$rc_b" 0
grep -q 'Sanitizer' "$work/a.log" "$work/b.log" && fail "sanitizer report"

finish "echo_cluster"
