#!/usr/bin/env bash
# `cdhost config provider docker-registry ...` (issue #7) beyond the seed:
# --help on every command; --password from standard input only, never
# echoed on a terminal (a pty) nor printed anywhere; get/list/credentials
# without secrets; edit's Halyard semantics (add/remove-repository, one
# password option, conflicts) minus its repositoriesRegex quirk; delete and
# the primary account; enable/disable; every validation error exits
# non-zero and leaves the file as it was; other sections are kept.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

CFG=$T/conf/cdhost.cfg
export CDHOST_CONFIG=$CFG # the environment's default, as documented


registry_start "$T/reg" > /dev/null || fail "registry"
CLEANUP_PIDS+=("$REGISTRY_PID")
URL=$REGISTRY_URL
registry_push_image "$URL" team/app 1.0 > /dev/null || fail "push"
registry_push_image "$URL" team/web 1.0 > /dev/null || fail "push"

# ---- --help everywhere, exit 0, on stdout ----
for cmd in "" "provider" "provider docker-registry" "provider docker-registry enable" \
    "provider docker-registry disable" "provider docker-registry account" \
    "provider docker-registry account add" "provider docker-registry account edit" \
    "provider docker-registry account delete" "provider docker-registry account get" \
    "provider docker-registry account list"; do
    # shellcheck disable=SC2086
    out=$("$CDHOST" config $cmd --help) || fail "config $cmd --help exited $?"
    [[ $out == *USAGE* ]] || fail "config $cmd --help: no usage: $out"
done
pass "--help on every command"
out=$("$CDHOST" config provider docker-registry account add --help)
assert_contains "add --help: Halyard's help text" "How many seconds elapse between polling your" "$out"
assert_contains "add --help: Halyard's defaults" "(Default: fake.email@spinnaker.io)" "$out"
assert_contains "add --help: --address is required" "--address (*)" "$out"
assert_contains "edit --help: --add-repository" "--add-repository" "$("$CDHOST" config provider docker-registry account edit --help)"
rc=0; "$CDHOST" config provider docker-registry 2> /dev/null || rc=$?
assert_eq "no subcommand: usage error" 2 "$rc"
rc=0; "$CDHOST" config provider kubernetes 2> /dev/null || rc=$?
assert_eq "unknown provider: usage error" 2 "$rc"
assert_eq "no file was made by any of that" no "$([[ -e $CFG ]] && echo yes || echo no)"

# ---- add, with a new file: disabled until enable, defaults not written ----
run_hal account add first --address "$URL" --repositories team/app
assert_eq "add to a new file ($HAL_ERR)" 0 "$HAL_RC"
assert_contains "Halyard's provider default: not enabled yet" "- WARNING The docker-registry provider is not enabled" "$HAL_ERR"
assert_eq "enabled = false" false "$(field enabled)"
assert_eq "primaryAccount" '"first"' "$(field primaryAccount)"
assert_eq "the fake e-mail is not written" "" "$(field email)"
assert_eq "nor the defaults" "" "$(field cacheIntervalSeconds)"
run_hal enable
assert_eq "enable" true "$(field enabled)"
run_hal disable
assert_eq "disable" false "$(field enabled)"
assert_eq "disable says so" "+ Successfully disabled dockerRegistry" "$HAL_OUT"
run_hal enable

# ---- --password: standard input only ----
secret="pw-$RANDOM$RANDOM-x"
expect_refused "--password VALUE is refused" 2 account add second --address "$URL" --password "$secret"
assert_not_contains "--password VALUE: not repeated" "$secret" "$HAL_OUT$HAL_ERR"
expect_refused "--password=VALUE is refused" 2 account add second --address "$URL" --password="$secret"
assert_not_contains "--password=VALUE: not repeated" "$secret" "$HAL_OUT$HAL_ERR"
expect_refused "--password with nothing on stdin" 2 account add second --address "$URL" --password < /dev/null
assert_contains "--password with nothing on stdin: why" "nothing on standard input" "$HAL_ERR"

printf '%s\nnext line\n' "$secret" > "$T/stdin"
run_hal account add second --address "$URL" --username bob --password < "$T/stdin"
assert_eq "--password piped: one line ($HAL_ERR)" 0 "$HAL_RC"
assert_eq "--password piped: the first line only" "\"$secret\"" "$(field password)"
assert_not_contains "--password piped: not printed" "$secret" "$HAL_OUT$HAL_ERR"
assert_not_contains "--password piped: no prompt when not a terminal" "password:" "$HAL_ERR"

