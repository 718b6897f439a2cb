#!/usr/bin/env bash
# The seed document (seed/docker-registry.md) with `cdhost` in place of
# `hal`, its four registry kinds end to end (issue #7):
#   Docker Hub   no catalog, anonymous tokens for library/, a private repo
#                (fake_registry.py --mode hub), username + --password on stdin
#   GCR          _json_key + --password-file against an htpasswd registry
#   ECR          --password-command printing a token (base64 -d | sed)
#   other        a registry with a catalog: no auth, and Bearer tokens from
#                a token server (where Halyard's own validator fails)
# Each `account add` validates against the registry; then `cdhost run
# --once` caches every account and the cache has their tags. Last, a
# running `cdhost run` picks up `account add` / `delete` by hot reload.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# The seed's default place: ~/.cdhost/cdhost.cfg, created with its directory.
export HOME=$T/home
unset CDHOST_CONFIG
mkdir -p "$HOME"
CFG=$HOME/.cdhost/cdhost.cfg

# run_hal ARGS... (stdin passed on): HAL_RC, HAL_OUT, HAL_ERR.
run_hal() {
    HAL_RC=0
    HAL_OUT=$("$CDHOST" --plugin-dir "$CDH_PLUGIN_DIR" config provider docker-registry "$@" \
        2> "$T/hal.err") || HAL_RC=$?
    HAL_ERR=$(< "$T/hal.err")
}
# tags ACCOUNT REPOSITORY: what the cache holds, as `images tags` prints it.
tags() {
    "$CDHOST" --plugin-dir "$CDH_PLUGIN_DIR" images tags --account "$1" --repository "$2"
}
# registry_with_auth DIR USER PASSWORD: the sample images behind htpasswd.
registry_with_auth() {
    seed_storage "$1" || fail "seeding $1"
    registry_auth_start "$1" "$2" "$3" || fail "htpasswd registry $1"
    CLEANUP_PIDS+=("$REGISTRY_PID")
}
source "$CDH_SOURCE_DIR/tests/integration/lib/registry_auth.sh"

# ---- DockerHub ----
start_fake hub --mode hub
ADDRESS=$FAKE_URL
REPOSITORIES="library/nginx yourusername/app"
USERNAME=alice
PASSWORD=s3cret

run_hal enable
assert_eq "enable: exit 0" 0 "$HAL_RC"
assert_eq "enable: what it did" "+ Successfully enabled dockerRegistry" "$HAL_OUT"
assert_eq "the file is created with its directory (0700)" 700 "$(stat -c %a "$HOME/.cdhost")"
assert_eq "the file is 0600" 600 "$(stat -c %a "$CFG")"

# shellcheck disable=SC2086 # the seed's $REPOSITORIES is a word list
run_hal account add my-docker-registry \
    --address $ADDRESS \
    --repositories $REPOSITORIES \
    --username $USERNAME \
    --password <<< "$PASSWORD"
assert_eq "Docker Hub: add exits 0 (${HAL_ERR})" 0 "$HAL_RC"
assert_eq "Docker Hub: added" "+ Successfully added account my-docker-registry for provider dockerRegistry." "$HAL_OUT"
assert_not_contains "Docker Hub: the password is not printed" "$PASSWORD" "$HAL_OUT$HAL_ERR"
assert_contains "Docker Hub: both repositories written" 'repositories = [ "library/nginx", "yourusername/app" ];' "$(< "$CFG")"
assert_contains "Docker Hub: the password is in the file" "password = \"$PASSWORD\";" "$(< "$CFG")"
assert_contains "Docker Hub: first account is primary" 'primaryAccount = "my-docker-registry";' "$(< "$CFG")"
assert_eq "Docker Hub: still 0600" 600 "$(stat -c %a "$CFG")"
assert_contains "Docker Hub: tokens were used" "auth=bearer:" "$(< "$FAKE_LOG")"

cp "$CFG" "$T/before"
run_hal account add hub-wrong --address "$ADDRESS" --repositories library/nginx \
    yourusername/app --username alice --password <<< "not-it"
assert_eq "Docker Hub: a wrong password exits 1" 1 "$HAL_RC"
assert_contains "Docker Hub: Halyard's error" "! ERROR Unable to fetch tags from the docker repository: yourusername/app, " "$HAL_ERR"
assert_contains "Docker Hub: Halyard's remediation" "? Can the provided user access this repository?" "$HAL_ERR"
assert_eq "Docker Hub: file untouched after an error" "$(< "$T/before")" "$(< "$CFG")"

run_hal account add hub-anonymous --address "$ADDRESS" --repositories library/nginx yourusername/app
assert_eq "Docker Hub: anonymous cannot list a private repository" 1 "$HAL_RC"
assert_contains "Docker Hub: which one" "docker repository: yourusername/app, tags of yourusername/app: HTTP 401" "$HAL_ERR"
assert_not_contains "Docker Hub: public one is fine" "repository: library/nginx" "$HAL_ERR"

