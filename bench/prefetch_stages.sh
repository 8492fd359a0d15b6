#!/usr/bin/env bash
# What each stage of a prefetch costs on its own, on the benchmark archive of prefetch_bench.sh
# (medians of 3 runs, wall and CPU): network (curl to /dev/null), inflate (zlib's gzip -dc; ours
# uses ISA-L), hash (coreutils' sha256sum, and libcrypto's as ours uses it), write (tar -x of the
# already inflated tar, then sync) and our whole prefetch. With perf installed, one more prefetch
# is sampled and its CPU time printed per thread (the threads are named after their stage).
# usage: [BENCH_WORK=DIR] bench/prefetch_stages.sh BUILD_DIR
set -euo pipefail
build="$(cd "$1" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${BENCH_WORK:-/var/tmp/tfhub-bench}"
shard_mb="${BENCH_SHARD_MB:-64}"
small_files="${BENCH_SMALL_FILES:-2000}"
mkdir -p "$work"
archive="$work/model-${shard_mb}x8-${small_files}.tar.gz"
plain="${archive%.gz}"
[ -f "$archive" ] || "$here/make_savedmodel.sh" "$archive" "$shard_mb" "$small_files" >&2
[ -f "$plain" ] || gzip -dc "$archive" > "$plain"
rm -f "$work/url"
"$build/bench/bench_hubserver" "$archive" > "$work/url" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work/stage-out"' EXIT
# The server prints its URL once it listens; under load that can take a while: poll up to 60 s.
for _ in $(seq 600); do
  [ -s "$work/url" ] && break
  kill -0 "$server" 2>/dev/null || { echo "bench: the bench server exited before listening" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/url" ] || { echo "bench: the bench server did not start within 60 s" >&2; exit 1; }
url="$(cat "$work/url")?tf-hub-format=compressed"

# Each run writes into a new folder, all removed at the end: on ext4 without a journal, inodes
# freed in the last seconds are skipped by the next creations, at a cost that would blur the
# write stages.
mkdir -p "$work/stage-out"
stage() { # name, command...: median wall and CPU seconds of 3 runs; OUT in the command is a new folder
  local name="$1"; shift
  local walls=() cpus=()
  for _ in 1 2 3; do
    local out; out=$(mktemp -d -p "$work/stage-out"); sync
    /usr/bin/time -f '%e %U %S' -o "$work/t" sh -c "$(printf '%s ' "$@" | sed "s|OUT|$out|g")" >/dev/null 2>&1
    read -r w u s < "$work/t"
    walls+=("$w"); cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}')")
  done
  printf '| %s | %s | %s |\n' "$name" "$(printf '%s\n' "${walls[@]}" | sort -g | sed -n 2p)" \
    "$(printf '%s\n' "${cpus[@]}" | sort -g | sed -n 2p)"
}
echo "| stage | median wall (s) | median CPU, user + sys (s) |"
echo "| --- | --- | --- |"
stage "network: curl to /dev/null" curl -s "'$url'" -o /dev/null
stage "inflate with zlib: gzip -dc" gzip -dc "'$archive'" ">/dev/null"
stage "hash the archive: sha256sum (coreutils)" sha256sum "'$archive'"
stage "hash the archive: openssl dgst -sha256 (libcrypto, as ours)" openssl dgst -sha256 "'$archive'"
stage "write: tar -b 2048 -xf (plain tar) + sync -f" tar -b 2048 -xf "'$plain'" -C OUT "&&" sync -f OUT
stage "all: tfhub-cache prefetch" "'$build/app/tfhub-cache'" --cache-dir OUT prefetch "'$(cat "$work/url")'"
if command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1; then
  out=$(mktemp -d -p "$work/stage-out"); sync
  perf record -q -F 1000 -o "$work/perf.data" "$build/app/tfhub-cache" --cache-dir "$out" prefetch \
    "$(cat "$work/url")" >/dev/null 2>&1
  echo
  echo "| thread (one sampled prefetch) | CPU (ms) |"
  echo "| --- | --- |"
  perf report -i "$work/perf.data" --sort comm -n --stdio 2>/dev/null | awk '/^ +[0-9.]+%/ {print "| " $3 " | " $2 " |"}'
fi
