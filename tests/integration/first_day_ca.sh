#!/usr/bin/env bash
# A registry behind a private CA (#20 item 1), as an operator meets it: the
# verification error names what trusts a CA (caCertFile, --ca-cert-file and
# the variables), and the variables curl's tool reads (CURL_CA_BUNDLE, else
# SSL_CERT_FILE and SSL_CERT_DIR) are honoured by `run --once` and
# `account add`, CURL_CA_BUNDLE first, caCertFile over them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
unset CURL_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR

tls_htpasswd_registry_start
printf 's3cret' > "$T/password"
chmod 0600 "$T/password"
write_cfg() {  # write_cfg [EXTRA ACCOUNT SETTINGS]
    cat > "$T/cdhost.cfg" <<CFG
host = { cache = { backend = "memory"; }; };
dockerRegistry = { accounts = (
  { name = "private"; address = "$url"; username = "alice";
    passwordFile = "$T/password"; repositories = ["team/app"]; $* }
); };
CFG
}
once() {  # once [ENV=VALUE...]: run --once into RC and ERR
    RC=0
    env "$@" "$CDHOST" --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR" run --once \
        2> "$T/err" || RC=$?
    ERR=$(< "$T/err")
}

write_cfg
once
assert_eq "an unknown CA: the refresh fails" 1 "$RC"
assert_contains "the error says the certificate was not verified" "SSL certificate problem" "$ERR"
assert_contains "the error names caCertFile and its flag" "caCertFile (--ca-cert-file)" "$ERR"
assert_contains "the error names the variables" "SSL_CERT_FILE, CURL_CA_BUNDLE or SSL_CERT_DIR" "$ERR"

once SSL_CERT_FILE="$tls/ca.crt"
assert_eq "SSL_CERT_FILE: the refresh works ($ERR)" 0 "$RC"
once CURL_CA_BUNDLE="$tls/ca.crt"
assert_eq "CURL_CA_BUNDLE: the refresh works ($ERR)" 0 "$RC"
mkdir "$T/cadir"
cp "$tls/ca.crt" "$T/cadir/"
openssl rehash "$T/cadir"
once SSL_CERT_DIR="$T/cadir"
assert_eq "SSL_CERT_DIR: the refresh works ($ERR)" 0 "$RC"
# As curl's tool: CURL_CA_BUNDLE set, SSL_CERT_FILE is not read.
once CURL_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE="$tls/ca.crt"
assert_eq "CURL_CA_BUNDLE is read before SSL_CERT_FILE" 1 "$RC"

write_cfg "caCertFile = \"$tls/ca.crt\";"
once SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
assert_eq "caCertFile over SSL_CERT_FILE: the refresh works ($ERR)" 0 "$RC"

# account add's registry check, the way an operator first meets the CA.
export CDHOST_CONFIG=$T/hal.cfg CFG=$T/hal.cfg
echo 'dockerRegistry = { enabled = true; accounts = (); };' > "$CFG"
run_hal account add private --address "$url" --username alice --password-file "$T/password" \
    --repositories team/app
assert_eq "account add: an unknown CA fails the check" 1 "$HAL_RC"
assert_contains "account add: the error names caCertFile" \
    "SSL certificate problem: unable to get local issuer certificate (a private CA? trust it with caCertFile (--ca-cert-file), or SSL_CERT_FILE, CURL_CA_BUNDLE or SSL_CERT_DIR)" "$HAL_ERR"
assert_contains "account add: and the way to skip it" "? Or, to skip verification for this registry only: --insecure-registry." "$HAL_ERR"
export SSL_CERT_FILE=$tls/ca.crt
run_hal account add private --address "$url" --username alice --password-file "$T/password" \
    --repositories team/app
assert_eq "account add with SSL_CERT_FILE passes the check ($HAL_ERR)" 0 "$HAL_RC"
assert_contains "and saves the account" 'name = "private"' "$(< "$CFG")"
echo "first_day_ca: all passed"
