#include "core/archive/archivedecoder.h"
#include "core/archive/archiveextractor.h"
#include "core/util/sha256.h"
#include "tests/support/privilege.h"
#include "tests/support/testdata.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <thread>

using tfhub::ArchiveExtractor;
using tfhub::Status;

namespace {

constexpr char kHelperSwitch[] = "--extract-helper";

QByteArray runTool(
    const QString &program, const QStringList &args, const QByteArray &input, int *exitCode = nullptr)
{
    QProcess process;
    process.start(program, args);
    if (!process.waitForStarted(30000))
        return {};
    process.write(input);
    process.closeWriteChannel();
    process.waitForFinished(120000);
    if (exitCode)
        *exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    return process.readAllStandardOutput();
}

QByteArray compress(const QString &method, const QByteArray &plain)
{
    if (method == QLatin1String("none"))
        return plain;
    QStringList args { QStringLiteral("-c") };
    if (method == QLatin1String("zstd"))
        args << QStringLiteral("-q");
    return runTool(method, args, plain);
}

// Deterministic, incompressible bytes.
QByteArray noise(qsizetype size, quint64 seed)
{
    QByteArray data(size, Qt::Uninitialized);
    quint64 x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (qsizetype i = 0; i < size; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data[i] = static_cast<char>(x >> 24);
    }
    return data;
}

// Hand-made ustar members, for archives no well-behaved tar would write.
class TarBuilder
{
public:
    TarBuilder &add(
        const QByteArray &name, char type, const QByteArray &content = {}, const QByteArray &link = {})
    {
        QByteArray header(512, '\0');
        const auto put = [&header](int offset, const QByteArray &value) {
            std::copy(value.begin(), value.end(), header.begin() + offset);
        };
        const auto octal = [](qint64 value, int width) {
            return QByteArray::number(value, 8).rightJustified(width - 1, '0');
        };
        put(0, name.left(100));
        put(100, octal(type == '5' ? 0755 : 0644, 8));
        put(108, octal(0, 8));
        put(116, octal(0, 8));
        put(124, octal(content.size(), 12));
        put(136, octal(1700000000, 12));
        put(148, QByteArray(8, ' '));
        header[156] = type;
        put(157, link.left(100));
        put(257,
            QByteArray("ustar\0"
                       "00",
                8));
        put(265, "root");
        put(297, "root");
        put(329, octal(0, 8));
        put(337, octal(0, 8));
        int sum = 0;
        for (char c : std::as_const(header))
            sum += static_cast<unsigned char>(c);
        put(148, octal(sum, 7) + '\0');
        m_data += header + content;
        if (content.size() % 512)
            m_data += QByteArray(512 - content.size() % 512, '\0');
        return *this;
    }
    TarBuilder &file(const QByteArray &name, const QByteArray &content) { return add(name, '0', content); }
    TarBuilder &dir(const QByteArray &name) { return add(name, '5'); }
    QByteArray members() const { return m_data; }
    QByteArray build(int endBlocks = 2) const { return m_data + QByteArray(512 * endBlocks, '\0'); }

private:
    QByteArray m_data;
};

struct Extraction
{
    Status status;
    ArchiveExtractor::Stats stats;
    QList<ArchiveExtractor::FileRecord> manifest;
    QByteArray archiveSha256;
};

Extraction extract(const QByteArray &archive, const QString &destination, qsizetype chunk = 64 * 1024)
{
    ArchiveExtractor extractor(destination, QStringLiteral("test-archive"));
    for (qsizetype at = 0; at < archive.size(); at += chunk) {
        if (!extractor.feed(archive.constData() + at, std::min(chunk, archive.size() - at)))
            break;
    }
    Status status = extractor.finish();
    return { std::move(status), extractor.stats(), extractor.manifest(), extractor.archiveSha256() };
}

// relative path -> content; folders map to "<dir>". Symlinks would show as "<link>".
QMap<QString, QByteArray> readTree(const QString &root)
{
    QMap<QString, QByteArray> tree;
    QDirIterator it(root, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System,
        QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QFileInfo info(it.next());
        const QString relative = QDir(root).relativeFilePath(info.filePath());
        if (info.isSymLink())
            tree.insert(relative, "<link>");
        else if (info.isDir())
            tree.insert(relative, "<dir>");
        else {
            QFile file(info.filePath());
            tree.insert(
                relative, file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray("<unreadable>"));
        }
    }
    return tree;
}

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

QByteArray gzipMember(const QByteArray &plain)
{
    return runTool(QStringLiteral("gzip"), { QStringLiteral("-c") }, plain);
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
    void hostileMembers_data();
    void hostileMembers();
    void integrity_data();
    void integrity();
    void gzipHeaderFields_data();
    void gzipHeaderFields();
    void pathConflict();
    void cancelMidway();
    void cancelWhileFeedBlocks();
    void boundedMemory_data();
    void boundedMemory();
    void unwritableDestination_data();
    void unwritableDestination();
    void filesReachTheDisk();
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

void TestExtractor::hostileMembers_data()
{
    QTest::addColumn<QByteArray>("tar");
    QTest::addColumn<QStringList>("fragments");
    const QByteArray before = TarBuilder().file("saved_model.pb", "model").members();
    const auto row = [&](const char *tag, const TarBuilder &hostile, const QStringList &fragments) {
        QTest::newRow(tag) << QByteArray(before + hostile.build()) << fragments;
    };
    row("dotdot", TarBuilder().file("../x", "evil"), { QStringLiteral("Relative path '../x' is invalid") });
    row("escaping", TarBuilder().file("a/../../x", "evil"),
        { QStringLiteral("Relative path 'a/../../x' is invalid") });
    row("rooted escaping", TarBuilder().file("/../x", "evil"),
        { QStringLiteral("Relative path '/../x' is invalid") });
    row("dotdot folder", TarBuilder().dir("../up/"), { QStringLiteral("Relative path '../up/' is invalid") });
    row("symlink", TarBuilder().add("link", '2', {}, "/etc/passwd"),
        { QStringLiteral("Unexpected object type in tar archive: symbolic link"), QStringLiteral("'link'") });
    row("hardlink", TarBuilder().add("hard", '1', {}, "saved_model.pb"),
        { QStringLiteral("Unexpected object type in tar archive: hard link"), QStringLiteral("'hard'") });
    row("char device", TarBuilder().add("dev/null", '3'),
        { QStringLiteral("Unexpected object type in tar archive: character device"),
            QStringLiteral("'dev/null'") });
    row("block device", TarBuilder().add("dev/sda", '4'),
        { QStringLiteral("Unexpected object type in tar archive: block device"),
            QStringLiteral("'dev/sda'") });
    row("fifo", TarBuilder().add("pipe", '6'),
        { QStringLiteral("Unexpected object type in tar archive: FIFO"), QStringLiteral("'pipe'") });
}

void TestExtractor::hostileMembers()
{
    QFETCH(QByteArray, tar);
    QFETCH(QStringList, fragments);
    for (const QString &method : { QStringLiteral("none"), QStringLiteral("gzip") }) {
        QTemporaryDir temp;
        QVERIFY(temp.isValid());
        const QString destination = temp.filePath(QStringLiteral("sub/K.tmp"));
        QVERIFY(QDir().mkpath(destination));
        const Extraction result = extract(compress(method, tar), destination);
        QVERIFY2(!result.status.ok(), qPrintable(method));
        for (const QString &fragment : fragments)
            QVERIFY2(result.status.error().contains(fragment), qPrintable(result.status.error()));
        QVERIFY(result.status.error().contains(QStringLiteral("test-archive")));
        // Nothing left the destination, and nothing but regular files was made.
        QCOMPARE(QDir(temp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
            QStringList { QStringLiteral("sub") });
        QCOMPARE(
            QDir(temp.filePath(QStringLiteral("sub"))).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
            QStringList { QStringLiteral("K.tmp") });
        const auto tree = readTree(destination);
        for (auto it = tree.cbegin(); it != tree.cend(); ++it)
            QVERIFY2(it.value() != "<link>" && QFileInfo(destination + u'/' + it.key()).isFile(),
                qPrintable(it.key()));
    }
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

void TestExtractor::pathConflict()
{
    QTemporaryDir temp;
    QVERIFY(temp.isValid());
    const QByteArray archive = TarBuilder().file("a", "file").file("a/b", "under a file").build();
    const Extraction result = extract(archive, temp.path());
    QVERIFY(!result.status.ok());
    QVERIFY2(result.status.error().contains(temp.filePath(QStringLiteral("a"))),
        qPrintable(result.status.error()));
    // Files are written by two threads: whichever of "a" (a file) and "a/" (a folder for "a/b")
    // comes first, the other fails, naming the path and the cause.
    QVERIFY2(result.status.error().contains(QStringLiteral("Not a directory"))
            || result.status.error().contains(QStringLiteral("Is a directory")),
        qPrintable(result.status.error()));
}

void TestExtractor::cancelMidway()
{
    QTemporaryDir temp;
    QVERIFY(temp.isValid());
    const QByteArray archive = gzipMember(TarBuilder().file("big.bin", noise(3 << 20, 8)).build());
    ArchiveExtractor extractor(temp.path(), QStringLiteral("test-archive"));
    QVERIFY(extractor.feed(archive.left(archive.size() / 2)));
    QTRY_VERIFY_WITH_TIMEOUT(extractor.stats().writtenBytes > 0, 60000);
    QCOMPARE(extractor.stats().currentMember, QStringLiteral("big.bin"));
    extractor.cancel();
    QVERIFY(extractor.isCancelled());
    QVERIFY(!extractor.feed(archive.mid(archive.size() / 2)));
    const Status status = extractor.finish();
    QVERIFY(!status.ok());
    QCOMPARE(status.error(), QStringLiteral("The extraction of test-archive was cancelled."));
    QVERIFY(extractor.stats().writtenBytes < (3 << 20));
}

void TestExtractor::cancelWhileFeedBlocks()
{
    QTemporaryDir temp;
    QVERIFY(temp.isValid());
    // A member announced as 1 GiB, fed forever: feed() must end up blocked on back-pressure.
    QByteArray header = TarBuilder().file("huge.bin", QByteArray()).members();
    const QByteArray size = QByteArray::number(qint64(1) << 30, 8).rightJustified(11, '0');
    std::copy(size.begin(), size.end(), header.begin() + 124);
    int sum = 0;
    std::fill(header.begin() + 148, header.begin() + 156, ' ');
    for (char c : std::as_const(header))
        sum += static_cast<unsigned char>(c);
    const QByteArray checksum = QByteArray::number(sum, 8).rightJustified(6, '0') + '\0' + ' ';
    std::copy(checksum.begin(), checksum.end(), header.begin() + 148);

    ArchiveExtractor extractor(temp.path(), QStringLiteral("test-archive"));
    std::atomic<qint64> fed { 0 };
    std::thread feeder([&] {
        if (!extractor.feed(header))
            return;
        const QByteArray block = noise(1 << 20, 9);
        while (extractor.feed(block))
            fed += block.size();
    });
    QTRY_VERIFY_WITH_TIMEOUT(extractor.stats().writtenBytes > 0, 60000);
    extractor.cancel();
    feeder.join();
    const Status status = extractor.finish();
    QVERIFY(!status.ok());
    QVERIFY(status.error().contains(QStringLiteral("cancelled")));
    QVERIFY(fed.load() < (qint64(1) << 30));
}

void TestExtractor::boundedMemory_data()
{
    QTest::addColumn<QString>("method");
    QTest::newRow("plain tar, fed in 1 MiB pieces") << QStringLiteral("none");
    QTest::newRow("gzip, tiny input expanding 1000x") << QStringLiteral("gzip");
}

void TestExtractor::boundedMemory()
{
    QFETCH(QString, method);
    constexpr qint64 kSize = 64 << 20;
    QTemporaryDir temp;
    QVERIFY(temp.isValid());
    ArchiveExtractor extractor(temp.path(), QStringLiteral("test-archive"));
    QCryptographicHash expected(QCryptographicHash::Sha256);
    QByteArray header = TarBuilder().file("weights.bin", QByteArray(1, 'x')).members().left(512);
    {
        // Patch the size field and checksum for the real (streamed) content.
        const QByteArray size = QByteArray::number(kSize, 8).rightJustified(11, '0');
        std::copy(size.begin(), size.end(), header.begin() + 124);
        std::fill(header.begin() + 148, header.begin() + 156, ' ');
        int sum = 0;
        for (char c : std::as_const(header))
            sum += static_cast<unsigned char>(c);
        const QByteArray checksum = QByteArray::number(sum, 8).rightJustified(6, '0') + '\0' + ' ';
        std::copy(checksum.begin(), checksum.end(), header.begin() + 148);
    }
    if (method == QLatin1String("none")) {
        QVERIFY(extractor.feed(header));
        const QByteArray block = noise(1 << 20, 10);
        for (qint64 i = 0; i < kSize / block.size(); ++i) {
            QVERIFY(extractor.feed(block));
            expected.addData(block);
        }
        QVERIFY(extractor.feed(QByteArray(1024, '\0')));
    } else {
        const QByteArray pattern = QByteArray("float32 weights ").repeated(4096);
        QByteArray plain = header;
        for (qint64 i = 0; i < kSize / pattern.size(); ++i)
            plain += pattern;
        expected.addData(QByteArrayView(plain).sliced(512));
        plain += QByteArray(1024, '\0');
        const QByteArray archive = runTool(QStringLiteral("gzip"), { QStringLiteral("-1c") }, plain);
        QVERIFY(archive.size() > 0 && archive.size() < kSize / 100);
        plain.clear();
        QVERIFY(extractor.feed(archive));
    }
    const Status status = extractor.finish();
    QVERIFY2(status.ok(), qPrintable(status.error()));
    const auto stats = extractor.stats();
    QCOMPARE(stats.writtenBytes, kSize);
    QCOMPARE(QFileInfo(temp.filePath(QStringLiteral("weights.bin"))).size(), kSize);
    QCOMPARE(extractor.manifest().value(0).sha256, expected.result().toHex());
    QVERIFY(stats.peakBufferedBytes > 0);
    QVERIFY2(stats.peakBufferedBytes <= ArchiveExtractor::kMaxBufferedBytes,
        qPrintable(QString::number(stats.peakBufferedBytes)));
    QCOMPARE(stats.bufferedBytes, qint64(0));
}

void TestExtractor::unwritableDestination_data()
{
    QTest::addColumn<QString>("mountOptions");
    QTest::addColumn<QString>("cause");
    QTest::newRow("disk full") << QStringLiteral("size=64k") << QStringLiteral("No space left on device");
    QTest::newRow("read-only") << QStringLiteral("size=64k,ro") << QStringLiteral("Read-only file system");
}

void TestExtractor::unwritableDestination()
{
    QFETCH(QString, mountOptions);
    QFETCH(QString, cause);
    QTemporaryDir temp;
    QVERIFY(temp.isValid());
    const QString archivePath = temp.filePath(QStringLiteral("model.tar.gz"));
    QVERIFY(tfhub::test::writeFile(
        archivePath, gzipMember(TarBuilder().file("variables.data", noise(300000, 11)).build())));
    const QString mountPoint = temp.filePath(QStringLiteral("mnt"));
    QVERIFY(QDir().mkpath(mountPoint));
    // A private mount namespace, so the tiny tmpfs is invisible to everything else; a read-only
    // one is made by remounting after the destination folder exists (a bind remount: a plain one
    // repeats the tmpfs's uid= option, which a user namespace refuses).
    const QString script = QStringLiteral("mount -t tmpfs -o size=64k none \"$1\" || exit 97\n"
                                          "mkdir \"$1/K.tmp\" || exit 98\n"
                                          "mount -o remount,bind,\"$2\" \"$1\" || exit 99\n"
                                          "exec \"$3\" %1 \"$4\" \"$1/K.tmp\"\n")
                               .arg(QLatin1String(kHelperSwitch));
    TFHUB_REQUIRE_PRIVATE_MOUNT();
    const QStringList ns = tfhub::test::privateMountPrefix();
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(ns.first(),
        ns.mid(1)
            + QStringList { QStringLiteral("sh"), QStringLiteral("-c"), script, QStringLiteral("sh"),
                mountPoint, mountOptions, QCoreApplication::applicationFilePath(), archivePath });
    QVERIFY(process.waitForFinished(120000));
    const QString output = QString::fromLocal8Bit(process.readAll());
    QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 1,
        qPrintable(QStringLiteral("exit %1: %2").arg(process.exitCode()).arg(output)));
    QVERIFY2(output.contains(QStringLiteral("EXTRACT-ERROR: ")), qPrintable(output));
    QVERIFY2(output.contains(mountPoint + QStringLiteral("/K.tmp/variables.data")), qPrintable(output));
    QVERIFY2(output.contains(cause), qPrintable(output));
    QVERIFY(QDir(mountPoint).isEmpty()); // the tmpfs never existed out here
}

// Power-cut safety: a prefetch renames the extracted folder into the cache once the extractor
// reports success, so by then every file's data, and every folder's entries, must be on the
// disk. Seen from outside: the system calls of an extraction, traced with `strace -y` (which
// names the file behind each descriptor), show an fdatasync or fsync of every regular file and
// an fsync of every folder before the helper prints its outcome.
void TestExtractor::filesReachTheDisk()
{
    const QString strace = QStandardPaths::findExecutable(QStringLiteral("strace"));
    if (strace.isEmpty())
        QSKIP("strace is not installed");
    QTemporaryDir temp;
    QVERIFY(temp.isValid());
    const QString archivePath = temp.filePath(QStringLiteral("model.tar.gz"));
    // Shards of several write blocks land on both writer lanes; small files, an empty one and
    // nested folders made on the way cover the other paths of the writers.
    QVERIFY(tfhub::test::writeFile(archivePath,
        gzipMember(TarBuilder()
                       .file("saved_model.pb", noise(300000, 21))
                       .dir("variables")
                       .file("variables/variables.data-00000-of-00002", noise(3 << 20, 22))
                       .file("variables/variables.data-00001-of-00002", noise(5 << 19, 23))
                       .file("variables/variables.index", noise(134, 24))
                       .file("assets/deep/er/vocab.txt", "hello\nworld\n")
                       .file("assets/empty.txt", {})
                       .build())));
    const QString destination = QFileInfo(temp.path()).canonicalFilePath() + QStringLiteral("/K.tmp");
    QVERIFY(QDir().mkpath(destination));
    const QString tracePath = temp.filePath(QStringLiteral("trace"));
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(strace,
        { QStringLiteral("-f"), QStringLiteral("-qq"), QStringLiteral("-y"), QStringLiteral("-e"),
            QStringLiteral("signal=none"), QStringLiteral("-e"),
            QStringLiteral("trace=fdatasync,fsync,syncfs,sync,write"), QStringLiteral("-o"), tracePath,
            QCoreApplication::applicationFilePath(), QLatin1String(kHelperSwitch), archivePath,
            destination });
    QVERIFY(process.waitForFinished(120000));
    const QString output = QString::fromLocal8Bit(process.readAll());
    if (output.contains(QStringLiteral("PTRACE_")))
        QSKIP(qPrintable(QStringLiteral("strace cannot trace here: ") + output));
    QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0, qPrintable(output));
    QVERIFY2(output.contains(QStringLiteral("EXTRACT-OK")), qPrintable(output));

    QFile trace(tracePath);
    QVERIFY(trace.open(QIODevice::ReadOnly));
    QSet<QString> synced;
    bool reported = false;
    static const QRegularExpression syncCall(QStringLiteral(R"((?:fdatasync|fsync)\(\d+<([^>]*)>)"));
    while (!trace.atEnd()) {
        const QString line = QString::fromLocal8Bit(trace.readLine());
        if (line.contains(QStringLiteral("\"EXTRACT-OK"))) {
            reported = true;
            break;
        }
        if (const QRegularExpressionMatch match = syncCall.match(line); match.hasMatch())
            synced.insert(match.captured(1));
    }
    QVERIFY2(reported, "the helper's report is not in the trace");
    QStringList missing;
    QDirIterator it(
        destination, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDirIterator::Subdirectories);
    QStringList paths { destination };
    while (it.hasNext())
        paths.append(it.next());
    QCOMPARE(paths.size(), 11); // the destination, 6 files (one empty) and 4 folders
    for (const QString &path : std::as_const(paths)) {
        if (!synced.contains(path))
            missing.append(path);
    }
    QVERIFY2(missing.isEmpty(),
        qPrintable(QStringLiteral("not synced before the extraction reported success: ")
            + missing.join(QStringLiteral(", "))));
}

// The child side of unwritableDestination() and filesReachTheDisk(): extracts an archive file and reports the
// outcome.
static int extractHelper(const QString &archivePath, const QString &destination)
{
    QFile file(archivePath);
    if (!file.open(QIODevice::ReadOnly)) {
        std::printf("EXTRACT-SETUP-FAILED\n");
        return 2;
    }
    ArchiveExtractor extractor(destination, QStringLiteral("helper-archive"));
    while (!file.atEnd()) {
        if (!extractor.feed(file.read(64 * 1024)))
            break;
    }
    const Status status = extractor.finish();
    if (status.ok()) {
        std::printf("EXTRACT-OK\n");
        std::fflush(stdout); // one write, right after finish(), for filesReachTheDisk()'s trace
        return 0;
    }
    std::printf("EXTRACT-ERROR: %s\n", qPrintable(status.error()));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && qstrcmp(argv[1], kHelperSwitch) == 0) {
        QCoreApplication app(argc, argv);
        return extractHelper(QString::fromLocal8Bit(argv[2]), QString::fromLocal8Bit(argv[3]));
    }
    QCoreApplication app(argc, argv);
    TestExtractor test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_extractor.moc"
