#!/usr/bin/env bash
# The Debian package end to end (issue #23): builds it (cpack -G DEB),
# checks its Depends (dpkg-shlibdeps), files and postinst, unpacks it into a
# temporary root (dpkg -x) and runs the unpacked cdhost from there: version,
# plugins (found under its own prefix, no --plugin-dir), and run --once
# against the sample registry on loopback with the shipped example config;
# then the man page and the systemd unit (systemd-analyze verify).
#
# The package is built in a build dir of its own ($CDH_PACKAGE_BUILD_DIR,
# reused between runs, ccache when present), without sanitizers and for
# prefix /usr: the suite's tree is an ASan build for /usr/local, whose
# binaries would need the ASan runtime and carry /usr/local paths. Nothing
# is installed on this machine.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
: "${CDH_PACKAGE_BUILD_DIR:?run through ctest}"
umask 022 # plugins writable by group or others are refused

# ---- build the package ----
pkg=$CDH_PACKAGE_BUILD_DIR
launcher=()
if command -v ccache > /dev/null; then
    launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache)
    export CCACHE_BASEDIR=$CDH_SOURCE_DIR CCACHE_NOHASHDIR=true
fi
built() { # built WHAT CMD...: runs CMD, its output in $T/WHAT.log
    local what=$1
    shift
    "$@" > "$T/$what.log" 2>&1 || { tail -40 "$T/$what.log" >&2; fail "$what"; }
}
built configure env -u ASAN_OPTIONS -u UBSAN_OPTIONS cmake -S "$CDH_SOURCE_DIR" \
    -B "$pkg" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
    -DCDH_SANITIZE=OFF -DBUILD_TESTING=OFF "${launcher[@]}"
