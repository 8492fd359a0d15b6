#pragma once

#include "core/cache/manifest.h"
#include "core/gcs/gcsobjectsink.h"
#include "core/gcs/gcsurl.h"
#include "core/gcs/gcsworkers.h"

#include <QList>
#include <QStringList>

#include <functional>

/// The cache side of a prefetch into a gs:// cache: our tmp prefix `K.<uid>.tmp/`, and publishing
/// it in tensorflow_hub's order — the descriptor, then a server-side copy of every object into
/// `K/` (saved_model.pb last, so a concurrent hub.load() that sees it finds the rest), then the
/// tmp objects go. Our manifest is written beside, as the local publish writes it. Blocking calls.
namespace tfhub::gcs {

/// `K.<uid>.tmp/`'s full object prefix.
QString tmpPrefix(const GcsUrl &root, const QString &key, const QString &uid);
/// `gs://bucket/prefix/K`, the published model as people name it.
QString modelUrl(const GcsUrl &root, const QString &key);

/// The library's "already cached" test on Cloud Storage: some object has the prefix `K/`.
Result<bool> isPublished(GcsClient &client, const GcsUrl &root, const QString &key);

/// Deletes every object under our tmp prefix (a restarted upload's leftovers too).
Status discardTmp(GcsClient &client, const GcsUrl &root, const QString &key, const QString &uid);

/// Our manifest of the stored files, the format read from their names as the gs:// scan does.
Manifest manifestOf(const GcsUrl &root, const QString &key, const QList<UploadedFile> &files);

struct PublishRequest
{
    GcsUrl root;
    QString key;
    QString uid;
    QList<UploadedFile> files;
    QByteArray descriptor; ///< empty: none written
    Manifest manifest;
};

struct PublishOutcome
{
    bool alreadyCached = false; ///< another copy was published meanwhile and is kept
    bool cancelled = false; ///< `cancelled` said so before anything was copied
    QStringList warnings;
};

/// Publishes our tmp objects as `K/`. `clients` makes the clients of the parallel copies;
/// `cancelled` is asked until the first copy starts, after which the copy is finished whole. A
/// copy that fails removes what was copied, so `K/` is never left partial by us. The tmp objects
/// are deleted after a publish (and after finding another's copy) but not after a failure.
Result<PublishOutcome> publish(GcsClient &client, const ClientFactory &clients, const PublishRequest &request,
    const std::function<bool()> &cancelled);

} // namespace tfhub::gcs
