#include "core/cache/manifest.h"

#include "core/util/fsutil.h"
#include "core/util/sha256.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <functional>
#include <unistd.h>

namespace tfhub {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::Manifest", text);
}

// A file name as the extractor records it: relative, '/'-separated, no empty, '.' or '..' part.
bool isInsideName(const QString &path)
{
    if (path.isEmpty() || path.contains(QChar(0)))
        return false;
    const QStringList parts = path.split(QLatin1Char('/'));
    return std::none_of(parts.cbegin(), parts.cend(), [](const QString &part) {
        return part.isEmpty() || part == QLatin1String(".") || part == QLatin1String("..");
    });
}
} // namespace

QByteArray Manifest::toJson() const
{
    QJsonArray list;
    for (const File &f : files) {
        list.append(QJsonObject { { QStringLiteral("path"), f.path }, { QStringLiteral("size"), f.size },
            { QStringLiteral("sha256"), QString::fromLatin1(f.sha256) } });
    }
    QJsonObject o { { QStringLiteral("schema"), 1 }, { QStringLiteral("handle"), handle },
        { QStringLiteral("key"), key }, { QStringLiteral("url"), url },
        { QStringLiteral("archiveBytes"), archiveBytes },
        { QStringLiteral("archiveSha256"), QString::fromLatin1(archiveSha256) },
        { QStringLiteral("downloaded"), downloaded.toString(Qt::ISODateWithMs) },
        { QStringLiteral("files"), list } };
    // Scanners read the format from here where they may not open the folder's files.
    if (!format.isEmpty())
        o.insert(QStringLiteral("format"), format);
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

Result<Manifest> Manifest::fromJson(const QByteArray &json, const QString &pathForMessages)
{
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        return Error { tr("The manifest %1 is damaged: %2").arg(pathForMessages, err.errorString()) };
    const QJsonObject o = doc.object();
    if (o.value(QStringLiteral("schema")).toInt() != 1)
        return Error { tr("The manifest %1 has an unknown schema.").arg(pathForMessages) };
    Manifest m;
    m.handle = o.value(QStringLiteral("handle")).toString();
    m.key = o.value(QStringLiteral("key")).toString();
    m.url = o.value(QStringLiteral("url")).toString();
    m.archiveBytes = o.value(QStringLiteral("archiveBytes")).toInteger();
    m.archiveSha256 = o.value(QStringLiteral("archiveSha256")).toString().toLatin1();
    m.downloaded = QDateTime::fromString(o.value(QStringLiteral("downloaded")).toString(), Qt::ISODateWithMs);
    m.format = o.value(QStringLiteral("format")).toString();
    const QJsonArray files = o.value(QStringLiteral("files")).toArray();
    for (const auto &v : files) {
        const QJsonObject f = v.toObject();
        const QString path = f.value(QStringLiteral("path")).toString();
        // verifyFolder() opens and hashes every file named: a manifest in a shared cache must not
        // make it read anything outside the model folder.
        if (!isInsideName(path))
            return Error { tr("The manifest %1 is damaged: it names a file outside the model folder (%2).")
                               .arg(pathForMessages, path) };
        m.files.append({ path, f.value(QStringLiteral("size")).toInteger(),
            f.value(QStringLiteral("sha256")).toString().toLatin1() });
    }
    return m;
}

Result<Manifest> Manifest::load(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Error { tr("Cannot read the manifest %1: %2").arg(path, f.errorString()) };
    return fromJson(f.readAll(), path);
}

namespace {
// Hashing must not look like a use of the model: its access times are its last-used dates. The
// owner and root open without moving them; anyone else may verify only with a plain open.
Status openForHashing(QFile &file, const QString &path)
{
    int fd = util::openNoAtime(path);
    if (fd < 0 && errno == EPERM)
        fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return Error { tr("Cannot read %1: %2").arg(path, util::errnoText(errno)) };
    if (!file.open(fd, QIODevice::ReadOnly, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        return Error { tr("Cannot read %1: %2").arg(path, file.errorString()) };
    }
    return {};
}
} // namespace

Result<VerifyReport> verifyFolder(
    const QString &folder, const Manifest &manifest, const std::function<bool()> &cancelled)
{
    VerifyReport report;
    if (!util::stat(folder).isDir)
        return Error { tr("The model folder %1 does not exist.").arg(folder) };
    QSet<QString> expected;
    QByteArray buffer(1 << 20, Qt::Uninitialized);
    for (const Manifest::File &f : manifest.files) {
        if (cancelled && cancelled())
            return Error { tr("Verification of %1 was cancelled.").arg(folder) };
        expected.insert(f.path);
        const QString path = folder + QLatin1Char('/') + f.path;
        if (!util::stat(path).exists) {
            report.missing << f.path;
            continue;
        }
        QFile file;
        if (Status s = openForHashing(file, path); !s)
            return Error { s.error() };
        ++report.checkedFiles;
        if (file.size() != f.size) {
            report.modified << f.path;
            continue;
        }
        Sha256 hash;
        qint64 n = 0;
        // Checked inside a file too: one model file can take many seconds to hash.
        while ((n = file.read(buffer.data(), buffer.size())) > 0) {
            if (cancelled && cancelled())
                return Error { tr("Verification of %1 was cancelled.").arg(folder) };
            hash.addData(buffer.constData(), n);
        }
        if (hash.resultHex() != f.sha256)
            report.modified << f.path;
    }
    QDirIterator it(folder, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    const QDir base(folder);
    while (it.hasNext()) {
        const QString rel = base.relativeFilePath(it.next());
        if (!expected.contains(rel))
            report.extra << rel;
    }
    report.extra.sort();
    return report;
}

} // namespace tfhub
