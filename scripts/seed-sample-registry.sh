#!/usr/bin/env bash
# seed-sample-registry.sh URL
# Push a small, known sample set of images to the registry at URL (e.g. one
# started with registry_start) and print "REPO:TAG DIGEST" per image.
# Every image is distinct (own layer and `created` date), so tests can tell
# tags apart by digest and sort them by creation time.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/registry.sh
source "$here/lib/registry.sh"

# REPO TAG CREATED - chronological within each repository.
readonly SAMPLES=(
    "library/nginx 1.25   2023-04-11T10:00:00Z"
    "library/nginx 1.27   2024-05-29T10:00:00Z"
    "library/nginx latest 2024-06-01T12:30:00Z"
    "team/app      1.0.0  2022-01-15T08:00:00Z"
    "team/app      1.1.0  2022-09-30T16:45:00Z"
)

main() {
    if (( $# != 1 )); then
        echo "usage: $0 URL" >&2
        exit 2
    fi
    local url=$1 entry repo tag created digest
    for entry in "${SAMPLES[@]}"; do
        read -r repo tag created <<< "$entry"
        digest=$(registry_push_image "$url" "$repo" "$tag" "$created")
        printf '%s:%s %s\n' "$repo" "$tag" "$digest"
    done
}

main "$@"
