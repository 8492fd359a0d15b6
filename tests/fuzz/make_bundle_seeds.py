#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_bundle: real bundles exported by the CLI from the shared fixtures,
and hostile zips derived from one of them (names leaving their folder, symbolic links, a bundle
manifest lying about sizes or digests, Zip64 fields, bombs, damaged central directories).

usage: python3 tests/fuzz/make_bundle_seeds.py CLI [SHARED_DATA_DIR]
  CLI: a built tfhub-cache (e.g. build/app/tfhub-cache)
Every file is named by the SHA-1 of its content, as libFuzzer names what it finds. Exported bundles
carry their export time, so rerunning adds new real seeds: delete the old ones first if that matters."""
import hashlib, io, json, os, shutil, struct, subprocess, sys, tempfile, zipfile

here = os.path.dirname(os.path.abspath(__file__))
cli = sys.argv[1]
data = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, '..', '..', '..', 'shared', 'data')
out = os.path.join(here, 'corpus', 'fuzz_bundle')
MANIFEST = '.tfhub-cache-bundle.json'


def put(content):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, hashlib.sha1(content).hexdigest()), 'wb') as f:
        f.write(content)


def key_of(handle):
    return hashlib.sha1(handle.encode()).hexdigest()


def make_entry(cache, handle, model, descriptor=True):
    key = key_of(handle)
    shutil.copytree(os.path.join(data, 'savedmodels', model), os.path.join(cache, key))
    if descriptor:
        with open(os.path.join(cache, key + '.descriptor.txt'), 'w') as f:
            f.write('Module: %s\nDownload Time: 2024-01-29 17:51:07.123456\n'
                    'Downloader Hostname: builder.example (PID:4242)' % handle)
    return key


def export(tmp, name, entries):
    """entries: (handle, model, with descriptor); returns the bundle's bytes."""
    cache = os.path.join(tmp, name)
    os.makedirs(cache)
    for handle, model, descriptor in entries:
        make_entry(cache, handle, model, descriptor)
    zip_path = os.path.join(tmp, name + '.zip')
    env = dict(os.environ, HOME=tmp, XDG_CONFIG_HOME=tmp + '/.config', XDG_DATA_HOME=tmp + '/.local')
    subprocess.run([cli, '--cache-dir', cache, 'export', '--all', '-o', zip_path], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    with open(zip_path, 'rb') as f:
        return f.read()


def members(bundle):
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        return [(i, z.read(i)) for i in z.infolist()]


def write(items, zip64=False):
    """items: (name or ZipInfo, bytes, compress_type); returns the zip's bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w') as z:
        for name, content, method in items:
            info = name if isinstance(name, zipfile.ZipInfo) else zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
            info.compress_type = method
            with z.open(info, 'w', force_zip64=zip64) as f:
                f.write(content)
    return buf.getvalue()


def with_manifest(items, manifest):
    return [(n, c, m) for n, c, m in items if n != MANIFEST] + [
        (MANIFEST, json.dumps(manifest, indent=1).encode(), zipfile.ZIP_DEFLATED)]


def patch_central(zip_bytes, name, offset, fmt, value):
    """Rewrites one field of `name`'s central directory record (offset from its signature)."""
    b = bytearray(zip_bytes)
    pos = b.find(b'PK\x01\x02')
    while pos >= 0:
        n, = struct.unpack_from('<H', b, pos + 28)
        if bytes(b[pos + 46:pos + 46 + n]) == name.encode():
            struct.pack_into(fmt, b, pos + offset, value)
            return bytes(b)
        pos = b.find(b'PK\x01\x02', pos + 4)
    raise KeyError(name)


def hostile(base):
    items = [(i.filename, c, i.compress_type) for i, c in members(base)]
    manifest = json.loads(dict((n, c) for n, c, _ in items)[MANIFEST])
    entry = manifest['entries'][0]
    key, first = entry['key'], entry['files'][0]
    model = '%s/%s' % (key, first['path'])
    content = dict((n, c) for n, c, _ in items)[model]
    D = zipfile.ZIP_DEFLATED

    # Names that leave the entry's folder or the cache, listed in the manifest or not.
    for evil in ('%s/../../evil' % key, '../evil', '/tmp/evil', '%s/./x' % key, '%s//x' % key, '%s\\..\\x' % key):
        yield write(items + [(evil, b'evil', D)])
    m = json.loads(json.dumps(manifest))
    m['entries'][0]['files'].append({'path': '../../evil', 'size': 4, 'sha256': hashlib.sha256(b'evil').hexdigest()})
    yield write(with_manifest(items + [('%s/../../evil' % key, b'evil', D)], m))
    # A symbolic link in place of a model file, and one beside it.
    link = zipfile.ZipInfo(model, (2024, 1, 1, 0, 0, 0))
    link.create_system = 3
    link.external_attr = (0o120777 << 16)
    yield write([(n, c, s) for n, c, s in items if n != model] + [(link, b'/etc/passwd', zipfile.ZIP_STORED)])
    fifo = zipfile.ZipInfo('%s/fifo' % key, (2024, 1, 1, 0, 0, 0))
    fifo.create_system = 3
    fifo.external_attr = (0o010644 << 16)
    yield write(items + [(fifo, b'', zipfile.ZIP_STORED)])
    # The manifest lies: size, digest, a missing file, an unlisted file, another handle's key.
    for change in ({'size': first['size'] - 1}, {'size': first['size'] + 1}, {'sha256': '0' * 64},
                   {'path': 'other.bin'}):
        m = json.loads(json.dumps(manifest))
        m['entries'][0]['files'][0].update(change)
        yield write(with_manifest(items, m))
    m = json.loads(json.dumps(manifest))
    m['entries'][0]['key'] = key_of('https://tfhub.dev/google/other/1')
    yield write(with_manifest(items, m))
    yield write(items + [('%s/unlisted.bin' % key, b'x' * 10, D)])
    yield write([(n, c, s) for n, c, s in items if n != model])
    yield write(items + [(model, content, D)])  # the same name twice
    # The descriptor names another handle.
    yield write([(n, (b'Module: https://tfhub.dev/google/other/1\n' if n.endswith('.descriptor.txt') else c), s)
                 for n, c, s in items])
    # Zip64 records on every member, and a central directory claiming Zip64 sizes it does not carry.
    yield write(items, zip64=True)
    plain = write(items)
    yield patch_central(plain, model, 20, '<I', 0xFFFFFFFF)
    yield patch_central(plain, model, 24, '<I', 0xFFFFFFFF)
    yield patch_central(plain, model, 42, '<I', 0xFFFFFFFF)
    # Sizes and CRC that do not match the data; encryption; an unsupported method.
    yield patch_central(plain, model, 24, '<I', first['size'] - 10)
    yield patch_central(plain, model, 16, '<I', 0x12345678)
    yield patch_central(plain, model, 8, '<H', 0x0001)
    yield patch_central(plain, model, 10, '<H', 12)
    # A bomb: a megabyte of zeros declared as such (ratio over 1000:1) and declared tiny.
    m = json.loads(json.dumps(manifest))
    zeros = bytes(1 << 20)
    m['entries'][0]['files'][0].update({'size': len(zeros), 'sha256': hashlib.sha256(zeros).hexdigest()})
    bomb = write(with_manifest([(n, (zeros if n == model else c), s) for n, c, s in items], m))
    yield bomb
    yield patch_central(bomb, model, 24, '<I', 100)
    # Truncated and empty.
    yield plain[:len(plain) // 2]
    yield plain[:-10]
    yield write([(MANIFEST, b'{"bundle":"tfhub-cache","formatVersion":1,"entries":[]}', D)])
    yield b'PK\x05\x06' + bytes(18)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        small = export(tmp, 'small', [('https://tfhub.dev/google/tflite/1', 'half_plus_two_tflite', True)])
        put(small)
        put(export(tmp, 'tf1', [('https://tfhub.dev/google/tf1/1', 'half_plus_two_cpu', True)]))
        put(export(tmp, 'two', [('https://tfhub.dev/google/tflite/2', 'half_plus_two_tflite', True),
                                ('https://tfhub.dev/google/bykey/1', 'half_plus_two_tflite', False)]))
        for z in hostile(small):
            put(z)


main()