tty_secret="tty-$RANDOM$RANDOM-y"
rc=0
shown=$(PTY_SECRET=$tty_secret python3 "$CDH_SOURCE_DIR/tests/integration/lib/pty_run.py" \
    "Your docker registry password: " "$CDHOST" --plugin-dir "$CDH_PLUGIN_DIR" config provider \
    docker-registry account edit second --password) || rc=$?
assert_eq "--password on a terminal: exit 0 (echo off at the prompt) [$shown]" 0 "$rc"
assert_contains "--password on a terminal: Halyard's prompt" "Your docker registry password: " "$shown"
assert_not_contains "--password on a terminal: never echoed" "$tty_secret" "$shown"
assert_eq "--password on a terminal: stored" "\"$tty_secret\"" "$(field password)"

# ---- secrets never printed: get, list, credentials ----
run_hal account add third --address "$URL" --repositories team/web \
    --password-command "echo cmd-$secret" --username carol
assert_eq "a password command ($HAL_ERR)" 0 "$HAL_RC"
run_hal account get second
assert_eq "get exits 0" 0 "$HAL_RC"
assert_contains "get: the account" 'username = "bob";' "$HAL_OUT"
assert_contains "get: the password's presence" "# password is set (not shown)" "$HAL_OUT"
assert_not_contains "get: never the password" "$tty_secret" "$HAL_OUT$HAL_ERR"
run_hal account get third
# #20 item 8: the command is shown, as Clouddriver's /credentials/{name} does
assert_contains "get: the password command" "passwordCommand = \"echo cmd-$secret\";" "$HAL_OUT"
run_hal account list
assert_eq "list" "first
second
third" "$HAL_OUT"
out=$("$CDHOST" --plugin-dir "$CDH_PLUGIN_DIR" credentials second 2>&1)
assert_not_contains "credentials: no password" "$tty_secret" "$out"
out=$("$CDHOST" --plugin-dir "$CDH_PLUGIN_DIR" credentials third 2>&1)
assert_not_contains "credentials: no command" "cmd-$secret" "$out"
assert_eq "still 0600" 600 "$(stat -c %a "$CFG")"

# ---- edit: Halyard's semantics ----
run_hal account edit first --add-repository team/web
assert_eq "edit --add-repository" '[ "team/app", "team/web" ]' "$(field repositories)"
assert_eq "edit says so" "+ Successfully edited account first for provider dockerRegistry." "$HAL_OUT"
run_hal account edit first --remove-repository team/app
assert_eq "edit --remove-repository" '[ "team/web" ]' "$(field repositories)"
expect_refused "--repositories with --add-repository" 2 account edit first --repositories team/app --add-repository team/web
assert_contains "Halyard's message" "Set either --repositories or --[add/remove]-repository" "$HAL_ERR"
expect_refused "two password options on edit" 2 account edit second --password-file /x --password-command "echo y"
assert_contains "Halyard's message" "Set either --password or --password-command or --password-file" "$HAL_ERR"
expect_refused "two password options on add" 2 account add fourth --address "$URL" --password-file /x --password-command "echo y"
assert_contains "Halyard's validator message" "You have provided more than one of password, password command, or password file for your docker registry. You can specify at most one." "$HAL_ERR"

printf 'file-pw\n' > "$T/pw"
chmod 600 "$T/pw"
run_hal account edit second --password-file "$T/pw"
assert_eq "a password file replaces the password ($HAL_ERR)" "\"$T/pw\"" "$(field passwordFile)"
assert_not_contains "the password is gone" "$tty_secret" "$(< "$CFG")"

run_hal account add regex --address "$URL" --repositories-regex 'team/.*' --cache-interval-seconds 60
assert_eq "a regex account ($HAL_ERR)" 0 "$HAL_RC"
run_hal account edit regex --cache-interval-seconds 120 --track-digests true
assert_contains "edit keeps repositoriesRegex (not Halyard's quirk)" 'repositoriesRegex = "team/.*";' "$(< "$CFG")"
assert_contains "edit sets the interval" "cacheIntervalSeconds = 120;" "$(< "$CFG")"
assert_contains "edit sets a boolean" "trackDigests = true;" "$(< "$CFG")"
run_hal account edit regex --repositories-regex ""
assert_not_contains "an empty value clears it" "repositoriesRegex" "$(< "$CFG")"
run_hal account edit regex --read-permissions dev ops --write-permissions ops
assert_contains "permissions like fiat's" 'READ = [ "dev", "ops" ];' "$(< "$CFG")"
run_hal account edit regex --remove-read-permission dev
assert_contains "remove a read permission" 'READ = [ "ops" ];' "$(< "$CFG")"

