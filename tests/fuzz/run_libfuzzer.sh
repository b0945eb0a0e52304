#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs every libFuzzer harness of tests/fuzz for a given time each.
#
#   tests/fuzz/run_libfuzzer.sh [SECONDS] [NAME ...]     # default 60 s, all fuzzers
#
# NAME is a fuzzer without its fuzz_ prefix (correlation, advisor, kbgen ...).
# Builds them first with clang into $SIPADVISOR_FUZZ_BUILD (default
# build-fuzz/, -DSIPADVISOR_FUZZ=ON). Each fuzzer starts from a copy of its
# committed seed corpus tests/fuzz/corpus/NAME/ (regenerate those with
# tests/fuzz/make_corpus.py) and grows it in $SIPADVISOR_FUZZ_WORK (default
# build-fuzz/libfuzzer/); crashing inputs land in .../artifacts/NAME/.
# Prints executions and findings per fuzzer; exit 1 when any fuzzer found one.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
shift || true
build=${SIPADVISOR_FUZZ_BUILD:-$top/build-fuzz}
work=${SIPADVISOR_FUZZ_WORK:-$build/libfuzzer}

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$top" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIPADVISOR_FUZZ=ON >/dev/null
fi
cmake --build "$build" --target sipadvisor_fuzzers -j "$(nproc)" >/dev/null

if [ $# -gt 0 ]; then
  names=("$@")
else
  names=()
  for exe in "$build"/tests/fuzz/fuzz_*; do
    [ -x "$exe" ] && [ -f "$exe" ] && names+=("$(basename "$exe" | sed 's/^fuzz_//')")
  done
fi

declare -A max_len=([correlation]=4096 [advisor]=4096 [kbgen]=16384)
status=0
printf '%-12s %12s %10s %8s %s\n' fuzzer executions exec/s corpus findings
for name in "${names[@]}"; do
  exe="$build/tests/fuzz/fuzz_$name"
  corpus="$work/corpus/$name"
  artifacts="$work/artifacts/$name"
  mkdir -p "$corpus" "$artifacts"
  if [ -d "$top/tests/fuzz/corpus/$name" ]; then
    cp -n "$top/tests/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null || true
  fi
  log="$work/$name.log"
  args=(-max_total_time="$seconds" -print_final_stats=1 -close_fd_mask=2 -timeout=25 -rss_limit_mb=2048
        -artifact_prefix="$artifacts/")
  [ -n "${max_len[$name]:-}" ] && args+=(-max_len="${max_len[$name]}")
  set +e
  "$exe" "${args[@]}" "$corpus" >"$log" 2>&1
  rc=$?
  set -e
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  findings=$(find "$artifacts" -type f | wc -l)
  printf '%-12s %12s %10s %8s %s\n' "$name" "${executions:-?}" "${rate:-?}" "$(ls "$corpus" | wc -l)" \
    "$findings$([ $rc -ne 0 ] && echo " (exit $rc, see $log)")"
  if [ "$rc" -ne 0 ] || [ "$findings" -ne 0 ]; then status=1; fi
done
exit $status
