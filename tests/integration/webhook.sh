#!/usr/bin/env bash
# Push notifications (#15) against a real docker-registry 2.8 whose
# `notifications:` endpoint is cdhost's POST /webhooks/docker-registry.
# cacheIntervalSeconds = 3600, so after the first cycle only a notification
# can explain a fresh tag: a push shows in /find, a delete disappears, a
# repository the account does not cache stays out; hand-made envelopes
# check the 202, the 400 on a malformed body, the 413 on one over 1 MiB,
# de-duplication by event id, bursts coalescing and the bearer token; the
# on-demand POST checks READ for the caller X-SPINNAKER-USER names, and
# answers a repository the account does not cache at once.
# Usage: webhook.sh CDHOST PLUGIN_SO
set -uo pipefail
cdhost=$1 plugin_so=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/lib/registry.sh
source "$here/../../scripts/lib/registry.sh"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
work=$(mktemp -d)
trap 'service_stop; registry_stop "$work/reg"; rm -rf "$work"' EXIT

port=$(free_port)
api=http://127.0.0.1:$port
token=webhook-test-token-$RANDOM$RANDOM
printf '%s\n' "$token" > "$work/token"
chmod 600 "$work/token"
notifications="notifications:
  endpoints:
    - name: cdhost
      url: $api/webhooks/docker-registry
      headers:
        Authorization: [Bearer $token]
      timeout: 2s
      threshold: 3
      backoff: 1s"
registry_start "$work/reg" "$notifications" >/dev/null ||
  { echo "cannot start registry" >&2; exit 1; }
registry_push_image "$REGISTRY_URL" team/app 1.0 2021-01-01T00:00:00Z >/dev/null || fail "push 1.0"
registry_push_image "$REGISTRY_URL" team/web 1 2021-01-01T00:00:00Z >/dev/null || fail "push web"
mkdir -p "$work/plugins" && cp "$plugin_so" "$work/plugins/"
cfg=$work/cdhost.cfg log=$work/cdhost.log
cat > "$cfg" <<CFG
host = { listen = "127.0.0.1:$port"; workers = 2;
         webhooks = { tokenFile = "$work/token"; };
         authz = { enabled = true; users = { bob = ["dev"]; alice = ["ops"]; }; }; };
dockerRegistry = { accounts = (
  { name = "acct"; address = "$REGISTRY_URL"; repositories = ["team/app", "team/web"];
    sortTagsByDate = true; cacheIntervalSeconds = 3600; },
  # The same registry by another name: its events do not match this account.
  { name = "byname"; address = "http://localhost:${REGISTRY_HOSTPORT#*:}"; repositories = ["team/app"];
    sortTagsByDate = true; cacheIntervalSeconds = 3600; },
  # The catalog, filtered by a regex (Java's: the whole name) and a skip.
  { name = "cat"; address = "$REGISTRY_URL"; repositoriesRegex = "team/[n-z].*";
    skip = ["team/skipped"]; cacheIntervalSeconds = 3600; },
  # Readable by role ops only (on-demand needs READ).
  { name = "locked"; address = "http://localhost:${REGISTRY_HOSTPORT#*:}"; repositories = ["team/app"];
    cacheIntervalSeconds = 3600; permissions = { READ = ["ops"]; }; }
); };
CFG
tags() { curl -fsS "$api/dockerRegistry/images/tags?account=${account:-acct}&repository=$1"; }
tags_are() { [ "$(tags "$1")" = "$2" ]; }
cat_is() { [ "$(account=cat tags "$1")" = "$2" ]; }
byname_is() { [ "$(account=byname tags team/app)" = "$1" ]; }
find_has() { grep -qF -- "$2" <<<"$(curl -fsS "$api/dockerRegistry/images/find?q=$1")"; }
scope_runs() { grep -c 'acct/DockerRegistryImageCachingAgent\[1/1\]: ok: 1 repositories' "$log"; }
# post BODY [CURL_ARGS...]: prints "STATUS BODY".
post() {
  local body=$1; shift
  curl -sS -o "$work/answer" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    "$@" --data-binary "$body" "$api/webhooks/docker-registry"
  printf ' %s' "$(cat "$work/answer")"
}
auth=(-H "Authorization: Bearer $token")
event() { # ID ACTION REPOSITORY [TAG]
  printf '{"id":"%s","action":"%s","target":{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","repository":"%s","url":"%s/v2/%s/manifests/sha256:00"%s},"request":{"host":"%s"}}' \
    "$1" "$2" "$3" "$REGISTRY_URL" "$3" "${4:+,\"tag\":\"$4\"}" "$REGISTRY_HOSTPORT"
}

