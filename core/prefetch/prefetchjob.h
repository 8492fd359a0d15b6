#pragma once

#include "core/cache/lock.h"
#include "core/hub/handle.h"
#include "core/prefetch/entrypublisher.h"
#include "core/prefetch/locktaker.h"
#include "core/prefetch/prefetchjobbase.h"

#include <memory>

namespace tfhub {

class ArchiveExtractor;

/// Downloads one handle into the cache as tensorflow_hub would: takes the lock (LockWatcher),
/// streams the archive (ResumableDownload) through the extractor into our tmp folder, and
/// publishes it (EntryPublisher); never publishes a partial entry. Under UNCOMPRESSED it only
/// asks for the remote location (UncompressedQuery). Lives in (and must be used from) one
/// thread, which owns its QNetworkAccessManager.
class PrefetchJob final : public PrefetchJobBase
{
    Q_OBJECT
public:
    PrefetchJob(Handle handle, PrefetchOptions options, QObject *parent = nullptr);
    ~PrefetchJob() override;

public Q_SLOTS:
    void start() override;
    void cancel() override;

private:
    bool finishIfCached(const QString &message);
    void beginDownload();
    void onBodyStarted(qint64 total, bool fresh);
    Status restart() override;
    Status write(const QByteArray &bytes) override;
    void finalise();
    void finish(PrefetchPhase phase, const QString &message) override;
    void updateWritten() override;
    void cleanupDownload();

    EntryPaths m_paths;
    QString m_uid;
    LockTaker *m_lock = nullptr; ///< a child, so that moveToThread() takes it along
    std::unique_ptr<ArchiveExtractor> m_extractor;
    EntryPublisher m_publisher;
};

} // namespace tfhub
