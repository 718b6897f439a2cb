#!/usr/bin/env bash
# style.layers can fail: on a fixture tree where util/ includes agent/ and a
# folder file includes a root header, check-layers.sh must exit 1 naming both.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(bash "$here/../../scripts/check-layers.sh" "$here/bad_layers" 2>&1)
rc=$?
echo "$out"
[ $rc -eq 1 ] || { echo "FAIL: exit $rc, want 1"; exit 1; }
grep -q 'util/buf.c:1: includes "agent/agent.h": util/ may not include agent/' <<<"$out" ||
  { echo "FAIL: the upward include was not named"; exit 1; }
grep -q 'agent/agent.c:1: includes "verify.h": agent/ may not include a root header' <<<"$out" ||
  { echo "FAIL: the root include was not named"; exit 1; }
echo "ok: bad includes refused"
