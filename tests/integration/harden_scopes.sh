#!/usr/bin/env bash
# Token scopes are read-only whatever a registry or its catalog says (issue
# #19, item 6): an insufficient_scope challenge asking for
# repository:victim/app:push,delete gets a token request for pull only,
# made with the account's credentials; a repository name holding spaces
# adds no scope parameter of its own.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
export DRG_PROBE_PASSWORD=s3cret
token_requests() { grep ' /token' "$FAKE_LOG" || true; }

start_fake escalate --mode bearer
probe --user alice "$FAKE_URL" tags scope/escalate
assert_contains "the extra repository asked for, pull only" \
    "scope=repository%3Ascope%2Fescalate%3Apull&scope=repository%3Avictim%2Fapp%3Apull auth=basic" \
    "$(token_requests)"
assert_not_contains "no push asked for" "push" "$(token_requests)"
assert_not_contains "no delete asked for" "delete" "$(token_requests)"
assert_eq "a pull token is enough: the tags are listed" "scope/escalate e" "$PROBE_OUT"

: > "$FAKE_LOG"
probe --user alice "$FAKE_URL" tags "evil repository:victim/app:push"
assert_eq "a name with spaces fails" 1 "$PROBE_RC"
assert_not_contains "no scope parameter taken from the name" "victim" "$(token_requests)"

: > "$FAKE_LOG"
probe --user alice "$FAKE_URL" catalog
assert_contains "the catalog still gets registry:catalog:*" \
    "scope=registry%3Acatalog%3A%2A" "$(token_requests)"
echo "harden_scopes: all passed"
