#!/usr/bin/env bash
# passwordCommand must not show in `ps` while it runs: every local user can
# read a process's arguments, and a command often holds a token or the
# name of a secret (issue #19, item 9). The command is fed to /bin/sh on
# standard input, so ps shows "/bin/sh" alone.
# Env (from ctest): CDHOST CRED_PROBE CDH_PLUGIN_DIR CDH_SOURCE_DIR.
set -uo pipefail
# shellcheck source=lib/credtest.sh
source "$CDH_SOURCE_DIR/tests/integration/lib/credtest.sh"
credtest_init "$CDHOST" "$CRED_PROBE" "$CDH_SOURCE_DIR"

user=alice
password="pw-$RANDOM-$RANDOM"
registry_auth_start "$WORK/reg" "$user" "$password" || fail "registry did not start"
cfg=$WORK/cdhost.cfg

# A sleep with an argument no other process has, to know when the
# command is running; its second line prints the password.
nap="sleep 20.$RANDOM$RANDOM"
credtest_config "$cfg" "name = \"acct\"; address = \"$REGISTRY_URL\";
  username = \"$user\"; passwordCommand = \"$nap
printf '%s' $password\";"
"$PROBE" --config "$cfg" --account acct > "$WORK/out" 2>&1 &
probe_pid=$!

seen=
for _ in $(seq 600); do
    snapshot=$(ps -eo args)
    if [[ $snapshot == *"$nap"* ]]; then seen=1; break; fi
    kill -0 "$probe_pid" 2>/dev/null || break
    sleep 0.1
done
[[ -n $seen ]] || fail "the command never showed up running: $(cat "$WORK/out")"
[[ $snapshot != *"$password"* ]] ||
    fail "the command text is visible in ps: $(grep -F -- "$password" <<<"$snapshot")"
pass "ps does not show the command while it runs"
wait "$probe_pid"
expect_contains "the command's output is the password" "$(cat "$WORK/out")" "request 1: 200"

# A command whose last line lacks a newline, reading stdin, and a failing
# one: same results as with sh -c.
credtest_config "$cfg" "name = \"acct\"; address = \"$REGISTRY_URL\";
  username = \"$user\"; passwordCommand = \"cat; printf '%s' $password\";"
expect_contains "a command reading stdin gets end of file" \
    "$(timeout 120 "$PROBE" --config "$cfg" --account acct 2>&1)" "request 1: 200"
credtest_config "$cfg" "name = \"acct\"; address = \"$REGISTRY_URL\";
  username = \"$user\"; passwordCommand = \"echo nope >&2; exit 3\";"
expect_contains "a failing command is reported" \
    "$(timeout 120 "$PROBE" --config "$cfg" --account acct 2>&1)" \
    "request 1: credentials: passwordCommand exited with status 3: nope"
echo "harden_command_ps: all passed"
