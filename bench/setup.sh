#!/usr/bin/env bash
# Installs, from Debian's packages, what the refresh benchmark needs beyond
# what cdhost needs: wrk for the registry's ceiling, GNU time for CPU seconds
# and peak RSS, skopeo for the peer.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/install-deps.sh wrk time skopeo
