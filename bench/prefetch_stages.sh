#!/usr/bin/env bash
# What each stage of a prefetch costs on its own, on the benchmark archive (medians of 3 runs):
# network (curl to /dev/null), inflate (zlib's gzip -dc; ours uses ISA-L), hash (sha256sum),
# write (tar -x of the already inflated tar, 1 MiB blocks) and our whole prefetch, with its
# per-thread CPU split. usage: bench/prefetch_stages.sh BUILD_DIR
set -euo pipefail
build="$(cd "$1" && pwd)"
work="${BENCH_WORK:-/var/tmp/tfhub-bench}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
archive="$work/model.tar.gz"
[ -f "$archive" ] || "$here/make_savedmodel.sh" "$archive" >/dev/null
"$build/bench/bench_hubserver" "$archive" > "$work/url" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work/stage-out" "$work/plain.tar"' EXIT
# The server prints its URL once it listens; under load that can take a while: poll up to 60 s.
for _ in $(seq 600); do
  [ -s "$work/url" ] && break
  kill -0 "$server" 2>/dev/null || { echo "bench: the bench server exited before listening" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/url" ] || { echo "bench: the bench server did not start within 60 s" >&2; exit 1; }
url="$(cat "$work/url")?tf-hub-format=compressed"
gzip -dc "$archive" > "$work/plain.tar"

stage() { # name, command...: median wall seconds of 3 runs
  local name="$1"; shift
  local times=()
  for _ in 1 2 3; do
    rm -rf "$work/stage-out"; mkdir -p "$work/stage-out"; sync
    /usr/bin/time -f '%e' -o "$work/t" "$@" >/dev/null 2>&1
    times+=("$(cat "$work/t")")
  done
  printf '| %s | %s |\n' "$name" "$(printf '%s\n' "${times[@]}" | sort -g | sed -n 2p)"
}
echo "| stage | median wall time (s) |"
echo "| --- | --- |"
stage "network: curl to /dev/null" curl -s "$url" -o /dev/null
stage "inflate with zlib: gzip -dc" sh -c "gzip -dc '$archive' > /dev/null"
stage "hash: sha256sum of the archive" sha256sum "$archive"
stage "write: tar -b 2048 -xf (plain tar, 1 MiB blocks)" tar -b 2048 -xf "$work/plain.tar" -C "$work/stage-out"
stage "all: tfhub-cache prefetch" "$build/app/tfhub-cache" --cache-dir "$work/stage-out/c" prefetch "$(cat "$work/url")"
