#!/usr/bin/env bash
# The client against docker-registry 2.8.2 with htpasswd Basic auth over TLS
# (HTTP/2 via ALPN, lower-case headers: #2) signed by a CA this test makes
# (registry-protocol.md §7.2): verification on by default, ca_cert_file,
# insecure, Basic credentials, a wrong password (auth error, no loop), and
# credentials renewed once after a 401.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

tls_htpasswd_registry_start

assert_eq "#2 the registry speaks HTTP/2 over TLS (lower-case headers)" 2 \
    "$(curl -s -o /dev/null -w '%{http_version}' --cacert "$tls/ca.crt" "$url/v2/")"
export DRG_PROBE_PASSWORD=s3cret
probe --stats --ca "$tls/ca.crt" --user alice "$url" catalog
assert_eq "catalog over TLS with Basic" "library/nginx
public/tool
team/app" "$PROBE_OUT"
assert_contains "credentials fetched once" "credentials=1 renews=0" "$PROBE_ERR"

probe --ca "$tls/ca.crt" --user alice "$url" tags library/nginx team/app
assert_eq "tags over TLS with Basic" "library/nginx 1.25
library/nginx 1.27
library/nginx latest
team/app 1.0.0
team/app 1.1.0" "$PROBE_OUT"

probe --ca "$tls/ca.crt" --user alice "$url" config team/app 1.1.0
assert_contains "config over TLS" " 2022-09-30T16:45:00Z " "$PROBE_OUT"

probe --user alice "$url" catalog
assert_eq "unknown CA refused by default" 1 "$PROBE_RC"
assert_contains "a TLS error is reported" "error transient 0: catalog: " "$PROBE_OUT"

probe --insecure --user alice "$url" catalog
assert_eq "insecure skips verification" 0 "$PROBE_RC"

DRG_PROBE_PASSWORD=wrong probe --stats --ca "$tls/ca.crt" --user alice "$url" tags team/app
assert_contains "wrong password: the credentials were rejected" "error credentials 401: tags of team/app: HTTP 401 UNAUTHORIZED (authentication required): registry rejected the credentials for user alice" "$PROBE_OUT"
# ping 401, request 401, one retry with renewed credentials 401, stop.
assert_contains "one renewal, then stop (no loop)" "requests=3 credentials=2 renews=1 401=3 " "$PROBE_ERR"

DRG_PROBE_PASSWORD=wrong,s3cret probe --stats --ca "$tls/ca.crt" --user alice "$url" tags team/app
assert_eq "renewed credentials are used" "team/app 1.0.0
team/app 1.1.0" "$PROBE_OUT"
assert_contains "renewed once" "renews=1" "$PROBE_ERR"

probe --ca "$tls/ca.crt" "$url" tags team/app
assert_contains "anonymous is refused" "error auth 401" "$PROBE_OUT"
echo "tls_htpasswd: all passed"
