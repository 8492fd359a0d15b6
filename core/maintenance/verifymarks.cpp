#include "core/maintenance/verifymarks.h"

#include "core/cache/lock.h"
#include "core/util/fsutil.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>

#include <sys/stat.h>

namespace tfhub::maintenance {

namespace {

constexpr int FormatVersion = 1;

// One cache is one entry in the file however it was named (a trailing slash, a symlinked parent).
QString rootKey(const QString &root)
{
    const QString canonical = QFileInfo(root).canonicalFilePath();
    return canonical.isEmpty() ? QDir::cleanPath(QFileInfo(root).absoluteFilePath()) : canonical;
}

QJsonObject readAll(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    if (o.value(QStringLiteral("version")).toInt() != FormatVersion)
        return {};
    return o;
}

// Identities are written as strings: a JSON number cannot hold every 64-bit inode.
QJsonObject toJson(const VerifyMark &m)
{
    return QJsonObject { { QStringLiteral("handle"), m.handle }, { QStringLiteral("summary"), m.summary },
        { QStringLiteral("checked"), m.checked.toUTC().toString(Qt::ISODateWithMs) },
        { QStringLiteral("device"), QString::number(m.folder.device) },
        { QStringLiteral("inode"), QString::number(m.folder.inode) },
        { QStringLiteral("mtimeNs"), QString::number(m.folder.mtimeNs) } };
}

VerifyMark fromJson(const QString &key, const QJsonObject &o)
{
    VerifyMark m;
    m.key = key;
    m.handle = o.value(QStringLiteral("handle")).toString();
    m.summary = o.value(QStringLiteral("summary")).toString();
    m.checked = QDateTime::fromString(o.value(QStringLiteral("checked")).toString(), Qt::ISODateWithMs);
    m.folder.device = o.value(QStringLiteral("device")).toString().toULongLong();
    m.folder.inode = o.value(QStringLiteral("inode")).toString().toULongLong();
    m.folder.mtimeNs = o.value(QStringLiteral("mtimeNs")).toString().toLongLong();
    return m;
}

bool stillHolds(const QString &root, const VerifyMark &m)
{
    return m.folder.isValid() && folderIdentity(EntryPaths { root, m.key }.folder()) == m.folder;
}

} // namespace

QString verifyMarksPath()
{
    QString base = qEnvironmentVariable("XDG_STATE_HOME");
    if (base.isEmpty() || !QDir::isAbsolutePath(base))
        base = QDir::homePath() + QStringLiteral("/.local/state");
    return base + QStringLiteral("/tfhub-cache-manager/verify-results.json");
}

FolderIdentity folderIdentity(const QString &folder)
{
    struct stat st
    {
    };
    if (::stat(QFile::encodeName(folder).constData(), &st) != 0 || !S_ISDIR(st.st_mode))
        return {};
    FolderIdentity id;
    id.device = static_cast<quint64>(st.st_dev);
    id.inode = static_cast<quint64>(st.st_ino);
    id.mtimeNs = static_cast<qint64>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    return id;
}

QHash<QString, VerifyMark> holdingMarks(const QString &root, const QHash<QString, VerifyMark> &marks)
{
    QHash<QString, VerifyMark> holding;
    for (auto it = marks.cbegin(); it != marks.cend(); ++it) {
        if (stillHolds(root, it.value()))
            holding.insert(it.key(), it.value());
    }
    return holding;
}

QHash<QString, VerifyMark> currentVerifyMarks(const QString &root, const QString &path)
{
    QHash<QString, VerifyMark> marks;
    const QJsonObject entries
        = readAll(path).value(QStringLiteral("roots")).toObject().value(rootKey(root)).toObject();
    for (auto it = entries.begin(); it != entries.end(); ++it) {
        VerifyMark m = fromJson(it.key(), it.value().toObject());
        if (stillHolds(root, m))
            marks.insert(m.key, std::move(m));
    }
    return marks;
}

Status recordVerifyResults(const QString &root, const QList<VerifyOutcome> &outcomes, const QString &path)
{
    if (!QDir().mkpath(QFileInfo(path).path()))
        return Error { QStringLiteral("Cannot create the folder of %1.").arg(path) };
    // The app and the CLI may verify at once: each reads, changes and writes the file in turn.
    QLockFile lock(path + QStringLiteral(".lock"));
    lock.setStaleLockTime(30'000);
    if (!lock.tryLock(10'000))
        return Error {
            QStringLiteral("Cannot record verify results in %1: another program holds %1.lock.").arg(path)
        };

    QJsonObject all = readAll(path);
    QJsonObject roots = all.value(QStringLiteral("roots")).toObject();
    const QString rk = rootKey(root);
    const QJsonObject before = roots.value(rk).toObject();
    QJsonObject after;
    for (auto it = before.begin(); it != before.end(); ++it) {
        if (stillHolds(root, fromJson(it.key(), it.value().toObject())))
            after.insert(it.key(), it.value());
    }
    for (const VerifyOutcome &o : outcomes) {
        after.remove(o.key);
        if (!o.changed)
            continue;
        VerifyMark m { o.key, o.handle, o.summary, QDateTime::currentDateTimeUtc(),
            folderIdentity(EntryPaths { root, o.key }.folder()) };
        if (m.folder.isValid())
            after.insert(o.key, toJson(m));
    }
    if (after == before)
        return {};
    if (after.isEmpty())
        roots.remove(rk);
    else
        roots.insert(rk, after);
    all.insert(QStringLiteral("version"), FormatVersion);
    all.insert(QStringLiteral("roots"), roots);
    return util::durableWrite(path, QJsonDocument(all).toJson(QJsonDocument::Indented));
}

} // namespace tfhub::maintenance
