#!/usr/bin/env bash
# Takes the documentation's screenshots (docs/screenshots/{browse,cache,cache-gcs,downloads,usage,cleanup,settings}.png)
# with the real application under Xvfb. Builds nothing: pass the build folder that holds the application.
#
#   installer/screenshots.sh BUILD_DIR
#
# For checking the pages rather than the documentation: SCREENSHOT_OUT=DIR writes elsewhere,
# SCREENSHOT_SCALE=2 sets QT_SCALE_FACTOR (and a screen that fits), SCREENSHOT_ARGS="--dark" adds
# options to every run (--dark: Fusion with a dark palette), SCREENSHOT_SIZE=1920x1080 sets the
# window (and screen) size, 1024x700 by default: the smallest the pages must fit.
#
# The shared test data (savedmodels/...) is read from $TFHUB_SHARED_DATA, or ../shared/data beside
# the repository. Nothing outside a temporary folder is touched: the cache, HOME and the XDG
# folders all point into it.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${TFHUB_SHARED_DATA:-$repo/../shared/data}
app=$build/app/tfhub-cache-manager
out=${SCREENSHOT_OUT:-$repo/docs/screenshots}
scale=${SCREENSHOT_SCALE:-1}
size=${SCREENSHOT_SIZE:-1024x700}
width=${size%x*}
height=${size#*x}
read -r -a extra_args <<<"${SCREENSHOT_ARGS:-}"

[[ -x $app ]] || { echo "$app is missing; build the project first" >&2; exit 1; }
[[ -d $data/savedmodels ]] || { echo "no shared data at $data (set TFHUB_SHARED_DATA)" >&2; exit 1; }
command -v xvfb-run >/dev/null || { echo "xvfb-run is missing (apt-get install xvfb)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is missing" >&2; exit 1; }

work=$(mktemp -d)
server_pid=
gcs_pid=
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true
    [[ -n $gcs_pid ]] && kill "$gcs_pid" 2>/dev/null || true
    chmod -R u+w "$work" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

cache=$work/cache
mkdir -p "$cache" "$work/home/.config" "$work/home/.cache" "$work/home/.local/share" "$work/tmp"
mkdir -m 700 "$work/runtime"

key() { printf '%s' "$1" | sha1sum | cut -d' ' -f1; }

descriptor() { # handle, key, timestamp
    printf 'Module: %s\nDownload Time: %s\nDownloader Hostname: workstation (PID:4242)' "$1" "$3" \
        >"$cache/$2.descriptor.txt"
}

# A complete entry per shared SavedModel, as tensorflow_hub leaves it.
add_copy() { # handle, source folder, timestamp
    local k
    k=$(key "$1")
    cp -r "$2" "$cache/$k"
    chmod -R u+w "$cache/$k"
    descriptor "$1" "$k" "$3"
}
add_copy "https://tfhub.dev/tensorflow/half_plus_two_tf2/1" "$data/savedmodels/half_plus_two_tf2_cpu" \
    "2024-03-02 09:14:55.120456"
add_copy "https://www.kaggle.com/models/google/half-plus-two/tensorFlow1/cpu/1" \
    "$data/savedmodels/half_plus_two_cpu" "2024-02-11 17:51:07.123456"

# The TF1 Hub module, extracted from its archive.
k=$(key "https://tfhub.dev/google/half_plus_two/1")
mkdir -p "$cache/$k"
tar -xzf "$data/savedmodels/half_plus_two_v1_hub_module.tar.gz" -C "$cache/$k"
descriptor "https://tfhub.dev/google/half_plus_two/1" "$k" "2024-01-29 17:51:07.123456"

# Long handles that differ only at their ends, as a real cache has them.
for h in "https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/classification/5" \
    "https://tfhub.dev/google/imagenet/mobilenet_v2_140_224/classification/5" \
    "https://tfhub.dev/tensorflow/bert_en_uncased_L-12_H-768_A-12/4" \
    "https://hub.tensorflow.google.cn/google/imagenet/efficientnet_v2_imagenet1k_b0/feature_vector/2"; do
    add_copy "$h" "$data/savedmodels/half_plus_two_tf2_cpu" "2024-04-0$((RANDOM % 9 + 1)) 10:00:00.000000"
done
# An abandoned download with no descriptor: the app names it from the catalog.
k=$(key "https://tfhub.dev/google/yamnet/1")
mkdir -p "$cache/$k.fedcba9876543210fedcba9876543210.tmp"
head -c 200000 /dev/zero >"$cache/$k.fedcba9876543210fedcba9876543210.tmp/saved_model.pb"
touch -d '3 days ago' "$cache/$k.fedcba9876543210fedcba9876543210.tmp/saved_model.pb" \
    "$cache/$k.fedcba9876543210fedcba9876543210.tmp"

# An empty folder (a failed copy) and an interrupted download whose holder is gone.
k=$(key "https://tfhub.dev/google/universal-sentence-encoder/4")
mkdir -p "$cache/$k"
descriptor "https://tfhub.dev/google/universal-sentence-encoder/4" "$k" "2023-12-01 08:00:00.000000"
k=$(key "https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/feature_vector/5")
uid=0123456789abcdef0123456789abcdef
printf 'workstation.999999.%s' "$uid" >"$cache/$k.lock"
mkdir -p "$cache/$k.$uid.tmp/variables"
head -c 300000 /dev/zero >"$cache/$k.$uid.tmp/variables/variables.data-00000-of-00001"
touch -d '2 hours ago' "$cache/$k.lock" "$cache/$k.$uid.tmp" "$cache/$k.$uid.tmp/variables" \
    "$cache/$k.$uid.tmp/variables/variables.data-00000-of-00001"

# A model whose weights changed after its download: Verify (here the CLI's) marks it until fixed.
cli=$build/app/tfhub-cache
mkdir -p "$work/home/.local/state"
k=$(key "https://tfhub.dev/google/imagenet/mobilenet_v2_140_224/classification/5")
if [[ -x $cli ]]; then
    HOME="$work/home" XDG_STATE_HOME="$work/home/.local/state" "$cli" --cache-dir "$cache" verify --rehash "$k" >/dev/null
    printf 'x' >>"$cache/$k/variables/variables.data-00000-of-00001"
    HOME="$work/home" XDG_STATE_HOME="$work/home/.local/state" "$cli" --cache-dir "$cache" verify "$k" >/dev/null || true
fi

# A local hub for the Downloads page: /fast/... at full speed, /slow/... at 60 bytes a second,
# anything else 404, so the page shows a finished, a running and a failed download.
archive=$data/savedmodels/half_plus_two_v1_hub_module.tar.gz
cat >"$work/hub.py" <<'EOF'
import http.server, socketserver, sys, time
archive = open(sys.argv[1], 'rb').read()
class Hub(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split('?')[0]
        if not (path.startswith('/fast/') or path.startswith('/slow/')):
            self.send_error(404, 'Not Found')
            return
        self.send_response(200)
        self.send_header('Content-Type', 'application/x-tar')
        self.send_header('Content-Length', str(len(archive)))
        self.end_headers()
        step = len(archive) if path.startswith('/fast/') else 6
        try:
            for i in range(0, len(archive), step):
                self.wfile.write(archive[i:i + step])
                self.wfile.flush()
                if step < len(archive):
                    time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the application quit after its screenshot
    def log_message(self, *args):
        pass
class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
with Server(('127.0.0.1', 0), Hub) as server:
    print(server.server_address[1], flush=True)
    server.serve_forever()
EOF
exec 3< <(python3 "$work/hub.py" "$archive")
server_pid=$!
read -r -t 10 port <&3 || { echo "the local hub did not start" >&2; exit 1; }
hub=http://127.0.0.1:$port

mkdir -p "$out"
# What shoot() shows: the local cache, or (for one picture) a gs:// one with its emulator.
shoot_cache=$cache
shoot_env=()
shoot() { # page, file, delay ms, extra arguments...
    local page=$1 file=$2 delay=$3
    shift 3
    env -u TFHUB_CACHE_DIR -u TFHUB_MODEL_LOAD_FORMAT -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM \
        -u STORAGE_EMULATOR_HOST ${shoot_env[@]+"${shoot_env[@]}"} \
        HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_CACHE_HOME="$work/home/.cache" \
        XDG_DATA_HOME="$work/home/.local/share" XDG_STATE_HOME="$work/home/.local/state" XDG_RUNTIME_DIR="$work/runtime" TMPDIR="$work/tmp" LANG=C.UTF-8 LC_ALL=C.UTF-8 \
        QT_QPA_PLATFORMTHEME= QT_SCALE_FACTOR="$scale" \
        timeout 120 xvfb-run -a -s "-screen 0 $((width * scale))x$((height * scale))x24" \
        "$app" -geometry "${width}x${height}+0+0" --cache-dir "$shoot_cache" --page "$page" --screenshot "$out/$file" --screenshot-delay "$delay" \
        ${extra_args[@]+"${extra_args[@]}"} "$@"
    echo "wrote $out/$file"
}

# The Cache page on a gs:// cache: a stand-in for the Cloud Storage JSON API (objects.list and
# alt=media reads, all the page asks for) serves a copy of the cache above as the objects of
# gs://team-models/tfhub-cache, reached through STORAGE_EMULATOR_HOST as a real emulator is.
cp -a "$cache" "$work/gcs"
cat >"$work/gcs.py" <<'EOF'
import datetime, http.server, json, os, socketserver, sys, urllib.parse
root, bucket, prefix = sys.argv[1:4]
def objects():
    for folder, _, files in os.walk(root):
        for f in files:
            path = os.path.join(folder, f)
            yield prefix + '/' + os.path.relpath(path, root), path, os.stat(path)
def meta(name, st):
    updated = datetime.datetime.fromtimestamp(st.st_mtime, datetime.timezone.utc)
    return {'name': name, 'size': str(st.st_size), 'generation': str(int(st.st_mtime * 1e6)),
            'updated': updated.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z'}
class Gcs(http.server.BaseHTTPRequestHandler):
    def reply(self, code, body, kind='application/json'):
        self.send_response(code)
        self.send_header('Content-Type', kind)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        base = '/storage/v1/b/' + bucket + '/o'
        if url.path == base:
            want = query.get('prefix', [''])[0]
            items = [meta(n, st) for n, _, st in sorted(objects()) if n.startswith(want)]
            return self.reply(200, json.dumps({'items': items}).encode())
        name = urllib.parse.unquote(url.path[len(base) + 1:])
        for n, path, _ in objects():
            if url.path.startswith(base + '/') and n == name and query.get('alt') == ['media']:
                with open(path, 'rb') as f:
                    return self.reply(200, f.read(), 'application/octet-stream')
        self.reply(404, json.dumps({'error': {'code': 404, 'message': 'No such object: ' + name}}).encode())
    def log_message(self, *args):
        pass
class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
with Server(('127.0.0.1', 0), Gcs) as server:
    print(server.server_address[1], flush=True)
    server.serve_forever()
EOF
exec 4< <(python3 "$work/gcs.py" "$work/gcs" team-models tfhub-cache)
gcs_pid=$!
read -r -t 10 gcs_port <&4 || { echo "the Cloud Storage stand-in did not start" >&2; exit 1; }
shoot_cache=gs://team-models/tfhub-cache
shoot_env=(STORAGE_EMULATOR_HOST="http://127.0.0.1:$gcs_port")
shoot cache cache-gcs.png 300
kill "$gcs_pid" 2>/dev/null || true
shoot_cache=$cache
shoot_env=()

# Downloads last: its finished download adds an entry to the cache the other pictures show.
shoot browse browse.png 800 --search "universal sentence encoder"
shoot cache cache.png 300
shoot usage usage.png 300
shoot cleanup cleanup.png 800
shoot settings settings.png 300
shoot downloads downloads.png 3500 \
    --prefetch "$hub/fast/google/half_plus_two/1" \
    --prefetch "$hub/slow/google/half_plus_two/2" \
    --prefetch "$hub/google/no_such_model/1"