service_start "$cdhost" "$cfg" "$work/plugins" "$log"
wait_for 20 tags_are team/app '["1.0"]' || fail "first cycle not served: $(cat "$log")"
wait_for 20 byname_is '["1.0"]' || fail "first cycle of byname not served"
wait_for 20 cat_is team/web '["1"]' || fail "first cycle of cat not served"

# A push through the registry: only its notification can explain 2.0.
d20=$(registry_push_image "$REGISTRY_URL" team/app 2.0 2023-01-01T00:00:00Z) || fail "push 2.0"
wait_for 20 find_has team/app '"tag":"2.0"' || fail "pushed tag not in /find: $(tail -5 "$log")"
expect_eq "push refreshed the tags" "$(tags team/app)" '["2.0","1.0"]'
expect_eq "an account of another host is not refreshed" "$(account=byname tags team/app)" '["1.0"]'

# A delete through the registry: the tag goes.
registry_delete_tag "$REGISTRY_URL" team/app "$d20" || fail "delete 2.0"
wait_for 20 tags_are team/app '["1.0"]' || fail "deleted tag still served: $(tags team/app)"

# /health shows the last push refresh per account, /metrics counts them.
health_push() { grep -qF -- "$1" <<<"$(curl -fsS "$api/health")"; }
wait_for 20 health_push '"acct":{"lastRefresh":{"time":"' ||
  fail "no push in /health: $(curl -fsS "$api/health")"
health_push '"scope":"team/app","result":"ok"}' ||
  fail "last push of acct: $(curl -fsS "$api/health")"
# (Read whole before grep: grep -q ending the pipe early fails curl.)
grep -qE '^cdhost_push_refreshes_total\{account="acct",result="ok"\} [1-9]' <<<"$(curl -fsS "$api/metrics")" ||
  fail "push refreshes not counted: $(curl -fsS "$api/metrics" | grep push)"

# A repository the account does not cache: nothing stored for it, and
# that is no error (info line, nothing refreshed).
registry_push_image "$REGISTRY_URL" other/x 1 >/dev/null || fail "push other/x"
wait_for 20 grep -q 'other/x not refreshed: repository other/x is not cached' "$log" ||
  fail "other/x not refused: $(tail -5 "$log")"
expect_eq "other/x not served" "$(curl -fsS "$api/dockerRegistry/images/find?q=other/x")" '[]'
grep -E ' (error|warn) .*other/x' "$log" && fail "other/x logged as an error or warning"
wait_for 20 health_push '"scope":"other/x","result":"not cached"}' ||
  fail "other/x not in /health: $(curl -fsS "$api/health")"

