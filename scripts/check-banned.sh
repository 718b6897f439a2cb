#!/usr/bin/env bash
# Fails when C sources call a banned function (curl's checksrc list, STYLE.md
# §4): unbounded copies and formats, strtok's hidden state, atoi's silent 0.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atoll)[[:space:]]*\('
if hits=$(git ls-files -co --exclude-standard -- '*.c' '*.h' \
    | xargs -r grep -nE "$pattern" | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|//)'); then
  echo "banned functions used (use bounded or checked versions):" >&2
  echo "$hits" >&2
  exit 1
fi
echo "ok: no banned functions"
