#!/usr/bin/env bash
# The plugin loader (issue #19, item 1): a plugin file is opened once,
# never through a symlink, and checked and copied through that descriptor;
# a plugin directory that group or others may write (without the sticky
# bit, as /tmp has) is refused with the reason, both in the log and in
# `cdhost plugins`: whoever can write it could swap the file under us.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

so=$CDH_PLUGIN_DIR/docker_registry.so
[[ -f $so ]] || fail "no plugin at $so"

# plugins DIR: `cdhost plugins` with that directory -> OUT, ERR, RC.
plugins() {
    RC=0
    OUT=$("$CDHOST" --plugin-dir "$1" plugins 2> "$T/err") || RC=$?
    ERR=$(< "$T/err")
}

# A normal directory (0755) still loads.
mkdir -m 0755 "$T/normal"
cp "$so" "$T/normal/"
plugins "$T/normal"
assert_eq "a 0755 directory: plugins exits 0" 0 "$RC"
assert_contains "a 0755 directory: the plugin is ready" " ready " "$OUT"

# World-writable, no sticky bit: refused, saying why, in the table and the log.
mkdir "$T/open"
cp "$so" "$T/open/"
chmod 0777 "$T/open"
plugins "$T/open"
assert_eq "a 0777 directory: plugins exits 1" 1 "$RC"
assert_contains "a 0777 directory: refused in the table" \
    "refused  $T/open/docker_registry.so: its directory $T/open is writable by group or others without the sticky bit (chmod go-w $T/open)" "$OUT"
assert_contains "a 0777 directory: the refusal is logged" \
    "plugin $T/open/docker_registry.so refused: its directory $T/open is writable by group or others without the sticky bit" "$ERR"

# Group-writable is refused too.
chmod 0775 "$T/open"
plugins "$T/open"
assert_contains "a 0775 directory: refused" "is writable by group or others without the sticky bit" "$OUT"

# With the sticky bit (like /tmp) others cannot swap our file: it loads.
chmod 1777 "$T/open"
plugins "$T/open"
assert_eq "a 1777 directory: plugins exits 0" 0 "$RC"
assert_contains "a 1777 directory: the plugin is ready" " ready " "$OUT"

# A symlinked plugin file is refused, even to a good file in a good directory.
mkdir -m 0755 "$T/links"
ln -s "$T/normal/docker_registry.so" "$T/links/docker_registry.so"
plugins "$T/links"
assert_eq "a symlinked plugin: plugins exits 1" 1 "$RC"
assert_contains "a symlinked plugin: refused, saying why" \
    "refused  $T/links/docker_registry.so: not a regular file (a symbolic link: plugins are never loaded through one)" "$OUT"
assert_contains "a symlinked plugin: the refusal is logged" \
    "plugin $T/links/docker_registry.so refused: not a regular file (a symbolic link" "$ERR"

echo "harden_plugin_dir: all passed"