# A catalog account's rules on the push path (catalog, regex, skip): a
# repository the catalog did not have at the account's cycle is cached
# once pushed; one in skip, or whose name the regex matches only in part
# (it must match the whole), is not.
cat_refused() { grep -q "cat/DockerRegistryImageCachingAgent\[1/1\]: $1 not refreshed: repository $1 is not cached" "$log"; }
cat_finds() {
  grep -qF -- "\"repository\":\"$1\",\"tag\":\"1\",\"account\":\"cat\"" \
    <<<"$(curl -fsS "$api/dockerRegistry/images/find?account=cat&q=$1")"
}
registry_push_image "$REGISTRY_URL" team/skipped 1 >/dev/null || fail "push team/skipped"
registry_push_image "$REGISTRY_URL" old/team/nope 1 >/dev/null || fail "push old/team/nope"
registry_push_image "$REGISTRY_URL" team/new 1 >/dev/null || fail "push team/new"
wait_for 20 cat_finds team/new || fail "team/new not cached by cat: $(tail -5 "$log")"
wait_for 20 cat_refused team/skipped || fail "cat did not refuse team/skipped: $(grep skipped "$log")"
wait_for 20 cat_refused old/team/nope || fail "cat did not refuse old/team/nope: $(grep nope "$log")"
# (By its tags: /find shows an image once, under whichever account has it.)
expect_eq "cat does not cache team/skipped" "$(account=cat tags team/skipped)" '[]'
expect_eq "cat does not cache old/team/nope" "$(account=cat tags old/team/nope)" '[]'

# Hand-made envelopes: 202 at once, what was queued in the answer (team/web
# is on two accounts of this registry, acct and cat: two refreshes an event).
e1=$(event "ev-$RANDOM-1" push team/web 1)
expect_eq "push event" "$(post "{\"events\":[$e1]}" "${auth[@]}")" '202 {"events":1,"refreshes":2}'
expect_eq "duplicate id ignored" "$(post "{\"events\":[$e1]}" "${auth[@]}")" '202 {"events":1,"refreshes":0}'
e2=$(event "ev-$RANDOM-2" pull team/web 1)
e3=$(event "ev-$RANDOM-3" push team/web)
e4=$(event "ev-$RANDOM-4" mount team/web)
expect_eq "pull, untagged push, mount ignored" \
  "$(post "{\"events\":[$e2,$e3,$e4]}" "${auth[@]}")" '202 {"events":3,"refreshes":0}'
other=$(event "ev-$RANDOM-5" push team/web 1 | sed "s/$REGISTRY_HOSTPORT/127.0.0.2:1/g")
expect_eq "another registry ignored" "$(post "{\"events\":[$other]}" "${auth[@]}")" \
  '202 {"events":1,"refreshes":0}'
status=$(post '{"events":[' "${auth[@]}")
case $status in "400 "*'"status":400'*) ;; *) fail "malformed JSON: $status" ;; esac
status=$(post '{"no":"events"}' "${auth[@]}")
case $status in "400 "*) ;; *) fail "no events array: $status" ;; esac
# A body over 1 MiB: 413 with a JSON error, and the server still serves.
{ printf '{"events":[],"pad":"'; head -c 1048576 /dev/zero | tr '\0' x; printf '"}'; } > "$work/big"
status=$(curl -sS -o "$work/answer" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  "${auth[@]}" --data-binary @"$work/big" "$api/webhooks/docker-registry")
case "$status $(cat "$work/answer")" in
  '413 {'*'"status":413'*'"error":"Payload Too Large"'*) ;;
  *) fail "body over 1 MiB: $status $(head -c 300 "$work/answer")" ;;
esac
e6=$(event "ev-$RANDOM-7" push team/web 1)
expect_eq "a post after the 413" "$(post "{\"events\":[$e6]}" "${auth[@]}")" '202 {"events":1,"refreshes":2}'

# A burst of 50 pushes to one repository costs a few refreshes, not 50.
before=$(scope_runs)
burst=""
for i in $(seq 1 50); do burst+="${burst:+,}$(event "burst-$RANDOM-$i" push team/web 1)"; done
expect_eq "burst accepted" "$(post "{\"events\":[$burst]}" "${auth[@]}")" '202 {"events":50,"refreshes":100}'
more_runs() { [ "$(scope_runs)" -gt "$before" ]; }
wait_for 20 more_runs || fail "burst refreshed nothing"
sleep 1
runs=$(( $(scope_runs) - before ))
[ "$runs" -le 10 ] || fail "burst of 50 cost $runs refreshes"

