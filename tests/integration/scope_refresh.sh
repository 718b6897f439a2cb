#!/usr/bin/env bash
# ABI 1.1 refresh_scope against a real registry: one repository refreshed on
# its own picks up a pushed and a deleted tag, while the account's other
# repository keeps its records and gets no request; a repository the
# account does not cache is refused.
# Usage: scope_refresh.sh CDHOST PLUGIN_DIR SCOPE_REFRESH
set -uo pipefail
cdhost=$1 plugin_dir=$2 scope_refresh=$3
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/lib/registry.sh
source "$here/../../scripts/lib/registry.sh"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
work=$(mktemp -d)
trap 'registry_stop "$work/reg"; rm -rf "$work"' EXIT

REGISTRY_ACCESS_LOG_DISABLED=false registry_start "$work/reg" >/dev/null ||
  { echo "cannot start registry" >&2; exit 1; }
d10=$(registry_push_image "$REGISTRY_URL" team/app 1.0 2021-01-01T00:00:00Z) || fail "push 1.0"
registry_push_image "$REGISTRY_URL" team/app 1.1 2022-01-01T00:00:00Z >/dev/null || fail "push 1.1"
dweb=$(registry_push_image "$REGISTRY_URL" team/web 1) || fail "push web"

cfg=$work/cdhost.cfg
cat > "$cfg" <<CFG
dockerRegistry = { accounts = (
  { name = "acct"; address = "$REGISTRY_URL"; repositories = ["team/app", "team/web"];
    trackDigests = true; sortTagsByDate = true; }
); };
CFG
run() { "$cdhost" --config "$cfg" --plugin-dir "$plugin_dir" "$@"; }
tags() { run images tags --account acct --repository "$1"; }
web_requests() { grep -c 'GET /v2/team/web/' "$work/reg/registry.log"; }

run run --once 2>"$work/run.log" || fail "run --once: $(cat "$work/run.log")"
expect_eq "app cached" "$(tags team/app)" '["1.1","1.0"]'
expect_eq "web cached" "$(tags team/web)" '["1"]'

# A push and a delete in team/app, then only team/app is refreshed.
registry_push_image "$REGISTRY_URL" team/app 2.0 2023-01-01T00:00:00Z >/dev/null || fail "push 2.0"
registry_delete_tag "$REGISTRY_URL" team/app "$d10" || fail "delete 1.0"
registry_delete_tag "$REGISTRY_URL" team/web "$dweb" || fail "delete web 1"
before=$(web_requests)
"$scope_refresh" "$cfg" "$plugin_dir" acct team/app 2>"$work/scope.log" ||
  fail "refresh_scope failed: $(cat "$work/scope.log")"
grep -q 'ok: 1 repositories' "$work/scope.log" || fail "no summary: $(cat "$work/scope.log")"
expect_eq "app after refresh_scope" "$(tags team/app)" '["2.0","1.1"]'
expect_eq "web untouched (not refreshed)" "$(tags team/web)" '["1"]'
expect_eq "no request for web" "$(web_requests)" "$before"

# A repository the account does not cache is refused, and nothing changes.
"$scope_refresh" "$cfg" "$plugin_dir" acct other/x 2>"$work/other.log"
expect_eq "unknown repository exit" "$?" 1
grep -q 'repository other/x is not cached by agent 1' "$work/other.log" ||
  fail "refusal message: $(cat "$work/other.log")"
expect_eq "web still there" "$(tags team/web)" '["1"]'

finish "refresh_scope"
