#!/usr/bin/env bash
# Scan benchmark (issue 14): `tfhub-cache list --json` against `du -sb` on the same cache, warm.
#   du -sb                        the reference: one stat per name
#   list --json --rescan          a full walk (every file read again, the index rewritten)
#   list --json                   the scan index warm: the root listed, each entry's folders stat'ed
# Alternating runs, `sync` before each, medians of RUNS (default 5), ratios to du.
#
#   bench/scan_bench.sh BUILD_DIR [RUNS]
#
# The cache is the issue's shape: SCAN_BENCH_ENTRIES entries (default 1000) of SCAN_BENCH_FILES files
# (default 200: a SavedModel and small assets, with descriptors), made once by bench/make_cache.sh
# in $BENCH_WORK (default /var/tmp/tfhub-scan-bench) and kept. The index lives in a private
# XDG_CACHE_HOME there. With strace installed, the stat calls of one run of each are counted too.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 BUILD_DIR [RUNS]" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
runs=${2:-5}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cli=$build/app/tfhub-cache
entries=${SCAN_BENCH_ENTRIES:-1000}
files=${SCAN_BENCH_FILES:-200}
work=${BENCH_WORK:-/var/tmp/tfhub-scan-bench}
cache=$work/cache-$entries-$files

[[ -x $cli ]] || { echo "$cli is missing; build the project first" >&2; exit 1; }

if [[ ! -f $cache.done ]]; then
    rm -rf "$cache"
    mkdir -p "$work"
    FILES_PER_ENTRY=$files bash "$repo/bench/make_cache.sh" "$entries" "$cache" >/dev/null
    touch "$cache.done"
fi

home=$work/home
mkdir -p "$home/.config" "$home/.cache"
export HOME=$home XDG_CONFIG_HOME=$home/.config XDG_CACHE_HOME=$home/.cache LANG=C.UTF-8 LC_ALL=C.UTF-8
unset TFHUB_CACHE_DIR TFHUB_MODEL_LOAD_FORMAT

du_cmd=(du -sb "$cache")
rescan_cmd=("$cli" --cache-dir "$cache" list --json --rescan)
indexed_cmd=("$cli" --cache-dir "$cache" list --json)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Warm the page cache and the index; the two scans must agree.
"${du_cmd[@]}" >/dev/null
"${rescan_cmd[@]}" >"$tmp/rescan.json"
"${indexed_cmd[@]}" >"$tmp/indexed.json"
if ! cmp -s "$tmp/rescan.json" "$tmp/indexed.json"; then
    echo "the indexed scan and the full walk disagree:" >&2
    diff "$tmp/rescan.json" "$tmp/indexed.json" | head -20 >&2
    exit 1
fi

measure() { # runs the command once after a sync; appends "wall cpu" (seconds) to file $1
    local file=$1
    shift
    sync
    local start end
    start=$(date +%s%N)
    /usr/bin/time -f '%U %S' -o "$tmp/time" "$@" >/dev/null
    end=$(date +%s%N)
    # Wall time to the nanosecond (time(1) rounds to 10 ms), CPU time (user + system) from time(1).
    awk -v ns=$((end - start)) '{ printf "%.4f %.2f\n", ns / 1e9, $1 + $2 }' "$tmp/time" >>"$file"
}
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

for ((i = 1; i <= runs; ++i)); do
    measure "$tmp/du" "${du_cmd[@]}"
    measure "$tmp/rescan" "${rescan_cmd[@]}"
    measure "$tmp/indexed" "${indexed_cmd[@]}"
done

du_wall=$(cut -d' ' -f1 "$tmp/du" | median)
du_cpu=$(cut -d' ' -f2 "$tmp/du" | median)
stats() { # the stat-family calls of one run, or "-" without strace
    if command -v strace >/dev/null; then
        strace -f -c -e trace=%stat,%lstat,%fstat -o "$tmp/strace" "$@" >/dev/null
        awk '$NF ~ /stat/ && $4 ~ /^[0-9]+$/ { n += $4 } END { print n + 0 }' "$tmp/strace"
    else
        echo -
    fi
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
row() { # label, file of times, command
    local wall cpu
    wall=$(cut -d' ' -f1 "$2" | median)
    cpu=$(cut -d' ' -f2 "$2" | median)
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$wall" "$(ratio "$wall" "$du_wall")" "$cpu" \
        "$(ratio "$cpu" "$du_cpu")" "$(stats "${@:3}")" "$(cut -d' ' -f1 "$2" | tr '\n' ' ' | sed 's/ $//')"
}

echo "$entries entries x $files files ($(find "$cache" -type f | wc -l) files, $(du -sh "$cache" | cut -f1)), warm, $runs alternating runs, sync before each; medians"
echo
echo "| command | median wall (s) | × du -sb | median CPU (s) | × du -sb | stat calls | wall runs (s) |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
row 'du -sb' "$tmp/du" "${du_cmd[@]}"
row 'tfhub-cache list --json --rescan (full walk)' "$tmp/rescan" "${rescan_cmd[@]}"
row 'tfhub-cache list --json (index warm)' "$tmp/indexed" "${indexed_cmd[@]}"