# ---- validation: errors exit non-zero and change nothing ----
expect_refused "add an existing account" 2 account add first --address "$URL"
expect_refused "edit an unknown account" 1 account edit nobody --username x
assert_contains "Halyard's message" 'No account with name "nobody" was found' "$HAL_ERR"
expect_refused "delete an unknown account" 1 account delete nobody
expect_refused "get an unknown account" 1 account get nobody
expect_refused "a bad name" 2 account add Bad_Name --address "$URL"
assert_contains "Halyard's name message" "Account name must match pattern ^[a-z0-9]+([-a-z0-9]*[a-z0-9])?\$" "$HAL_ERR"
expect_refused "no --address" 2 account add fourth
assert_contains "JCommander's message" "The following option is required: --address" "$HAL_ERR"
expect_refused "a regex that does not compile" 2 account add fourth --address "$URL" --repositories-regex '('
assert_contains "Halyard's regex message" "The string provided in repositoriesRegex for account \"fourth\" could not compile" "$HAL_ERR"
expect_refused "regex and repositories" 2 account add fourth --address "$URL" --repositories a --repositories-regex 'a'
expect_refused "not a number" 2 account add fourth --address "$URL" --cache-threads many
expect_refused "out of range" 2 account add fourth --address "$URL" --paginate-size -1
expect_refused "unknown option" 2 account add fourth --address "$URL" --bogus
expect_refused "nothing listens" 1 account add fourth --address "http://127.0.0.1:$(free_port)"
assert_contains "unreachable: said so" "! ERROR Unable to reach the docker registry at http://127.0.0.1:" "$HAL_ERR"
start_fake notv2 --base /elsewhere
expect_refused "not a v2 registry" 1 account add fourth --address "$FAKE_URL"
assert_contains "not v2: said so" "does not answer as a Docker Registry v2 (GET $FAKE_URL/v2/ returned HTTP 404)" "$HAL_ERR"
expect_refused "a repository that does not exist" 1 account add fourth --address "$URL" --repositories team/nope
assert_contains "Halyard's tags error" "! ERROR Unable to fetch tags from the docker repository: team/nope, tags of team/nope: HTTP 404 NAME_UNKNOWN" "$HAL_ERR"
expect_refused "--no-validate still checks the settings" 2 account add Bad_Name --address "$URL" --no-validate
run_hal account add offline --address "http://127.0.0.1:$(free_port)" --no-validate
assert_eq "--no-validate skips the registry ($HAL_ERR)" 0 "$HAL_RC"
run_hal account delete offline

# ---- delete: the primary account moves on ----
run_hal account delete first
assert_eq "delete ($HAL_ERR)" 0 "$HAL_RC"
assert_eq "delete says so, and where the primary account went" "+ Successfully deleted account first for provider dockerRegistry.
+ dockerRegistry.primaryAccount is now second." "$HAL_OUT"
assert_eq "the next account becomes primary" '"second"' "$(field primaryAccount)"

# ---- other sections are kept; an invalid file is never touched ----
cat > "$CFG" <<EOF
# a comment (not kept: the file is rewritten)
host = { listen = "127.0.0.1:7999"; cache = { backend = "memory"; }; };
dockerRegistry = { enabled = true; accounts = ( { name = "kept"; address = "$URL"; } ); };
EOF
run_hal account add added --address "$URL" --repositories team/app
assert_eq "add beside a hand-written file ($HAL_ERR)" 0 "$HAL_RC"
assert_contains "the host section is kept" 'listen = "127.0.0.1:7999";' "$(< "$CFG")"
assert_contains "the other account is kept" 'name = "kept";' "$(< "$CFG")"
"$CDHOST" --plugin-dir "$CDH_PLUGIN_DIR" credentials > /dev/null 2>&1 || fail "the result does not load"
pass "the rewritten file loads"

printf 'dockerRegistry = { enabled = true; accounts = ( { name = "x"; } ) ;\n' > "$CFG"
expect_refused "a syntax error in the file" 2 enable
assert_contains "names file:line" "$CFG:" "$HAL_ERR"
expect_refused "a syntax error in the file (add)" 2 account add y --address "$URL"
printf 'dockerRegistry = { enabled = true; accounts = ( { name = "x"; address = "%s"; paginateSize = "many"; } ); };\n' "$URL" > "$CFG"
expect_refused "another account is invalid" 2 account add y --address "$URL"
assert_contains "says which" "$CFG:1: account x: paginateSize: must be an integer" "$HAL_ERR"
run_hal account edit x --paginate-size 50
assert_eq "but editing it fixes it ($HAL_ERR)" 0 "$HAL_RC"
assert_contains "fixed" "paginateSize = 50;" "$(< "$CFG")"
leftovers=$(find "$T/conf" -name '.cdhost.cfg.*' | wc -l)
assert_eq "no temporary file left behind" 0 "$leftovers"
echo "halyard_cli: all passed"
