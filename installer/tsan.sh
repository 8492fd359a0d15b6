#!/usr/bin/env bash
# ThreadSanitizer run of the extraction pipeline (docs/reliability.md), by hand, not in CI: builds
# tst_extractor and tst_extractorsafety with clang 16's -fsanitize=thread in $TFHUB_TSAN_BUILD
# (default build-tsan) and runs them with halt_on_error. The pipeline's stages are std::threads;
# Debian's Qt is not instrumented, so suppressions may only name Qt's own libraries.
#   bash installer/tsan.sh [EXTRA_CTEST_ARGS...]
# clang 16 (the newest TSan runtime Debian 12 has; installed here by `installer/deps.sh tsan` when
# missing, CI never needs it); TFHUB_TSAN_CXX picks another compiler. Qt 6.4's QProcess starts tools
# with clone(CLONE_VM | CLONE_VFORK), which the TSan runtimes of clang 14 and 16 take for a fork and
# abort in ("CHECK failed: tsan_rtl.cpp ... ForkAfter"): tests/core/tsanshim.cpp, linked into these
# suites' TSan build only, passes that call straight to the C library.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
build="${TFHUB_TSAN_BUILD:-$top/build-tsan}"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
suites=(tst_extractor tst_extractorsafety)

cxx="${TFHUB_TSAN_CXX:-clang++-16}"
if [ "$cxx" = clang++-16 ] && ! command -v clang++-16 >/dev/null; then bash "$here/deps.sh" tsan; fi

start=$SECONDS
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" \
    -DTFHUB_TSAN=ON -DTFHUB_BUILD_TESTS=ON "${launcher[@]}" ${TFHUB_SHARED_DATA_DIR:+-DTFHUB_SHARED_DATA_DIR="$TFHUB_SHARED_DATA_DIR"}
fi
cmake --build "$build" -j "$jobs" --target "${suites[@]}"
echo "tsan: build $((SECONDS - start)) s"
start=$SECONDS
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$here/sanitizers/tsan.supp"
ctest --test-dir "$build" --output-on-failure -R "^($(IFS='|'; echo "${suites[*]}"))\$" "$@"
echo "tsan: run $((SECONDS - start)) s"
