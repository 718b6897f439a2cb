#!/usr/bin/env bash
# `cdhost credentials [NAME]`: Clouddriver's /credentials shapes with every
# effective setting, primaryAccount from the section, no secret; unknown
# account; an invalid config changes nothing and names file:line.
set -uo pipefail
# shellcheck source=lib/credtest.sh
source "$3/tests/integration/lib/credtest.sh"
credtest_init "$@"

cfg=$WORK/cdhost.cfg
secret="hunter2-$RANDOM$RANDOM"
printf '%s\n' "$secret" > "$WORK/pw"
chmod 600 "$WORK/pw"
credtest_config "$cfg" \
    "name = \"hub\"; address = \"index.docker.io\"; repositories = [\"nginx\"];
      username = \"me\"; passwordFile = \"$WORK/pw\"; trackDigests = true;" \
    "name = \"local\"; address = \"http://127.0.0.1:5000/\"; username = \"alice\";
      passwordCommand = \"echo $secret\"; email = \"ops@example.com\";
      permissions = { READ = [\"Dev\"]; WRITE = [\"ops\"]; };"
sed -i 's/^  enabled = true;/  enabled = true;\n  primaryAccount = "hub";/' "$cfg"

# The list: one summary per account, Igor reads name and cloudProvider.
out=$("$CDHOST" --config "$cfg" credentials 2>"$WORK/err") || fail "credentials exited $?"
expect_eq "list is an array of 2" "$(jq -r 'length' <<<"$out")" 2
expect_eq "names" "$(jq -r '[.[].name] | join(",")' <<<"$out")" "hub,local"
expect_eq "cloudProvider" "$(jq -r '[.[].cloudProvider] | unique | join(",")' <<<"$out")" dockerRegistry
expect_eq "primaryAccount from the section" \
    "$(jq -c '[.[].primaryAccount]' <<<"$out")" '[true,false]'
expect_eq "permissions like fiat" "$(jq -c '.[1].permissions' <<<"$out")" \
    '{"READ":["dev"],"WRITE":["ops"]}'
expect_eq "summary keys" "$(jq -c '.[0] | keys' <<<"$out")" \
    '["accountType","challengeDestructiveActions","cloudProvider","environment","name","permissions","primaryAccount","requiredGroupMembership","type"]'

# One account, expanded: effective settings, defaults included.
out=$("$CDHOST" --config "$cfg" credentials local 2>>"$WORK/err") || fail "credentials local exited $?"
expect_eq "address" "$(jq -r .address <<<"$out")" "http://127.0.0.1:5000"
expect_eq "registry" "$(jq -r .registry <<<"$out")" "127.0.0.1:5000"
expect_eq "v2Endpoint" "$(jq -r .v2Endpoint <<<"$out")" "http://127.0.0.1:5000/v2"
expect_eq "email" "$(jq -r .email <<<"$out")" "ops@example.com"
expect_eq "defaults" \
    "$(jq -c '[.cacheThreads,.cacheIntervalSeconds,.clientTimeoutMillis,.paginateSize,.trackDigests,.maxConcurrentRequests,.requestsPerSecond,.enabled]' <<<"$out")" \
    '[1,30,60000,100,false,16,0,true]'
for key in password passwordCommand passwordFile username repositories; do
    expect_eq "no $key" "$(jq "has(\"$key\")" <<<"$out")" false
done
hub=$("$CDHOST" --config "$cfg" credentials hub 2>>"$WORK/err") || fail "credentials hub exited $?"
expect_eq "hub registry stays as written" "$(jq -r .registry <<<"$hub")" "index.docker.io"
expect_eq "hub trackDigests" "$(jq -r .trackDigests <<<"$hub")" true

# No secret anywhere in what was printed.
if grep -rqF -- "$secret" <<<"$out$hub$(cat "$WORK/err")"; then
    fail "the secret was printed"
fi
pass "no secret in the output"

# Unknown account: Clouddriver's message, exit 1, nothing on stdout.
out=$("$CDHOST" --config "$cfg" credentials nope 2>"$WORK/err"); rc=$?
expect_eq "unknown account exit" "$rc" 1
expect_eq "unknown account stdout" "$out" ""
expect_eq "unknown account message" "$(cat "$WORK/err")" \
    "cdhost: credentials: Account does not exist (name: nope)"

# An unknown field: a warning with file:line naming it; the rest works.
credtest_config "$cfg" \
    "name = \"local\"; address = \"http://127.0.0.1:5000\";
      cacheIntervalSecond = 5;"
out=$("$CDHOST" --config "$cfg" credentials local 2>"$WORK/err") || fail "warning config exited $?"
expect_contains "unknown field warning" "$(cat "$WORK/err")" \
    "cdhost: warning: $cfg:6: account local: unknown field 'cacheIntervalSecond' ignored"

# Errors: exit 2, nothing printed, file:line + account + field.
credtest_config "$cfg" \
    "name = \"local\"; address = \"http://127.0.0.1:5000\"; username = \"u\";
      password = \"$secret\"; passwordCommand = \"echo $secret\";" \
    "name = \"Bad_Name\"; address = \"r.io\";" \
    "name = \"third\"; address = \"r.io\";
      cacheThreads = \"four\";"
out=$("$CDHOST" --config "$cfg" credentials 2>"$WORK/err"); rc=$?
expect_eq "invalid config exit" "$rc" 2
expect_eq "invalid config stdout" "$out" ""
err=$(cat "$WORK/err")
expect_contains "two password options" "$err" \
    "cdhost: $cfg:6: account local: passwordCommand: Error, at most one of \"password\", \"passwordFile\", \"passwordCommand\" or \"dockerconfigFile\" can be specified"
expect_contains "name pattern" "$err" \
    "cdhost: $cfg:8: account Bad_Name: name: Account name must match pattern ^[a-z0-9]+([-a-z0-9]*[a-z0-9])?\$"
expect_contains "wrong type" "$err" \
    "cdhost: $cfg:11: account third: cacheThreads: must be an integer"
expect_contains "nothing done" "$err" "cdhost: $cfg: invalid configuration, nothing done"
[[ $err != *"$secret"* ]] || fail "the secret was printed with the errors"
pass "no secret in the errors"
