#!/usr/bin/env bash
# Prefetch benchmark: `tfhub-cache prefetch` against `curl -s URL | tar -xzf - -C DIR`, alternating,
# on the same ~500 MB SavedModel-shaped archive served from memory on 127.0.0.1.
# usage: bench/prefetch_bench.sh BUILD_DIR [RUNS]   (writes its figures to stdout as Markdown)
set -euo pipefail
build="$(cd "$1" && pwd)"
runs="${2:-5}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${BENCH_WORK:-$(mktemp -d -p /var/tmp)}"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work/out"' EXIT
archive="$work/model.tar.gz"
[ -f "$archive" ] || "$here/make_savedmodel.sh" "$archive" >/dev/null
"$build/bench/bench_hubserver" "$archive" > "$work/url" &
server=$!
# The server prints its URL once it listens; under load that can take a while: poll up to 60 s.
for _ in $(seq 600); do
  [ -s "$work/url" ] && break
  kill -0 "$server" 2>/dev/null || { echo "bench: the bench server exited before listening" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/url" ] || { echo "bench: the bench server did not start within 60 s" >&2; exit 1; }
url="$(cat "$work/url")?tf-hub-format=compressed"
handle="$(cat "$work/url")"

measure() { # prints "seconds maxrss_kb"
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  cat "$work/time"
}
ours=(); theirs=(); ours_rss=(); theirs_rss=()
for i in $(seq "$runs"); do
  rm -rf "$work/out"; mkdir -p "$work/out/a" "$work/out/b"; sync
  read -r t r < <(measure "$build/app/tfhub-cache" --cache-dir "$work/out/a" prefetch "$handle")
  ours+=("$t"); ours_rss+=("$r")
  rm -rf "$work/out"; mkdir -p "$work/out/a" "$work/out/b"; sync
  read -r t r < <(measure sh -c "curl -s '$url' | tar -xzf - -C '$work/out/b'")
  theirs+=("$t"); theirs_rss+=("$r")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mo=$(median "${ours[@]}"); mt=$(median "${theirs[@]}")
ro=$(median "${ours_rss[@]}"); rt=$(median "${theirs_rss[@]}")
size=$(stat -c %s "$archive")
echo "| | median wall time (s) | runs (s) | median peak RSS (MB) |"
echo "| --- | --- | --- | --- |"
echo "| \`tfhub-cache prefetch\` | $mo | ${ours[*]} | $((ro / 1024)) |"
echo "| \`curl -s URL \\| tar -xzf -\` | $mt | ${theirs[*]} | $((rt / 1024)) (largest process) |"
echo
echo "Archive: $((size / 1048576)) MiB compressed. Ratio of medians (ours / pipeline): $(awk -v a="$mo" -v b="$mt" 'BEGIN {printf "%.2f", a / b}')."
