#!/usr/bin/env bash
# Every credential source against a real htpasswd registry: password,
# passwordFile, passwordCommand, dockerconfigFile (auths, credHelpers,
# credsStore), GCR's _json_key + password file, the seed's ECR command; and a
# wrong password that stays wrong after the renew.
set -uo pipefail
# shellcheck source=lib/credtest.sh
source "$3/tests/integration/lib/credtest.sh"
credtest_init "$@"

user=alice
password="pw-$RANDOM-$RANDOM"
registry_auth_start "$WORK/reg" "$user" "$password" || fail "registry did not start"
cfg=$WORK/cdhost.cfg
addr=$REGISTRY_URL

# probe ACCOUNT-BODY WANT-LINE: the probe's one request ends as WANT-LINE.
probe() {
    local what=$1 body=$2 want=$3 out
    credtest_config "$cfg" "name = \"acct\"; address = \"$addr\"; $body"
    out=$(PATH="$WORK/bin:$PATH" "$PROBE" --config "$cfg" --account acct 2>&1)
    expect_contains "$what" "$out" "$want"
}

mkdir -p "$WORK/bin"

probe "anonymous gets the challenge" "" "request 1: 401 renewed 401"
probe "password" "username = \"$user\"; password = \"$password\";" "request 1: 200"

printf '%s\n' "$password" > "$WORK/pw"; chmod 600 "$WORK/pw"
probe "passwordFile (trailing newline stripped)" \
    "username = \"$user\"; passwordFile = \"$WORK/pw\";" "request 1: 200"

probe "passwordCommand (output trimmed)" \
    "username = \"$user\"; passwordCommand = \"printf '  %s\\\\n' $password\";" \
    "request 1: 200"

auth=$(printf '%s:%s' "$user" "$password" | base64 -w0)
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY_HOSTPORT" "$auth" > "$WORK/config.json"
chmod 600 "$WORK/config.json"
probe "dockerconfigFile auths" "dockerconfigFile = \"$WORK/config.json\";" "request 1: 200"

# A docker credential helper, speaking the docker-credential-helpers protocol.
cat > "$WORK/bin/docker-credential-test" <<EOF
#!/bin/sh
[ "\$1" = get ] || exit 9
read -r server || true
[ "\$server" = "$REGISTRY_HOSTPORT" ] || { echo "credentials not found in native keychain"; exit 1; }
printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\n' "\$server" "$user" "$password"
EOF
chmod 755 "$WORK/bin/docker-credential-test"
printf '{"credHelpers":{"%s":"test"}}' "$REGISTRY_HOSTPORT" > "$WORK/config.json"
probe "dockerconfigFile credHelpers" "dockerconfigFile = \"$WORK/config.json\";" "request 1: 200"
printf '{"auths":{"%s":{}},"credsStore":"test"}' "$REGISTRY_HOSTPORT" > "$WORK/config.json"
probe "dockerconfigFile credsStore" "dockerconfigFile = \"$WORK/config.json\";" "request 1: 200"

# GCR: username _json_key, the service account key file as the password.
key='{
  "type": "service_account",
  "project_id": "p"
}'
registry_auth_set_password "$WORK/reg" _json_key "$key" || fail "htpasswd"
printf '%s\n' "$key" > "$WORK/gcr.json"; chmod 600 "$WORK/gcr.json"
probe "GCR _json_key + passwordFile" \
    "username = \"_json_key\"; passwordFile = \"$WORK/gcr.json\";" "request 1: 200"

# ECR: the seed's password command, word for word, with a stand-in aws CLI
# printing what ECR's get-authorization-token returns (base64 "AWS:<token>").
token="ecr-token-$RANDOM$RANDOM"
registry_auth_set_password "$WORK/reg" AWS "$token" || fail "htpasswd"
cat > "$WORK/bin/aws" <<EOF
#!/bin/sh
case "\$*" in
  *"ecr get-authorization-token --output text --query authorizationData[].authorizationToken"*)
    printf 'AWS:%s' "$token" | base64 -w0; echo ;;
  *) echo "aws: unexpected: \$*" >&2; exit 2 ;;
esac
EOF
chmod 755 "$WORK/bin/aws"
ecr_cmd="aws --region us-east-1 ecr get-authorization-token --output text --query 'authorizationData[].authorizationToken' | base64 -d | sed 's/^AWS://'"
probe "ECR password command from the seed" \
    "username = \"AWS\"; passwordCommand = \"$ecr_cmd\";" "request 1: 200"

# A wrong password stays wrong after one renew: reported, no loop.
probe "wrong password: one renew, then 401" \
    "username = \"AWS\"; password = \"not-$token\";" "request 1: 401 renewed 401"
out=$("$PROBE" --config "$cfg" --account acct 2>&1); rc=$?
expect_eq "wrong password exit" "$rc" 1
expect_eq "one request, one retry" "$(grep -c '^request' <<<"$out")" 1
