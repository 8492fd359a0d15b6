#!/bin/sh
# Load time of the bundled catalog index (issue: Browse models; target "well under 100 ms").
# Reports medians of RUNS runs of:
#   in-process: reading :/catalog/tfhub-dev.tsv and building the search structures
#               (`tfhub-cache catalog stats`, timed with QElapsedTimer inside the process);
#   whole run:  `tfhub-cache search <no match>` from exec to exit (process start, load, search, scan).
# Usage: bench/catalog_bench.sh [BUILD_DIR] [RUNS]
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$repo/build"}
runs=${2:-11}
cli="$build/app/tfhub-cache"
[ -x "$cli" ] || { echo "catalog_bench.sh: $cli not found; build tfhub-cache first" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A clean settings folder (no extra catalogs) and an empty cache.
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config"
mkdir -p "$HOME" "$tmp/cache"

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

"$cli" catalog stats | head -1
i=0
while [ $i -lt "$runs" ]; do
    "$cli" catalog stats | sed -n 's/.*loaded in \([0-9.]*\) ms.*/\1/p' >> "$tmp/inproc"
    s=$(date +%s%N)
    "$cli" --cache-dir "$tmp/cache" search zzzz-no-such-model > /dev/null
    e=$(date +%s%N)
    echo $(( (e - s) / 1000 )) | awk '{ printf "%.2f\n", $1 / 1000 }' >> "$tmp/whole"
    i=$((i + 1))
done
echo "runs: $runs"
echo "in-process load, median ms: $(median < "$tmp/inproc")  (min $(sort -n "$tmp/inproc" | head -1), max $(sort -n "$tmp/inproc" | tail -1))"
echo "whole 'search' run, median ms: $(median < "$tmp/whole")  (min $(sort -n "$tmp/whole" | head -1), max $(sort -n "$tmp/whole" | tail -1))"
echo "index size: $(wc -c < "$repo/resources/catalog/tfhub-dev.tsv") bytes ($(gzip -c "$repo/resources/catalog/tfhub-dev.tsv" | wc -c) gzipped)"
