#!/usr/bin/env bash
# CLI start-up: whole-process time of `tfhub-cache key HANDLE` and `tfhub-cache resolve HANDLE`
# beside `python3 -c pass` (what a script that calls tensorflow_hub pays anyway), since scripts
# call the CLI in loops. Target: under 30 ms for key and resolve.
#
#   bench/cli_startup.sh BUILD_DIR [RUNS]   (default 20 runs; Markdown on stdout)
#
# With hyperfine installed it does the timing; otherwise each command runs RUNS times and the
# medians of wall time and of CPU time (user + system) are printed. CPU time is the steadier
# figure on a shared machine: wall time there includes the waits for a core (load average shown).
set -euo pipefail
build="$(cd "$1" && pwd)"
runs="${2:-20}"
cli="$build/app/tfhub-cache"
[ -x "$cli" ] || { echo "bench: no $cli (build first)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" TFHUB_CACHE_DIR="$work/cache"
mkdir -p "$HOME" "$TFHUB_CACHE_DIR"
handle=https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/classification/5

names=("tfhub-cache key" "tfhub-cache resolve" "python3 -c pass")
commands=("$cli key $handle" "$cli resolve $handle" "python3 -c pass")

if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 3 --runs "$runs" --export-markdown "$work/h.md" "${commands[@]}" >/dev/null
  cat "$work/h.md"
  exit 0
fi

median() { sort -n | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); printf "%.1f", (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'; }

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $runs runs each, after 3 warm-up runs"
echo
echo "| command | median wall (ms) | median CPU, user + sys (ms) |"
echo "| --- | --- | --- |"
for i in "${!commands[@]}"; do
  read -r -a cmd <<< "${commands[$i]}"
  for _ in 1 2 3; do "${cmd[@]}" >/dev/null 2>&1 || true; done
  : > "$work/wall"; : > "$work/cpu"
  for _ in $(seq "$runs"); do
    TIMEFORMAT='%3R %3U %3S'
    t=$( { time "${cmd[@]}" >/dev/null 2>&1; } 2>&1 )
    read -r real user sys <<< "$t"
    awk -v r="$real" 'BEGIN { print r * 1000 }' >> "$work/wall"
    awk -v u="$user" -v s="$sys" 'BEGIN { print (u + s) * 1000 }' >> "$work/cpu"
  done
  echo "| \`${names[$i]}\` | $(median < "$work/wall") | $(median < "$work/cpu") |"
done
