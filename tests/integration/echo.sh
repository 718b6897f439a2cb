#!/usr/bin/env bash
# Events to Echo (#16, DESIGN 9.4): a real registry, cdhost with host.echo
# pointed at a fake Echo (fake_echo.py) that records each POST body and
# answers 503 to the first two. Every store is triggered by an on-demand
# refresh (cacheIntervalSeconds = 3600), so each step knows what it stored.
# Checked: the first fill sends nothing; a new tag sends Igor's docker event,
# byte for byte, after retries; with trackDigests a changed digest sends one;
# more events than the account's itemUpperThreshold, or (after a reload) the
# host's, send none and log an error; /metrics counts it all. Then Echo
# fails: 503 to every attempt gives up after five (one failed, four
# retries, an error logged); a 400 is not retried.
# Usage: echo.sh CDHOST PLUGIN_DIR
set -uo pipefail
cdhost=$1 plugin_dir=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/lib/registry.sh
source "$here/../../scripts/lib/registry.sh"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
work=$(mktemp -d)
echo_pid=
cleanup() {
  service_stop
  [ -n "$echo_pid" ] && kill "$echo_pid" 2>/dev/null && wait "$echo_pid" 2>/dev/null
  registry_stop "$work/reg"
  rm -rf "$work"
}
trap cleanup EXIT

echo_log=$work/echo.log
: > "$echo_log"
python3 "$here/fake_echo.py" --port-file "$work/echo.port" --log "$echo_log" --fail-first 2 \
  --answer-file "$work/echo.answer" &
echo_pid=$!
wait_for 30 test -s "$work/echo.port" || { echo "fake echo did not start" >&2; exit 1; }
echo_url=http://127.0.0.1:$(cat "$work/echo.port")

registry_start "$work/reg" >/dev/null || { echo "cannot start registry" >&2; exit 1; }
registry_push_image "$REGISTRY_URL" team/app 1.0 >/dev/null || fail "push team/app:1.0"
registry_push_image "$REGISTRY_URL" team/many 1 >/dev/null || fail "push team/many:1"

port=$(free_port)
api=http://127.0.0.1:$port
cfg=$work/cdhost.cfg log=$work/cdhost.log
write_config() { # HOST_THRESHOLD
  cat > "$cfg.new" <<CFG
host = { listen = "127.0.0.1:$port"; workers = 2;
         echo = { baseUrl = "$echo_url"; itemUpperThreshold = $1; }; };
dockerRegistry = { accounts = (
  { name = "acct"; address = "$REGISTRY_URL"; repositories = ["team/app"];
    trackDigests = true; cacheIntervalSeconds = 3600; },
  { name = "many"; address = "$REGISTRY_URL"; repositories = ["team/many"];
    itemUpperThreshold = 2; cacheIntervalSeconds = 3600; }
); };
CFG
  mv "$cfg.new" "$cfg"
}
write_config 1000
tags_are() { [ "$(curl -fsS "$api/dockerRegistry/images/tags?account=$1&repository=$2")" = "$3" ]; }
ondemand() { # ACCOUNT REPOSITORY
  curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' \
    --data-binary "{\"account\":\"$1\",\"repository\":\"$2\"}" "$api/cache/dockerRegistry/taggedImage" ||
    fail "on-demand $1 $2"
}
bodies() { wc -l < "$echo_log"; }
bodies_are() { [ "$(bodies)" -eq "$1" ]; }
body() { sed -n "${1}p" "$echo_log"; }
metric() { curl -fsS "$api/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
exceeded() { [ "$(grep -c 'exceed the item upper threshold' "$log")" -ge "$1" ]; }

service_start "$cdhost" "$cfg" "$plugin_dir" "$log"
wait_for 30 tags_are acct team/app '["1.0"]' || fail "first fill of acct: $(tail -5 "$log")"
wait_for 30 tags_are many team/many '["1"]' || fail "first fill of many: $(tail -5 "$log")"

# A new tag: one event, Igor's DockerEvent, once Echo answers (after two 503s).
d20=$(registry_push_image "$REGISTRY_URL" team/app 2.0) || fail "push team/app:2.0"
ondemand acct team/app
wait_for 60 bodies_are 1 || fail "no event for team/app:2.0: $(tail -5 "$log")"
reg=${REGISTRY_URL#http://}
expect_eq "the event of a new tag (the first fill sent none)" "$(body 1)" \
  "/ application/json {\"details\":{\"type\":\"docker\",\"source\":\"igor\"},\"content\":{\"account\":\"acct\",\"registry\":\"$reg\",\"repository\":\"team/app\",\"tag\":\"2.0\",\"digest\":\"$d20\"},\"artifact\":{\"fileName\":\"team/app:2.0\",\"reference\":\"$reg/team/app:2.0\",\"name\":\"team/app\",\"type\":\"docker\",\"version\":\"2.0\",\"metadata\":{\"registry\":\"$reg\"},\"decorated\":false}}"
expect_eq "retries counted" "$(metric cdhost_echo_events_retries_total)" 2

# trackDigests: the same tag pushed again with other content: one event.
d20b=$(registry_push_image "$REGISTRY_URL" team/app 2.0 2024-06-01T00:00:00Z) || fail "repush 2.0"
[ "$d20b" != "$d20" ] || fail "the repushed tag kept its digest"
ondemand acct team/app
wait_for 30 bodies_are 2 || fail "no event for the new digest: $(tail -5 "$log")"
case $(body 2) in
  *"\"tag\":\"2.0\",\"digest\":\"$d20b\""*) ;;
  *) fail "digest event: $(body 2)" ;;
