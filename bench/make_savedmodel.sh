#!/usr/bin/env bash
# Makes a SavedModel-shaped tar.gz of about 500 MB: weight shards (float-like data that compresses
# a little, as real weights do) plus a few thousand small files (vocabularies, assets).
# usage: bench/make_savedmodel.sh OUT.tar.gz [SHARD_MB]
set -eu  # no pipefail: `head` closing a pipe early is how sizes are cut here
out="$1"
shard_mb="${2:-60}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
m="$work/model"
mkdir -p "$m/variables" "$m/assets"
head -c 3000000 /dev/urandom > "$m/saved_model.pb"
printf 'fingerprint' > "$m/fingerprint.pb"
shards=8
for i in $(seq 0 $((shards - 1))); do
  f=$(printf '%s/variables/variables.data-%05d-of-%05d' "$m" "$i" "$shards")
  # three quarters random bytes, one quarter base64 text: gzip shrinks the whole by about a tenth,
  # close to what it does to real float32 weights
  head -c $((shard_mb * 3 / 4 * 1048576)) /dev/urandom > "$f"
  head -c $((shard_mb / 4 * 1048576)) /dev/urandom | base64 -w 0 | head -c $((shard_mb / 4 * 1048576)) >> "$f"
done
head -c 200000 /dev/urandom > "$m/variables/variables.index"
for d in $(seq 1 30); do
  mkdir -p "$m/assets/part$d"
  for i in $(seq 1 100); do
    seq $((i * 7)) $((i * 7 + 300)) > "$m/assets/part$d/vocab_$i.txt"
  done
done
tar -C "$m" -czf "$out" .
ls -l "$out"
