#!/usr/bin/env bash
# The command line as an operator types it (issue #20 item 3): global
# options (--config, --plugin-dir, --log-level, --log-format) before or
# after the command, and `--help` on every command and subcommand printing
# its usage on stdout with exit 0. Against a real docker-registry on
# loopback, so that `run --once --config X` really refreshes.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

registry_start "$T/reg" || fail "registry_start"
CLEANUP_PIDS+=("$REGISTRY_PID")
registry_push_image "$REGISTRY_URL" team/app 1.0.0 > /dev/null

cat > "$T/cdhost.cfg" <<CFG
host = { cache = { backend = "sqlite"; path = "$T/cache.db"; }; };
dockerRegistry = {
  enabled = true;
  accounts = ( { name = "local"; address = "$REGISTRY_URL";
                 repositories = ["team/app"]; } );
};
CFG
# No default config anywhere: every command below must use the one given.
export HOME=$T/home CDHOST_CONFIG=
mkdir -p "$HOME"

# run CMD...: stdout in OUT, stderr in ERR, exit status in RC.
run() {
    RC=0
    OUT=$("$CDHOST" "$@" 2> "$T/err") || RC=$?
    ERR=$(< "$T/err")
}

# ---- global options after the command ----
run run --once --config "$T/cdhost.cfg" --plugin-dir "$CDH_PLUGIN_DIR"
assert_eq "run --once --config X: exit 0 [$ERR]" 0 "$RC"
assert_not_contains "run --once --config X: no usage error" "unknown option" "$ERR"

run images tags --account local --repository team/app --config "$T/cdhost.cfg"
assert_eq "images tags ... --config X: exit 0 [$ERR]" 0 "$RC"
assert_contains "images tags ... --config X: the cached tag" '1.0.0' "$OUT"

run images find --account local --config="$T/cdhost.cfg" --plugin-dir="$CDH_PLUGIN_DIR"
assert_eq "images find --account A --config=X: exit 0 [$ERR]" 0 "$RC"
assert_contains "images find --config=X: the image" 'team/app:1.0.0' "$OUT"

run credentials local --plugin-dir "$CDH_PLUGIN_DIR" --config "$T/cdhost.cfg"
assert_eq "credentials NAME --config X: exit 0 [$ERR]" 0 "$RC"
assert_contains "credentials NAME --config X: the account" '"name":"local"' "$OUT"

run config provider docker-registry account list --config "$T/cdhost.cfg"
assert_eq "account list --config X: exit 0 [$ERR]" 0 "$RC"
assert_eq "account list --config X: the account" "local" "$OUT"

run plugins --plugin-dir "$CDH_PLUGIN_DIR" --log-level debug --log-format json
assert_eq "plugins --plugin-dir D --log-level L --log-format F: exit 0 [$ERR]" 0 "$RC"
assert_contains "plugins: the plugin" 'ready' "$OUT"

# Before the command still works, and both places mix.
run --config "$T/cdhost.cfg" images tags --account local --repository team/app \
    --log-level warn
assert_eq "--config before, --log-level after: exit 0 [$ERR]" 0 "$RC"

# A bad value or a missing one is still a usage error, wherever it is.
run run --once --log-level loud --config "$T/cdhost.cfg"
assert_eq "--log-level loud after the command: exit 2" 2 "$RC"
assert_contains "--log-level loud: says which" "bad value for --log-level" "$ERR"
run credentials --config
assert_eq "--config without a value: exit 2" 2 "$RC"
assert_contains "--config without a value: says so" "--config needs a value" "$ERR"
# A command's own unknown option is still refused, with its usage.
run run --twice --config "$T/cdhost.cfg"
assert_eq "run --twice: exit 2" 2 "$RC"
assert_contains "run --twice: names it" "run: unknown option --twice" "$ERR"
assert_contains "run --twice: the usage of run" "usage: cdhost [GLOBAL OPTIONS] run [--once]" "$ERR"

# ---- --help on every command: usage on stdout, exit 0, nothing done ----
check_help() {
    local what=$*
    run "$@"
    assert_eq "$what: exit 0 [$ERR]" 0 "$RC"
    [[ $OUT == *usage:* || $OUT == *USAGE* ]] || fail "$what: no usage on stdout: [$OUT]"
    pass "$what: usage on stdout"
    assert_eq "$what: nothing on stderr" "" "$ERR"
}
check_help --help
check_help run --help
check_help run --once --help
check_help images --help
check_help images find --help
check_help images tags --help
check_help credentials --help
check_help credentials -h
check_help plugins --help
check_help version --help
check_help config --help
check_help config provider docker-registry account list --help
check_help images find --account local --help --config "$T/cdhost.cfg"

run credentials --help --config "$T/cdhost.cfg"
assert_not_contains "credentials --help: not taken for an account" "Account does not exist" "$OUT$ERR"
assert_contains "credentials --help: its usage" "usage: cdhost [GLOBAL OPTIONS] credentials [NAME]" "$OUT"
run images find --help
for opt in --account --q --repository --tag --count --include-details --config --plugin-dir --log-level --log-format; do
    assert_contains "images find --help lists $opt" "  $opt" "$OUT"
done
run --help
for cmd in run "images find" "images tags" credentials plugins config version; do
    assert_contains "cdhost --help lists $cmd" "  $cmd " "$OUT"
done
assert_contains "cdhost --help: the config search order" "else \$CDHOST_CONFIG, else" "$OUT"

# --help did not run anything: the run --once --help above left the cache as it was.
before=$(stat -c %Y "$T/cache.db")
run run --once --help --config "$T/cdhost.cfg"
assert_eq "run --once --help: the cache untouched" "$before" "$(stat -c %Y "$T/cache.db")"

# No command, an unknown command, an unknown global option: exit 2, stderr.
run --config "$T/cdhost.cfg"
assert_eq "no command: exit 2" 2 "$RC"
assert_contains "no command: says so" "no command given" "$ERR"
run bogus
assert_eq "unknown command: exit 2" 2 "$RC"
run --bogus version
assert_eq "unknown global option: exit 2" 2 "$RC"
assert_contains "unknown global option: names it" "unknown option --bogus" "$ERR"
run images nope
assert_eq "images nope: exit 2" 2 "$RC"
assert_contains "images nope: the images commands" "images tags --account A" "$ERR"
echo "cli_options: all passed"
