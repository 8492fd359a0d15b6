#!/bin/sh
# Regenerates the bundled catalog index (resources/catalog/tfhub-dev.tsv) from tfhub.dev's published
# documentation folder. Only facts (handles, names, tags) go into the index; see core/catalog/catalogindex.h
# for the format. Usage: resources/catalog/regenerate.sh [BUILD_DIR] [DOCS_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${1:-"$repo/build"}
docs=${2:-"$repo/../shared/data/tfhub-dev-docs"}
cli="$build/app/tfhub-cache"
if [ ! -x "$cli" ]; then
    echo "regenerate.sh: $cli not found; build the tfhub-cache target first" >&2
    exit 1
fi
"$cli" catalog build-index "$docs" "$here/tfhub-dev.tsv"
