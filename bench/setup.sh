#!/usr/bin/env bash
# Installs, from Debian's packages, what the refresh benchmark needs beyond
# scripts/install-deps.sh (which it runs first): wrk for the registry's
# ceiling, GNU time for CPU seconds and peak RSS, skopeo for the peer.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
packages=(wrk time skopeo)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
    || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "bench/setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
