#!/usr/bin/env bash
# The two set-up commands of the README:
#   bash installer/setup.sh run    install what is missing, build (Release) and start the app
#   bash installer/setup.sh test   install what is missing, build and run every test suite
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

bash "$here/deps.sh"
cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTFHUB_BUILD_TESTS="$([ "$mode" = test ] && echo ON || echo OFF)"
cmake --build "$build" -j "$jobs"

if [ "$mode" = run ]; then
  exec "$build/app/tfhub-cache-manager" "${@:2}"
fi
cd "$build"
ctest --output-on-failure -j "$jobs" --timeout 600
# Packaging stage, after the suites: packages from this build, and their checks.
start=$SECONDS
bash "$here/package-check.sh" "$build"
echo "setup: package checks took $((SECONDS - start)) s"
