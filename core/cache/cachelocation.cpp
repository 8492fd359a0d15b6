#include "core/cache/cachelocation.h"

#include "core/util/fsutil.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QFile>

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace tfhub {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cache", text);
}

} // namespace

LocalCacheLocation::LocalCacheLocation(QString root) : m_root(std::move(root)) { }

LocationCapabilities LocalCacheLocation::capabilities() const
{
    LocationCapabilities c;
    c.accessTimes = util::recordsAccessTimes(m_root);
    return c;
}

QString LocalCacheLocation::entryPath(const QString &key) const
{
    return m_root + QLatin1Char('/') + key;
}

Result<QList<CacheEntry>> LocalCacheLocation::scan(const ScanOptions &options)
{
    QString error;
    QList<CacheEntry> entries = cache::scanAll(m_root, options, &error);
    if (!error.isEmpty())
        return Error { error };
    return entries;
}

Result<CacheEntry> LocalCacheLocation::scanKey(const QString &key, const ScanOptions &options)
{
    return cache::scanKey(m_root, key, options);
}

Result<std::optional<QByteArray>> LocalCacheLocation::readSmall(const QString &name, qint64 cap)
{
    QFile f(m_root + QLatin1Char('/') + name);
    if (!f.exists())
        return std::optional<QByteArray>();
    if (!f.open(QIODevice::ReadOnly))
        return Error { tr("Cannot read %1: %2").arg(f.fileName(), f.errorString()) };
    if (cap >= 0 && f.size() > cap)
        return Error { tr("%1 is larger than %2 bytes.").arg(f.fileName()).arg(cap) };
    return std::optional<QByteArray>(f.readAll());
}

Status LocalCacheLocation::writeSmall(const QString &name, const QByteArray &data)
{
    return util::durableWrite(m_root + QLatin1Char('/') + name, data);
}

Status LocalCacheLocation::removeSmall(const QString &name)
{
    QFile f(m_root + QLatin1Char('/') + name);
    if (f.exists() && !f.remove())
        return Error { tr("Cannot remove %1: %2").arg(f.fileName(), f.errorString()) };
    return {};
}

Result<QList<LocationFile>> LocalCacheLocation::entryFiles(const QString &key)
{
    const QString folder = entryPath(key);
    if (!util::stat(folder).isDir)
        return Error { tr("There is no model folder %1.").arg(folder) };
    QList<LocationFile> files;
    QDirIterator it(folder, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        files.append({ path.mid(folder.size() + 1), it.fileInfo().size(), QByteArray() });
    }
    std::sort(files.begin(), files.end(),
        [](const LocationFile &a, const LocationFile &b) { return a.path < b.path; });
    return files;
}

QList<cache::RequiredFile> LocalCacheLocation::requiredFiles(const QString &key)
{
    return cache::requiredFiles(entryPath(key));
}

Result<qint64> LocalCacheLocation::readEntryFile(
    const QString &key, const QString &path, const ByteSink &sink)
{
    const QString file = entryPath(key) + QLatin1Char('/') + path;
    // Reading must not look like a use of the model: access times are its last-used dates.
    int fd = util::openNoAtime(file);
    if (fd < 0 && errno == EPERM)
        fd = ::open(QFile::encodeName(file).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return Error { tr("Cannot read %1: %2").arg(file, util::errnoText(errno)) };
    QByteArray buffer(1 << 20, Qt::Uninitialized);
    qint64 total = 0;
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), static_cast<size_t>(buffer.size()));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            const int error = errno;
            ::close(fd);
            return Error { tr("Cannot read %1: %2").arg(file, util::errnoText(error)) };
        }
        if (n == 0)
            break;
        if (!sink(buffer.constData(), n)) {
            ::close(fd);
            return Error { tr("Stopped reading %1.").arg(file) };
        }
        total += n;
    }
    ::close(fd);
    return total;
}

QStringList LocalCacheLocation::removeArtifacts(
    const CacheEntry &entry, const QStringList &names, qint64 *freed)
{
    QStringList errors;
    for (const Artifact &a : entry.artifacts) {
        if (!names.contains(a.name))
            continue;
        if (const Status s = util::removeTree(m_root + QLatin1Char('/') + a.name); !s)
            errors << s.error();
        else if (freed)
            *freed += a.diskBytes;
    }
    return errors;
}

} // namespace tfhub
