#!/usr/bin/env bash
# The client against a real docker-registry 2.8.2 without auth: catalog,
# tags, digests (HEAD) equal to the pushed ones, config created/labels,
# "tags": null after a delete (#21), a tags 404 for a catalogued repository
# with no tags that leaves the other repositories alone (#22), connection
# reuse under concurrency, and `cdhost run --once` end to end.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

registry_start "$T/reg" || fail "registry_start"
CLEANUP_PIDS+=("$REGISTRY_PID")
"$CDH_SOURCE_DIR/scripts/seed-sample-registry.sh" "$REGISTRY_URL" > "$T/seeded"
gone=$(registry_push_image "$REGISTRY_URL" team/gone 0.1)
registry_delete_tag "$REGISTRY_URL" team/gone "$gone"

probe "$REGISTRY_URL" catalog
assert_eq "catalog" "library/nginx
team/app
team/gone" "$PROBE_OUT"

probe --concurrency 2 "$REGISTRY_URL" tags library/nginx team/app team/gone nope
assert_eq "tags of several repositories at once" "error not found 404: tags of nope: HTTP 404 NAME_UNKNOWN (repository name not known to registry)
library/nginx 1.25
library/nginx 1.27
library/nginx latest
team/app 1.0.0
team/app 1.1.0
team/gone (no tags)" "$PROBE_OUT"

probe --stats "$REGISTRY_URL" manifest library/nginx 1.25 1.27 latest
expected=$(grep '^library/nginx' "$T/seeded" | sed 's/$/ application\/vnd.docker.distribution.manifest.v2+json/')
assert_eq "manifest digests are the pushed ones" "$expected" "$PROBE_OUT"
assert_contains "HEAD only: ping + 3 requests" "requests=4 " "$PROBE_ERR"

probe "$REGISTRY_URL" config team/app 1.0.0
assert_contains "config created" " 2022-01-15T08:00:00Z " "$PROBE_OUT"
assert_contains "config labels" '"branch":"main"' "$PROBE_OUT"
assert_contains "config digest is the pushed manifest's" \
    "$(grep '^team/app:1.0.0' "$T/seeded" | cut -d' ' -f2)" "$PROBE_OUT"

probe --page 1 "$REGISTRY_URL" tags-sync team/app
assert_eq "synchronous tags wrapper" "1.0.0
1.1.0" "$(sort <<< "$PROBE_OUT")"

# cdhost run --once with this registry, then the cached tags.
cat > "$T/cdhost.cfg" <<CFG
host = { pluginDir = "$CDH_PLUGIN_DIR"; cache = { backend = "sqlite"; path = "$T/cache.db"; }; };
dockerRegistry = {
  enabled = true;
  accounts = ( { name = "local"; address = "$REGISTRY_URL";
                 repositories = ["library/nginx", "team/app"]; } );
};
CFG
"$CDHOST" --config "$T/cdhost.cfg" run --once > "$T/run.out" 2>&1 || { cat "$T/run.out"; fail "cdhost run --once"; }
tags=$("$CDHOST" --config "$T/cdhost.cfg" images tags --account local --repository team/app)
assert_contains "cdhost cached team/app:1.0.0" "1.0.0" "$tags"
assert_contains "cdhost cached team/app:1.1.0" "1.1.0" "$tags"
echo "noauth: all passed"
