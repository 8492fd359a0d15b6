#!/usr/bin/env bash
# Crash torture (docs/reliability.md): SIGKILL `tfhub-cache` at random moments and check that no
# kill loses or corrupts a model.
#   bash installer/torture.sh [ROUNDS] [SEED]      (CI: 10 rounds; by hand: 50 or more)
# Environment: TFHUB_CLI (default build-test/app/tfhub-cache), TORTURE_RATE (bytes/s the archive is
# served at, default 24 MB/s), TORTURE_WORK (scratch folder, default a new one in /tmp, removed),
# TORTURE_KINDS (the kinds of rounds to run, default "prefetch move import clean").
#
# prefetch rounds: a ~60 MB archive served at a limited rate; prefetch killed after a random delay.
#   After each kill: a published entry is exactly the archive; leftovers (lock, tmp folder) are
#   backdated with `touch -d` and `list --json` must call them stale, never downloading; then the
#   next prefetch must finish with exactly the archive's files and no leftovers.
# move rounds: `config set cache-dir NEW --move` (to another file system when /dev/shm exists, so
#   models are copied) killed after a random delay; then `config move --finish` or `--undo` (the
#   seed picks) when a move is pending. Every model must exist complete in exactly one place.
# import rounds: `import BUNDLE` killed; cleanup rounds: `clean --unused-days 0 --yes` killed (see
#   their functions). Killed prefetches, imports and cleanups leave leftovers that clean --stale must
#   remove once backdated.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
rounds="${1:-10}"
seed="${2:-${TORTURE_SEED:-$(( $(date +%s) % 100000 ))}}"
cli="${TFHUB_CLI:-$top/build-test/app/tfhub-cache}"
rate="${TORTURE_RATE:-$((24 * 1024 * 1024))}"
RANDOM=$seed
echo "torture: $rounds rounds of each kind, seed $seed (rerun: bash installer/torture.sh $rounds $seed)"
[ -x "$cli" ] || { echo "torture: no tfhub-cache at $cli (set TFHUB_CLI)" >&2; exit 2; }

work="${TORTURE_WORK:-$(mktemp -d /tmp/tfhub-torture.XXXXXX)}"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -z "${TORTURE_WORK:-}" ] && rm -rf "$work" "${shm_work:-}" || true
}
trap cleanup EXIT
fail() { echo "torture: FAILED (seed $seed, $1): $2" >&2; exit 1; }

# An isolated user: settings, rc files and the default cache stay inside $work.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_CACHE_HOME="$work/home/.cache" \
  XDG_DATA_HOME="$work/home/.local/share" TMPDIR="$work/tmp"
mkdir -p "$HOME" "$TMPDIR"
unset TFHUB_CACHE_DIR TFHUB_MODEL_LOAD_FORMAT

# The models: made once from a fixed seed, so every run serves the same bytes.
python3 - "$work" <<'PY'
import os, random, sys, tarfile
work = sys.argv[1]
rng = random.Random(17)
def tree(root, sizes):
    for name, size in sizes:
        os.makedirs(os.path.dirname(os.path.join(root, name)), exist_ok=True)
        with open(os.path.join(root, name), 'wb') as f:
            f.write(rng.randbytes(size))
def pack(root, out):
    with tarfile.open(out, 'w:gz', compresslevel=1) as t:
        for name in sorted(os.listdir(root)):
            t.add(os.path.join(root, name), arcname=name)
mb = 1024 * 1024
tree(os.path.join(work, 'tree'), [('saved_model.pb', 300000), ('variables/variables.index', 2000),
     ('variables/variables.data-00000-of-00002', 40 * mb), ('variables/variables.data-00001-of-00002', 20 * mb)])
pack(os.path.join(work, 'tree'), os.path.join(work, 'model.tar.gz'))
tree(os.path.join(work, 'movetree'), [('saved_model.pb', 100000), ('variables/variables.data-00000-of-00001', 12 * mb)])
pack(os.path.join(work, 'movetree'), os.path.join(work, 'move.tar.gz'))
# The import and cleanup rounds' models: small, with many files, so a run takes long enough to be
# killed half-way but ten rounds stay quick.
tree(os.path.join(work, 'smalltree'), [('saved_model.pb', 20000), ('variables/variables.index', 1000),
     ('variables/variables.data-00000-of-00001', mb)] + [('assets/f%03d.txt' % i, 2000) for i in range(80)])
