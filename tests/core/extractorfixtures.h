#pragma once

// Fixtures shared by the extractor suites (tst_extractor, tst_extractorsafety): archives made by
// the system tools or by hand, fed to an ArchiveExtractor in chosen chunks.

#include "core/archive/archiveextractor.h"

#include <QByteArray>
#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QMap>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace tfhub::test::extraction {

using tfhub::ArchiveExtractor;
using tfhub::Status;

inline QByteArray runTool(
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

inline QByteArray compress(const QString &method, const QByteArray &plain)
{
    if (method == QLatin1String("none"))
        return plain;
    QStringList args { QStringLiteral("-c") };
    if (method == QLatin1String("zstd"))
        args << QStringLiteral("-q");
    return runTool(method, args, plain);
}

// Deterministic, incompressible bytes.
inline QByteArray noise(qsizetype size, quint64 seed)
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

// With TFHUB_FUZZ_CORPUS set, every archive a suite extracts is also written there as a seed of
// the fuzz_tar target (tests/fuzz/), with a first byte that makes the fuzzer feed 65-byte pieces.
inline void keepAsFuzzSeed(const QByteArray &archive)
{
    const QString folder = qEnvironmentVariable("TFHUB_FUZZ_CORPUS");
    if (folder.isEmpty() || archive.size() > 64 * 1024)
        return;
    const QByteArray seed = '\x01' + archive;
    QFile file(folder + u'/'
        + QString::fromLatin1(QCryptographicHash::hash(seed, QCryptographicHash::Sha1).toHex()));
    if (file.open(QIODevice::WriteOnly))
        file.write(seed);
}

inline Extraction extract(const QByteArray &archive, const QString &destination, qsizetype chunk = 64 * 1024)
{
    keepAsFuzzSeed(archive);
    ArchiveExtractor extractor(destination, QStringLiteral("test-archive"));
    for (qsizetype at = 0; at < archive.size(); at += chunk) {
        if (!extractor.feed(archive.constData() + at, std::min(chunk, archive.size() - at)))
            break;
    }
    Status status = extractor.finish();
    return { std::move(status), extractor.stats(), extractor.manifest(), extractor.archiveSha256() };
}

// relative path -> content; folders map to "<dir>". Symlinks would show as "<link>".
inline QMap<QString, QByteArray> readTree(const QString &root)
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

inline QByteArray gzipMember(const QByteArray &plain)
{
    return runTool(QStringLiteral("gzip"), { QStringLiteral("-c") }, plain);
}

} // namespace tfhub::test::extraction
