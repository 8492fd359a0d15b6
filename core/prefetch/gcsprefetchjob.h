#pragma once

#include "core/gcs/gcsarchiveupload.h"
#include "core/gcs/gcslock.h"
#include "core/gcs/gcspublish.h"
#include "core/gcs/gcsurl.h"
#include "core/gcs/gcsworkers.h"
#include "core/prefetch/prefetchjobbase.h"

#include <QTimer>

#include <atomic>
#include <memory>
#include <optional>

namespace tfhub {

/// PrefetchJob's twin for a gs:// cache (options.cacheRoot = gs://bucket/prefix), with the same
/// signals, phases and results: takes the key's lock in the bucket (gcs::GcsLock, waiting while
/// another download makes progress), streams the archive through the same decoder into objects
/// under `K.<uid>.tmp/` (gcs::GcsArchiveUpload), and publishes them in the library's order
/// (gcs::publish). A failure or cancel removes our tmp objects and lock; should that fail too
/// (or the process die), only tmp objects and our lock remain, which the stale rule cleans.
/// Blocking Cloud Storage calls run on a control thread of their own, so this object (and its
/// thread's event loop) never waits on them; it lives in, and is used from, one thread.
class GcsPrefetchJob final : public PrefetchJobBase
{
    Q_OBJECT
public:
    GcsPrefetchJob(Handle handle, PrefetchOptions options, QObject *parent = nullptr);
    ~GcsPrefetchJob() override;

    /// Before start(): the clients' and the sink's sizes (tests make the chunks small).
    void setUploadOptions(const gcs::ClientOptions &client, const gcs::ObjectSinkOptions &sink);

public Q_SLOTS:
    void start() override;
    void cancel() override;

private:
    using Step = std::function<void(gcs::GcsClient &)>;
    void control(Step step);
    void then(std::function<void()> next);
    bool prepare();
    void tryLock();
    void lookAtHolder();
    void beginDownload();
    void startTransfer();
    void heartbeat();
    void onBodyStarted(qint64 total);
    Status restart() override;
    Status write(const QByteArray &bytes) override;
    void finalise();
    void published(const Result<gcs::PublishOutcome> &outcome);
    void end(PrefetchPhase phase, const QString &message);
    void finish(PrefetchPhase phase, const QString &message) override;
    void updateWritten() override;

    gcs::ClientOptions m_clientOptions;
    gcs::ObjectSinkOptions m_sinkOptions;
    gcs::GcsUrl m_root;
    QString m_uid;
    std::optional<gcs::GcsLock> m_lock; ///< used on the control thread only
    gcs::ClientFactory m_clients;
    std::unique_ptr<gcs::GcsWorkers> m_control; ///< one thread: the steps run in order

    std::shared_ptr<gcs::GcsArchiveUpload> m_upload;
    QTimer m_poll;
    QTimer m_heartbeat;
    int m_pollMs = 500;

    bool m_ending = false; ///< cleaning up: every step's continuation stops
    bool m_finalising = false;
    std::atomic<bool> m_cancelRequested { false };
};

} // namespace tfhub
