// Hostile bundles, each made here by Python's zipfile from a good one: every one is refused with a
// message naming the cause, nothing is written outside the tmp folder and nothing is published.

#include "core/bundle/bundleimport.h"
#include "tests/core/bundlefixtures.h"

using namespace tfhub;
using namespace tfhub::test::bundlefixtures;

namespace {

// mutate.py MODE IN OUT: rewrites the bundle IN as OUT with one defect.
const char *kMutate = R"PY(
import hashlib, json, random, struct, sys, zipfile
mode, src, dst = sys.argv[1:4]
MAN = '.tfhub-cache-bundle.json'
zin = zipfile.ZipFile(src)
items = [(i, zin.read(i.filename)) for i in zin.infolist()]
man = json.loads(dict((i.filename, d) for i, d in items)[MAN])
entry = man['entries'][0]
key = entry['key']
big = max(entry['files'], key=lambda f: f['size'])

def add(name, data, attr=None, compress=zipfile.ZIP_STORED, listed=False):
    zi = zipfile.ZipInfo(name)
    zi.compress_type = compress
    if attr is not None:
        zi.create_system = 3
        zi.external_attr = attr << 16
    items.append((zi, data))
    if listed:
        entry['files'].append({'path': name[41:], 'size': len(data), 'sha256': hashlib.sha256(data).hexdigest()})

def write():
    with zipfile.ZipFile(dst, 'w') as z:
        for info, data in items:
            if info.filename == MAN:
                data = json.dumps(man).encode()
            z.writestr(info, data)

def patch(name, local_off, central_off, fn):
    b = bytearray(open(dst, 'rb').read())
    info = zipfile.ZipFile(dst).getinfo(name)
    for off in (info.header_offset + local_off,):
        struct.pack_into('<I', b, off, fn(struct.unpack_from('<I', b, off)[0]))
    pos = 0
    while True:
        pos = b.find(b'PK\x01\x02', pos)
        n = struct.unpack_from('<H', b, pos + 28)[0]
        if b[pos + 46:pos + 46 + n] == name.encode():
            struct.pack_into('<I', b, pos + central_off, fn(struct.unpack_from('<I', b, pos + central_off)[0]))
            break
        pos += 4
    open(dst, 'wb').write(b)

if mode == 'dotdot': add(key + '/../evil.txt', b'x')
elif mode == 'absolute': add('/tmp/tfhub-bundle-evil.txt', b'x')
elif mode == 'symlink': add(key + '/link', b'/etc/passwd', attr=0o120777)
elif mode == 'outside': add('evil.txt', b'x')
elif mode == 'otherkey': add('0' * 40 + '/evil.txt', b'x')
elif mode == 'badkey': entry['key'] = 'abc'
elif mode == 'wrongkey': entry['handle'] = 'https://tfhub.dev/other/model/1'
elif mode == 'sha': big['sha256'] = '0' * 64
elif mode == 'size': big['size'] += 1
elif mode == 'unlisted': add(key + '/unlisted.bin', b'x')
elif mode == 'missing': entry['files'].append({'path': 'gone.bin', 'size': 1, 'sha256': '0' * 64})
elif mode == 'duplicate':
    info = next(i for i, d in items if i.filename == key + '/' + big['path'])
    items.append((info, dict((i.filename, d) for i, d in items)[info.filename]))
elif mode == 'space': big['size'] = 2 ** 55
elif mode == 'ratio': add(key + '/zeros.bin', bytes(10 * 1024 * 1024), compress=zipfile.ZIP_DEFLATED, listed=True)
elif mode == 'overflow':
    r = random.Random(1)
    add(key + '/grow.bin', bytes(r.choice(b'ab') for _ in range(200000)), compress=zipfile.ZIP_DEFLATED, listed=True)
    entry['files'][-1]['size'] = 100000
write()
if mode == 'overflow': patch(key + '/grow.bin', 22, 24, lambda v: 100000)
if mode == 'crc': patch(key + '/' + big['path'], 14, 16, lambda v: v ^ 1)
if mode == 'truncated':
    b = open(dst, 'rb').read()
    open(dst, 'wb').write(b[:len(b) // 2])
if mode == 'centraldir':
    b = bytearray(open(dst, 'rb').read())
    pos = b.find(b'PK\x01\x02')
    b[pos:pos + 2] = b'XX'
    open(dst, 'wb').write(b)
)PY";

} // namespace

class TestBundleHostile : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_zip;
    QString m_script;
    int m_case = 0;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        test::isolateHome(m_dir.filePath(QStringLiteral("home")));
        const QString source = m_dir.filePath(QStringLiteral("source"));
        const QStringList keys = makeSourceCache(source);
        QCOMPARE(keys.size(), 3);
        m_zip = m_dir.filePath(QStringLiteral("good.zip"));
        QVERIFY(exportKeys(source, { keys.at(1) }, m_zip)); // the TF2 SavedModel
        m_script = m_dir.filePath(QStringLiteral("mutate.py"));
        QVERIFY(test::writeFile(m_script, kMutate));
    }

    void refused_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<QString>("message");
        QTest::newRow("dot-dot") << "dotdot"
                                 << "leaves its folder";
        QTest::newRow("absolute") << "absolute"
                                  << "absolute name";
        QTest::newRow("symlink") << "symlink"
                                 << "symbolic link";
        QTest::newRow("outside key folder") << "outside"
                                            << "outside every entry's folder";
        QTest::newRow("other key") << "otherkey"
                                   << "does not list";
        QTest::newRow("key not hex") << "badkey"
                                     << "not a cache key";
        QTest::newRow("key not sha1 of handle") << "wrongkey"
                                                << "is not the key of its handle";
        QTest::newRow("sha mismatch") << "sha"
                                      << "SHA-256 differs";
        QTest::newRow("size mismatch") << "size"
                                       << "the bundle manifest says";
        QTest::newRow("unlisted file") << "unlisted"
                                       << "is not in the bundle manifest";
        QTest::newRow("missing file") << "missing"
                                      << "missing from the zip";
        QTest::newRow("duplicate name") << "duplicate"
                                        << "appears twice";
        QTest::newRow("beyond free space") << "space"
                                           << "free: refused";
        QTest::newRow("ratio over 1000") << "ratio"
                                         << "zip bomb";
        QTest::newRow("inflates beyond declared") << "overflow"
                                                  << "inflates beyond";
        QTest::newRow("bad crc") << "crc"
                                 << "CRC-32";
        QTest::newRow("truncated") << "truncated"
                                   << "not a readable zip";
        QTest::newRow("bad central directory") << "centraldir"
                                               << "central directory";
    }

    void refused()
    {
        QFETCH(QString, mode);
        QFETCH(QString, message);
        const QString work = m_dir.filePath(QStringLiteral("case%1").arg(++m_case));
        QVERIFY(QDir().mkpath(work));
        const QString bad = work + QStringLiteral("/bad.zip");
        QByteArray out;
        QCOMPARE(runTool(QStringLiteral("python3"), { m_script, mode, m_zip, bad }, &out), 0);
        const QString root = work + QStringLiteral("/cache/sub");
        const Result<BundleImportSummary> s = bundle::importBundle(importRequest(bad, root));
        QVERIFY2(!s, qPrintable(mode));
        QVERIFY2(s.error().contains(message), qPrintable(s.error()));
        // Nothing published, no tmp folder or lock left, nothing beside the cache folder.
        QVERIFY2(namesIn(root).isEmpty(), qPrintable(namesIn(root).join(QLatin1Char(' '))));
        QCOMPARE(namesIn(work + QStringLiteral("/cache")), QStringList { QStringLiteral("sub") });
        QCOMPARE(namesIn(work), QStringList({ QStringLiteral("bad.zip"), QStringLiteral("cache") }));
        QVERIFY(!QFile::exists(QStringLiteral("/tmp/tfhub-bundle-evil.txt")));
    }
};

QTEST_GUILESS_MAIN(TestBundleHostile)
#include "tst_bundlehostile.moc"
