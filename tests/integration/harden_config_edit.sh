#!/usr/bin/env bash
# `cdhost config` edits (issue #19, item 10): parallel edits all land (a
# lock around read-modify-rename); a symlinked config stays a symlink (the
# target is rewritten, as Kubernetes and config management set it up); the
# file keeps its owner, group and a 0640 mode (a more open one becomes
# 0600).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

hal() {
    "$CDHOST" --config "$1" --plugin-dir "$CDH_PLUGIN_DIR" config provider docker-registry "${@:2}"
}
accounts() { hal "$1" account list | sort | tr '\n' ' '; }

cfg=$T/cdhost.cfg
hal "$cfg" enable > /dev/null
pids=()
for i in 1 2 3 4 5 6 7 8; do
    hal "$cfg" account add "acct$i" --address "http://127.0.0.1:5000" --repositories "team/app$i" \
        --no-validate > "$T/add$i.out" 2>&1 &
    pids+=("$!")
done
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || fail "account add acct$((i + 1)) failed: $(cat "$T/add$((i + 1)).out")"
done
assert_eq "8 parallel account add: all 8 in the file" \
    "acct1 acct2 acct3 acct4 acct5 acct6 acct7 acct8 " "$(accounts "$cfg")"

# A symlinked config (a relative link into another directory).
mkdir -p "$T/etc/real" "$T/links"
cp "$cfg" "$T/etc/real/cdhost.cfg"
ln -s ../etc/real/cdhost.cfg "$T/links/cdhost.cfg"
hal "$T/links/cdhost.cfg" account add linked --address "http://127.0.0.1:5000" --no-validate > /dev/null
[[ -L $T/links/cdhost.cfg ]] || fail "the symlink was replaced by a file"
pass "a symlinked config stays a symlink"
assert_eq "the link still points where it did" "../etc/real/cdhost.cfg" "$(readlink "$T/links/cdhost.cfg")"
assert_contains "the target got the account" "linked" "$(accounts "$T/etc/real/cdhost.cfg")"
assert_eq "nothing left beside the link" "cdhost.cfg" "$(ls "$T/links")"

# Owner, group and mode: a service account reads the config through its group.
group=$(getent group daemon | cut -d: -f1 || true)
[[ -n $group ]] || group=$(id -gn)
chgrp "$group" "$cfg"
chmod 0640 "$cfg"
before=$(stat -c '%U:%G %a' "$cfg")
hal "$cfg" account add keeps --address "http://127.0.0.1:5000" --no-validate > /dev/null
assert_eq "owner, group and 0640 kept" "$before" "$(stat -c '%U:%G %a' "$cfg")"
assert_eq "owner, group and 0640 kept" "$(id -un):$group 640" "$(stat -c '%U:%G %a' "$cfg")"
chmod 0664 "$cfg"
hal "$cfg" account delete keeps > /dev/null
assert_eq "a more open mode becomes 0600" "600" "$(stat -c '%a' "$cfg")"
assert_eq "the group is still kept" "$group" "$(stat -c '%G' "$cfg")"
echo "harden_config_edit: all passed"