esac

# Three new tags where the account allows two: none sent, an error logged.
for t in 2 3 4; do registry_push_image "$REGISTRY_URL" team/many "$t" >/dev/null || fail "push many:$t"; done
ondemand many team/many
wait_for 30 exceeded 1 || fail "account threshold not applied: $(tail -5 "$log")"
has_tag() { curl -fsS "$api/dockerRegistry/images/tags?account=$1&repository=$2" | grep -qF "\"$3\""; }
wait_for 30 has_tag many team/many 4 || fail "many:4 not stored"

# The host's threshold, changed by a reload: two new tags over 1.
write_config 1
wait_for 30 grep -q 'itemUpperThreshold 1)' "$log" || fail "reload not applied: $(tail -5 "$log")"
registry_push_image "$REGISTRY_URL" team/app 3.0 >/dev/null || fail "push 3.0"
registry_push_image "$REGISTRY_URL" team/app 3.1 >/dev/null || fail "push 3.1"
ondemand acct team/app
wait_for 30 exceeded 2 || fail "host threshold not applied: $(tail -5 "$log")"

# One more tag: the only event since the digest's, so nothing else was sent.
registry_push_image "$REGISTRY_URL" team/app 4.0 >/dev/null || fail "push 4.0"
ondemand acct team/app
wait_for 30 bodies_are 3 || fail "no event for 4.0: $(tail -5 "$log")"
case $(body 3) in *'"tag":"4.0"'*) ;; *) fail "third event: $(body 3)" ;; esac
grep -q 'team/many' "$echo_log" && fail "team/many events were sent"
grep -q '"tag":"3.' "$echo_log" && fail "team/app:3.x events were sent"

expect_eq "sent" "$(metric cdhost_echo_events_sent_total)" 3
expect_eq "suppressed" "$(metric cdhost_echo_events_suppressed_total)" 5
expect_eq "failed" "$(metric cdhost_echo_events_failed_total)" 0
expect_eq "dropped" "$(metric cdhost_echo_events_dropped_total)" 0
expect_eq "queue depth" "$(metric cdhost_echo_queue_depth)" 0

# Echo answers 503 to every attempt: five of them (0.5 + 1 + 2 + 4 s of
# backoff), then the event is given up, counted and logged.
metric_is() { [ "$(metric "$1")" = "$2" ]; }
echo 503 > "$work/echo.answer"
registry_push_image "$REGISTRY_URL" team/app 5.0 >/dev/null || fail "push 5.0"
ondemand acct team/app
wait_for 10 metric_is cdhost_echo_queue_depth 1 || fail "5.0's event never queued"
wait_for 30 metric_is cdhost_echo_events_failed_total 1 || fail "5.0's event not given up: $(tail -5 "$log")"
expect_eq "retries after five 503s" "$(metric cdhost_echo_events_retries_total)" 6
grep -q 'echo: an event was not sent: HTTP 503' "$log" || fail "no error logged for 5.0's event"
# A 4xx is Echo refusing the event: given up at once, no retry.
echo 400 > "$work/echo.answer"
registry_push_image "$REGISTRY_URL" team/app 6.0 >/dev/null || fail "push 6.0"
ondemand acct team/app
wait_for 30 metric_is cdhost_echo_events_failed_total 2 || fail "6.0's event not given up: $(tail -5 "$log")"
expect_eq "retries after a 400" "$(metric cdhost_echo_events_retries_total)" 6
grep -q 'echo: an event was not sent: HTTP 400' "$log" || fail "no error logged for 6.0's event"
rm -f "$work/echo.answer"
expect_eq "sent after the failures" "$(metric cdhost_echo_events_sent_total)" 3
grep -q '"tag":"[56].0"' "$echo_log" && fail "a refused event was recorded as received"

service_stop
expect_eq "service exit" "$SERVICE_RC" 0
grep -q 'Sanitizer' "$log" && fail "sanitizer report: $(grep -A20 Sanitizer "$log")"

finish "echo"
