#!/usr/bin/env bash
# A plugin exports exactly one symbol, cdh_plugin_entry (DESIGN §2 rule 1).
set -euo pipefail
so=$1
symbols=$(nm -D --defined-only "$so" | awk '{print $3}' | sort)
if [ "$symbols" != "cdh_plugin_entry" ]; then
  echo "FAIL: $so exports:" >&2
  echo "$symbols" >&2
  exit 1
fi
echo "ok: $so exports only cdh_plugin_entry"
