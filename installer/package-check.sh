#!/usr/bin/env bash
# Builds the Debian package and the RPM from an existing build folder and checks them:
#   bash installer/package-check.sh BUILD_DIR
# setup.sh test runs it after the test suites, on the test build (the installed files do not
# depend on whether the tests were built, so no second build is needed). Checks:
#  - dpkg-deb -c lists every installed file; rpm -qpl lists them too (the RPM is not installed);
#  - lintian reports no error; desktop-file-validate and appstreamcli validate --no-net pass;
#  - the bash, zsh and fish completions load and complete a verb, using the packaged programs;
#  - only when CI is set and we are root: apt-get install ./the.deb, run tfhub-cache --version,
#    tfhub-cache key and tfhub-cache-manager --version from /usr/bin, purge, and check that
#    nothing of the package is left behind. A contributor's run skips this with its reason.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="$(cd "${1:?usage: package-check.sh BUILD_DIR}" && pwd)"
id=io.github.tfhub_cache_manager.TFHubCacheManager
pkg=tfhub-cache-manager
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "package-check: FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "package-check: ok: $*"; }
step() { echo "== package-check: $*"; }

step "cpack (DEB, RPM) from $build"
cmake --build "$build" -j "${JOBS:-2}" >/dev/null
(umask 022 && cd "$build" && cpack -G "DEB;RPM" -B "$work/out" >"$work/cpack.log" 2>&1) \
    || { cat "$work/cpack.log" >&2; echo "package-check: cpack failed" >&2; exit 1; }
deb="$(ls "$work"/out/*.deb)"
rpm="$(ls "$work"/out/*.rpm)"
echo "$(basename "$deb") $(basename "$rpm")"

expected=(
  /usr/bin/tfhub-cache /usr/bin/tfhub-cache-manager
  "/usr/share/applications/$id.desktop" "/usr/share/metainfo/$id.metainfo.xml"
  "/usr/share/icons/hicolor/scalable/apps/$id.svg"
  /usr/share/bash-completion/completions/tfhub-cache /usr/share/zsh/vendor-completions/_tfhub-cache
  /usr/share/fish/vendor_completions.d/tfhub-cache.fish /usr/share/man/man1/tfhub-cache.1.gz
  /usr/share/man/man1/tfhub-cache-manager.1.gz
  "/usr/share/doc/$pkg/copyright" "/usr/share/doc/$pkg/changelog.Debian.gz"
)
if command -v rsvg-convert >/dev/null; then
  for s in 32 48 64 128 256; do expected+=("/usr/share/icons/hicolor/${s}x$s/apps/$id.png"); done
fi

step "dpkg-deb -c and rpm -qpl list every file"
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$work/deb.list"
rpm -qpl "$rpm" 2>/dev/null >"$work/rpm.list"
for f in "${expected[@]}"; do
  grep -qx -- "$f" "$work/deb.list" || fail "$f is not in the .deb"
  grep -qx -- "$f" "$work/rpm.list" || fail "$f is not in the .rpm"
done
pass "${#expected[@]} files in both packages"
dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/^ */  Depends: /'

step "lintian"
if lintian --fail-on error --tag-display-limit 0 "$deb" >"$work/lintian.log" 2>&1; then
  pass "lintian: no error ($(grep -c '^W:' "$work/lintian.log" || true) warnings)"
else
  fail "lintian reports errors"
fi
cat "$work/lintian.log"

step "desktop-file-validate and appstreamcli validate --no-net"
dpkg-deb -x "$deb" "$work/root"
root="$work/root"
if desktop-file-validate "$root/usr/share/applications/$id.desktop"; then pass "desktop file"; else fail "desktop file"; fi
if appstreamcli validate --no-net "$root/usr/share/metainfo/$id.metainfo.xml"; then
  pass "metainfo"
else
  fail "metainfo"
fi

