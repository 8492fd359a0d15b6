// The extractor against what could hurt the machine: hostile members, conflicting paths,
// cancellation, memory bounds under expanding input, full or read-only disks, and data that must
// be on the disk before success is reported.
#include "core/archive/archiveextractor.h"
#include "tests/core/extractorfixtures.h"
#include "tests/support/privilege.h"
#include "tests/support/testdata.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <cstdio>
#include <thread>

using namespace tfhub::test::extraction;

namespace {

constexpr char kHelperSwitch[] = "--extract-helper";

} // namespace

class TestExtractorSafety final : public QObject
{
    Q_OBJECT

private slots:
    void hostileMembers_data();
    void hostileMembers();
    void pathConflict();
    void cancelMidway();
    void cancelWhileFeedBlocks();
    void boundedMemory_data();
    void boundedMemory();
    void unwritableDestination_data();
    void unwritableDestination();
    void filesReachTheDisk();
};

void TestExtractorSafety::hostileMembers_data()
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

void TestExtractorSafety::hostileMembers()
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

void TestExtractorSafety::pathConflict()
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

void TestExtractorSafety::cancelMidway()
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

void TestExtractorSafety::cancelWhileFeedBlocks()
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

void TestExtractorSafety::boundedMemory_data()
{
    QTest::addColumn<QString>("method");
    QTest::newRow("plain tar, fed in 1 MiB pieces") << QStringLiteral("none");
    QTest::newRow("gzip, tiny input expanding 1000x") << QStringLiteral("gzip");
}

void TestExtractorSafety::boundedMemory()
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

void TestExtractorSafety::unwritableDestination_data()
{
    QTest::addColumn<QString>("mountOptions");
    QTest::addColumn<QString>("cause");
    QTest::newRow("disk full") << QStringLiteral("size=64k") << QStringLiteral("No space left on device");
    QTest::newRow("read-only") << QStringLiteral("size=64k,ro") << QStringLiteral("Read-only file system");
}

void TestExtractorSafety::unwritableDestination()
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
void TestExtractorSafety::filesReachTheDisk()
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
    TestExtractorSafety test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_extractorsafety.moc"
