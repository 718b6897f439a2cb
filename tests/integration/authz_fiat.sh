#!/usr/bin/env bash
# host.authz.fiatBaseUrl (issue #17): cdhost asks a fake Fiat
# (fake_fiat.py) GET /authorize/<user> and applies its view: allowed, denied
# (WRITE only), admin, case-insensitive account names, an unknown user (404)
# denied or read as anonymous, a Fiat slower than cdhost's timeout and a
# Fiat that is down both deny (logged); answers are cached per user; the
# command line reads everything without asking Fiat.
# Usage: authz_fiat.sh CDHOST PLUGIN_SO
set -uo pipefail
cdhost=$1 plugin_so=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/lib/registry.sh
source "$here/../../scripts/lib/registry.sh"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
work=$(mktemp -d)
fiat_pid=
cleanup() { service_stop; [ -n "$fiat_pid" ] && kill "$fiat_pid"; registry_stop "$work/reg"; rm -rf "$work"; }
trap cleanup EXIT

registry_start "$work/reg" >/dev/null || { echo "cannot start registry" >&2; exit 1; }
registry_push_image "$REGISTRY_URL" team/app 1.0 >/dev/null || fail "push team/app"
python3 "$here/fake_fiat.py" > "$work/fiat.port" & fiat_pid=$!
wait_for 30 test -s "$work/fiat.port" || fail "fake fiat did not start"
fiat=http://127.0.0.1:$(cat "$work/fiat.port")
mkdir -p "$work/plugins" && cp "$plugin_so" "$work/plugins/"
port=$(free_port)
api=http://127.0.0.1:$port
cfg=$work/cdhost.cfg log=$work/cdhost.log

write_config() { # FIAT_URL UNKNOWN_USER
  cat > "$cfg.tmp" <<CFG
host = {
  listen = "127.0.0.1:$port";
  authz = { enabled = true; fiatBaseUrl = "$1"; unknownUser = "$2"; };
};
dockerRegistry = { accounts = (
  { name = "open"; address = "$REGISTRY_URL"; repositories = ["team/app"]; },
  { name = "secret"; address = "$REGISTRY_URL"; repositories = ["team/app"];
    permissions = { READ = ["dev"]; }; }
); };
CFG
  mv "$cfg.tmp" "$cfg"
}

as() { # USER PATH (USER - : no header)
  local h=()
  [ "$1" = - ] || h=(-H "X-SPINNAKER-USER: $1")
  curl -sS --max-time 20 "${h[@]}" "$api$2"
}
tags() { as "$1" "/dockerRegistry/images/tags?account=$2&repository=team/app"; }
find_accounts() { as "$1" "/dockerRegistry/images/find?repository=team/app" | jq -c '[.[].account] | sort'; }
hits() { curl -sS "$fiat/hits/$1"; }
denied() { # USER ACCOUNT
  expect_eq "$1 on $2" "$(tags "$1" "$2" | jq -c '{status, message}')" \
    "{\"status\":403,\"message\":\"Access denied to account $2 - required authorization: READ\"}"
}
all_cached() { [ "$(find_accounts alice)" = '["open","secret"]' ]; }

write_config "$fiat" deny
"$cdhost" --config "$cfg" --plugin-dir "$work/plugins" run 2>>"$log" &
SERVICE_PID=$!
wait_for 20 all_cached || fail "accounts not cached: $(find_accounts alice)"

# Allowed (Fiat names the account "Secret": case does not matter), denied
# (WRITE only), admin, anonymous.
expect_eq "bob reads secret" "$(tags bob secret)" '["1.0"]'
denied olga secret
expect_eq "olga reads open" "$(tags olga open)" '["1.0"]'
expect_eq "find: olga" "$(find_accounts olga)" '["open"]'
expect_eq "find: bob" "$(find_accounts bob)" '["open","secret"]'
denied - secret
expect_eq "find: anonymous" "$(find_accounts -)" '["open"]'
# Cached: bob was asked once for all of the above (20 s).
expect_eq "fiat asked once for bob" "$(hits bob)" 1
# Unknown user (404): denied.
denied mallory open
grep -qF "fiat: user mallory unknown (404)" "$log" || fail "404 not logged"
# Slower than the timeout: denied, logged.
denied slowpoke open
grep -q "fiat: user slowpoke: .*denied" "$log" || fail "slow fiat not logged"
# The command line reads everything and never asks Fiat.
expect_eq "cli tags secret" "$("$cdhost" --config "$cfg" --plugin-dir "$work/plugins" images tags --account secret --repository team/app 2>&1)" '["1.0"]'

# unknownUser = "anonymous": a 404 reads what anonymous does.
write_config "$fiat" anonymous
mallory_open() { [ "$(tags mallory open)" = '["1.0"]' ]; }
wait_for 10 mallory_open || fail "unknownUser = anonymous not applied: $(tags mallory open)"
denied mallory secret

# Fiat down: denied, logged.
write_config "http://127.0.0.1:$(free_port)" deny
open_denied() { [ "$(tags bob open | jq -r .status)" = 403 ]; }
wait_for 10 open_denied || fail "fiat down did not deny: $(tags bob open)"
grep -q "fiat: user bob: .*denied" "$log" || fail "fiat down not logged"

[ "$failures" -eq 0 ] || tail -40 "$log" >&2
finish "authz_fiat"
