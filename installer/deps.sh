#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and screenshotting the project needs.
# Idempotent: when all packages are already installed, apt is not touched at all.
#   bash installer/deps.sh          what CI and every build need
#   bash installer/deps.sh tsan     only the optional ThreadSanitizer compiler (installer/tsan.sh
#                                   runs this itself; CI never installs it)
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build pkg-config git
  # the check_format test (clang-format 14) and installer/tidy.sh
  clang-format clang-tidy
  # the hardening build (docs/reliability.md): clang 14 with its sanitizer and libFuzzer runtimes
  clang-14 libclang-rt-14-dev
  # Qt 6.4: base (Core, Network, Concurrent, Widgets, Test), svg, tools (linguist etc.)
  qt6-base-dev qt6-base-dev-tools qt6-svg-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools
  qt6-qpa-plugins libgl-dev
  # archives, zip bundles, fast inflate and hashing
  libarchive-dev libquazip1-qt6-dev libisal-dev zlib1g-dev libssl-dev
  # headless GUI runs and screenshots
  xvfb xauth x11-apps imagemagick
  # shells and session environment for the settings tests; unshare/setpriv for mount and user tests
  bash zsh fish systemd util-linux
  # archive tools used by tests to build hostile fixtures; curl for benchmarks
  tar gzip bzip2 xz-utils zstd curl time
  # the screenshot script serves a slow download with a tiny Python HTTP server
  python3
  # tests run the CLI under strace (which system calls touch the cache)
  strace
  # packages and their checks (installer/package.sh, package-check.sh): dpkg-shlibdeps and file for
  # the .deb's Depends, rpmbuild, PNG icons from the SVG, and the validators
  dpkg-dev file rpm librsvg2-bin lintian desktop-file-utils appstream bash-completion
)

# installer/tsan.sh: clang 16, the newest ThreadSanitizer runtime in Debian 12.
TSAN_PACKAGES=(clang-16 libclang-rt-16-dev)
if [ "${1:-}" = tsan ]; then PACKAGES=("${TSAN_PACKAGES[@]}"); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
