#!/usr/bin/env bash
# The two set-up commands of the README:
#   bash installer/setup.sh run    install what is missing, build (Release) and start the app
#   bash installer/setup.sh test   install what is missing, build and run every test suite, then the
#                                  hardening stages (docs/reliability.md): every suite again under
#                                  AddressSanitizer and UndefinedBehaviorSanitizer (clang 14), each
#                                  fuzz target for FUZZ_SECONDS (20) and the crash torture
#                                  (TORTURE_ROUNDS, 10). Each stage prints its time.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
mode="${1:-}"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

case "$mode" in
  run)  build="$top/build-release" ;;
  test) build="$top/build-test" ;;
  *) echo "usage: bash installer/setup.sh run|test" >&2; exit 2 ;;
esac

timings=()
summary() {
  echo "=== stage times"
  printf '  %s\n' "${timings[@]}"
  echo "  total                          $((SECONDS))s"
}
# stage NAME COMMAND...: runs one stage, records its wall time, stops at the first failure.
stage() {
  local name="$1" start=$SECONDS rc=0
  shift
  echo "=== stage $name"
  "$@" || rc=$?
  local took=$((SECONDS - start))
  timings+=("$(printf '%-30s %5ss  %s' "$name" "$took" "$([ $rc -eq 0 ] && echo ok || echo "FAILED (exit $rc)")")")
  echo "=== stage $name: ${took}s"
  if [ $rc -ne 0 ]; then
    summary
    exit $rc
  fi
}

stage deps bash "$here/deps.sh"
stage configure cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DTFHUB_BUILD_TESTS="$([ "$mode" = test ] && echo ON || echo OFF)"
stage build cmake --build "$build" -j "$jobs"

if [ "$mode" = run ]; then
  exec "$build/app/tfhub-cache-manager" "${@:2}"
fi

export TFHUB_SANITIZE_BUILD="$top/build-sanitize"
stage suites ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 600
# Packages from this build, and their checks (installer/package-check.sh).
stage packages bash "$here/package-check.sh" "$build"
stage sanitizer-build bash "$here/sanitize_build.sh"
# The source checks do not depend on the build; the fuzz targets' corpus replays run with the
# fuzz stage's label below.
stage sanitizer-suites ctest --test-dir "$TFHUB_SANITIZE_BUILD" --output-on-failure -j "$jobs" \
  --timeout 900 -E '^check_' -LE fuzz
stage fuzz-regressions ctest --test-dir "$TFHUB_SANITIZE_BUILD" --output-on-failure -j "$jobs" -L fuzz
stage fuzz bash "$here/fuzz.sh" "${FUZZ_SECONDS:-20}"
stage torture bash "$here/torture.sh" "${TORTURE_ROUNDS:-10}"
summary
