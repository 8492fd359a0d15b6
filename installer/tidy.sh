#!/usr/bin/env bash
# clang-tidy with the repository's .clang-tidy over the sources of a build's compile_commands.json,
# two files at a time. Too slow for CI on two cores, so it is run by hand (and before a release).
#   bash installer/tidy.sh [BUILD_DIR] [PATH...]
# BUILD_DIR defaults to build-test (what `setup.sh test` configures); PATHs (files or folders, from
# the repository's top) limit the run, e.g. `bash installer/tidy.sh build-test core/cache app/cli`.
# Diagnostics go to stdout; exit 1 when there are any. JOBS=N changes the parallelism.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
build="${1:-$top/build-test}"
[ $# -gt 0 ] && shift
jobs="${JOBS:-2}"

if ! command -v clang-tidy >/dev/null; then
  echo "tidy: clang-tidy is not installed (apt-get install clang-tidy)" >&2
  exit 2
fi
db="$build/compile_commands.json"
if [ ! -f "$db" ]; then
  echo "tidy: no $db; configure first (bash installer/setup.sh test, or cmake -S . -B $build)" >&2
  exit 2
fi

# The project's own sources from the database (not moc/rcc output), limited to the PATHs given.
mapfile -t files < <(python3 - "$db" "$top" "$@" <<'PY'
import json, os, sys
db, top, paths = sys.argv[1], os.path.realpath(sys.argv[2]), sys.argv[3:]
wanted = [os.path.realpath(os.path.join(top, p)) for p in paths] or [top]
seen = set()
for entry in json.load(open(db)):
    f = os.path.realpath(os.path.join(entry["directory"], entry["file"]))
    if f in seen or not f.startswith(top + "/") or "_autogen/" in f:
        continue
    if any(f == w or f.startswith(w.rstrip("/") + "/") for w in wanted):
        seen.add(f)
        print(f)
PY
)
if [ ${#files[@]} -eq 0 ]; then
  echo "tidy: no source in $db matches: ${*:-$top}" >&2
  exit 2
fi
echo "tidy: ${#files[@]} files, $jobs at a time ($(clang-tidy --version | grep -o 'version [0-9.]*'))" >&2

# g++ flags clang does not know are not worth a warning each.
out="$(printf '%s\0' "${files[@]}" \
  | xargs -0 -P"$jobs" -n1 clang-tidy -p "$build" --quiet --extra-arg=-Wno-unknown-warning-option 2>/dev/null || true)"
warnings="$(printf '%s\n' "$out" | grep -E '^[^ ].*:[0-9]+:[0-9]+: (warning|error):' | sort -u || true)"
if [ -z "$warnings" ]; then
  echo "tidy: no findings" >&2
  exit 0
fi
printf '%s\n' "$out"
echo "tidy: $(printf '%s\n' "$warnings" | wc -l) findings" >&2
exit 1
