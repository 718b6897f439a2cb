#!/usr/bin/env bash
# Installs, from Debian's packages, everything cdhost needs to build, test
# and run its sample: compilers, libraries, the real registry the tests start,
# and the tools the tests use, plus any package named as an argument (the
# benchmark adds its own). Runs apt-get only for what is missing; as root,
# or through sudo.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang llvm libclang-rt-14-dev
  libcurl4-openssl-dev libjson-c-dev libconfig-dev libsqlite3-dev
  libmicrohttpd-dev libcmocka-dev libssl-dev libhiredis-dev libpcre2-dev
  docker-registry skopeo curl jq openssl apache2-utils sqlite3 redis-server
  python3 binutils
  libsystemd-dev                # sd_notify: the unit is Type=notify
  dpkg-dev systemd groff-base   # the package test: dpkg-shlibdeps, systemd-analyze, groff
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
    || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
