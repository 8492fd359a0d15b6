// The extractor's normal work: member names, every compression, the real TF1 module, gzip
// streams with several members or header fields, and damaged or truncated input.
#include "core/archive/archivedecoder.h"
#include "core/archive/archiveextractor.h"
#include "tests/core/extractorfixtures.h"
#include "tests/support/testdata.h"

#include <QCryptographicHash>
#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

using namespace tfhub::test::extraction;

namespace {

// A SavedModel-shaped folder; `large` adds multi-megabyte variables (several write blocks).
void makeModelTree(const QString &root, bool large)
{
    using tfhub::test::writeFile;
    QVERIFY(writeFile(root + QStringLiteral("/saved_model.pb"), noise(large ? 300000 : 4459, 1)));
    QVERIFY(writeFile(root + QStringLiteral("/tfhub_module.pb"), QByteArray("\x08\x03", 2)));
    QVERIFY(writeFile(root + QStringLiteral("/variables/variables.index"), noise(134, 2)));
    QVERIFY(writeFile(
        root + QStringLiteral("/variables/variables.data-00000-of-00001"), noise(large ? 2621443 : 8, 3)));
    QVERIFY(writeFile(
        root + QStringLiteral("/assets/vocab.txt"), QByteArray("hello\nworld\n").repeated(large ? 5000 : 3)));
    QVERIFY(writeFile(root + QStringLiteral("/assets/empty.txt"), QByteArray()));
    QVERIFY(writeFile(root + QStringLiteral("/assets/sp\u00e4ce n\u00e4me.txt"), "umlauts"));
    const QString deep = QStringLiteral("/assets/") + QStringLiteral("very-long-folder-name/").repeated(6)
        + QStringLiteral("leaf-with-a-long-name.bin");
    QVERIFY(writeFile(root + deep, noise(777, 4)));
    QVERIFY(QDir().mkpath(root + QStringLiteral("/assets/extra/empty-folder")));
}

QByteArray tarOf(const QString &root)
{
    int code = -1;
    const QByteArray tar = runTool(QStringLiteral("tar"),
        { QStringLiteral("--sort=name"), QStringLiteral("-cf"), QStringLiteral("-"), QStringLiteral("-C"),
            root, QStringLiteral(".") },
        {}, &code);
    return code == 0 ? tar : QByteArray();
}

quint32 crc32(const QByteArray &data)
{
    quint32 crc = 0xffffffffu;
    for (char c : data) {
        crc ^= static_cast<unsigned char>(c);
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

} // namespace

class TestExtractor final : public QObject
{
    Q_OBJECT

private slots:
    void normalizeMemberName_data();
    void normalizeMemberName();
    void roundTrip_data();
    void roundTrip();
    void tf1HubModule_data();
    void tf1HubModule();
    void multiMemberGzip();
    void rootedNames_data();
    void rootedNames();
    void integrity_data();
    void integrity();
    void gzipHeaderFields_data();
    void gzipHeaderFields();
    void largeFilesAndSharedInput();
};

void TestExtractor::normalizeMemberName_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("plain") << QByteArray("saved_model.pb") << true << QByteArray("saved_model.pb");
    QTest::newRow("slash-rooted") << QByteArray("/saved_model.pb") << true << QByteArray("saved_model.pb");
    QTest::newRow("dot-rooted") << QByteArray("./variables/x") << true << QByteArray("variables/x");
    QTest::newRow("dot inside") << QByteArray("a/./b") << true << QByteArray("a/b");
    QTest::newRow("double slash") << QByteArray("a//b/") << true << QByteArray("a/b");
    QTest::newRow("inner dotdot") << QByteArray("a/../b") << true << QByteArray("b");
    QTest::newRow("root") << QByteArray("/") << true << QByteArray();
    QTest::newRow("dot root") << QByteArray("./") << true << QByteArray();
    QTest::newRow("leading dotdot") << QByteArray("../x") << false << QByteArray();
    QTest::newRow("escaping") << QByteArray("a/../../x") << false << QByteArray();
    QTest::newRow("rooted escaping") << QByteArray("/../etc/passwd") << false << QByteArray();
    QTest::newRow("dotdot alone") << QByteArray("..") << false << QByteArray();
    QTest::newRow("dots in a name") << QByteArray("..data") << true << QByteArray("..data");
}

void TestExtractor::normalizeMemberName()
{
    QFETCH(QByteArray, name);
    QFETCH(bool, valid);
    QFETCH(QByteArray, expected);
    const auto result = tfhub::detail::normalizeMemberName(name);
    QCOMPARE(result.ok(), valid);
    if (valid)
        QCOMPARE(*result, expected);
    else
        QCOMPARE(
            result.error(), QStringLiteral("Relative path '%1' is invalid.").arg(QString::fromUtf8(name)));
}

void TestExtractor::roundTrip_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<qsizetype>("chunk");
    QTest::addColumn<bool>("large");
    for (const char *method : { "none", "gzip", "bzip2", "xz", "zstd" }) {
        QTest::addRow("%s/small/1-byte", method) << QString::fromLatin1(method) << qsizetype(1) << false;
        QTest::addRow("%s/large/4093", method) << QString::fromLatin1(method) << qsizetype(4093) << true;
        QTest::addRow("%s/large/whole", method) << QString::fromLatin1(method) << qsizetype(1) << true;
    }
    QTest::newRow("gzip/large/7") << QStringLiteral("gzip") << qsizetype(7) << true;
    QTest::newRow("gzip/large/1MiB+3") << QStringLiteral("gzip") << qsizetype(1024 * 1024 + 3) << true;
}

