#!/usr/bin/env bash
# Issue #22, 3: accounts are compared by value on a reload, as Clouddriver
# compares ManagedAccount definitions. A running `cdhost run` whose config is
# rewritten with one account's settings in another order, and its set-like
# lists (skip, permission roles) reordered, keeps that account running: it is
# neither recreated nor refreshed again. A real change (skip, or the order of
# repositories, which is the order tag lists are asked for) still recreates it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
: "${CDHOST:?run through ctest}" "${CDH_PLUGIN_DIR:?run through ctest}"

registry_start "$T/reg" > /dev/null || fail "cannot start registry"
CLEANUP_PIDS+=("$REGISTRY_PID")
registry_push_image "$REGISTRY_URL" team/app 1 > /dev/null || fail "push"
registry_push_image "$REGISTRY_URL" team/web 1 > /dev/null || fail "push"
port=$(free_port)
cfg=$T/cdhost.cfg log=$T/cdhost.log
write_config() { # ACCOUNT_SETTINGS: written the way editors do (rename)
    printf 'host = { listen = "127.0.0.1:%s"; };\ndockerRegistry = { accounts = ( { %s } ); };\n' \
        "$port" "$1" > "$cfg.tmp"
    mv "$cfg.tmp" "$cfg"
}
count() { grep -c -- "$1" "$log" || true; }
wait_count() { # PATTERN N: until PATTERN is in N log lines (~20 s)
    for _ in $(seq 1 200); do [[ $(count "$1") -ge $2 ]] && return 0; sleep 0.1; done
    fail "[$1] not in $2 log lines: $(< "$log")"
}
ok_line='r/DockerRegistryImageCachingAgent\[1/1\]: ok'

write_config "name = \"r\"; address = \"$REGISTRY_URL\"; repositories = [\"team/app\", \"team/web\"];
  skip = [\"x/one\", \"x/two\"]; permissions = { READ = [\"dev\", \"ops\"]; };
  trackDigests = true; cacheIntervalSeconds = 60;"
"$CDHOST" --config "$cfg" --plugin-dir "$CDH_PLUGIN_DIR" run 2> "$log" &
CLEANUP_PIDS+=("$!")
wait_count "$ok_line" 1
assert_eq "started once" 1 "$(count 'account started')"

# Same settings, other order; skip and READ roles reversed.
write_config "cacheIntervalSeconds = 60; trackDigests = true;
  permissions = { READ = [\"ops\", \"dev\"]; }; skip = [\"x/two\", \"x/one\"];
  repositories = [\"team/app\", \"team/web\"]; address = \"$REGISTRY_URL\"; name = \"r\";"
wait_count 'configuration reloaded' 1
assert_eq "reordered settings: not recreated" 1 "$(count 'account started')"
assert_eq "reordered settings: not refreshed again" 1 "$(count "$ok_line")"
assert_contains "/health: the running agent's cycle" '"records":4' \
    "$(curl -fsS "http://127.0.0.1:$port/health")"

# A real change: skip loses an entry. Recreated and refreshed.
write_config "cacheIntervalSeconds = 60; trackDigests = true;
  permissions = { READ = [\"ops\", \"dev\"]; }; skip = [\"x/two\"];
  repositories = [\"team/app\", \"team/web\"]; address = \"$REGISTRY_URL\"; name = \"r\";"
wait_count 'configuration reloaded' 2
assert_eq "a changed skip: recreated" 2 "$(count 'account started')"
wait_count "$ok_line" 2

# repositories is an ordered list: the order tag lists are asked for.
write_config "cacheIntervalSeconds = 60; trackDigests = true;
  permissions = { READ = [\"ops\", \"dev\"]; }; skip = [\"x/two\"];
  repositories = [\"team/web\", \"team/app\"]; address = \"$REGISTRY_URL\"; name = \"r\";"
wait_count 'configuration reloaded' 3
assert_eq "reordered repositories: recreated" 3 "$(count 'account started')"
echo "parity_reorder: all passed"
