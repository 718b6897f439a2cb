#!/usr/bin/env bash
# fuzz.sh [SECONDS] [BUILD_DIR]
# Builds the libFuzzer targets with clang (ASan+UBSan, coverage on the whole
# plugin core) in BUILD_DIR (default build-fuzz) and runs each for SECONDS
# (default 60) on a scratch copy of its corpus, so the committed corpus only
# changes when someone copies a finding into tests/fuzz/corpus/<target>/.
# Exits non-zero when any target crashes; the crashing input is kept in
# BUILD_DIR/findings/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
build=${2:-build-fuzz}
command -v clang >/dev/null || { echo "fuzz.sh: clang is missing (scripts/install-deps.sh)" >&2; exit 1; }

cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link -DCDH_SANITIZE=ON \
  -DCDH_FUZZ_SMOKE=OFF >/dev/null
cmake --build "$build" --target fuzzers -j2 >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for seeds in tests/fuzz/corpus/*/; do
  t=$(basename "$seeds")
  work="$build/fuzz-work/$t"
  findings="$build/findings/$t"
  rm -rf "$work"
  mkdir -p "$work" "$findings"
  if "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=4096 \
       -artifact_prefix="$findings/" "$work" "$seeds" > "$build/fuzz-$t.log" 2>&1; then
    echo "fuzz.sh: $t: ok: $(grep -o "Done [0-9]* runs in [0-9]* second(s)" "$build/fuzz-$t.log" || true)"
  else
    echo "fuzz.sh: $t: FAILED, see $build/fuzz-$t.log and $findings/" >&2
    tail -n 30 "$build/fuzz-$t.log" >&2
    status=1
  fi
done
exit $status
