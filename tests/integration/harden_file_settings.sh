#!/usr/bin/env bash
# A file setting (passwordFile, dockerconfigFile, catalogFile) naming a FIFO
# must fail that account at once with an error naming the setting, instead
# of blocking the refresh in open() forever (issue #19, item 4). A symlink
# to a regular file keeps working: Kubernetes mounts secrets as symlinks.
# Env (from ctest): CDHOST CRED_PROBE CDH_PLUGIN_DIR CDH_SOURCE_DIR.
set -uo pipefail
# shellcheck source=lib/credtest.sh
source "$CDH_SOURCE_DIR/tests/integration/lib/credtest.sh"
credtest_init "$CDHOST" "$CRED_PROBE" "$CDH_SOURCE_DIR"

user=alice
password="pw-$RANDOM-$RANDOM"
registry_auth_start "$WORK/reg" "$user" "$password" || fail "registry did not start"
cfg=$WORK/cdhost.cfg
addr=$REGISTRY_URL
mkfifo "$WORK/fifo" || fail "mkfifo"

# probe ACCOUNT-BODY: the probe's output. `timeout` only ends a hang (the
# bug); nothing here depends on how long a step takes.
probe() {
    credtest_config "$cfg" "name = \"acct\"; address = \"$addr\"; $1"
    timeout 120 "$PROBE" --config "$cfg" --account acct 2>&1
}

out=$(probe "username = \"$user\"; passwordFile = \"$WORK/fifo\";")
expect_contains "passwordFile FIFO refused, naming the setting" "$out" \
    "request 1: credentials: passwordFile $WORK/fifo: not a regular file (a FIFO)"

out=$(probe "dockerconfigFile = \"$WORK/fifo\";")
expect_contains "dockerconfigFile FIFO refused, naming the setting" "$out" \
    "request 1: credentials: dockerconfigFile $WORK/fifo: not a regular file (a FIFO)"

# Kubernetes: ..data/pw through two symlinks.
mkdir -p "$WORK/secret/..2026_01_01" || fail "mkdir"
printf '%s\n' "$password" > "$WORK/secret/..2026_01_01/pw"
chmod 600 "$WORK/secret/..2026_01_01/pw"
ln -s ..2026_01_01 "$WORK/secret/..data" && ln -s ..data/pw "$WORK/secret/pw" || fail "ln"
out=$(probe "username = \"$user\"; passwordFile = \"$WORK/secret/pw\";")
expect_contains "passwordFile through symlinks still works" "$out" "request 1: 200"

auth=$(printf '%s:%s' "$user" "$password" | base64 -w0)
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY_HOSTPORT" "$auth" > "$WORK/secret/..2026_01_01/config.json"
chmod 600 "$WORK/secret/..2026_01_01/config.json"
ln -s ..data/config.json "$WORK/secret/config.json" || fail "ln"
out=$(probe "dockerconfigFile = \"$WORK/secret/config.json\";")
expect_contains "dockerconfigFile through symlinks still works" "$out" "request 1: 200"

# catalogFile: one refresh cycle of the service.
catalog() {
    credtest_config "$cfg" "name = \"acct\"; address = \"$addr\"; username = \"$user\";
      password = \"$password\"; catalogFile = \"$1\";"
    timeout 120 "$CDHOST" --config "$cfg" --plugin-dir "$CDH_PLUGIN_DIR" run --once 2>&1
}
out=$(catalog "$WORK/fifo"); rc=$?
expect_eq "catalogFile FIFO: the cycle fails (exit 1)" "$rc" 1
expect_contains "catalogFile FIFO refused, naming the setting" "$out" \
    "catalogFile $WORK/fifo: not a regular file (a FIFO)"

echo '{"repositories": []}' > "$WORK/secret/..2026_01_01/catalog.json"
ln -s ..data/catalog.json "$WORK/secret/catalog.json" || fail "ln"
out=$(catalog "$WORK/secret/catalog.json"); rc=$?
expect_eq "catalogFile through symlinks still works (exit 0)" "$rc" 0
echo "harden_file_settings: all passed"
