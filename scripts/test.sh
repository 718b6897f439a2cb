#!/usr/bin/env bash
# The README's test command: installs what is missing, builds everything with
# AddressSanitizer + UBSan and warnings as errors, and runs the whole suite
# (unit, ABI conformance, integration against a real registry).
set -euo pipefail
cd "$(dirname "$0")/.."
# Plugins writable by group or others are refused (loader.c): build them 0755.
umask 022

scripts/install-deps.sh
build=${CDH_TEST_BUILD_DIR:-build-asan}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCDH_SANITIZE=ON \
  -DCDH_WARNINGS_AS_ERRORS=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build"
ctest --output-on-failure -j2 "$@"