void TestExtractor::roundTrip()
{
    QFETCH(QString, method);
    QFETCH(qsizetype, chunk);
    QFETCH(bool, large);
    QTemporaryDir temp;
    QVERIFY(temp.isValid());
    const QString source = temp.filePath(QStringLiteral("source"));
    makeModelTree(source, large);
    const QByteArray plain = tarOf(source);
    QVERIFY(!plain.isEmpty());
    const QByteArray archive = compress(method, plain);
    QVERIFY(!archive.isEmpty());
    if (QTest::currentDataTag() == QByteArray(method.toLatin1() + "/large/whole"))
        chunk = archive.size();

    const QString reference = temp.filePath(QStringLiteral("reference"));
    QVERIFY(QDir().mkpath(reference));
    int code = -1;
    runTool(QStringLiteral("tar"),
        { QStringLiteral("-xf"), QStringLiteral("-"), QStringLiteral("-C"), reference }, plain, &code);
    QCOMPARE(code, 0);

    const QString destination = temp.filePath(QStringLiteral("K.tmp"));
    QVERIFY(QDir().mkpath(destination));
    const Extraction result = extract(archive, destination, chunk);
    QVERIFY2(result.status.ok(), qPrintable(result.status.error()));

    const auto expected = readTree(reference);
    QCOMPARE(readTree(destination), expected);

    qint64 fileBytes = 0;
    qint64 files = 0;
    QMap<QString, QByteArray> expectedHashes;
    for (auto it = expected.cbegin(); it != expected.cend(); ++it) {
        if (it.value() == "<dir>")
            continue;
        ++files;
        fileBytes += it.value().size();
        expectedHashes.insert(
            it.key(), QCryptographicHash::hash(it.value(), QCryptographicHash::Sha256).toHex());
    }
    QMap<QString, QByteArray> hashes;
    for (const auto &record : result.manifest) {
        QCOMPARE(record.size, qint64(expected.value(record.path).size()));
        hashes.insert(record.path, record.sha256);
    }
    QCOMPARE(hashes, expectedHashes);
    QCOMPARE(result.archiveSha256, QCryptographicHash::hash(archive, QCryptographicHash::Sha256).toHex());
    QCOMPARE(result.stats.compressedBytes, qint64(archive.size()));
    QCOMPARE(result.stats.plainBytes, qint64(plain.size()));
    QCOMPARE(result.stats.writtenBytes, fileBytes);
    QCOMPARE(result.stats.filesWritten, files);
    QCOMPARE(result.stats.bufferedBytes, qint64(0));
    QVERIFY(result.stats.peakBufferedBytes <= ArchiveExtractor::kMaxBufferedBytes);
    QVERIFY(!result.stats.currentMember.isEmpty());
    const auto compression = method == QLatin1String("gzip") ? tfhub::ArchiveCompression::Gzip
        : method == QLatin1String("bzip2")                   ? tfhub::ArchiveCompression::Bzip2
        : method == QLatin1String("xz")                      ? tfhub::ArchiveCompression::Xz
        : method == QLatin1String("zstd")                    ? tfhub::ArchiveCompression::Zstd
                                                             : tfhub::ArchiveCompression::None;
    QVERIFY(result.stats.compression == compression);
}

void TestExtractor::tf1HubModule_data()
{
    QTest::addColumn<qsizetype>("chunk");
    QTest::newRow("1 byte") << qsizetype(1);
    QTest::newRow("100 bytes") << qsizetype(100);
    QTest::newRow("whole") << qsizetype(1 << 20);
}

