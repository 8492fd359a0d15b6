#pragma once

#include "core/cache/lock.h"
#include "core/cache/manifest.h"
#include "core/util/result.h"

#include <QStringList>

namespace tfhub {

class ArchiveExtractor;

/// The cache side of one download: our tmp folder `K.<uid>.tmp`, and publishing it as the
/// library does (descriptor, then the rename to `K`), plus our manifest beside it.
class EntryPublisher final
{
public:
    EntryPublisher(EntryPaths paths, QString uid);

    QString tmpFolder() const { return m_paths.tmpFolder(m_uid); }

    /// The library's "already cached" test: `K/` exists and is not empty.
    static bool isPublished(const EntryPaths &paths);

    /// An empty tmp folder of ours, made afresh (a previous one is removed).
    Status prepare();
    /// Removes our tmp folder, if any.
    Status discard();

    struct Outcome
    {
        bool alreadyCached = false; ///< another copy was published meanwhile and is kept
        QStringList warnings;
    };
    /// Whether publish() must still make the folders inside the tmp folder durable: not when the
    /// caller's writer did (ArchiveExtractor::finish() syncs every folder it made).
    enum class FolderSync { Needed, DoneByWriter };
    /// Publishes the tmp folder as `K` with `descriptor` and `manifest` (whose handle names the
    /// model in messages). Fails, publishing nothing, when the tmp folder is empty. An empty
    /// descriptor is not written (an entry known only by its key). The files' data must be on
    /// the disk already.
    Result<Outcome> publish(
        const Manifest &manifest, const QByteArray &descriptor, FolderSync folders = FolderSync::Needed);

    /// What a prefetch records for an archive that `extractor` finished into our tmp folder:
    /// our manifest (the extractor's files and digests, the format detected in the tmp folder,
    /// so no access time of a published entry moves) and the library's descriptor.
    struct Extracted
    {
        Manifest manifest;
        QByteArray descriptor;
    };
    Extracted describeExtracted(const ArchiveExtractor &extractor, const QString &handle, const QString &url,
        qint64 archiveBytes, const QString &localHost) const;

private:
    EntryPaths m_paths;
    QString m_uid;
};

} // namespace tfhub
