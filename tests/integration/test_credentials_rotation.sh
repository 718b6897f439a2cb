#!/usr/bin/env bash
# Rotation while in use: the registry's password and the source change
# between two requests; the second request gets a 401, the credentials are
# renewed once and it succeeds. A hanging password command is killed (its
# whole process group) and reported.
set -uo pipefail
# shellcheck source=lib/credtest.sh
source "$3/tests/integration/lib/credtest.sh"
credtest_init "$@"

user=alice
registry_auth_start "$WORK/reg" "$user" "first-$RANDOM" || fail "registry did not start"
cfg=$WORK/cdhost.cfg

# rotate NEWPASSWORD SHELL-TO-UPDATE-THE-SOURCE: a script for --between.
rotate_script() {
    local new=$1 update=$2
    cat > "$WORK/rotate.sh" <<EOF
#!/usr/bin/env bash
set -e
source "$SRC/scripts/lib/registry.sh"
source "$SRC/tests/integration/lib/registry_auth.sh"
registry_auth_set_password "$WORK/reg" "$user" "$new"
$update
EOF
}

# --- passwordCommand: cached 5 minutes, so only the 401 makes it run again.
printf 'cmd-one\n' > "$WORK/current"
registry_auth_set_password "$WORK/reg" "$user" cmd-one || fail "htpasswd"
rotate_script cmd-two "printf 'cmd-two\\n' > '$WORK/current'"
credtest_config "$cfg" "name = \"acct\"; address = \"$REGISTRY_URL\";
    username = \"$user\";
    passwordCommand = \"echo run >> $WORK/runs; cat $WORK/current\";"
out=$("$PROBE" --config "$cfg" --account acct --requests 3 \
      --between "bash $WORK/rotate.sh" 2>&1) || fail "probe (command): $out"
expect_contains "command: first request" "$out" "request 1: 200"
expect_contains "command: renewed after 401" "$out" "request 2: 401 renewed 200"
# The third request "rotates" to the same password: no 401, no run.
expect_contains "command: cached again" "$out" "request 3: 200"
expect_eq "command ran twice (start + one renew)" "$(wc -l < "$WORK/runs")" 2

# --- passwordFile rewritten in place with the same size and mtime: only
# the 401's renew re-reads it.
printf 'file-aaa\n' > "$WORK/pw"; chmod 600 "$WORK/pw"
registry_auth_set_password "$WORK/reg" "$user" file-aaa || fail "htpasswd"
rotate_script file-bbb "cp -p '$WORK/pw' '$WORK/pw.ref'
printf 'file-bbb\\n' > '$WORK/pw'
touch -r '$WORK/pw.ref' '$WORK/pw'"
credtest_config "$cfg" "name = \"acct\"; address = \"$REGISTRY_URL\";
    username = \"$user\"; passwordFile = \"$WORK/pw\";"
out=$("$PROBE" --config "$cfg" --account acct --requests 2 \
      --between "bash $WORK/rotate.sh" 2>&1) || fail "probe (file in place): $out"
expect_contains "file in place: renewed after 401" "$out" "request 2: 401 renewed 200"

# --- passwordFile replaced the usual way (write + rename): seen at once.
rotate_script file-ccc-new "printf 'file-ccc-new\\n' > '$WORK/pw.new'
chmod 600 '$WORK/pw.new'; mv '$WORK/pw.new' '$WORK/pw'"
out=$("$PROBE" --config "$cfg" --account acct --requests 2 \
      --between "bash $WORK/rotate.sh" 2>&1)
expect_contains "file renamed: first" "$out" "request 1: 200"
expect_contains "file renamed: re-read without a 401" "$out" "request 2: 200"

# --- dockerconfigFile auths rewritten.
b64() { printf '%s:%s' "$user" "$1" | base64 -w0; }
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY_HOSTPORT" "$(b64 file-ccc-new)" \
    > "$WORK/config.json"
rotate_script dc-two "printf '{\"auths\":{\"%s\":{\"auth\":\"%s\"}}}' '$REGISTRY_HOSTPORT' '$(b64 dc-two)' > '$WORK/config.json'"
credtest_config "$cfg" "name = \"acct\"; address = \"$REGISTRY_URL\";
    dockerconfigFile = \"$WORK/config.json\";"
out=$("$PROBE" --config "$cfg" --account acct --requests 2 \
      --between "bash $WORK/rotate.sh" 2>&1) || fail "probe (dockerconfig): $out"
expect_contains "dockerconfig rotated" "$out" "request 2: 200"

# --- A command that hangs: killed after passwordCommandTimeoutSeconds with
# everything it started, and reported.
credtest_config "$cfg" "name = \"acct\"; address = \"$REGISTRY_URL\";
    username = \"$user\"; passwordCommandTimeoutSeconds = 1;
    passwordCommand = \"echo waiting for vault >&2; sleep 120 & echo \$! > $WORK/hang.pid; wait\";"
start=$SECONDS
out=$("$PROBE" --config "$cfg" --account acct 2>&1); rc=$?
expect_eq "hang: exit" "$rc" 1
expect_contains "hang: reported" "$out" \
    "request 1: credentials: passwordCommand timed out after 1 s and was killed: waiting for vault"
(( SECONDS - start < 10 )) || fail "hang: took $((SECONDS - start)) s"
pid=$(cat "$WORK/hang.pid")
for (( i = 0; i < 50; i++ )); do
    registry__alive "$pid" || break
    sleep 0.1
done
registry__alive "$pid" && fail "hang: the command's child $pid survived"
pass "hang: the command's children were killed"
