#!/usr/bin/env bash
# Prefetch benchmark, from one run, alternating (a `sync` before each timed run), medians of RUNS:
#  - the write floor: `tar -b 2048 -xf` of the already inflated tar from a local file, then `sync -f`;
#  - the pipeline: `curl -s URL | tar -xzf -`, then `sync -f`;
#  - ours: `tfhub-cache prefetch` (which makes every file and folder durable before its rename);
# and the ratios of ours to both. The archive (bench/make_savedmodel.sh; 406 MB → 543 MB by default,
# BENCH_SHARD_MB and BENCH_SMALL_FILES make a smaller one) is served from memory on 127.0.0.1 by
# bench_hubserver. Wall and CPU (user + system) times come from GNU time; CPU time is the steadier
# figure on a shared machine. Writes its figures to stdout as Markdown.
# usage: [BENCH_WORK=DIR] [BENCH_OUT=DIR] bench/prefetch_bench.sh BUILD_DIR [RUNS]
# BENCH_OUT (default BENCH_WORK/out) is where the runs write: bench/prefetch_slowdisk.sh points it
# at a file system on a disk whose writes are throttled.
set -euo pipefail
build="$(cd "$1" && pwd)"
runs="${2:-5}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${BENCH_WORK:-/var/tmp/tfhub-bench}"
shard_mb="${BENCH_SHARD_MB:-64}"
small_files="${BENCH_SMALL_FILES:-2000}"
mkdir -p "$work"
server=
outdir="${BENCH_OUT:-$work/out}"
trap '[ -z "$server" ] || kill "$server" 2>/dev/null || true; rm -rf "$outdir"' EXIT
archive="$work/model-${shard_mb}x8-${small_files}.tar.gz"
plain="${archive%.gz}"
[ -f "$archive" ] || "$here/make_savedmodel.sh" "$archive" "$shard_mb" "$small_files" >&2
[ -f "$plain" ] || gzip -dc "$archive" > "$plain"
rm -f "$work/url"
"$build/bench/bench_hubserver" "$archive" > "$work/url" &
server=$!
# The server prints its URL once it listens; under load that can take a while: poll up to 60 s.
for _ in $(seq 600); do
  [ -s "$work/url" ] && break
  kill -0 "$server" 2>/dev/null || { echo "bench: the bench server exited before listening" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/url" ] || { echo "bench: the bench server did not start within 60 s" >&2; exit 1; }
handle="$(cat "$work/url")"
url="$handle?tf-hub-format=compressed"

# Each run writes into a new folder (OUT in its command), all removed at the end: on ext4 without
# a journal, inodes freed in the last seconds are skipped by the next creations, at a cost that
# would blur the comparison (it is about 15 % of a run's CPU right after an `rm -rf`).
mkdir -p "$outdir"
measure() { # name command...: appends "wall cpu maxrss_kb" to $work/NAME.times
  local name="$1"; shift
  local out; out=$(mktemp -d -p "$outdir"); sync
  set -- "${@//OUT/$out}"
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" \
    || { cat "$work/err" >&2; exit 1; }
  awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$work/time" >> "$work/$name.times"
}
rm -f "$work"/{floor,pipeline,ours}.times
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for _ in $(seq "$runs"); do
  measure floor sh -c "tar -b 2048 -xf '$plain' -C 'OUT' && sync -f 'OUT'"
  measure pipeline sh -c "curl -sf '$url' | tar -xzf - -C 'OUT' && sync -f 'OUT'"
  measure ours "$build/app/tfhub-cache" --cache-dir OUT prefetch "$handle"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
col() { cut -d' ' -f"$2" "$work/$1.times"; }
med() { col "$1" "$2" | median; }
row() { # name label
  printf '| %s | %s | %s | %s | %s |\n' "$2" "$(med "$1" 1)" "$(col "$1" 1 | tr '\n' ' ')" "$(med "$1" 2)" \
    "$(($(med "$1" 3) / 1024))"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo "| | median wall (s) | wall runs (s) | median CPU, user + sys (s) | median peak RSS (MB) |"
echo "| --- | --- | --- | --- | --- |"
row floor "write floor: \`tar -b 2048 -xf\` (plain tar) + \`sync -f\`"
row pipeline "\`curl -s URL \\| tar -xzf -\` + \`sync -f\`"
row ours "\`tfhub-cache prefetch\` (durable publish included)"
echo
echo "Archive: $(stat -c %s "$archive") bytes compressed, $(stat -c %s "$plain") bytes of tar; $runs runs each;" \
  "load average $load_before before, $load_after after."
echo "Ratios of the wall medians: ours / floor **$(ratio "$(med ours 1)" "$(med floor 1)")**" \
  "(target ≤ 1.15), ours / pipeline **$(ratio "$(med ours 1)" "$(med pipeline 1)")** (target ≤ 0.35)."
