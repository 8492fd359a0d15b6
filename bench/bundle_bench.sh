#!/bin/sh
# Offline bundles (issue: Offline bundles): export and import of one entry with a SIZE_MB weights
# file of incompressible data, beside `zip -0 -r` and `unzip && sync` of the same folder; wall
# time and peak RSS (GNU time). Target: within 1.2x of zip -0 and of unzip && sync while hashing
# everything, memory independent of size. With ZIP64=1 it also exports, tests (unzip -t, Python's
# zipfile) and imports a 5 GiB file (needs about 16 GiB free in TMPDIR).
# Usage: [ZIP64=1] bench/bundle_bench.sh [BUILD_DIR] [SIZE_MB]
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$repo/build"}
size_mb=${2:-500}
cli="$build/app/tfhub-cache"
[ -x "$cli" ] || { echo "bundle_bench.sh: $cli not found; build tfhub-cache first" >&2; exit 1; }
for tool in zip unzip python3 /usr/bin/time; do
    command -v "$tool" > /dev/null || { echo "bundle_bench.sh: $tool is missing (apt-get install zip unzip time)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config"
mkdir -p "$HOME"

handle=https://tfhub.dev/bench/bundle/1
key=$(printf %s "$handle" | sha1sum | cut -c1-40)

# make_entry ROOT MB: a SavedModel-shaped entry whose weights are MB of random bytes.
make_entry() {
    mkdir -p "$1/$key/variables" "$1/$key/assets"
    head -c 20000 /dev/urandom > "$1/$key/saved_model.pb"
    head -c 300 /dev/zero > "$1/$key/variables/variables.index"
    head -c "$(($2 * 1024 * 1024))" /dev/urandom > "$1/$key/variables/variables.data-00000-of-00001"
    printf 'Module: %s\nDownload Time: 2024-01-29 17:51:07.123456\nDownloader Hostname: bench (PID:1)' \
        "$handle" > "$1/$key.descriptor.txt"
}

# timed LABEL CMD...: prints "LABEL  wall s  peak RSS MB".
timed() {
    label=$1
    shift
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" > /dev/null
    awk -v l="$label" '{ printf "%-34s %7.2f s  %7.1f MB peak RSS\n", l, $1, $2 / 1024 }' "$tmp/time"
}

run_pair() {
    mb=$1
    rm -rf "$tmp/c" "$tmp/t1" "$tmp/t2" "$tmp"/*.zip
    make_entry "$tmp/c" "$mb"
    sync
    echo "entry: $mb MiB of weights ($(du -sh "$tmp/c/$key" | cut -f1))"
    timed "zip -0 -r" sh -c "cd '$tmp/c' && zip -0 -r -q '$tmp/ref.zip' '$key' '$key.descriptor.txt'"
    timed "tfhub-cache export" "$cli" --cache-dir "$tmp/c" export "$key" -o "$tmp/out.zip"
    echo "  zip sizes: zip -0 $(stat -c %s "$tmp/ref.zip")  export $(stat -c %s "$tmp/out.zip")"
    timed "unzip && sync" sh -c "unzip -q -d '$tmp/t2' '$tmp/out.zip' && sync"
    timed "tfhub-cache import" "$cli" --cache-dir "$tmp/t1" import "$tmp/out.zip"
    cmp "$tmp/c/$key/variables/variables.data-00000-of-00001" "$tmp/t1/$key/variables/variables.data-00000-of-00001"
    echo "  imported weights identical: yes"
}

echo "machine: $(nproc) cores, $(uname -r); page cache warm (files just written)"
run_pair "$size_mb"
run_pair 50

if [ "${ZIP64:-0}" = 1 ]; then
    echo "--- Zip64: one 5 GiB file of incompressible data"
    rm -rf "$tmp/c" "$tmp/t1" "$tmp/t2" "$tmp"/*.zip
    make_entry "$tmp/c" 5120
    timed "tfhub-cache export (5 GiB)" "$cli" --cache-dir "$tmp/c" export "$key" -o "$tmp/out.zip"
    unzip -t -q "$tmp/out.zip"
    python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print("  python zipfile: ok, %d members, zip64 sizes %s" % (len(z.infolist()), max(i.file_size for i in z.infolist())))' "$tmp/out.zip"
    timed "tfhub-cache import (5 GiB)" "$cli" --cache-dir "$tmp/t1" import "$tmp/out.zip"
    cmp "$tmp/c/$key/variables/variables.data-00000-of-00001" "$tmp/t1/$key/variables/variables.data-00000-of-00001"
    echo "  imported 5 GiB weights identical: yes"
fi