void TestExtractor::tf1HubModule()
{
    QFETCH(qsizetype, chunk);
    const QString archivePath
        = tfhub::test::savedModelsDir() + QStringLiteral("/half_plus_two_v1_hub_module.tar.gz");
    QFile file(archivePath);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray archive = file.readAll();
    QTemporaryDir temp;
    QVERIFY(temp.isValid());
    const QString reference = temp.filePath(QStringLiteral("reference"));
    QVERIFY(tfhub::test::untar(archivePath, reference));
    const QString destination = temp.filePath(QStringLiteral("K.tmp"));
    QVERIFY(QDir().mkpath(destination));
    const Extraction result = extract(archive, destination, chunk);
    QVERIFY2(result.status.ok(), qPrintable(result.status.error()));
    const auto tree = readTree(destination);
    QCOMPARE(tree, readTree(reference));
    QVERIFY(tree.contains(QStringLiteral("tfhub_module.pb")));
    QVERIFY(tree.contains(QStringLiteral("variables/variables.index")));
    QCOMPARE(result.stats.filesWritten, qint64(4));
}

void TestExtractor::multiMemberGzip()
{
    QTemporaryDir temp;
    QVERIFY(temp.isValid());
    const QByteArray plain
        = TarBuilder().file("a.bin", noise(70000, 5)).file("b.bin", noise(3000, 6)).build();
    // Split inside a member: a gzip member boundary need not fall on a tar boundary.
    const QByteArray archive
        = gzipMember(plain.left(40000)) + gzipMember(plain.mid(40000, 100)) + gzipMember(plain.mid(40100));
    for (qsizetype chunk : { qsizetype(1), qsizetype(333), archive.size() }) {
        const QString destination = temp.filePath(QStringLiteral("out%1").arg(chunk));
        QVERIFY(QDir().mkpath(destination));
        const Extraction result = extract(archive, destination, chunk);
        QVERIFY2(result.status.ok(), qPrintable(result.status.error()));
        const auto tree = readTree(destination);
        QCOMPARE(tree.value(QStringLiteral("a.bin")), noise(70000, 5));
        QCOMPARE(tree.value(QStringLiteral("b.bin")), noise(3000, 6));
    }
}

void TestExtractor::rootedNames_data()
{
    QTest::addColumn<QByteArray>("member");
    QTest::addColumn<QString>("landsAt");
    QTest::newRow("slash") << QByteArray("/saved_model.pb") << QStringLiteral("saved_model.pb");
    QTest::newRow("dot slash") << QByteArray("./saved_model.pb") << QStringLiteral("saved_model.pb");
    QTest::newRow("slash folder") << QByteArray("/variables/variables.index")
                                  << QStringLiteral("variables/variables.index");
    QTest::newRow("dot inside") << QByteArray("variables/./x") << QStringLiteral("variables/x");
    QTest::newRow("double slash") << QByteArray("variables//y") << QStringLiteral("variables/y");
    QTest::newRow("inner dotdot") << QByteArray("assets/../z") << QStringLiteral("z");
}

