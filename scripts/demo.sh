#!/usr/bin/env bash
# The README's first command: installs what is missing, builds cdhost, starts
# a sample Docker registry on loopback, seeds it with a few real images,
# runs one refresh cycle and prints what cdhost cached. Leaves nothing
# running; the sample lives in .demo/ (its config and cache stay there).
set -euo pipefail
cd "$(dirname "$0")/.."
# Plugins writable by group or others are refused (loader.c): build them 0755.
umask 022
root=$(pwd)

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

# shellcheck source=lib/registry.sh
source scripts/lib/registry.sh
demo=$root/.demo
rm -rf "$demo" && mkdir -p "$demo"
trap 'registry_stop "$demo/registry"' EXIT
registry_start "$demo/registry" >/dev/null
echo "sample registry: $REGISTRY_URL"
scripts/seed-sample-registry.sh "$REGISTRY_URL"

cat > "$demo/cdhost.cfg" <<CFG
host = { cache = { backend = "sqlite"; path = "cache.db"; }; };
dockerRegistry = {
  enabled = true;
  primaryAccount = "sample";
  accounts = (
    { name = "sample"; address = "$REGISTRY_URL"; }   # no list: the catalog
  );
};
CFG

cdhost() { build/cdhost --config "$demo/cdhost.cfg" "$@"; }
echo
echo "\$ cdhost run --once"
cdhost run --once
for repo in library/nginx team/app; do
  echo
  echo "\$ cdhost images tags --account sample --repository $repo"
  cdhost images tags --account sample --repository "$repo"
done
echo
echo "config: $demo/cdhost.cfg   cache: $demo/cache.db"
