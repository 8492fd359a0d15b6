#!/usr/bin/env bash
# Builds the Debian package and the RPM from a clean build folder (Release, no tests):
#   bash installer/package.sh [OUT_DIR]      packages land in OUT_DIR (default: build-package/)
# Then install with: sudo apt install ./build-package/tfhub-cache-manager_*.deb
# PACKAGE_GENERATORS="DEB" builds only some of them (CPack generator names, ;-separated).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
build="${PACKAGE_BUILD_DIR:-$top/build-package}"
out="${1:-$build}"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

bash "$here/deps.sh"
# A clean folder: nothing left over from an earlier configuration ends up in a package.
rm -rf "$build"
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTFHUB_BUILD_TESTS=OFF \
    -DCMAKE_INSTALL_PREFIX=/usr "${launcher[@]}"
cmake --build "$build" -j "$jobs"
mkdir -p "$out"
# Files are packaged as written by the install step: keep group and others from losing read access.
umask 022
(cd "$build" && cpack -G "${PACKAGE_GENERATORS:-DEB;RPM}" -B "$out")
rm -rf "$out/_CPack_Packages"
ls -1 "$out"/*.deb "$out"/*.rpm 2>/dev/null || true