PY
echo "torture: archive $(stat -c %s "$work/model.tar.gz") bytes at $rate bytes/s"

python3 "$here/torture_server.py" "$work/model.tar.gz" "$work/move.tar.gz" "$rate" "$work/port" &
server_pid=$!
for _ in $(seq 100); do [ -f "$work/port" ] && break; sleep 0.1; done
[ -f "$work/port" ] || fail setup "the torture server did not start"
base="http://127.0.0.1:$(cat "$work/port")"

# Milliseconds to sleep, in [0, max).
random_ms() { echo $(( (RANDOM * 32768 + RANDOM) % $1 )); }
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }
same_tree() { diff -r -q "$1" "$2" >/dev/null 2>&1; }
leftovers() { find "$1" -maxdepth 1 \( -name "$2.lock" -o -name "$2.*.tmp" -o -name "$2.lock.tmp*" \) | sort; }
backdate() { find "$1" -mindepth 1 -exec touch -h -d '10 minutes ago' {} +; }

# Every leftover in CACHE: locks, tmp folders and files, orphan descriptors and manifests.
all_leftovers() {
  find "$1" -mindepth 1 -maxdepth 1 \( -name '*.lock' -o -name '*.tmp' -o -name '*.tmp*' \) -printf '%f\n' | sort
  local f
  for f in "$1"/*.descriptor.txt "$1"/*.manifest.json; do
    [ -e "$f" ] || continue
    local name key
    name="$(basename "$f")"
    key="${name%%.*}"
    [ -d "$1/$key" ] || echo "$name"
  done
}
# The cleanup planner's stale rule must remove every leftover (they are backdated by then).
clean_stale() {
  "$cli" --cache-dir "$1" clean --stale --yes >"$work/clean-stale.log" 2>&1 \
    || fail "$2" "clean --stale failed: $(tail -3 "$work/clean-stale.log")"
  [ -z "$(all_leftovers "$1")" ] || fail "$2" "clean --stale left: $(all_leftovers "$1" | tr '\n' ' ')"
}

# After the next run: no leftover at all, except those a kill leaves that, as with tensorflow_hub's
# own, no later run looks at: the temporary of a one-file write (`K.lock.tmp<32 hex>` between writing
# a lock and linking it to `K.lock`, `K.manifest.json.tmp<hex>` or `K.descriptor.txt.tmp<hex>`
# between writing and renaming it), and the lock of an entry that was published (a kill between
# publishing and releasing the lock: the next run finds the model and does not look for locks). The
# cleanup planner removes those, so clean --stale must. Counts such rounds in lock_temps.
lock_temps=0
check_next_run_clean() {
  local cache="$1" round="$2" rest="" name
  while read -r name; do
    [ -n "$name" ] || continue
    if [[ "$name" =~ ^[0-9a-f]{40}\.(lock|manifest\.json|descriptor\.txt)\.tmp[0-9a-f]{32}$ ]]; then continue; fi
    if [[ "$name" =~ ^([0-9a-f]{40})\.lock$ ]] && [ -d "$cache/${BASH_REMATCH[1]}" ]; then continue; fi
    rest="$rest $name"
  done <<<"$(all_leftovers "$cache")"
  [ -z "$rest" ] || fail "$round" "leftovers remain after the next run:$rest"
  if [ -n "$(all_leftovers "$cache")" ]; then
    lock_temps=$((lock_temps + 1))
    backdate "$cache"
    clean_stale "$cache" "$round"
  fi
}

# list --json must name every leftover of each KEY among its entry's artifacts and not call it live.
check_listed_stale() {
  local cache="$1" round="$2"
  shift 2
  "$cli" --cache-dir "$cache" list --json --no-trunc >"$work/list.json" || fail "$round" "list failed"
  python3 - "$work/list.json" "$cache" "$@" <<'PY' || fail "$round" "list does not show the leftovers as stale"
import json, os, sys
listing, cache, keys = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3:]
for key in keys:
    entries = [e for e in listing['entries'] if e['key'] == key]
    assert len(entries) == 1, f'one entry for {key}: {entries}'
    e = entries[0]
    assert e['state'] != 'downloading', f"leftovers of a killed run shown as downloading: {e['stateDetail']}"
    names = {a['name'] for a in e['artifacts']}
    on_disk = {n for n in os.listdir(cache) if n.startswith(key + '.') and (n.endswith('.tmp') or '.lock' in n)}
    assert on_disk <= names, f'leftovers not listed: {on_disk - names}'
    assert e['reclaimableBytes'] > 0 or not any(n.endswith('.tmp') for n in on_disk), 'tmp folders not reclaimable'
PY
}

prefetch_rounds() {
  lock_temps=0
  local handle="$base/torture/model/1" cache="$work/cache" mid=0 cleaned=0 start=$SECONDS
  local key
  key="$("$cli" key "$handle")"
  # A full, unkilled download sets the range the kills are drawn from.
  rm -rf "$cache"
  local t0 t1
  t0=$(date +%s%N)
  "$cli" --cache-dir "$cache" prefetch "$handle" >"$work/prefetch.log" 2>&1 || fail prefetch "a plain prefetch failed"
  t1=$(date +%s%N)
  same_tree "$work/tree" "$cache/$key" || fail prefetch "a plain prefetch does not hold the archive's files"
  local span=$(( (t1 - t0) / 1000000 * 6 / 5 + 1 ))
  echo "torture: a whole prefetch takes $(( (t1 - t0) / 1000000 )) ms; kills land in [0, $span) ms"
  for round in $(seq 1 "$rounds"); do
    rm -rf "$cache"
    local delay
    delay=$(random_ms "$span")
    "$cli" --cache-dir "$cache" prefetch "$handle" >"$work/prefetch.log" 2>&1 &
    local pid=$!
    sleep_ms "$delay"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    local left
    left="$(leftovers "$cache" "$key" 2>/dev/null || true)"
    local where="after the download"
    if [ -n "$left" ]; then mid=$((mid + 1)); where="mid-way"; fi
    if [ -e "$cache/$key" ]; then
      same_tree "$work/tree" "$cache/$key" || fail "prefetch round $round" "a published entry differs from the archive"
    fi
    if [ -n "$left" ]; then
      backdate "$cache"
      check_listed_stale "$cache" "prefetch round $round" "$key"
      # The seed picks who deals with the leftovers: the cleanup planner, or the next prefetch.
      if [ $((RANDOM % 2)) -eq 0 ]; then
        clean_stale "$cache" "prefetch round $round"
        cleaned=$((cleaned + 1)); where="mid-way, cleaned up"
        if [ -e "$cache/$key" ]; then
          same_tree "$work/tree" "$cache/$key" || fail "prefetch round $round" "clean --stale changed the published entry"
        fi
      fi
    fi
    timeout 300 "$cli" --cache-dir "$cache" prefetch "$handle" >"$work/prefetch2.log" 2>&1 \
      || fail "prefetch round $round" "the next prefetch failed: $(tail -3 "$work/prefetch2.log")"
    same_tree "$work/tree" "$cache/$key" || fail "prefetch round $round" "the next prefetch's files differ from the archive"
    check_next_run_clean "$cache" "prefetch round $round"
    echo "  prefetch round $round: killed at ${delay} ms ($where); recovered"
  done
  echo "torture: prefetch: $rounds kills, $mid landed during the download ($cleaned of them cleaned up by clean --stale); $lock_temps dead locks or one-file temporaries left for clean --stale, $((SECONDS - start)) s"
}

# Every model of KEYS complete in exactly one of OLD and NEW.
check_exactly_once() {
  local old="$1" new="$2" round="$3"
  shift 3
  for key in "$@"; do
    local found=0
    for dir in "$old" "$new"; do
      if [ -e "$dir/$key" ]; then
        found=$((found + 1))
        same_tree "$work/movetree" "$dir/$key" || fail "$round" "model $key in $dir is not complete"
        [ -f "$dir/$key.descriptor.txt" ] || fail "$round" "model $key in $dir lost its descriptor"
      fi
    done
    [ "$found" -eq 1 ] || fail "$round" "model $key exists in $found places"
  done
}

move_rounds() {
  local template="$work/move-template" start=$SECONDS finished=0 undone=0 pending=0 refused=0 late=0
  local keys=() handles=()
  for m in a b c d; do handles+=("$base/move/$m/1"); keys+=("$("$cli" key "$base/move/$m/1")"); done
  "$cli" --cache-dir "$template" prefetch "${handles[@]}" >"$work/setup.log" 2>&1 || fail move "setting up the cache failed"
  shm_work=""
  local newparent="$work"
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then shm_work="$(mktemp -d /dev/shm/tfhub-torture.XXXXXX)"; newparent="$shm_work"; fi
  local old="$work/move-old" new="$newparent/move-new"
  rm -rf "$old" "$new"
  cp -a "$template" "$old"
  local t0 t1
  t0=$(date +%s%N)
  TFHUB_CACHE_DIR="$old" "$cli" config set cache-dir "$new" --move --targets bash >"$work/move.log" 2>&1 \
    || fail move "a plain move failed: $(tail -3 "$work/move.log")"
  t1=$(date +%s%N)
  check_exactly_once "$old" "$new" "move" "${keys[@]}"
  local span=$(( (t1 - t0) / 1000000 * 6 / 5 + 1 ))
  echo "torture: a whole move takes $(( (t1 - t0) / 1000000 )) ms; kills land in [0, $span) ms"
  for round in $(seq 1 "$rounds"); do
    rm -rf "$old" "$new"
    cp -a "$template" "$old"
    local delay
    delay=$(random_ms "$span")
    TFHUB_CACHE_DIR="$old" "$cli" config set cache-dir "$new" --move --targets bash >"$work/move.log" 2>&1 &
    local pid=$!
    sleep_ms "$delay"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    local what="no move pending"
    rm -f "$work/finish.log"
    if TFHUB_CACHE_DIR="$old" "$cli" config move 2>&1 | grep -q "was cut short"; then
      pending=$((pending + 1))
      # --finish is refused (exit 1, saying to undo) while some model was not copied yet.
      if [ $((RANDOM % 2)) -eq 0 ] && TFHUB_CACHE_DIR="$old" "$cli" config move --finish >"$work/finish.log" 2>&1; then
        finished=$((finished + 1)); what="cut short, finished"
        for key in "${keys[@]}"; do [ -e "$new/$key" ] || fail "move round $round" "finish left $key behind"; done
      else
        if [ -s "$work/finish.log" ]; then
          grep -q "undo it" "$work/finish.log" \
            || fail "move round $round" "config move --finish failed: $(tail -3 "$work/finish.log")"
          refused=$((refused + 1))
        fi
        if TFHUB_CACHE_DIR="$old" "$cli" config move --undo >"$work/undo.log" 2>&1; then
          undone=$((undone + 1)); what="cut short, undone"
          if [ -s "$work/finish.log" ]; then what="cut short while copying, finish refused, undone"; fi
          for key in "${keys[@]}"; do [ -e "$old/$key" ] || fail "move round $round" "undo left $key in the new folder"; done
        else
          # --undo is refused (saying to finish) once the originals are being deleted: the kill
          # landed in the last phase, so the only way on is forward.
          grep -q "past undoing" "$work/undo.log" \
            || fail "move round $round" "config move --undo failed: $(tail -3 "$work/undo.log")"
          TFHUB_CACHE_DIR="$old" "$cli" config move --finish >"$work/finish.log" 2>&1 \
            || fail "move round $round" "config move --finish after a refused undo failed: $(tail -3 "$work/finish.log")"
          finished=$((finished + 1)); late=$((late + 1)); what="cut short while deleting, undo refused, finished"
          for key in "${keys[@]}"; do [ -e "$new/$key" ] || fail "move round $round" "finish left $key behind"; done
        fi
      fi
    fi
    check_exactly_once "$old" "$new" "move round $round" "${keys[@]}"
    echo "  move round $round: killed at ${delay} ms ($what)"
  done
  echo "torture: move: $rounds kills, $pending cut a move short ($finished finished, $undone undone, of which $refused after --finish was refused; $late finished after --undo was refused), $((SECONDS - start)) s"
}

# N small models (smalltree) under handles of their own in CACHE, as tensorflow_hub leaves them; sets
# small_keys to their keys.
make_small_cache() {
  local cache="$1" n="$2"
  small_keys=()
  mkdir -p "$cache"
  for i in $(seq 1 "$n"); do
    local handle="https://tfhub.dev/torture/small-$i/1" key
    key="$("$cli" key "$handle")"
    cp -r "$work/smalltree" "$cache/$key"
    printf 'Module: %s\nDownload Time: 2026-01-01 00:00:00.000000\nDownloader Hostname: torture (PID:1)' \
      "$handle" >"$cache/$key.descriptor.txt"
    small_keys+=("$key")
  done
}

# Each model of small_keys in CACHE: complete with its descriptor, or (when ABSENT_OK) not there at all.
check_small() {
  local cache="$1" absent_ok="$2" round="$3" key
  for key in "${small_keys[@]}"; do
    if [ -e "$cache/$key" ]; then
      same_tree "$work/smalltree" "$cache/$key" || fail "$round" "model $key in $cache is not complete"
      [ -f "$cache/$key.descriptor.txt" ] || fail "$round" "model $key in $cache has no descriptor"
    elif [ "$absent_ok" != yes ]; then
      fail "$round" "model $key is missing from $cache"
    fi
  done
}

# Lists every leftover's entry as stale (not downloading).
check_leftovers_stale() {
  local cache="$1" round="$2" key left=()
  for key in "${small_keys[@]}"; do
    if [ -n "$(leftovers "$cache" "$key")" ]; then left+=("$key"); fi
  done
  if [ "${#left[@]}" -gt 0 ]; then check_listed_stale "$cache" "$round" "${left[@]}"; fi
}

# Runs CMD... in the background and SIGKILLs it after DELAY ms.
kill_after() {
  local delay="$1"
  shift
  "$@" >"$work/killed.log" 2>&1 &
  local pid=$!
  sleep_ms "$delay"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Milliseconds a plain run of CMD... takes, times 1.2 (the range kills are drawn from); fails if it fails.
timed_span() {
  local what="$1" t0 t1
  shift
  t0=$(date +%s%N)
  "$@" >"$work/plain.log" 2>&1 || fail "$what" "a plain run failed: $(tail -3 "$work/plain.log")"
  t1=$(date +%s%N)
  echo "torture: a whole $what takes $(( (t1 - t0) / 1000000 )) ms; kills land in [0, $(( (t1 - t0) / 1000000 * 6 / 5 + 1 ))) ms" >&2
  echo $(( (t1 - t0) / 1000000 * 6 / 5 + 1 ))
}

# import rounds: `import BUNDLE` of four small models killed after a random delay. Afterwards each model
# is complete in the cache or not there (still only in the bundle, which is unchanged); leftovers are
# listed as stale; then (the seed picks) clean --stale removes them, and the next import finishes with
# every model and no leftover.
import_rounds() {
  lock_temps=0
  local src="$work/import-src" bundle="$work/bundle.zip" cache="$work/import-cache" start=$SECONDS
  local mid=0 partial=0 cleaned=0
  rm -rf "$src" "$cache"
  make_small_cache "$src" 4
  "$cli" --cache-dir "$src" export --all -o "$bundle" >"$work/export.log" 2>&1 \
    || fail import "exporting the bundle failed: $(tail -3 "$work/export.log")"
  local sum span
  sum="$(sha256sum <"$bundle")"
  span=$(timed_span import "$cli" --cache-dir "$cache" import "$bundle")
  check_small "$cache" no import
  for round in $(seq 1 "$rounds"); do
    local r="import round $round" delay where="before any model was written"
    rm -rf "$cache"
    delay=$(random_ms "$span")
    kill_after "$delay" "$cli" --cache-dir "$cache" import "$bundle"
    check_small "$cache" yes "$r"
    local published=0 key
    for key in "${small_keys[@]}"; do [ -e "$cache/$key" ] && published=$((published + 1)); done
    if [ "$published" -eq "${#small_keys[@]}" ]; then where="after the import"; fi
    if [ "$published" -gt 0 ] && [ "$published" -lt "${#small_keys[@]}" ]; then
      partial=$((partial + 1)); where="while publishing ($published of ${#small_keys[@]} published)"
    fi
    if [ -d "$cache" ] && [ -n "$(all_leftovers "$cache")" ]; then
      mid=$((mid + 1))
      [ "$published" -eq 0 ] && where="mid-way"
      backdate "$cache"
      check_leftovers_stale "$cache" "$r"
      if [ $((RANDOM % 2)) -eq 0 ]; then
        clean_stale "$cache" "$r"
        check_small "$cache" yes "$r"
        cleaned=$((cleaned + 1)); where="$where, cleaned up"
      fi
    fi
    timeout 120 "$cli" --cache-dir "$cache" import "$bundle" >"$work/import2.log" 2>&1 \
      || fail "$r" "the next import failed: $(tail -3 "$work/import2.log")"
    check_small "$cache" no "$r"
    check_next_run_clean "$cache" "$r"
    check_small "$cache" no "$r"
    [ "$(sha256sum <"$bundle")" = "$sum" ] || fail "$r" "the bundle changed"
    echo "  import round $round: killed at ${delay} ms ($where); recovered"
  done
  echo "torture: import: $rounds kills, $mid left leftovers ($partial while publishing; $cleaned cleaned up by clean --stale); $lock_temps dead locks or one-file temporaries left for clean --stale, $((SECONDS - start)) s"
}

# cleanup rounds: `clean --unused-days 0 --yes` (every model of a cache of eight) killed after a random
# delay. Afterwards each model is either gone or complete with its descriptor; leftovers (a model
# renamed aside, an orphan descriptor) are listed as stale and clean --stale removes them; the next
# full run removes the rest.
clean_rounds() {
  local template="$work/clean-template" cache="$work/clean-cache" start=$SECONDS mid=0 span
  rm -rf "$template" "$cache"
  make_small_cache "$template" 8
  cp -a "$template" "$cache"
  span=$(timed_span cleanup "$cli" --cache-dir "$cache" clean --unused-days 0 --yes)
  [ -z "$(ls -A "$cache")" ] || fail cleanup "a plain run left: $(ls -A "$cache" | tr '\n' ' ')"
  for round in $(seq 1 "$rounds"); do
    local r="cleanup round $round" delay where removed=0 key
    rm -rf "$cache"
    cp -a "$template" "$cache"
    delay=$(random_ms "$span")
    kill_after "$delay" "$cli" --cache-dir "$cache" clean --unused-days 0 --yes
    check_small "$cache" yes "$r"
    for key in "${small_keys[@]}"; do [ -e "$cache/$key" ] || removed=$((removed + 1)); done
    where="$removed of ${#small_keys[@]} removed"
    if [ -n "$(all_leftovers "$cache")" ]; then
      mid=$((mid + 1)); where="$where, mid-way through one"
      backdate "$cache"
      check_leftovers_stale "$cache" "$r"
      clean_stale "$cache" "$r"
      check_small "$cache" yes "$r"
    elif [ "$removed" -gt 0 ] && [ "$removed" -lt "${#small_keys[@]}" ]; then
      mid=$((mid + 1))
    fi
    timeout 120 "$cli" --cache-dir "$cache" clean --unused-days 0 --yes >"$work/clean2.log" 2>&1 \
      || fail "$r" "the next cleanup failed: $(tail -3 "$work/clean2.log")"
    [ -z "$(ls -A "$cache")" ] || fail "$r" "the next cleanup left: $(ls -A "$cache" | tr '\n' ' ')"
    echo "  cleanup round $round: killed at ${delay} ms ($where); recovered"
  done
  echo "torture: cleanup: $rounds kills, $mid landed mid-way, $((SECONDS - start)) s"
}

# TORTURE_KINDS picks the kinds of rounds (default: all of them, in this order).
for kind in ${TORTURE_KINDS:-prefetch move import clean}; do
  "${kind}_rounds"
done
echo "torture: passed (seed $seed)"
