#!/usr/bin/env bash
# Makes a synthetic tensorflow_hub cache of N entries for the desktop app's benchmark
# (bench/gui_bench.sh): `<sha1(handle)>/` folders copied round-robin from the shared real models
# (a TF2 SavedModel, a TF1 SavedModel, a TFLite model), each with a `<key>.descriptor.txt` exactly
# as tensorflow_hub writes it, handles https://tfhub.dev/<publisher>/<model>/<n> over 40
# publishers; plus a few empty folders and one stale lock with its abandoned tmp folder.
#
#   bench/make_cache.sh N DIR
#   FILES_PER_ENTRY=200 bench/make_cache.sh N DIR
#
# With FILES_PER_ENTRY=F every entry is a copy of the TF2 SavedModel (saved_model.pb, its variables
# index and data, fingerprint.pb) whose assets/ holds small files up to F files in all, and there
# are no empty folders or stale lock: the shape of the scan benchmark (bench/scan_bench.sh), 1,000
# complete entries x 200 files with descriptors.
# DIR must not exist or be empty. The shared data is read from $TFHUB_SHARED_DATA, or
# ../shared/data beside the repository.
set -euo pipefail

if [[ $# -ne 2 ]] || ! [[ $1 =~ ^[0-9]+$ ]]; then
    echo "usage: $0 N DIR" >&2
    exit 2
fi
count=$1
dir=$2
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${TFHUB_SHARED_DATA:-$repo/../shared/data}/savedmodels
templates=(half_plus_two_tf2_cpu half_plus_two_cpu half_plus_two_tflite)
for t in "${templates[@]}"; do
    [[ -d $data/$t ]] || { echo "missing $data/$t (set TFHUB_SHARED_DATA)" >&2; exit 1; }
done
if [[ -e $dir ]] && [[ -n $(ls -A "$dir") ]]; then
    echo "$dir is not empty" >&2
    exit 1
fi
mkdir -p "$dir"

publishers=(google tensorflow deepmind nvidia intel facebook microsoft huggingface sayakpaul
    vasudevgupta emilutz tulasiram58827 rishit-dagli jeongukjae kaggle silero agripredict
    svampeatlas spsayakpaul captain-pool nvidia-research adityakane keras-io nlpaueb
    bigscience openai-community sentence-transformers prithivida mediapipe tensorflow-models
    alibaba tencent baidu naver-clova ibm ai2 salesforce allenai stanfordnlp unimelb)
models=(bert_en_uncased_L-12_H-768_A-12 universal-sentence-encoder imagenet/mobilenet_v2_100_224/feature_vector
    efficientnet/b0/classification movenet/singlepose/lightning albert_en_base electra_small
    faster_rcnn/resnet50_v1_640x640 ssd_mobilenet_v2 yamnet spice nnlm-en-dim128 wiki40b-lm-en
    biggan-deep-256 esrgan-tf2 magenta/arbitrary-image-stylization-v1-256 resnet_50/classification
    inception_v3/feature_vector vit_b16_fe small_bert/bert_en_uncased_L-4_H-512_A-8)

key() { printf '%s' "$1" | sha1sum | cut -d' ' -f1; }

# One process per entry at most (the copy): the handles are hashed by one sha1sum over files that
# hold exactly the handle's bytes, padding and descriptors are written by shell built-ins.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
files_per_entry=${FILES_PER_ENTRY:-}
if [[ -n $files_per_entry ]]; then
    [[ $files_per_entry =~ ^[0-9]+$ ]] || { echo "FILES_PER_ENTRY must be a number" >&2; exit 2; }
    templates=(half_plus_two_tf2_cpu)
fi
for t in "${templates[@]}"; do
    cp -r "$data/$t" "$stage/$t"
    chmod -R u+w "$stage/$t"
    mkdir -p "$stage/$t/assets"
    if [[ -n $files_per_entry ]]; then
        have=$(find "$stage/$t" -type f | wc -l)
        # vocab.txt (written per entry below) is one of them.
        for ((f = have + 1; f < files_per_entry; ++f)); do
            printf 'asset %d\n' "$f" >"$stage/$t/assets/asset-$f.txt"
        done
    fi
done
mkdir "$stage/handles"
handles=()
for ((i = 0; ${#handles[@]} < count; ++i)); do
    p=${publishers[$((i % ${#publishers[@]}))]}
    m=${models[$(((i / ${#publishers[@]}) % ${#models[@]}))]}
    v=$((i / (${#publishers[@]} * ${#models[@]}) + 1))
    handles+=("https://tfhub.dev/$p/$m/$v")
    printf '%s' "${handles[-1]}" >"$stage/handles/${#handles[@]}"
done
keys=()
while read -r k f; do
    keys[${f##*/}]=$k
done < <(cd "$stage/handles" && sha1sum -- *)

printf -v pad '%65536s' ''
for ((n = 0; n < count; ++n)); do
    handle=${handles[$n]}
    k=${keys[$((n + 1))]}
    cp -r "$stage/${templates[$((n % ${#templates[@]}))]}" "$dir/$k"
    # Sizes differ from entry to entry (0-63 KiB of padding), as real models do.
    printf '%s' "${pad:0:$(((n * 7919) % 65536))}" >"$dir/$k/assets/vocab.txt"
    printf -v when '2024-%02d-%02d %02d:%02d:%02d.%06d' $((n % 12 + 1)) $((n % 28 + 1)) $((n % 24)) \
        $((n % 60)) $(((n * 7) % 60)) $(((n * 7919) % 1000000))
    # The descriptor as tensorflow_hub writes it: no trailing newline.
    printf 'Module: %s\nDownload Time: %s\nDownloader Hostname: host (PID:123)' "$handle" "$when" \
        >"$dir/$k.descriptor.txt"
done

if [[ -n $files_per_entry ]]; then
    echo "made $count entries of $files_per_entry files in $dir"
    exit 0
fi

# A few empty folders (failed copies; tensorflow_hub downloads those again).
for n in 1 2 3 4 5; do
    handle="https://tfhub.dev/google/empty-model-$n/1"
    k=$(key "$handle")
    mkdir -p "$dir/$k"
    printf 'Module: %s\nDownload Time: 2023-12-01 08:00:00.000000\nDownloader Hostname: host (PID:123)' \
        "$handle" >"$dir/$k.descriptor.txt"
done

# A stale lock: its holder on this host is gone and its tmp folder has not changed for hours.
k=$(key "https://tfhub.dev/google/interrupted/1")
uid=0123456789abcdef0123456789abcdef
printf '%s.999999.%s' "$(uname -n)" "$uid" >"$dir/$k.lock"
mkdir -p "$dir/$k.$uid.tmp/variables"
head -c 300000 /dev/zero >"$dir/$k.$uid.tmp/variables/variables.data-00000-of-00001"
touch -d '2 hours ago' "$dir/$k.lock" "$dir/$k.$uid.tmp" "$dir/$k.$uid.tmp/variables" \
    "$dir/$k.$uid.tmp/variables/variables.data-00000-of-00001"

echo "made $count entries, 5 empty folders and 1 stale lock in $dir"