step "completions (bash, zsh, fish) with the packaged programs"
export PATH="$root/usr/bin:$PATH"
export TFHUB_CACHE_DIR="$work/cache"
bash_out="$(bash --norc --noprofile -c '
  [ -f /usr/share/bash-completion/bash_completion ] && source /usr/share/bash-completion/bash_completion
  source "$1/usr/share/bash-completion/completions/tfhub-cache"
  complete -p tfhub-cache >/dev/null || exit 1
  COMP_WORDS=(tfhub-cache li); COMP_CWORD=1; COMP_LINE="tfhub-cache li"; COMP_POINT=${#COMP_LINE}
  _tfhub_cache
  printf "%s\n" "${COMPREPLY[@]}"
  compgen -W "$(tfhub-cache __complete -- ver)" -- ver' _ "$root" 2>&1)" || true
if [ "$bash_out" = $'list\nverify' ]; then pass "bash completes li -> list, ver -> verify"; else fail "bash gave: $bash_out"; fi

mkdir -p "$work/zdot"
zsh_out="$(ZDOTDIR="$work/zdot" zsh -f -c '
  fpath=("$1/usr/share/zsh/vendor-completions" $fpath)
  autoload -Uz compinit && compinit -u -d "$ZDOTDIR/.zcompdump"
  [[ $_comps[tfhub-cache] == _tfhub-cache ]] || { print "not registered: $_comps[tfhub-cache]"; exit 1; }
  # Outside the line editor compadd has nothing to add to: this one prints what it is given.
  compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@"; }
  words=(tfhub-cache li); CURRENT=2
  _tfhub-cache' _ "$root" 2>&1)" || true
if [ "$zsh_out" = "list" ]; then pass "zsh completes li -> list"; else fail "zsh gave: $zsh_out"; fi

fish_out="$(HOME="$work" fish --no-config -c '
  set -p fish_complete_path $argv[1]/usr/share/fish/vendor_completions.d
  complete -C "tfhub-cache li"' "$root" 2>&1)" || true
if [ "$fish_out" = "list" ]; then pass "fish completes li -> list"; else fail "fish gave: $fish_out"; fi

step "install, run and purge the .deb"
if [ -z "${CI:-}" ]; then
  echo "package-check: skipped: installing changes this machine; it runs only when CI is set"
elif [ "$(id -u)" -ne 0 ]; then
  echo "package-check: skipped: installing needs root (CI is set, but this is uid $(id -u))"
else
  PATH=/usr/sbin:/usr/bin:/sbin:/bin
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >"$work/apt.log" 2>&1 \
      || { cat "$work/apt.log"; fail "apt-get install"; }
  v="$(/usr/bin/tfhub-cache --version)" && [ "$v" = "$(dpkg-deb -f "$deb" Version | sed 's/-[^-]*$//;s/^/tfhub-cache /')" ] \
      && pass "$v" || fail "tfhub-cache --version gave: ${v:-nothing}"
  k="$(/usr/bin/tfhub-cache key https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/feature_vector/5)" \
      && [[ $k =~ ^[0-9a-f]{40}$ ]] && pass "tfhub-cache key -> $k" || fail "tfhub-cache key gave: ${k:-nothing}"
  g="$(env -u DISPLAY -u WAYLAND_DISPLAY /usr/bin/tfhub-cache-manager --version)" \
      && [[ $g == *"$(dpkg-deb -f "$deb" Version | sed 's/-[^-]*$//')"* ]] && pass "GUI: $g" \
      || fail "tfhub-cache-manager --version gave: ${g:-nothing}"
  man -w tfhub-cache >/dev/null 2>&1 && pass "man -w tfhub-cache" || echo "package-check: (man-db not installed: man -w not tried)"
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "$pkg" >>"$work/apt.log" 2>&1 || fail "apt-get purge"
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q installed; then fail "$pkg still installed"; fi
  left=0
  while read -r f; do
    if [ -f "$f" ] || [ -L "$f" ]; then fail "left behind: $f"; left=1; fi
  done <"$work/deb.list"
  if [ -e "/usr/share/doc/$pkg" ]; then fail "left behind: /usr/share/doc/$pkg"; left=1; fi
  [ "$left" -eq 0 ] && pass "purged: no file of the package left"
fi

if [ "$failures" -ne 0 ]; then
  echo "package-check: $failures check(s) failed" >&2
  exit 1
fi
echo "package-check: all checks passed"
