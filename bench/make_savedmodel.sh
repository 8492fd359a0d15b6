#!/usr/bin/env bash
# Makes a SavedModel-shaped tar.gz: 8 weight shards plus small files (vocabularies, assets). With
# the defaults it is the archive of the prefetch issue: a 543 MB tree (8 shards of 64 MiB, a 3 MB
# graph, 2,000 small files) that gzips to about 406 MB.
# usage: bench/make_savedmodel.sh OUT.tar.gz [SHARD_MB [SMALL_FILES]]
set -eu  # no pipefail: `head` closing a pipe early is how sizes are cut here
out="$1"
shard_mb="${2:-64}"
small_files="${3:-2000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
m="$work/model"
mkdir -p "$m/variables" "$m/assets"
head -c 3000000 /dev/urandom > "$m/saved_model.pb"
printf 'fingerprint' > "$m/fingerprint.pb"
shards=8
# 16 symbols of 256: random bytes folded onto 4 bits of entropy, which gzip shrinks to 0.57
hex16=$(printf '0123456789abcdef%.0s' $(seq 16))
for i in $(seq 0 $((shards - 1))); do
  f=$(printf '%s/variables/variables.data-%05d-of-%05d' "$m" "$i" "$shards")
  # 7/16 random bytes, 9/16 low-entropy bytes: gzip shrinks the whole to about 0.75, as the
  # issue's archive (406 MB of 543 MB)
  head -c $((shard_mb * 7 * 65536)) /dev/urandom > "$f"
  head -c $((shard_mb * 9 * 65536)) /dev/urandom | tr '\000-\377' "$hex16" >> "$f"
done
head -c 200000 /dev/urandom > "$m/variables/variables.index"
per_folder=100
for d in $(seq 1 $(((small_files + per_folder - 1) / per_folder))); do
  mkdir -p "$m/assets/part$d"
  for i in $(seq 1 "$per_folder"); do
    [ $(((d - 1) * per_folder + i)) -le "$small_files" ] || break
    seq $((i * 7)) $((i * 7 + 300)) > "$m/assets/part$d/vocab_$i.txt"
  done
done
tar -C "$m" -czf "$out" .
echo "tree: $(du -sb "$m" | cut -f1) bytes in $(find "$m" -type f | wc -l) files; archive: $(stat -c %s "$out") bytes"