# On demand (Clouddriver's POST /cache/dockerRegistry/taggedImage), no token:
# 200 with what was stored once the refresh is done (within 5 s), else 202.
ondemand() { # BODY [CURL_ARGS...]
  local body=$1; shift
  curl -sS -o "$work/answer" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    "$@" --data-binary "$body" "$api/cache/dockerRegistry/taggedImage"
  printf ' %s' "$(cat "$work/answer")"
}
registry_push_image "$REGISTRY_URL" team/app 3.0 2024-01-01T00:00:00Z >/dev/null || fail "push 3.0"
wait_for 20 tags_are team/app '["3.0","1.0"]' || fail "3.0 not served"
expect_eq "byname still without 3.0" "$(account=byname tags team/app)" '["1.0"]'
status=$(ondemand '{"account":"byname","repository":"team/app"}')
case $status in
  '200 {"cachedIdentifiersByType":{"taggedImage":["dockerRegistry:taggedImage:byname:team/app:1.0","dockerRegistry:taggedImage:byname:team/app:3.0"]},"cacheData":[{"id":"dockerRegistry:taggedImage:byname:team/app:1.0","attributes":{'*) ;;
  *) fail "on-demand did not answer what it stored: $status" ;;
esac
case $status in *'"name":"team/app:3.0"'*) ;; *) fail "on-demand records lack 3.0: $status" ;; esac
expect_eq "on-demand stored before answering" "$(account=byname tags team/app)" '["3.0","1.0"]'
# A repository no agent of the account caches: answered once the agent
# said so (not after the 5 s bound, as "queued"), 200 with no records.
expect_eq "on-demand of an uncached repository" \
  "$(ondemand '{"account":"byname","repository":"other/x"}')" \
  '200 {"cachedIdentifiersByType":{"taggedImage":[]},"cacheData":[],"message":"account byname does not cache repository other/x"}'
# READ is needed (host.authz), for the caller X-SPINNAKER-USER names:
# alice (ops) may refresh locked; bob (dev) and the anonymous may not.
status=$(ondemand '{"account":"locked","repository":"team/app"}' -H 'X-SPINNAKER-USER: alice')
case $status in
  '200 {"cachedIdentifiersByType":{"taggedImage":["dockerRegistry:taggedImage:locked:team/app:1.0",'*) ;;
  *) fail "on-demand with READ: $status" ;;
esac
status=$(ondemand '{"account":"locked","repository":"team/app"}' -H 'X-SPINNAKER-USER: bob')
case $status in
  "403 "*'"message":"Access denied to account locked - required authorization: READ"'*) ;;
  *) fail "on-demand without READ: $status" ;;
esac
status=$(ondemand '{"account":"locked","repository":"team/app"}')
case $status in "403 "*) ;; *) fail "anonymous on-demand: $status" ;; esac
status=$(ondemand '{"account":"nobody","repository":"team/app"}')
case $status in "404 "*) ;; *) fail "on-demand unknown account: $status" ;; esac
status=$(ondemand '{"account":"byname"}')
case $status in "400 "*) ;; *) fail "on-demand without repository: $status" ;; esac

# The bearer token (host.webhooks.tokenFile): missing or wrong -> 401.
e5=$(event "ev-$RANDOM-6" push team/web 1)
status=$(post "{\"events\":[$e5]}")
case $status in "401 "*) ;; *) fail "no token: $status" ;; esac
status=$(post "{\"events\":[$e5]}" -H "Authorization: Bearer ${token}x")
case $status in "401 "*) ;; *) fail "wrong token: $status" ;; esac
status=$(post "{\"events\":[$e5]}" -H "Authorization: Bearer ${token:0:5}")
case $status in "401 "*) ;; *) fail "token prefix: $status" ;; esac
grep -qF -- "$token" "$log" && fail "the token reached the log"

service_stop
expect_eq "service exit" "$SERVICE_RC" 0
grep -q 'Sanitizer' "$log" && fail "sanitizer report: $(grep -A20 Sanitizer "$log")"

finish "webhook"
