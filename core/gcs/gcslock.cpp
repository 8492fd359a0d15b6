#include "core/gcs/gcslock.h"

#include "core/cache/cachescanner.h"
#include "core/gcs/gcsscan.h"

namespace tfhub::gcs {

GcsLock::GcsLock(GcsUrl root, QString key, QByteArray content)
    : m_root(std::move(root)), m_key(std::move(key)), m_content(std::move(content))
{
}

QString GcsLock::objectName() const
{
    return m_root.objectName(m_key + QStringLiteral(".lock"));
}

Result<bool> GcsLock::tryAcquire(GcsClient &client)
{
    const Result<std::optional<ObjectInfo>> made
        = client.createIfAbsent(m_root.bucket, objectName(), m_content);
    if (!made)
        return Error { made.error() };
    if (made->has_value()) {
        m_generation = (*made)->generation;
        return true;
    }
    // A retried create whose first answer was lost finds our own lock: our uid makes it ours.
    const Result<QList<ObjectInfo>> listed = client.list(m_root.bucket, objectName());
    if (!listed)
        return Error { listed.error() };
    for (const ObjectInfo &o : *listed) {
        if (o.name != objectName())
            continue;
        const Result<QByteArray> content = client.read(m_root.bucket, o.name, 64 * 1024);
        if (content && *content == m_content) {
            m_generation = o.generation;
            return true;
        }
    }
    return false;
}

Result<GcsLock::Holder> GcsLock::look(GcsClient &client, int noProgressSecs, const QDateTime &now) const
{
    const Result<QList<ObjectInfo>> listed
        = client.list(m_root.bucket, m_root.objectName(m_key + QLatin1Char('.')));
    if (!listed)
        return Error { listed.error() };
    Holder h;
    EntryObjects item;
    item.key = m_key;
    for (const ObjectInfo &o : *listed) {
        if (o.name == objectName()) {
            h.exists = true;
            h.generation = o.generation;
        }
        item.objects << o;
    }
    if (!h.exists)
        return h;
    QString readError;
    const auto read = [&](const QString &name) {
        Result<QByteArray> data = client.read(m_root.bucket, name, 64 * 1024);
        if (!data && name == objectName())
            readError = data.error();
        return data ? *data : QByteArray();
    };
    ScanOptions options;
    options.noProgressSecs = noProgressSecs;
    const CacheEntry e = entryFromObjects(m_root, item, read, options, now);
    if (!readError.isEmpty()) {
        // Gone between the listing and the read: free now, or taken by somebody else meanwhile.
        h.exists = false;
        return h;
    }
    h.owner = e.lock;
    h.stale = e.state != EntryState::Downloading;
    h.detail = e.stateDetail;
    return h;
}

Result<bool> GcsLock::removeStale(GcsClient &client, const Holder &holder) const
{
    return client.removeIfGeneration(m_root.bucket, objectName(), holder.generation);
}

Result<bool> GcsLock::refresh(GcsClient &client)
{
    if (!held())
        return false;
    const Result<ObjectInfo> written = client.upload(m_root.bucket, objectName(), m_content, m_generation);
    if (written) {
        m_generation = written->generation;
        return true;
    }
    // Refused, or the network failed: only a lock that is no longer our generation is lost.
    const Result<QList<ObjectInfo>> listed = client.list(m_root.bucket, objectName());
    if (!listed)
        return Error { written.error() };
    for (const ObjectInfo &o : *listed) {
        if (o.name == objectName() && o.generation == m_generation)
            return Error { written.error() };
    }
    m_generation = 0;
    return false;
}

Status GcsLock::release(GcsClient &client)
{
    if (!held())
        return {};
    const Result<bool> removed = client.removeIfGeneration(m_root.bucket, objectName(), m_generation);
    if (!removed)
        return Error { removed.error() };
    m_generation = 0;
    return {};
}

} // namespace tfhub::gcs
