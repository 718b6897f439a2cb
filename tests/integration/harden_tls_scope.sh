#!/usr/bin/env bash
# insecureRegistry and caCertFile apply to the registry's own origin only,
# as Docker's insecure-registries do (issue #19, item 2): a token realm on
# another port or host keeps full verification against the system CAs, so
# a token server with a certificate the system does not trust is refused
# before it sees the account's Basic credentials.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
export DRG_PROBE_PASSWORD=s3cret

tls=$T/tls
mkdir -p "$tls"
(
    cd "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj /CN=test-ca
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > ext.cnf
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt \
        -days 3650 -extfile ext.cnf
    openssl req -x509 -newkey rsa:2048 -nodes -keyout self.key -out self.crt -days 3650 \
        -subj /CN=localhost -addext 'subjectAltName=IP:127.0.0.1'
) > "$T/openssl.log" 2>&1 || { cat "$T/openssl.log"; fail "openssl"; }

# fake NAME CERT [ARGS...]: fake_registry.py over HTTPS with CERT (self or
# server); sets URL_<NAME> and LOG_<NAME>.
fake() {
    local name=$1 cert=$2
    shift 2
    start_fake "$name" --mode bearer --tls-cert "$tls/$cert.crt" --tls-key "$tls/$cert.key" "$@"
    printf -v "URL_$name" '%s' "https://127.0.0.1:${FAKE_URL##*:}"
    printf -v "LOG_$name" '%s' "$FAKE_LOG"
}

# insecureRegistry: the registry's own certificate is not checked...
fake selfreg self
probe --insecure --user alice "$URL_selfreg" tags odd/unsorted
assert_eq "insecure: the registry and its own /token work" "odd/unsorted a
odd/unsorted b
odd/unsorted c" "$PROBE_OUT"

# ...but a token server on another port is checked, and refused.
fake badtoken self
fake insecure self --realm "$URL_badtoken/token"
probe --insecure --user alice "$URL_insecure" tags odd/unsorted
assert_eq "insecure: the listing fails" 1 "$PROBE_RC"
assert_contains "insecure: the registry itself was reached" "GET /v2/ " "$(< "$LOG_insecure")"
assert_contains "insecure: the token request failed on the certificate" "token request: SSL" "$PROBE_OUT"
assert_eq "insecure: the token server got no request (no Basic credentials)" "" "$(< "$LOG_badtoken")"

# caCertFile: trusted for the registry, not for a token host elsewhere.
fake catoken server
fake careg server --realm "$URL_catoken/token"
probe --ca "$tls/ca.crt" --user alice "$URL_careg" tags odd/unsorted
assert_eq "caCertFile: the listing fails" 1 "$PROBE_RC"
assert_contains "caCertFile: the registry itself was reached" "GET /v2/ " "$(< "$LOG_careg")"
assert_eq "caCertFile: the token server got no request" "" "$(< "$LOG_catoken")"
probe --ca "$tls/ca.crt" --user alice "$URL_catoken" tags odd/unsorted
assert_contains "caCertFile: that CA works for a registry on it" "odd/unsorted a" "$PROBE_OUT"
echo "harden_tls_scope: all passed"
