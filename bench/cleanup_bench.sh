#!/usr/bin/env bash
# Planning a cleanup (stale + size budget) on a large cache, beside `du -sb` on the same tree and
# `tfhub-cache du` (one scan of the cache): the plan must cost no more than one scan, since it
# reuses the scan's data instead of walking the tree again.
#
#   bench/cleanup_bench.sh BUILD_DIR [RUNS] [ENTRIES] [FILES_PER_ENTRY]
#
# Makes (once, in $BENCH_WORK, default /var/tmp/tfhub-cleanup-bench) a cache of ENTRIES (1000)
# entries of FILES_PER_ENTRY (200) files each: the real TF2 SavedModel plus small asset files, a
# descriptor per entry, and one abandoned download (dead holder's lock and tmp folder) per 20
# entries. Then runs the three commands alternately RUNS (5) times, `sync` before each, and prints
# each command's median and runs in seconds. Nothing is removed (`clean --dry-run`).
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 BUILD_DIR [RUNS] [ENTRIES] [FILES_PER_ENTRY]" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
runs=${2:-5}
entries=${3:-1000}
per=${4:-200}
cli=$build/app/tfhub-cache
[[ -x $cli ]] || { echo "no $cli: build first" >&2; exit 1; }
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${TFHUB_SHARED_DATA:-$repo/../shared/data}/savedmodels/half_plus_two_tf2_cpu
[[ -d $data ]] || { echo "missing $data (set TFHUB_SHARED_DATA)" >&2; exit 1; }
work=${BENCH_WORK:-/var/tmp/tfhub-cleanup-bench}
cache=$work/cache-$entries-$per

make_cache() {
    local stage=$work/template
    rm -rf "$stage" "$cache.partial"
    cp -r "$data" "$stage"
    chmod -R u+w "$stage"
    mkdir -p "$stage/assets/extra"
    local have
    have=$(find "$stage" -type f | wc -l)
    for ((f = have; f < per; ++f)); do
        printf 'token %d\n' "$f" >"$stage/assets/extra/vocab-$f.txt"
    done
    mkdir -p "$cache.partial"
    local uid=0123456789abcdef0123456789abcdef
    for ((i = 0; i < entries; ++i)); do
        local handle="https://tfhub.dev/bench/model-$i/1"
        local key
        key=$(printf '%s' "$handle" | sha1sum | cut -d' ' -f1)
        cp -r "$stage" "$cache.partial/$key"
        printf 'Module: %s\nDownload Time: 2024-01-29 17:51:07.123456\nDownloader Hostname: bench (PID:4242)' \
            "$handle" >"$cache.partial/$key.descriptor.txt"
        if ((i % 20 == 0)); then
            # An abandoned download beside it: a lock of a PID that cannot run, an hour old.
            mkdir -p "$cache.partial/$key.$uid.tmp"
            printf 'partial' >"$cache.partial/$key.$uid.tmp/saved_model.pb"
            printf '%s.%s.%s' "$(hostname)" 4194999 "$uid" >"$cache.partial/$key.lock"
            touch -d '1 hour ago' "$cache.partial/$key.lock" "$cache.partial/$key.$uid.tmp/saved_model.pb" \
                "$cache.partial/$key.$uid.tmp"
        fi
    done
    mv "$cache.partial" "$cache"
    rm -rf "$stage"
}

mkdir -p "$work"
[[ -d $cache ]] || make_cache
files=$(find "$cache" -type f | wc -l)
bytes=$(du -sb "$cache" | cut -f1)
disk=$(du -s --block-size=1 "$cache" | cut -f1)
budget=$((disk / 2)) # the budget counts allocated blocks, as the cache's size on disk

# Wall time and CPU time (user + system) of one run, in seconds: "WALL CPU". The CPU time is what
# the other jobs on a busy machine disturb least.
seconds() {
    local TIMEFORMAT='%R %U %S' t
    t=$({ time "$@" >/dev/null 2>&1; } 2>&1)
    tail -n 1 <<<"$t" | awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }'
}

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { printf "%.3f", a[int((NR + 1) / 2)] }'; }

declare -a plan scan du planCpu scanCpu duCpu
for ((r = 0; r < runs; ++r)); do
    sync
    read -r w c < <(seconds "$cli" --cache-dir "$cache" clean --stale --max-size "$budget" --dry-run --json)
    plan+=("$w") planCpu+=("$c")
    sync
    read -r w c < <(seconds du -sb "$cache")
    du+=("$w") duCpu+=("$c")
    sync
    read -r w c < <(seconds "$cli" --cache-dir "$cache" du --json)
    scan+=("$w") scanCpu+=("$c")
done

items=$("$cli" --cache-dir "$cache" clean --stale --max-size "$budget" --dry-run --json |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["items"]), d["totalBytes"])')
echo "cache: $entries entries, $files files, $bytes bytes ($disk on disk); budget $budget bytes; plan: $items (items, bytes)"
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %s | %s | %s | %s |\n' "command" "median wall (s)" "median CPU (s)" "wall runs (s)"
printf '| %s | %s | %s | %s |\n' "---" "---" "---" "---"
row() {
    local name=$1
    shift
    local -n walls=$1 cpus=$2
    printf '| %s | %s | %s | %s |\n' "$name" "$(median "${walls[@]}")" "$(median "${cpus[@]}")" "${walls[*]}"
}
row "\`tfhub-cache clean --stale --max-size $budget --dry-run --json\`" plan planCpu
row "\`tfhub-cache du --json\` (one scan)" scan scanCpu
row "\`du -sb\`" du duCpu
