#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets from the shared fixtures (../shared/data) and small
hand-written samples. The hostile archives of the extractor suites are written by the suites
themselves: run tst_extractor and tst_extractorsafety with TFHUB_FUZZ_CORPUS=tests/fuzz/corpus/fuzz_tar.

usage: python3 tests/fuzz/make_seeds.py [SHARED_DATA_DIR]
Every file is named by the SHA-1 of its content, as libFuzzer names what it finds, so rerunning adds
nothing twice."""
import gzip, hashlib, io, os, struct, sys, tarfile, zlib

here = os.path.dirname(os.path.abspath(__file__))
data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, '..', '..', '..', 'shared', 'data')
corpus = os.path.join(here, 'corpus')


def put(target, content):
    if isinstance(content, str):
        content = content.encode('utf-8')
    folder = os.path.join(corpus, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, hashlib.sha1(content).hexdigest()), 'wb') as f:
        f.write(content)


def docs(limit_bytes=3000):
    """A few small documents of each kind from the tfhub.dev documentation fixture."""
    root = os.path.join(data, 'tfhub-dev-docs')
    picked = {}
    for folder, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            kind = next((k for k in ('collections', 'tfjs', 'lite', 'coral', 'models') if k in rel.split('/')),
                        'publisher')
            if name.endswith('.md') and os.path.getsize(path) <= limit_bytes and len(picked.get(kind, [])) < 4:
                picked.setdefault(kind, []).append(path)
    return [p for paths in picked.values() for p in paths]


def handles():
    yield from [
        'https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/feature_vector/5',
        'https://tfhub.dev/google/universal-sentence-encoder/4?tf-hub-format=compressed',
        'https://www.kaggle.com/models/google/mobilenet-v2/frameworks/TensorFlow2/variations/100-224/versions/1',
        'https://hub.tensorflow.google.cn/google/imagenet/resnet_v2_50/classification/5',
        'http://127.0.0.1:8080/m/1?a=1&b=&c=%20x#frag',
        'gs://bucket/path/model.tar.gz', 'gs://bucket/path/model.tgz', 'gs://bucket/saved_model_dir',
        '/home/user/models/saved', 'relative/path', 'https://', ' https://tfhub.dev/x/1', 'https://tfhub.dev/\x01',
        'HTTPS://TFHUB.DEV/google/x/1', 'https://[::1]:99/x\x00name\x00value with space',
    ]


def gzip_variants():
    payload = b'saved_model.pb contents\n' * 20
    yield gzip.compress(payload, mtime=0)
    yield gzip.compress(payload, mtime=0) + gzip.compress(b'second member', mtime=0)
    yield gzip.compress(b'', mtime=0)
    # FEXTRA, FNAME, FCOMMENT and FHCRC, which the inflater parses itself.
    header = b'\x1f\x8b\x08' + bytes([0x04 | 0x08 | 0x10 | 0x02]) + b'\0\0\0\0\0\x03'
    header += struct.pack('<H', 6) + b'AB\x02\0xy' + b'name.tar\0' + b'a comment\0'
    header += struct.pack('<H', zlib.crc32(header) & 0xffff)
    body = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = body.compress(payload) + body.flush()
    yield header + deflated + struct.pack('<II', zlib.crc32(payload), len(payload))


def small_tar(root):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode='w', format=tarfile.USTAR_FORMAT) as t:
        for folder, dirs, files in sorted(os.walk(root)):
            dirs.sort()
            for name in sorted(files) + dirs:
                path = os.path.join(folder, name)
                info = t.gettarinfo(path, os.path.relpath(path, root))
                info.uid = info.gid = 0
                info.uname = info.gname = ''
                info.mtime = 0
                if info.isfile():
                    with open(path, 'rb') as f:
                        t.addfile(info, f)
                else:
                    t.addfile(info)
    return out.getvalue()


def main():
    for h in handles():
        put('fuzz_handle', h)
    for doc in docs():
        with open(doc, 'rb') as f:
            text = f.read()
        put('fuzz_catalog', text)
        heading = text.split(b'\n', 1)[0].split(b' ')[-1]
        put('fuzz_handle', b'https://tfhub.dev/' + heading)
    put('fuzz_catalog', ''.join(h.split('\0')[0] + '\n' for h in handles()) + '# comment\n\n')

    put('fuzz_descriptor', 'Module: https://tfhub.dev/google/x/1\nDownload Time: 2024-01-29 17:51:07.123456\n'
                           'Downloader Hostname: build-host.example.org (PID:4242)')
    put('fuzz_descriptor', 'Module: gs://b/m.tar.gz\r\nDownload Time: 2024-01-29 17:51:07\r\n'
                           'Downloader Hostname: h (PID:1)\r\n')
    put('fuzz_descriptor', 'Download Time: 2024-13-45 99:99:99.1\nModule: \nDownloader Hostname: no pid')

    uid = '0123456789abcdef0123456789abcdef'
    for text in ('host.1234.' + uid, 'a.b.example.org.77.' + uid + '\n', '.1.' + uid, 'h.-5.' + uid, 'h.1.XYZ',
                 'h.99999999999999999999.' + uid):
        put('fuzz_lockfile', text)

    put('fuzz_manifest', '{"schema":1,"handle":"https://tfhub.dev/google/x/1","key":"'
                         + 'a' * 40 + '","url":"http://127.0.0.1/x","archiveBytes":1365,"archiveSha256":"'
                         + 'b' * 64 + '","downloaded":"2024-01-29T17:51:07.123Z","format":"tf2-saved-model",'
                         '"files":[{"path":"saved_model.pb","size":5,"sha256":"' + 'c' * 64 + '"},'
                         '{"path":"variables/variables.index","size":0,"sha256":"' + 'd' * 64 + '"}]}')
    put('fuzz_manifest', '{"schema":1,"files":[{"path":"../../etc/passwd","size":1}]}')
    put('fuzz_manifest', '{"schema":2}')
    put('fuzz_manifest', '[1,2,{"schema":1}]')

    # The first two bytes of a gzip input choose the piece sizes, the first byte of a tar input
    # the feed size.
    for i, gz in enumerate(gzip_variants()):
        put('fuzz_gzip', bytes([i * 37 % 256, i * 11 % 256]) + gz)
    with open(os.path.join(data, 'savedmodels', 'half_plus_two_v1_hub_module.tar.gz'), 'rb') as f:
        module = f.read()
    put('fuzz_gzip', b'\x00\x05' + module)
    put('fuzz_tar', b'\x00' + module)
    put('fuzz_tar', b'\x10' + small_tar(os.path.join(data, 'savedmodels', 'half_plus_two_tflite')))
    put('fuzz_tar', b'\x03' + gzip.compress(small_tar(os.path.join(data, 'savedmodels', 'half_plus_two_cpu')),
                                            mtime=0))

    block = ('# >>> tfhub-cache-manager >>>\n# Managed by TF Hub Cache Manager (tfhub-cache config); this '
             'block is replaced on change.\nexport TFHUB_CACHE_DIR="$HOME/models"\n# <<< tfhub-cache-manager <<<')
    put('fuzz_rcblock', '# ~/.bashrc\nalias ll="ls -l"\n' + block + '\nexport PATH=$PATH:~/bin\n\0/data/cache')
    put('fuzz_rcblock', 'alias x=y\r\n' + block.replace('\n', '\r\n') + '\0/home/fuzz/m $x')
    put('fuzz_rcblock', 'no final newline' + '\0' + '~/cache')
    put('fuzz_rcblock', 'set -gx PATH $PATH\n' + block.replace('export TFHUB_CACHE_DIR=', 'set -gx TFHUB_CACHE_DIR ')
        + '\0/data/"q"\\b`c`')
    put('fuzz_rcblock', '  # >>> tfhub-cache-manager >>>  \n# <<< tfhub-cache-manager <<<\n\0')
    put('fuzz_rcblock', '')


main()
