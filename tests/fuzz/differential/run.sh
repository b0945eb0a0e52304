#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Differential fuzzing of the header reader (plugin/core/sip_parser.cpp):
# the working tree's reader against the one of an earlier revision, on the
# same inputs, until they disagree or the time is up.
#
#   tests/fuzz/differential/run.sh REV [SECONDS]      # default 180 s
#
# REV's sip_parser.cpp is compiled into namespace sipadvisor::core::baseline;
# both use the working tree's header_parsing.cpp, so REV must be recent
# enough to build against it. Needs clang (libFuzzer). Starts from the
# committed seed corpus tests/fuzz/corpus/sip_parser; works in
# build-fuzz/differential/. Exit 1 on a difference (the input is kept as
# build-fuzz/differential/crash-*).
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
rev=${1:?usage: run.sh REV [SECONDS]}
seconds=${2:-180}
work=$top/build-fuzz/differential
mkdir -p "$work/corpus"
rm -f "$work"/crash-*
git -C "$top" show "$rev:plugin/core/sip_parser.cpp" |
  sed 's/^namespace sipadvisor::core {$/namespace sipadvisor::core { namespace baseline {/;
       s|^} // namespace sipadvisor::core$|} } // namespace sipadvisor::core::baseline|' >"$work/baseline_sip_parser.cpp"
grep -q 'namespace baseline' "$work/baseline_sip_parser.cpp" || { echo "run.sh: could not wrap $rev's reader" >&2; exit 2; }
clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -I"$top/plugin" \
  "$top/tests/fuzz/differential/diff_sip_parser.cpp" "$work/baseline_sip_parser.cpp" \
  "$top/plugin/core/sip_parser.cpp" "$top/plugin/core/header_parsing.cpp" -o "$work/diff_sip_parser"
cp -n "$top/tests/fuzz/corpus/sip_parser"/* "$work/corpus/" 2>/dev/null || true
cd "$work"
./diff_sip_parser -max_total_time="$seconds" -max_len=2048 -print_final_stats=1 corpus 2>&1 |
  grep -E 'stat::number_of_executed_units|differs|accepted by|ERROR' || true
if ls crash-* >/dev/null 2>&1; then
  echo "run.sh: the readers disagree; input(s): $(ls "$work"/crash-*)"
  exit 1
fi
echo "run.sh: no difference from $rev in $seconds s"
