#!/usr/bin/env bash
# host.authz (issue #17) driven over HTTP as Gate, Orca and Igor would: the
# X-SPINNAKER-USER header picks the user; /dockerRegistry/images/tags on an
# account the user may not read answers 403 with Clouddriver's message,
# /find leaves its rows out, /credentials lists every account; anonymous,
# admins, case, unknown users (deny, then anonymous after a reload) and
# legacy requiredGroupMembership; the command line reads everything; the
# X-SPINNAKER-* headers show in the debug log.
# Usage: authz.sh CDHOST PLUGIN_SO
set -uo pipefail
cdhost=$1 plugin_so=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/lib/registry.sh
source "$here/../../scripts/lib/registry.sh"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
work=$(mktemp -d)
cleanup() { service_stop; registry_stop "$work/reg"; rm -rf "$work"; }
trap cleanup EXIT

registry_start "$work/reg" >/dev/null || { echo "cannot start registry" >&2; exit 1; }
registry_push_image "$REGISTRY_URL" team/app 1.0 >/dev/null || fail "push team/app"
mkdir -p "$work/plugins" && cp "$plugin_so" "$work/plugins/"
port=$(free_port)
api=http://127.0.0.1:$port
cfg=$work/cdhost.cfg log=$work/cdhost.log

write_config() { # UNKNOWN_USER
  cat > "$cfg.tmp" <<CFG
host = {
  listen = "127.0.0.1:$port";
  authz = {
    enabled = true;
    admins = ["Alice"];
    users = { bob = ["DEV"]; olga = ["qa", "ops"]; };
    unknownUser = "$1";
  };
};
dockerRegistry = { accounts = (
  { name = "open"; address = "$REGISTRY_URL"; repositories = ["team/app"]; },
  { name = "secret"; address = "$REGISTRY_URL"; repositories = ["team/app"];
    permissions = { READ = ["dev"]; WRITE = ["ops"]; }; },
  { name = "legacy"; address = "$REGISTRY_URL"; repositories = ["team/app"];
    requiredGroupMembership = ["QA"]; }
); };
CFG
  mv "$cfg.tmp" "$cfg"
}

# as USER PATH: GET with X-SPINNAKER-USER (none when USER is -).
as() {
  local h=()
  [ "$1" = - ] || h=(-H "X-SPINNAKER-USER: $1")
  curl -sS "${h[@]}" -H "X-SPINNAKER-REQUEST-ID: req-$1" "$api$2"
}
code() { # USER PATH
  local h=()
  [ "$1" = - ] || h=(-H "X-SPINNAKER-USER: $1")
  curl -sS -o /dev/null -w '%{http_code}' "${h[@]}" "$api$2"
}
tags() { as "$1" "/dockerRegistry/images/tags?account=$2&repository=team/app"; }
find_accounts() { as "$1" "/dockerRegistry/images/find?repository=team/app" | jq -c '[.[].account] | sort'; }
denied() { # USER ACCOUNT
  expect_eq "$1 on $2: status" "$(code "$1" "/dockerRegistry/images/tags?account=$2&repository=team/app")" 403
  expect_eq "$1 on $2: body" "$(tags "$1" "$2" | jq -c '{status, error, message}')" \
    "{\"status\":403,\"error\":\"Forbidden\",\"message\":\"Access denied to account $2 - required authorization: READ\"}"
}
all_cached() { [ "$(find_accounts alice)" = '["legacy","open","secret"]' ]; }

write_config deny
"$cdhost" --config "$cfg" --plugin-dir "$work/plugins" --log-level debug run 2>>"$log" &
SERVICE_PID=$!
wait_for 20 all_cached || fail "accounts not cached: $(find_accounts alice)"

# A user with the role reads; case does not matter (DEV, dev; Bob).
expect_eq "bob reads secret" "$(tags bob secret)" '["1.0"]'
expect_eq "Bob reads secret" "$(tags Bob secret)" '["1.0"]'
denied bob legacy
# WRITE does not give READ: olga has ops (WRITE on secret) and qa (legacy).
denied olga secret
expect_eq "olga reads legacy" "$(tags olga legacy)" '["1.0"]'
# Anonymous (no header, as Igor calls) reads only the open account.
denied - secret
denied - legacy
expect_eq "anonymous reads open" "$(tags - open)" '["1.0"]'
# An admin reads all.
expect_eq "alice reads secret" "$(tags ALICE secret)" '["1.0"]'
expect_eq "alice reads legacy" "$(tags alice legacy)" '["1.0"]'
# An unknown user under unknownUser = "deny" reads nothing.
denied mallory open

# /find drops what the user may not read.
expect_eq "find: bob" "$(find_accounts bob)" '["open","secret"]'
expect_eq "find: olga" "$(find_accounts olga)" '["legacy","open"]'
expect_eq "find: anonymous" "$(find_accounts -)" '["open"]'
expect_eq "find: mallory" "$(find_accounts mallory)" '[]'

# /credentials has no check, as in Clouddriver.
expect_eq "credentials: anonymous" "$(as - /credentials | jq -c '[.[].name] | sort')" '["legacy","open","secret"]'
expect_eq "credentials/secret: mallory" "$(code mallory /credentials/secret)" 200

# The command line reads as an admin.
expect_eq "cli tags secret" "$("$cdhost" --config "$cfg" --plugin-dir "$work/plugins" images tags --account secret --repository team/app 2>&1)" '["1.0"]'

# Headers are traced in the debug log.
grep -qF "X-SPINNAKER-USER: olga" "$log" || fail "X-SPINNAKER-USER not in the debug log"
grep -qF "X-SPINNAKER-REQUEST-ID: req-olga" "$log" || fail "X-SPINNAKER-REQUEST-ID not in the debug log"

# unknownUser = "anonymous" after a reload: mallory reads what anonymous does.
write_config anonymous
mallory_open() { [ "$(tags mallory open)" = '["1.0"]' ]; }
wait_for 10 mallory_open || fail "reload did not apply unknownUser = anonymous: $(tags mallory open)"
denied mallory secret
expect_eq "find: mallory as anonymous" "$(find_accounts mallory)" '["open"]'

# authz off: everyone reads everything.
sed -i 's/enabled = true;/enabled = false;/' "$cfg"
secret_open() { [ "$(tags - secret)" = '["1.0"]' ]; }
wait_for 10 secret_open || fail "authz off did not open secret: $(tags - secret)"

[ "$failures" -eq 0 ] || tail -40 "$log" >&2
finish "authz"
