#!/usr/bin/env bash
# What an operator scrapes and reads: Docker Hub's RateLimit-Remaining as a
# Prometheus gauge per agent, the records cached per account and type, and --log-format json giving one JSON object
# per log line with time, level, account and message.
# Usage: metrics_logs.sh CDHOST PLUGIN_DIR
set -uo pipefail
cdhost=$1 plugin_dir=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
work=$(mktemp -d)
fake_pid=
trap 'service_stop; [ -n "$fake_pid" ] && kill "$fake_pid"; rm -rf "$work"' EXIT

python3 "$here/fake_registry.py" --port-file "$work/port" --log "$work/fake.log" & fake_pid=$!
wait_for 30 test -s "$work/port" || { echo "fake registry did not start" >&2; exit 1; }
port=$(free_port)
cat > "$work/cdhost.cfg" <<CFG
host = { listen = "127.0.0.1:$port"; };
dockerRegistry = { accounts = (
  { name = "hub"; address = "http://127.0.0.1:$(cat "$work/port")";
    repositories = ["img/ratelimit"]; trackDigests = true; }
); };
CFG
"$cdhost" --config "$work/cdhost.cfg" --plugin-dir "$plugin_dir" --log-format json run \
  2>"$work/log.json" &
SERVICE_PID=$!

gauge='cdhost_registry_rate_limit_remaining{agent="hub/DockerRegistryImageCachingAgent[1/1]"} 76'
metrics_have_gauge() { curl -fsS "http://127.0.0.1:$port/metrics" | grep -qF "$gauge"; }
wait_for 10 metrics_have_gauge || fail "no rate-limit gauge: $(curl -s "http://127.0.0.1:$port/metrics")"
curl -fsS "http://127.0.0.1:$port/metrics" | grep -qx '# TYPE cdhost_registry_rate_limit_remaining gauge' \
  || fail "gauge has no TYPE line"
# The records stored per account and type, whatever the provider's types.
metrics=$(curl -fsS "http://127.0.0.1:$port/metrics")
tagged=$(sed -n 's/^cdhost_cached_records{account="hub",type="taggedImage"} //p' <<<"$metrics")
ids=$(sed -n 's/^cdhost_cached_records{account="hub",type="imageId"} //p' <<<"$metrics")
[ -n "$tagged" ] && [ "$tagged" -ge 1 ] || fail "no taggedImage count: $metrics"
expect_eq "one imageId per taggedImage" "$ids" "$tagged"
service_stop
expect_eq "exit code" "$SERVICE_RC" 0

# Every line is a JSON object; the refresh summary names its account.
jq -e . "$work/log.json" >/dev/null || fail "a log line is not JSON: $(head -3 "$work/log.json")"
summary=$(jq -c 'select(.account == "hub" and (.message | test("ok: 1 repositories")))' "$work/log.json" | head -1)
[ -n "$summary" ] || fail "no JSON summary line for hub: $(cat "$work/log.json")"
expect_eq "JSON log fields" "$(jq -c 'keys' <<<"$summary")" '["account","level","message","time"]'

finish "metrics and logs"
