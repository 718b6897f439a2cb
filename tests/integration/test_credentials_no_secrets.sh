#!/usr/bin/env bash
# No secret anywhere: for every credential source, a failing-auth refresh
# (`cdhost run --once` at debug level), `cdhost credentials`, the probe's
# failing auth + renew, failing password commands and helpers that echo
# their secret, and config errors around secrets; everything they print is
# grepped for the secret (and its base64 "user:secret" form).
set -uo pipefail
# shellcheck source=lib/credtest.sh
source "$3/tests/integration/lib/credtest.sh"
credtest_init "$@"

user=alice
good="good-$RANDOM$RANDOM$RANDOM"
registry_auth_start "$WORK/reg" "$user" "$good" || fail "registry did not start"
cfg=$WORK/cdhost.cfg
out=$WORK/printed
mkdir -p "$WORK/bin" "$out"
export PATH="$WORK/bin:$PATH"
secrets=("$good")
n=0

# new_secret: a fresh wrong password, remembered for the final grep.
new_secret() {
    secret="wrong-$RANDOM$RANDOM$RANDOM"
    secrets+=("$secret")
}

# run_all ACCOUNT-BODY: everything that may print, each into its own file.
run_all() {
    local body=$1
    n=$((n + 1))
    credtest_config "$cfg" "name = \"acct\"; address = \"$REGISTRY_URL\";
        repositories = [\"team/app\"]; $body"
    "$CDHOST" --log-level debug --config "$cfg" run --once > "$out/$n.run" 2>&1
    "$CDHOST" --log-level debug --config "$cfg" credentials > "$out/$n.list" 2>&1
    "$CDHOST" --log-level debug --config "$cfg" credentials acct > "$out/$n.get" 2>&1
    "$PROBE" --debug --config "$cfg" --account acct --requests 2 > "$out/$n.probe" 2>&1
}

# The right password, through each source: output must not show it either.
printf '%s\n' "$good" > "$WORK/good.pw"; chmod 600 "$WORK/good.pw"
run_all "username = \"$user\"; passwordFile = \"$WORK/good.pw\";"
grep -q "request 1: 200" "$out/$n.probe" || fail "the right password did not work: $(cat "$out/$n.probe")"
run_all "username = \"$user\"; password = \"$good\";"
run_all "username = \"$user\"; passwordCommand = \"echo $good\";"

# Wrong passwords: the refresh and the probe fail auth, renew, fail again.
new_secret
run_all "username = \"$user\"; password = \"$secret\";"
grep -q "request 1: 401 renewed 401" "$out/$n.probe" || fail "wrong password accepted?"
new_secret
printf '%s\n' "$secret" > "$WORK/pw"; chmod 600 "$WORK/pw"
run_all "username = \"$user\"; passwordFile = \"$WORK/pw\";"
new_secret
run_all "username = \"$user\"; passwordCommand = \"echo $secret\";"
new_secret
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY_HOSTPORT" \
    "$(printf '%s:%s' "$user" "$secret" | base64 -w0)" > "$WORK/config.json"
run_all "dockerconfigFile = \"$WORK/config.json\";"
new_secret
printf '{"auths":{"%s":{"identitytoken":"%s"}}}' "$REGISTRY_HOSTPORT" "$secret" \
    > "$WORK/config.json"
run_all "dockerconfigFile = \"$WORK/config.json\";"

# Commands and helpers that fail after printing their secret everywhere.
new_secret
run_all "username = \"$user\";
    passwordCommand = \"echo $secret; echo denied $secret >&2; exit 1\";"
grep -q "passwordCommand exited with status 1: denied \*\*\*" "$out/$n.probe" \
    || fail "failing command not reported: $(cat "$out/$n.probe")"
new_secret
run_all "username = \"$user\"; passwordCommandTimeoutSeconds = 1;
    passwordCommand = \"echo $secret; echo $secret >&2; sleep 30\";"
grep -q "timed out after 1 s and was killed: \*\*\*" "$out/$n.probe" \
    || fail "hanging command not reported: $(cat "$out/$n.probe")"
new_secret
cat > "$WORK/bin/docker-credential-leaky" <<EOF
#!/bin/sh
echo '{"Username":"$user","Secret":"$secret"}'
echo "cannot unlock keyring for $secret" >&2
exit 3
EOF
chmod 755 "$WORK/bin/docker-credential-leaky"
printf '{"credsStore":"leaky"}' > "$WORK/config.json"
run_all "dockerconfigFile = \"$WORK/config.json\";"
grep -q "docker-credential-leaky exited with status 3: cannot unlock keyring for \*\*\*" \
    "$out/$n.probe" || fail "failing helper not reported: $(cat "$out/$n.probe")"

# Config errors next to secrets.
new_secret
run_all "username = \"$user\"; password = \"$secret\"; passwordCommand = \"echo $secret\";"
grep -q "at most one of" "$out/$n.run" || fail "no config error: $(cat "$out/$n.run")"
new_secret
credtest_config "$cfg" "name = \"acct\"; address = \"https://$user:$secret@$REGISTRY_HOSTPORT\";"
"$CDHOST" --config "$cfg" credentials > "$out/address" 2>&1
grep -q "must not carry credentials" "$out/address" || fail "address with credentials accepted"

# The grep: no secret, plain or as base64 user:secret, in anything printed.
leaks=0
for s in "${secrets[@]}"; do
    b64=$(printf '%s:%s' "$user" "$s" | base64 -w0)
    if grep -rlF -e "$s" -e "$b64" "$out"; then
        echo "secret $s printed in the files above" >&2
        leaks=1
    fi
done
(( leaks == 0 )) || fail "secrets were printed"
[[ -n ${KEEP_PRINTED:-} ]] && cp -r "$out" "$KEEP_PRINTED"
pass "no secret in $(cat "$out"/* | wc -l) lines printed by $n runs of 4 commands"