void TestExtractor::rootedNames()
{
    QFETCH(QByteArray, member);
    QFETCH(QString, landsAt);
    QTemporaryDir temp;
    QVERIFY(temp.isValid());
    const QString destination = temp.filePath(QStringLiteral("K.tmp"));
    QVERIFY(QDir().mkpath(destination));
    // An archive made with arcname="/" starts with the root itself, which is skipped.
    const QByteArray archive = gzipMember(TarBuilder().dir("/").dir("./").file(member, "payload").build());
    const Extraction result = extract(archive, destination);
    QVERIFY2(result.status.ok(), qPrintable(result.status.error()));
    QCOMPARE(readTree(destination).value(landsAt), QByteArray("payload"));
    QCOMPARE(QDir(temp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
        QStringList { QStringLiteral("K.tmp") });
}

void TestExtractor::integrity_data()
{
    QTest::addColumn<QByteArray>("archive");
    QTest::addColumn<QString>("fragment");
    const QByteArray plain = TarBuilder()
                                 .file("saved_model.pb", noise(50000, 7))
                                 .dir("variables")
                                 .file("variables/v", "x")
                                 .build();
    const QByteArray gz = gzipMember(plain);
    const QString truncatedGzip = QStringLiteral("test-archive is truncated: the gzip data ends");
    const QString invalid = QStringLiteral("test-archive does not appear to be a valid module.");
    const QString noEnd
        = QStringLiteral("test-archive is truncated: the tar end-of-archive blocks are missing.");

    QByteArray badCrc = gz;
    badCrc[gz.size() - 8] = static_cast<char>(badCrc[gz.size() - 8] ^ 0x01);
    QByteArray badSize = gz;
    badSize[gz.size() - 4] = static_cast<char>(badSize[gz.size() - 4] ^ 0x01);

    QTest::newRow("gzip cut in the middle") << gz.left(gz.size() / 2) << truncatedGzip;
    QTest::newRow("gzip cut in the trailer") << gz.left(gz.size() - 3) << truncatedGzip;
    QTest::newRow("gzip without trailer") << gz.left(gz.size() - 8) << truncatedGzip;
    QTest::newRow("gzip bad crc") << badCrc
                                  << QStringLiteral("test-archive is damaged: the gzip checksum or length");
    QTest::newRow("gzip bad isize") << badSize
                                    << QStringLiteral("test-archive is damaged: the gzip checksum or length");
    QTest::newRow("gzip trailing garbage") << QByteArray(
        gz + "garbage!") << QStringLiteral("unexpected data follows the end of the gzip stream");
    QTest::newRow("gzip trailing zeros") << QByteArray(
        gz + QByteArray(16, '\0')) << QStringLiteral("unexpected data follows the end of the gzip stream");
    QTest::newRow("gzip then half a member") << QByteArray(gz + gzipMember("more").left(10)) << truncatedGzip;
    QTest::newRow("gzip corrupt deflate") << QByteArray(gz.left(10) + QByteArray(64, '\xff') + gz.mid(74))
                                          << QStringLiteral("test-archive is damaged: the gzip");

    const QByteArray noEndTar = TarBuilder().file("saved_model.pb", noise(50000, 7)).build(0);
    const QByteArray oneEndBlock = TarBuilder().file("saved_model.pb", noise(50000, 7)).build(1);
    for (const char *method : { "none", "gzip", "bzip2", "xz", "zstd" }) {
        QTest::addRow("%s: no end blocks", method)
            << compress(QString::fromLatin1(method), noEndTar) << noEnd;
        QTest::addRow("%s: one end block", method)
            << compress(QString::fromLatin1(method), oneEndBlock) << noEnd;
    }
    for (const char *method : { "bzip2", "xz", "zstd" }) {
        const QByteArray full = compress(QString::fromLatin1(method), plain);
        QTest::addRow("%s cut", method)
            << full.left(full.size() * 2 / 3) << QStringLiteral("test-archive is damaged");
    }
    QTest::newRow("tar cut inside a member") << plain.left(
        20000) << QStringLiteral("test-archive is damaged or truncated in member 'saved_model.pb'");
    QTest::newRow("tar cut inside a header")
        << plain.left(512 + 50176 + 100) << QStringLiteral("test-archive is damaged");

    const QByteArray html
        = "<!DOCTYPE html><html><head><title>Not found</title></head><body>Sorry.</body></html>\n";
    QTest::newRow("html") << html << invalid;
    QTest::newRow("html gzipped") << gzipMember(html) << invalid;
    QTest::newRow("html xz") << compress(QStringLiteral("xz"), html) << invalid;
    QTest::newRow("big html") << html.repeated(100) << invalid;
    QTest::newRow("empty") << QByteArray() << invalid;
    QTest::newRow("empty gzip") << gzipMember(QByteArray()) << invalid;
    QTest::newRow("one byte") << QByteArray("\x1f") << invalid;
}

void TestExtractor::integrity()
{
    QFETCH(QByteArray, archive);
    QFETCH(QString, fragment);
    for (qsizetype chunk : { qsizetype(1), qsizetype(4096), qsizetype(1 << 20) }) {
        if (chunk == 1 && archive.size() > 20000)
            continue; // the big rows are covered by the other chunk sizes
        QTemporaryDir temp;
        QVERIFY(temp.isValid());
        const Extraction result = extract(archive, temp.path(), chunk);
        QVERIFY2(!result.status.ok(), qPrintable(QStringLiteral("chunk %1").arg(chunk)));
        QVERIFY2(result.status.error().contains(fragment), qPrintable(result.status.error()));
    }
}

void TestExtractor::gzipHeaderFields_data()
{
    QTest::addColumn<int>("flags");
    QTest::addColumn<bool>("corruptHeaderCrc");
    QTest::addColumn<QString>("error");
    QTest::newRow("extra field") << 0x04 << false << QString();
    QTest::newRow("name and comment") << 0x18 << false << QString();
    QTest::newRow("everything, header crc") << 0x1e << false << QString();
    QTest::newRow("bad header crc") << 0x0a << true
                                    << QStringLiteral("the gzip header checksum does not match");
    QTest::newRow("reserved flag") << 0x20 << false << QStringLiteral("the gzip header is invalid");
}

void TestExtractor::gzipHeaderFields()
{
    QFETCH(int, flags);
    QFETCH(bool, corruptHeaderCrc);
    QFETCH(QString, error);
    const QByteArray plain = TarBuilder().file("saved_model.pb", noise(20000, 12)).build();
    const QByteArray member = gzipMember(plain);
    QVERIFY(member.size() > 18);
    QByteArray header = member.left(10);
    header[3] = static_cast<char>(flags);
    if (flags & 0x04)
        header += QByteArray("\x06\x00"
                             "AB\x02\x00xy",
            8);
    if (flags & 0x08)
        header += QByteArray("half_plus_two_v1.tar", 21);
    if (flags & 0x10)
        header += QByteArray("a comment", 10);
    if (flags & 0x02) {
        const quint32 crc = crc32(header) ^ (corruptHeaderCrc ? 1u : 0u);
        header += static_cast<char>(crc & 0xff);
        header += static_cast<char>((crc >> 8) & 0xff);
    }
    const QByteArray archive = header + member.mid(10);
    for (qsizetype chunk : { qsizetype(1), archive.size() }) {
        QTemporaryDir temp;
        QVERIFY(temp.isValid());
        const Extraction result = extract(archive, temp.path(), chunk);
        if (error.isEmpty()) {
            QVERIFY2(result.status.ok(), qPrintable(result.status.error()));
            QCOMPARE(readTree(temp.path()).value(QStringLiteral("saved_model.pb")), noise(20000, 12));
        } else {
            QVERIFY(!result.status.ok());
            QVERIFY2(result.status.error().contains(error), qPrintable(result.status.error()));
        }
    }
}

// Files of 4 MiB and more are written with direct I/O in whole blocks, their unaligned tail through
// the page cache (a short last block lives on the heap, a longer one in mapped pages); the input
// is fed as arrays the extractor may keep instead of copying, which the caller then overwrites.
void TestExtractor::largeFilesAndSharedInput()
{
    constexpr qsizetype MiB = 1024 * 1024;
    const QList<QPair<QString, QByteArray>> files {
        { QStringLiteral("variables/below-threshold.bin"), noise(4 * MiB - 1, 31) },
        { QStringLiteral("variables/exactly-4MiB.bin"), noise(4 * MiB, 32) },
        { QStringLiteral("variables/short-tail.bin"), noise(4 * MiB + 5000, 33) },
        { QStringLiteral("variables/long-tail.bin"), noise(5 * MiB + 70001, 34) },
        { QStringLiteral("assets/small.txt"), QByteArray("hello\n") },
    };
    TarBuilder tar;
    for (const auto &[path, content] : files)
        tar.file(path.toUtf8(), content);
    const QByteArray archive = gzipMember(tar.build());
    QVERIFY(!archive.isEmpty());
    QTemporaryDir temp;
    QVERIFY(temp.isValid());
    ArchiveExtractor extractor(temp.path(), QStringLiteral("test-archive"));
    for (qsizetype at = 0, piece = 1; at < archive.size(); at += piece, piece = piece * 3 % 200003 + 1) {
        QByteArray chunk = archive.mid(at, piece);
        if (piece % 2 == 0)
            chunk.reserve(piece * 2); // room to spare: copied rather than kept
        QVERIFY(extractor.feed(chunk));
        chunk.fill('x'); // the caller's array is its own again
    }
    const Status status = extractor.finish();
    QVERIFY2(status.ok(), qPrintable(status.error()));
    const auto tree = readTree(temp.path());
    const QList<ArchiveExtractor::FileRecord> manifest = extractor.manifest();
    QCOMPARE(manifest.size(), files.size());
    for (const auto &[path, content] : files) {
        QVERIFY2(tree.value(path) == content, qPrintable(path));
        const auto record = std::find_if(manifest.cbegin(), manifest.cend(),
            [&path = path](const ArchiveExtractor::FileRecord &r) { return r.path == path; });
        QVERIFY(record != manifest.cend());
        QCOMPARE(record->size, content.size());
        QCOMPARE(record->sha256, QCryptographicHash::hash(content, QCryptographicHash::Sha256).toHex());
    }
    QCOMPARE(
        extractor.archiveSha256(), QCryptographicHash::hash(archive, QCryptographicHash::Sha256).toHex());
}

QTEST_GUILESS_MAIN(TestExtractor)
#include "tst_extractor.moc"