built build nice cmake --build "$pkg" -j2
rm -f "$pkg"/cdhost_*.deb
built cpack bash -c 'cd "$1" && cpack -G DEB' - "$pkg"
debs=("$pkg"/cdhost_*_*.deb)
[[ ${#debs[@]} == 1 && -f ${debs[0]} ]] || fail "cpack made no .deb: ${debs[*]}"
deb=${debs[0]}
pass "cpack -G DEB: $(basename "$deb")"

# ---- what the package says and holds ----
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libcurl4 libsqlite3-0 libconfig9 libjson-c5 libmicrohttpd12 libssl3 libsystemd0 adduser; do
    assert_contains "Depends: $lib" "$lib" "$depends"
done
assert_not_contains "Depends: no sanitizer runtime" "libasan" "$depends"
contents=$(dpkg-deb -c "$deb")
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for f in ./usr/bin/cdhost ./usr/lib/$multiarch/cdhost/plugins/docker_registry.so \
         ./etc/cdhost/cdhost.cfg.example ./lib/systemd/system/cdhost.service \
         ./usr/share/man/man1/cdhost.1.gz; do
    [[ $contents == *" $f"* ]] || fail "package lacks $f: $contents"
    pass "package holds $f"
done
# cmake --install puts the same files in place (cpack runs the same rules).
built install env DESTDIR="$T/destdir" cmake --install "$pkg"
for f in ./usr/bin/cdhost ./usr/lib/$multiarch/cdhost/plugins/docker_registry.so \
         ./etc/cdhost/cdhost.cfg.example ./lib/systemd/system/cdhost.service \
         ./usr/share/man/man1/cdhost.1.gz; do
    [[ -f $T/destdir/$f ]] || fail "cmake --install did not install $f"
done
pass "cmake --install: binary, plugin, example config, unit, man page"
dpkg-deb -e "$deb" "$T/control"
sh -n "$T/control/postinst" || fail "postinst: syntax"
postinst=$(< "$T/control/postinst")
assert_contains "postinst: the system user" "adduser --system" "$postinst"
assert_contains "postinst: the state directory" "install -d -o cdhost -g cdhost -m 0750 /var/lib/cdhost" "$postinst"
assert_contains "postinst: a first config" "cdhost.cfg.example /etc/cdhost/cdhost.cfg" "$postinst"
if grep -v '^ *#' <<< "$postinst" | grep -Eq 'systemctl|deb-systemd|invoke-rc.d|service '; then
    fail "postinst starts or enables something: $postinst"
fi
pass "postinst starts and enables nothing"
[[ ! -e $T/control/prerm && ! -e $T/control/postrm ]] || fail "maintainer scripts beyond postinst"

# ---- the unpacked package, run from its temporary root ----
root=$T/root
dpkg -x "$deb" "$root"
cdhost=$root/usr/bin/cdhost
export HOME=$T/home
unset CDHOST_CONFIG
mkdir -p "$HOME"

out=$("$cdhost" version)
assert_eq "unpacked cdhost version: the build's" "$("$CDHOST" version)" "$out"
out=$("$cdhost" plugins) || fail "unpacked cdhost plugins: exit $?: $out"
assert_contains "plugins: docker_registry ready" "docker_registry" "$out"
assert_contains "plugins: from the unpacked prefix, no --plugin-dir" \
    "$root/usr/bin/../lib/$multiarch/cdhost/plugins/docker_registry.so" "$out"
out=$("$cdhost" --help)
assert_contains "--help: the system config of a /usr install" \
    "/etc/cdhost/cdhost.cfg if it exists" "$out"

# run --once against the sample registry, with the shipped example config.
registry_start "$T/reg" || fail "registry_start"
CLEANUP_PIDS+=("$REGISTRY_PID")
"$CDH_SOURCE_DIR/scripts/seed-sample-registry.sh" "$REGISTRY_URL" > "$T/seeded"
sed -e "s#/var/lib/cdhost/cache.db#$T/cache.db#" -e 's/enabled = false;/enabled = true;/' \
    -e "s#^  accounts = (#  accounts = ( { name = \"sample\"; address = \"$REGISTRY_URL\"; }#" \
    "$root/etc/cdhost/cdhost.cfg.example" > "$T/cdhost.cfg"
grep -q '"sample"' "$T/cdhost.cfg" || fail "the example config has no accounts = ( line"
"$cdhost" run --once --config "$T/cdhost.cfg" > "$T/run.log" 2>&1 \
    || { cat "$T/run.log"; fail "unpacked cdhost run --once: exit $?"; }
pass "unpacked cdhost run --once: exit 0"
out=$("$cdhost" images tags --account sample --repository team/app --config "$T/cdhost.cfg")
assert_contains "run --once cached team/app:1.0.0" '1.0.0' "$out"
assert_contains "run --once cached team/app:1.1.0" '1.1.0' "$out"

# Every setting of the example uncommented is a valid account, no warning:
# each key it names is one cdhost reads.
sed -E -e 's/^( *)#([a-zA-Z{}])/\1\2/' -e '/pluginDir/d' \
    -e "s#/var/lib/cdhost/cache.db#$T/cache.db#" -e 's/enabled = false;/enabled = true;/' \
    "$root/etc/cdhost/cdhost.cfg.example" > "$T/every.cfg"
out=$("$cdhost" credentials --config "$T/every.cfg" 2> "$T/every.err") \
    || { cat "$T/every.err"; fail "the example, uncommented: exit $?"; }
assert_contains "the example, uncommented: its account" '"name":"my-registry"' "$out"
assert_eq "the example, uncommented: no warning" "" "$(< "$T/every.err")"

# ---- the man page: every command's --help in it ----
zcat "$root/usr/share/man/man1/cdhost.1.gz" > "$T/cdhost.1"
warnings=$(groff -man -Tutf8 -ww -z "$T/cdhost.1" 2>&1)
assert_eq "cdhost(1): groff has no warning" "" "$warnings"
while read -r cmd; do
    assert_contains "cdhost(1) has cdhost $cmd" ".SS \"cdhost $cmd\"" "$(< "$T/cdhost.1")"
done < <("$cdhost" __commands)
for cmd in "config provider docker-registry account add" "config provider docker-registry enable"; do
    assert_contains "cdhost(1) has cdhost $cmd" ".SS \"cdhost $cmd\"" "$(< "$T/cdhost.1")"
done
rendered=$(MANWIDTH=100 groff -man -Tutf8 -P-cbou "$T/cdhost.1" 2>/dev/null)
assert_contains "cdhost(1): images find's options, as its --help" \
    "$("$cdhost" images find --help | grep -- '--include-details  ')" "$rendered"
assert_contains "cdhost(1): account add's --address" "--address (*)" "$rendered"

# ---- the systemd unit ----
unit=$root/lib/systemd/system/cdhost.service
for line in "Type=notify" "ExecStart=/usr/bin/cdhost --config /etc/cdhost/cdhost.cfg run" \
            'ExecReload=/bin/kill -HUP $MAINPID' "User=cdhost" "StateDirectory=cdhost" \
            "NoNewPrivileges=yes" "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" \
            "LimitNOFILE=" "Environment=TMPDIR=/var/tmp"; do
    grep -qxF -- "$line" "$unit" || grep -q -- "^$line" "$unit" || fail "unit lacks $line"
    pass "unit: $line"
done
if command -v systemd-analyze > /dev/null; then
    # Verified as installed, with ExecStart pointing into the unpacked root.
    sed "s#^ExecStart=/usr/bin/cdhost#ExecStart=$cdhost#" "$unit" > "$T/cdhost.service"
    out=$(systemd-analyze verify --man=no "$T/cdhost.service" 2>&1) \
        || fail "systemd-analyze verify: $out"
    assert_eq "systemd-analyze verify: no complaint" "" "$out"
else
    echo "NOTICE: systemd-analyze not found: the unit was not verified (this check only)"
fi
echo "package: all passed"
