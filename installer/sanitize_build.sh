#!/usr/bin/env bash
# Configures and builds the hardening build (docs/reliability.md): clang 14 with AddressSanitizer,
# UndefinedBehaviorSanitizer and libFuzzer instrumentation, in $TFHUB_SANITIZE_BUILD (default
# build-sanitize beside the sources). Builds the given targets, or everything the sanitizer run
# needs (the suites, both executables and the fuzz targets; never the benchmarks).
#   bash installer/sanitize_build.sh [TARGET...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
build="${TFHUB_SANITIZE_BUILD:-$top/build-sanitize}"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++-14 \
    -DTFHUB_SANITIZE=ON -DTFHUB_BUILD_TESTS=ON "${launcher[@]}" ${TFHUB_SHARED_DATA_DIR:+-DTFHUB_SHARED_DATA_DIR="$TFHUB_SHARED_DATA_DIR"}
fi
if [ $# -eq 0 ]; then
  cmake --build "$build" -j "$jobs"
else
  cmake --build "$build" -j "$jobs" --target "$@"
fi
