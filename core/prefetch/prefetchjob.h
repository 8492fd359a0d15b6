#pragma once

#include "core/cache/lock.h"
#include "core/hub/handle.h"
#include "core/prefetch/entrypublisher.h"
#include "core/prefetch/locktaker.h"
#include "core/prefetch/prefetchtypes.h"
#include "core/prefetch/resumabledownload.h"
#include "core/prefetch/uncompressedquery.h"
#include "core/util/progressmeter.h"

#include <QObject>

#include <memory>

class QNetworkAccessManager;

namespace tfhub {

class ArchiveExtractor;

/// Downloads one handle into the cache as tensorflow_hub would: takes the lock (LockWatcher),
/// streams the archive (ResumableDownload) through the extractor into our tmp folder, and
/// publishes it (EntryPublisher); never publishes a partial entry. Under UNCOMPRESSED it only
/// asks for the remote location (UncompressedQuery). Lives in (and must be used from) one
/// thread, which owns its QNetworkAccessManager.
class PrefetchJob final : public QObject, private DownloadSink
{
    Q_OBJECT
public:
    PrefetchJob(Handle handle, PrefetchOptions options, QObject *parent = nullptr);
    ~PrefetchJob() override;

    const Handle &handle() const { return m_handle; }
    PrefetchProgress progress() const { return m_progress; }
    const PrefetchResult &result() const { return m_result; }
    bool isFinished() const;

public Q_SLOTS:
    void start();
    void cancel();

Q_SIGNALS:
    void progressChanged(const tfhub::PrefetchProgress &progress);
    void warning(const QString &message);
    void finished(const tfhub::PrefetchResult &result);

private:
    bool finishIfCached(const QString &message);
    void beginDownload();
    void onBodyStarted(qint64 total, bool fresh);
    Status restart() override;
    Status write(const QByteArray &bytes) override;
    void finalise();
    void queryUncompressed();
    void finish(PrefetchPhase phase, const QString &message);
    void setPhase(PrefetchPhase phase, const QString &detail = QString());
    void emitProgress(bool force);
    void cleanupDownload();

    Handle m_handle;
    PrefetchOptions m_options;
    EntryPaths m_paths;
    QString m_uid;
    LockTaker *m_lock = nullptr; ///< a child, so that moveToThread() takes it along

    QNetworkAccessManager *m_nam = nullptr;
    QUrl m_url; ///< the handle's archive URL
    std::unique_ptr<ResumableDownload> m_download;
    std::unique_ptr<UncompressedQuery> m_query;
    std::unique_ptr<ArchiveExtractor> m_extractor;
    EntryPublisher m_publisher;

    PrefetchProgress m_progress;
    PrefetchResult m_result;
    util::ProgressMeter m_meter;
};

} // namespace tfhub
