#include "core/gcs/gcspublish.h"

#include "core/cache/modelformat.h"
#include "core/gcs/gcsscan.h"

#include <QCoreApplication>

#include <mutex>

namespace tfhub::gcs {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::gcs::GcsPublish", text);
}

constexpr int kCopiesInFlight = 8;

// What hub.load() opens first: copied after everything else.
bool copiedLast(const QString &path)
{
    return path == QLatin1String("saved_model.pb") || path == QLatin1String("saved_model.pbtxt");
}

// Copies tmp objects into K/ in parallel; the names of the copies made, and the errors.
QStringList copyAll(const ClientFactory &clients, const PublishRequest &r, const QList<UploadedFile> &files,
    QStringList *errors)
{
    const QString from = tmpPrefix(r.root, r.key, r.uid);
    const QString to = r.root.objectName(r.key + QLatin1Char('/'));
    std::mutex mutex;
    QStringList copied;
    {
        GcsWorkers workers(clients, qMin<int>(kCopiesInFlight, qMax<qsizetype>(1, files.size())));
        for (const UploadedFile &f : files) {
            workers.post([&, path = f.path](GcsClient &client) {
                const Result<ObjectInfo> made
                    = client.rewrite(r.root.bucket, from + path, r.root.bucket, to + path);
                std::lock_guard lock(mutex);
                if (made)
                    copied << to + path;
                else
                    *errors << made.error();
            });
        }
        workers.waitIdle();
    }
    return copied;
}

} // namespace

QString tmpPrefix(const GcsUrl &root, const QString &key, const QString &uid)
{
    return root.objectName(key + QLatin1Char('.') + uid + QStringLiteral(".tmp/"));
}

QString modelUrl(const GcsUrl &root, const QString &key)
{
    return QStringLiteral("gs://%1/%2").arg(root.bucket, root.objectName(key));
}

Result<bool> isPublished(GcsClient &client, const GcsUrl &root, const QString &key)
{
    const Result<QList<ObjectInfo>> listed
        = client.list(root.bucket, root.objectName(key + QLatin1Char('/')));
    if (!listed)
        return Error { listed.error() };
    return !listed->isEmpty();
}

Status discardTmp(GcsClient &client, const GcsUrl &root, const QString &key, const QString &uid)
{
    const Result<QList<ObjectInfo>> listed = client.list(root.bucket, tmpPrefix(root, key, uid));
    if (!listed)
        return Error { listed.error() };
    QStringList names;
    for (const ObjectInfo &o : *listed)
        names << o.name;
    const QStringList errors = client.removeMany(root.bucket, names);
    if (!errors.isEmpty())
        return Error { errors.first() };
    return {};
}

Manifest manifestOf(const GcsUrl &root, const QString &key, const QList<UploadedFile> &files)
{
    Manifest m;
    m.key = key;
    EntryObjects item;
    item.key = key;
    for (const UploadedFile &f : files) {
        m.files.append({ f.path, f.size, f.sha256 });
        ObjectInfo o;
        o.name = root.objectName(key + QLatin1Char('/') + f.path);
        o.size = f.size;
        item.objects << o;
    }
    const ModelFormat format = cache::inspect(QString(), folderListing(root, item)).format;
    if (format != ModelFormat::Unknown)
        m.format = formatName(format);
    return m;
}

Result<PublishOutcome> publish(GcsClient &client, const ClientFactory &clients, const PublishRequest &r,
    const std::function<bool()> &cancelled)
{
    if (r.files.isEmpty())
        return Error {
            tr("%1 does not appear to be a valid module: the archive is empty.").arg(r.manifest.handle)
        };
    PublishOutcome outcome;
    const QString bucket = r.root.bucket;
    // The library writes the descriptor before the model; so do we.
    if (!r.descriptor.isEmpty()) {
        const Result<ObjectInfo> d = client.upload(
            bucket, r.root.objectName(r.key + QStringLiteral(".descriptor.txt")), r.descriptor);
        if (!d)
            return Error { d.error() };
    }
    const Result<bool> published = isPublished(client, r.root, r.key);
    if (!published)
        return Error { published.error() };
    if (*published) {
        outcome.alreadyCached = true;
    } else {
        if (cancelled && cancelled()) {
            outcome.cancelled = true;
            return outcome;
        }
        QList<UploadedFile> first, last;
        for (const UploadedFile &f : r.files)
            (copiedLast(f.path) ? last : first) << f;
        QStringList errors;
        QStringList copied = copyAll(clients, r, first, &errors);
        if (errors.isEmpty())
            copied += copyAll(clients, r, last, &errors);
        if (!errors.isEmpty()) {
            // Never a partial K/ of ours: what was copied goes again.
            for (const QString &e : client.removeMany(bucket, copied))
                outcome.warnings << e;
            return Error { tr("Cannot publish %1: %2").arg(modelUrl(r.root, r.key), errors.first()) };
        }
        const Result<ObjectInfo> m = client.upload(
            bucket, r.root.objectName(r.key + QStringLiteral(".manifest.json")), r.manifest.toJson());
        if (!m)
            outcome.warnings
                << tr("The model is in place, but its manifest could not be written: %1").arg(m.error());
    }
    if (Status s = discardTmp(client, r.root, r.key, r.uid); !s)
        outcome.warnings << s.error();
    return outcome;
}

} // namespace tfhub::gcs