run_hal account add hub-empty --address "$ADDRESS" --repositories library/empty
assert_eq "Docker Hub: no tags is a warning, saved" 0 "$HAL_RC"
assert_contains "Docker Hub: the seed's warning" "- WARNING None of your supplied repositories contain any tags. Spinnaker will not be able to deploy any docker images." "$HAL_ERR"
assert_contains "Docker Hub: its remediation" "? Push some images to your registry." "$HAL_ERR"

run_hal account add hub-catalog --address "$ADDRESS"
assert_eq "Docker Hub: no catalog, no repositories: exit 1" 1 "$HAL_RC"
assert_contains "Docker Hub: Halyard's catalog error" "! ERROR Unable to connect the registries catalog endpoint: " "$HAL_ERR"
run_hal account delete hub-empty
assert_eq "delete exits 0" 0 "$HAL_RC"

# ---- Google Container Registry ----
# A JSON key, several lines like gcloud's; under bcrypt's 72 bytes, so a
# stray byte at its end makes a difference to the htpasswd registry.
key_id=$RANDOM$RANDOM
KEY=$(printf '{\n "type": "service_account",\n "project_id": "gcr-%s"\n}' "$key_id")
(( ${#KEY} < 70 )) || fail "test key too long for bcrypt"
registry_with_auth "$T/gcr" _json_key "$KEY"
gcr_url=$REGISTRY_URL
SERVICE_ACCOUNT_DEST=~/.gcp/gcr-account.json
mkdir -p "$(dirname "$SERVICE_ACCOUNT_DEST")"
printf '%s\n' "$KEY" > "$SERVICE_ACCOUNT_DEST" # gcloud ends it with a newline
chmod 600 "$SERVICE_ACCOUNT_DEST"
PASSWORD_FILE='~/.gcp/gcr-account.json'       # as typed, unexpanded

run_hal enable
assert_eq "GCR: enable again" 0 "$HAL_RC"
run_hal account add my-gcr \
    --address "$gcr_url" \
    --username _json_key \
    --password-file "$PASSWORD_FILE"
assert_eq "GCR: add exits 0 (${HAL_ERR})" 0 "$HAL_RC"
assert_eq "GCR: catalog has images: no finding" "" "$HAL_ERR"
assert_contains "GCR: the path is stored absolute" "passwordFile = \"$HOME/.gcp/gcr-account.json\";" "$(< "$CFG")"
assert_not_contains "GCR: the key is not copied into the file" "gcr-$key_id" "$(< "$CFG")"

printf '%s\n\n' "$KEY" > "$T/two-newlines.json"
run_hal account add gcr-newline --address "$gcr_url" --username _json_key --password-file "$T/two-newlines.json"
assert_eq "GCR: a key file with an extra newline fails" 1 "$HAL_RC"
assert_contains "GCR: the catalog error" "! ERROR Unable to connect the registries catalog endpoint: catalog: HTTP 401" "$HAL_ERR"
assert_contains "GCR: Halyard's newline hint" "Your password file has a trailing newline; many text editors append a newline" "$HAL_ERR"
assert_contains "GCR: with a command that works" "truncate -s -1 $T/two-newlines.json" "$HAL_ERR"
assert_not_contains "GCR: no key in messages" "gcr-$key_id" "$HAL_OUT$HAL_ERR"

# ---- Amazon ECR ----
ecr_token="ecr-token-$RANDOM$RANDOM"
registry_with_auth "$T/ecr" AWS "$ecr_token"
ecr_url=$REGISTRY_URL
# What `aws ecr get-authorization-token` answers: base64 of AWS:<token>.
authorization=$(printf 'AWS:%s' "$ecr_token" | base64 -w0)
run_hal account add my-ecr-registry \
    --address "$ecr_url" \
    --username AWS \
    --password-command "echo $authorization | base64 -d | sed 's/^AWS://'"
assert_eq "ECR: add exits 0 (${HAL_ERR})" 0 "$HAL_RC"
assert_contains "ECR: the command is stored" "passwordCommand = \"echo $authorization | base64 -d | sed 's/^AWS://'\";" "$(< "$CFG")"

run_hal account add ecr-failing --address "$ecr_url" --username AWS \
    --password-command "echo 'Unable to locate credentials' >&2; exit 255"
assert_eq "ECR: a failing command exits 1" 1 "$HAL_RC"
# Halyard warns, then fails the catalog with the same reason: said once (#20 item 6).
assert_contains "ECR: the command's failure is the error" "! ERROR passwordCommand exited with status 255: Unable to locate credentials" "$HAL_ERR"
assert_eq "ECR: said once" 1 "$(grep -c 'Unable to locate credentials' <<< "$HAL_ERR")"
assert_not_contains "ECR: no catalog request without a password" "catalog endpoint" "$HAL_ERR"

# ---- Other registries: a catalog, no auth ----
registry_start "$T/plain" > /dev/null || fail "plain registry"
CLEANUP_PIDS+=("$REGISTRY_PID")
plain_url=$REGISTRY_URL
registry_push_image "$plain_url" team/app 2.0 > /dev/null || fail "push"
run_hal account add my-registry --address "$plain_url"
assert_eq "catalog registry: add exits 0 (${HAL_ERR})" 0 "$HAL_RC"
assert_eq "catalog registry: no finding" "" "$HAL_ERR"

registry_start "$T/empty" > /dev/null || fail "empty registry"
CLEANUP_PIDS+=("$REGISTRY_PID")
run_hal account add empty-registry --address "$REGISTRY_URL"
assert_eq "empty catalog: a warning, saved" 0 "$HAL_RC"
assert_contains "empty catalog: Halyard's warning" "- WARNING Your docker registry has no repositories specified, and the registry's catalog is empty. Spinnaker will not be able to deploy any images until some are pushed to this registry." "$HAL_ERR"
assert_contains "empty catalog: remediation" "? Manually specify some repositories for this docker registry to index." "$HAL_ERR"
run_hal account delete empty-registry

# ---- Other registries: Bearer tokens from a token server ----
seed_storage "$T/tokseed" || fail "seeding"
token_registry_start "$T/tok" "$T/tokseed/data"
run_hal account add my-token-registry --address "$TOKEN_REGISTRY_URL" --username alice \
    --password <<< "s3cret"
assert_eq "token registry: add exits 0 (${HAL_ERR})" 0 "$HAL_RC"
assert_contains "token registry: the catalog scope was asked for" "alice registry:catalog:* -> 200" "$(< "$T/tok/token.log")"

# ---- The workflow's end: cdhost caches every account ----
run_rc=0
"$CDHOST" --plugin-dir "$CDH_PLUGIN_DIR" run --once 2> "$T/run.err" || run_rc=$?
assert_eq "run --once: every account refreshed ($(tail -n 5 "$T/run.err"))" 0 "$run_rc"
assert_eq "Docker Hub account cached" '["1.25","1.27","latest"]' "$(tags my-docker-registry library/nginx)"
assert_eq "Docker Hub private repository cached" '["1.0.0"]' "$(tags my-docker-registry yourusername/app)"
assert_eq "GCR account cached" '["1.0.0","1.1.0"]' "$(tags my-gcr team/app)"
assert_eq "ECR account cached" '["1.25","1.27","latest"]' "$(tags my-ecr-registry library/nginx)"
assert_eq "catalog account cached" '["2.0"]' "$(tags my-registry team/app)"
assert_eq "token account cached" '["2.0"]' "$(tags my-token-registry public/tool)"
assert_not_contains "no secret in the service's log" "$PASSWORD" "$(< "$T/run.err")"
assert_eq "list" "my-docker-registry
my-gcr
my-ecr-registry
my-registry
my-token-registry" "$("$CDHOST" config provider docker-registry account list)"

# ---- Hot reload: a running cdhost picks the commands up ----
port=$(free_port)
live=$T/live/cdhost.cfg
mkdir -p "$T/live"
printf 'host = { listen = "127.0.0.1:%s"; cache = { backend = "memory"; }; };\n' "$port" > "$live"
"$CDHOST" --config "$live" --plugin-dir "$CDH_PLUGIN_DIR" run 2> "$T/live.log" &
CLEANUP_PIDS+=("$!")
wait_http "http://127.0.0.1:$port/health" || fail "service did not start"
live_hal() { "$CDHOST" --config "$live" --plugin-dir "$CDH_PLUGIN_DIR" config provider docker-registry "$@"; }
live_hal enable > /dev/null || fail "live enable"
live_hal account add live-one --address "$plain_url" --repositories team/app > /dev/null 2>&1 \
    || fail "live add"
assert_contains "the host section is kept" "listen = \"127.0.0.1:$port\";" "$(< "$live")"
credentials_has() { curl -fsS "http://127.0.0.1:$port/credentials" | grep -qF "$1"; }
served() {
    [[ $(curl -fsS "http://127.0.0.1:$port/dockerRegistry/images/tags?account=live-one&repository=team/app") == '["2.0"]' ]]
}
for _ in $(seq 1 100); do credentials_has '"name":"live-one"' && break; sleep 0.1; done
credentials_has '"name":"live-one"' || fail "added account not picked up: $(tail -n 5 "$T/live.log")"
pass "hot reload: an added account is served"
for _ in $(seq 1 100); do served && break; sleep 0.1; done
served || fail "added account not refreshed"
pass "hot reload: and refreshed"
live_hal account delete live-one > /dev/null || fail "live delete"
for _ in $(seq 1 100); do credentials_has '"name":"live-one"' || break; sleep 0.1; done
credentials_has '"name":"live-one"' && fail "deleted account still served"
pass "hot reload: a deleted account goes"
echo "halyard_seed: all passed"
