#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz/ for SECONDS each (default 600), from its committed
# seed corpus, and prints a table: target, seconds, executions, new corpus entries, outcome.
#   bash installer/fuzz.sh [SECONDS] [TARGET...]
# New inputs go to $build/fuzz-work/<target>/ (not committed); a crash leaves its input in
# $build/fuzz-crashes/ and fails the script. A crash found is fixed, then its input is copied to
# tests/fuzz/corpus/<target>/ (the ctest <target>_corpus replays it on every sanitizer run).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
build="${TFHUB_SANITIZE_BUILD:-$top/build-sanitize}"
seconds="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$top"/tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi

bash "$here/sanitize_build.sh" "${targets[@]}"
mkdir -p "$build/fuzz-crashes"
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$here/sanitizers/ubsan.supp"
export LSAN_OPTIONS="suppressions=$here/sanitizers/lsan.supp:print_suppressions=0"

failed=0
rows=()
for t in "${targets[@]}"; do
  work="$build/fuzz-work/$t"
  seeds="$top/tests/fuzz/corpus/$t"
  log="$build/fuzz-work/$t.log"
  mkdir -p "$work" "$seeds"
  before=$(find "$work" -type f | wc -l)
  start=$SECONDS
  rc=0
  # -timeout: one input running this long is a hang; -rss_limit_mb: a bomb is a finding, not an OOM.
  "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2560 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-crashes/$t-" "$work" "$seeds" >"$log" 2>&1 || rc=$?
  took=$((SECONDS - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  added=$(( $(find "$work" -type f | wc -l) - before ))
  if [ $rc -eq 0 ]; then outcome=ok; else outcome="CRASH (see $log)"; failed=1; tail -40 "$log" >&2; fi
  rows+=("$(printf '%-16s %6ss %12s execs %6s new  %s' "$t" "$took" "${execs:-?}" "$added" "$outcome")")
done
echo "fuzz: ${seconds}s per target"
printf '%s\n' "${rows[@]}"
exit $failed
