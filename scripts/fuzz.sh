#!/usr/bin/env bash
# fuzz.sh [SECONDS] [BUILD_DIR]
# fuzz.sh --runs N [BUILD_DIR] [TARGET...]
# Builds the libFuzzer targets with clang (ASan+UBSan, coverage on the whole
# plugin core) in BUILD_DIR (default build-fuzz) and runs each for SECONDS
# (default 60) on a scratch copy of its corpus, so the committed corpus only
# changes when someone copies a finding into tests/fuzz/corpus/<target>/.
# Exits non-zero when any target crashes; the crashing input is kept in
# BUILD_DIR/findings/<target>/.
#
# --runs N: the long (nightly-style, not CI) run: each target (or only the
# TARGETs named) until N executions, however long that takes (10000000 for
# the README's figures), then a Markdown table of executions, seconds,
# executions per second, coverage and corpus size in BUILD_DIR/fuzz-figures.md.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=0
if [[ ${1:-} == --runs ]]; then
  runs=${2:?--runs needs a number}
  shift 2
  seconds=0
else
  seconds=${1:-60}
  shift || true
fi
build=${1:-build-fuzz}
shift || true
only=("$@")
command -v clang >/dev/null || { echo "fuzz.sh: clang is missing (scripts/install-deps.sh)" >&2; exit 1; }

cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link -DCDH_SANITIZE=ON \
  -DCDH_FUZZ_SMOKE=OFF >/dev/null
cmake --build "$build" --target fuzzers -j2 >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
figures=$build/fuzz-figures.md
if (( runs > 0 )); then
  { echo "| target | executions | seconds | exec/s | coverage | corpus |"
    echo "|---|---:|---:|---:|---:|---:|"; } > "$figures"
fi

# figure TARGET LOG: one table row from libFuzzer's last lines.
figure() {
  local t=$1 log=$2 done_line stats n s
  done_line=$(grep -o "Done [0-9]* runs in [0-9]* second(s)" "$log" | tail -n 1)
  n=$(awk '{print $2}' <<< "$done_line")
  s=$(awk '{print $5}' <<< "$done_line")
  stats=$(grep -E "^#[0-9]+" "$log" | tail -n 1)
  echo "| $t | $n | $s | $(( n / (s > 0 ? s : 1) )) |" \
       "$(grep -o "cov: [0-9]*" <<< "$stats" | awk '{print $2}') |" \
       "$(grep -o "corp: [0-9]*" <<< "$stats" | awk '{print $2}') |" >> "$figures"
}

status=0
for seeds in tests/fuzz/corpus/*/; do
  t=$(basename "$seeds")
  if (( ${#only[@]} )) && [[ " ${only[*]} " != *" $t "* ]]; then
    continue
  fi
  work="$build/fuzz-work/$t"
  findings="$build/findings/$t"
  rm -rf "$work"
  mkdir -p "$work" "$findings"
  if (( runs > 0 )); then
    limit=(-runs="$runs")
  else
    limit=(-max_total_time="$seconds")
  fi
  if "$build/tests/fuzz/fuzz_$t" "${limit[@]}" -max_len=4096 \
       -artifact_prefix="$findings/" "$work" "$seeds" > "$build/fuzz-$t.log" 2>&1; then
    echo "fuzz.sh: $t: ok: $(grep -o "Done [0-9]* runs in [0-9]* second(s)" "$build/fuzz-$t.log" || true)"
    (( runs > 0 )) && figure "$t" "$build/fuzz-$t.log"
  else
    echo "fuzz.sh: $t: FAILED, see $build/fuzz-$t.log and $findings/" >&2
    tail -n 30 "$build/fuzz-$t.log" >&2
    status=1
  fi
done
(( runs > 0 )) && cat "$figures"
exit $status
