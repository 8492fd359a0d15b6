#include "core/gcs/gcslocation.h"

#include <QCoreApplication>

#include <algorithm>

namespace tfhub::gcs {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::gcs", text);
}

bool byKey(const QString &a, const QString &b)
{
    return isCacheKey(a) != isCacheKey(b) ? isCacheKey(a) : a < b;
}

} // namespace

GcsLocation::GcsLocation(GcsUrl root, std::unique_ptr<GcsClient> client)
    : m_root(std::move(root)), m_client(std::move(client))
{
}

LocationCapabilities GcsLocation::capabilities() const
{
    return LocationCapabilities { false, false, false, false };
}

QString GcsLocation::entryPath(const QString &key) const
{
    return QStringLiteral("gs://%1/%2").arg(m_root.bucket, m_root.objectName(key));
}

Result<QList<CacheEntry>> GcsLocation::scan(const ScanOptions &options)
{
    const Result<QList<ObjectInfo>> listed = m_client->list(m_root.bucket, m_root.objectPrefix());
    if (!listed)
        return Error { listed.error() };
    m_items = groupListing(m_root, *listed);
    QStringList problems;
    const ObjectReader read = objectReader(*m_client, m_root, &problems);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QStringList keys = m_items.keys();
    std::sort(keys.begin(), keys.end(), byKey);
    QList<CacheEntry> out;
    for (const QString &key : std::as_const(keys)) {
        problems.clear();
        CacheEntry e = entryFromObjects(m_root, m_items.value(key), read, options, now);
        e.problems << problems;
        out << e;
    }
    return out;
}

Result<CacheEntry> GcsLocation::scanKey(const QString &key, const ScanOptions &options)
{
    // Everything named after the key starts with it: one listing of that prefix.
    const Result<QList<ObjectInfo>> listed = m_client->list(m_root.bucket, m_root.objectName(key));
    if (!listed)
        return Error { listed.error() };
    const QHash<QString, EntryObjects> groups = groupListing(m_root, *listed);
    if (!groups.contains(key)) {
        m_items.remove(key);
        CacheEntry none;
        none.key = key;
        return none;
    }
    m_items.insert(key, groups.value(key));
    QStringList problems;
    CacheEntry e = entryFromObjects(m_root, groups.value(key), objectReader(*m_client, m_root, &problems),
        options, QDateTime::currentDateTimeUtc());
    e.problems << problems;
    return e;
}

Result<std::optional<QByteArray>> GcsLocation::readSmall(const QString &name, qint64 cap)
{
    return m_client->readIfExists(m_root.bucket, m_root.objectName(name), cap);
}

Status GcsLocation::removeSmall(const QString &name)
{
    return m_client->remove(m_root.bucket, m_root.objectName(name));
}

Status GcsLocation::writeSmall(const QString &name, const QByteArray &data)
{
    const Result<ObjectInfo> written = m_client->upload(m_root.bucket, m_root.objectName(name), data);
    if (!written)
        return Error { written.error() };
    return {};
}

Result<QList<LocationFile>> GcsLocation::entryFiles(const QString &key)
{
    const QString folder = m_root.objectName(key + QLatin1Char('/'));
    const Result<QList<ObjectInfo>> listed = m_client->list(m_root.bucket, folder);
    if (!listed)
        return Error { listed.error() };
    QList<LocationFile> files;
    for (const ObjectInfo &o : *listed) {
        if (!o.name.endsWith(QLatin1Char('/'))) // a placeholder is a folder, never a file
            files.append({ o.name.mid(folder.size()), o.size, o.md5Base64 });
    }
    if (files.isEmpty() && listed->isEmpty())
        return Error { tr("There is no model folder %1.").arg(entryPath(key)) };
    std::sort(files.begin(), files.end(),
        [](const LocationFile &a, const LocationFile &b) { return a.path < b.path; });
    return files;
}

QList<cache::RequiredFile> GcsLocation::requiredFiles(const QString &key)
{
    return cache::requiredFiles(folderListing(m_root, m_items.value(key)));
}

Result<qint64> GcsLocation::readEntryFile(const QString &key, const QString &path, const ByteSink &sink)
{
    return m_client->readTo(m_root.bucket, m_root.objectName(key + QLatin1Char('/') + path), sink);
}

QStringList GcsLocation::removeArtifacts(const CacheEntry &entry, const QStringList &names, qint64 *freed)
{
    const EntryObjects item = m_items.value(entry.key);
    const QStringList wanted = objectsOfArtifacts(m_root, item, names);
    // The model's objects first, the lock last: a partial failure leaves a lock the stale rule
    // still finds, never a lockless half folder that looks complete.
    QStringList plain;
    QList<ObjectInfo> locks;
    QHash<QString, qint64> sizes;
    for (const ObjectInfo &o : item.objects) {
        if (!wanted.contains(o.name))
            continue;
        sizes.insert(o.name, o.size);
        if (o.name == m_root.objectName(entry.key + QStringLiteral(".lock")))
            locks << o;
        else
            plain << o.name;
    }
    QStringList errors = m_client->removeMany(m_root.bucket, plain);
    for (const ObjectInfo &lock : std::as_const(locks)) {
        const Result<bool> gone = m_client->removeIfGeneration(m_root.bucket, lock.name, lock.generation);
        if (!gone)
            errors << gone.error();
        else if (!*gone)
            errors << tr("gs://%1/%2 changed since it was read; left alone.").arg(m_root.bucket, lock.name);
    }
    // Bytes freed are the sizes of the objects that went: after a failure, what is still listed
    // did not go.
    if (!errors.isEmpty()) {
        const Result<QList<ObjectInfo>> left = m_client->list(m_root.bucket, m_root.objectName(entry.key));
        for (const ObjectInfo &o : left ? *left : QList<ObjectInfo>())
            sizes.remove(o.name);
        if (!left)
            sizes.clear();
    }
    for (const qint64 size : std::as_const(sizes)) {
        if (freed)
            *freed += size;
    }
    return errors;
}

} // namespace tfhub::gcs

namespace tfhub {

Result<std::unique_ptr<CacheLocation>> openCacheLocation(
    const QString &cacheDir, const QProcessEnvironment &env)
{
    if (!gcs::isGcsUrl(cacheDir))
        return std::unique_ptr<CacheLocation>(std::make_unique<LocalCacheLocation>(cacheDir));
    const Result<gcs::GcsUrl> root = gcs::parseGcsUrl(cacheDir);
    if (!root)
        return Error { root.error() };
    Result<std::unique_ptr<gcs::GcsClient>> client = gcs::makeClientFromEnvironment(env);
    if (!client)
        return Error { gcs::tr("Cannot read %1: %2").arg(cacheDir, client.error()) };
    return std::unique_ptr<CacheLocation>(
        std::make_unique<gcs::GcsLocation>(*root, std::move(client.value())));
}

} // namespace tfhub
