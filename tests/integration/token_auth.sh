#!/usr/bin/env bash
# The client against docker-registry 2.8.2 with token auth and a token
# server minting RS256 JWTs (token_server.py, registry-protocol.md §7.3):
# Bearer flow with Basic credentials at the realm, anonymous pull of public
# repositories, insufficient_scope for the rest (one retry, never a loop:
# #10, #13), a token the registry starts refusing in the middle of a
# paginated listing (invalid_token: refreshed once, resumed from the same
# Link: #9, #14), and credentials renewed after the token server's 401.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

seed_storage "$T/seed" || fail "seeding"
token_registry_start "$T" "$T/seed/data"
url=$TOKEN_REGISTRY_URL

export DRG_PROBE_PASSWORD=s3cret
probe --stats --user alice "$url" catalog
assert_eq "catalog with a registry:catalog:* token" "library/nginx
public/tool
team/app" "$PROBE_OUT"
assert_contains "token asked for the catalog scope with Basic" "alice registry:catalog:* -> 200" "$(< "$T/token.log")"

probe --stats --user alice "$url" tags library/nginx team/app public/tool
assert_eq "tags with one token per repository" "library/nginx 1.25
library/nginx 1.27
library/nginx latest
public/tool 2.0
team/app 1.0.0
team/app 1.1.0" "$PROBE_OUT"
assert_contains "one token per scope" "alice repository:team/app:pull -> 200" "$(< "$T/token.log")"

probe --user alice "$url" config library/nginx 1.27
assert_contains "config blob with the repository token" " 2024-05-29T10:00:00Z " "$PROBE_OUT"

: > "$T/token.log"
probe --stats "$url" tags public/tool team/app
assert_contains "anonymous pull of a public repository" "public/tool 2.0" "$PROBE_OUT"
assert_contains "anonymous is refused the rest" "error auth 401: tags of team/app: HTTP 401 UNAUTHORIZED" "$PROBE_OUT"
assert_contains "after exactly one retry" "not found or not authorized" "$PROBE_OUT"
assert_eq "two token requests for team/app, no more" 2 "$(grep -c 'repository:team/app:pull' "$T/token.log")"
assert_contains "requests bounded (ping; public: token+tags; team: 2 x (token+tags))" "requests=7 " "$PROBE_ERR"

DRG_PROBE_PASSWORD=wrong,s3cret probe --stats --user alice "$url" tags team/app
assert_eq "credentials renewed after the token server's 401" "team/app 1.0.0
team/app 1.1.0" "$PROBE_OUT"
assert_contains "one renewal" "renews=1" "$PROBE_ERR"

DRG_PROBE_PASSWORD=wrong probe --stats --user alice "$url" tags team/app
assert_contains "a wrong password: the credentials were rejected" "error credentials 0: tags of team/app: token request: HTTP 401: registry rejected the credentials for user alice" "$PROBE_OUT"
assert_contains "token request refused, no loop" "requests=3 " "$PROBE_ERR"

# A token that dies while the listing runs: valid 2 s at the registry, but
# announced for an hour. The listing sleeps 4 s after its first page.
token_server_start --short-first 2
probe --stats --user alice --page 1 --slow-page 4 "$url" catalog-sync
assert_eq "catalog complete across the expiry" "library/nginx
public/tool
team/app" "$PROBE_OUT"
assert_contains "exactly one invalid_token 401 after the ping's" "401=2 " "$PROBE_ERR"
assert_eq "the catalog token was fetched twice" 2 "$(grep -c 'registry:catalog:\*' "$T/token.log")"
echo "token_auth: all passed"
