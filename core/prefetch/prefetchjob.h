#pragma once

#include "core/cache/lock.h"
#include "core/hub/handle.h"
#include "core/hub/hubsettings.h"
#include "core/prefetch/entrypublisher.h"
#include "core/prefetch/resumabledownload.h"
#include "core/prefetch/uncompressedquery.h"
#include "core/util/progressmeter.h"

#include <QMetaType>
#include <QObject>
#include <QTimer>

#include <memory>

class QNetworkAccessManager;

namespace tfhub {

class ArchiveExtractor;

/// Tunables of a prefetch; tests shrink the times to about a second.
struct PrefetchOptions final
{
    QString cacheRoot;
    LoadFormat loadFormat = LoadFormat::Auto;
    int lockPollMs = 5000; ///< how often a waiter looks at another's lock
    int graceSecs = 30; ///< dead local holder: its tmp folder must be idle this long
    int noProgressSecs = 20 * 60; ///< other host's holder: the library's no-progress rule
    int stallSecs = 60; ///< no bytes for this long counts as a failure
    int retries = 5; ///< transient failures retried this many times
    int backoffMs = 1000; ///< first retry delay, doubled each time, capped at 30 s
    int maxRedirects = 10;
    QString storageHost; ///< STORAGE_EMULATOR_HOST for gs:// tarballs
    QString localHost; ///< empty: this machine's host name
    bool disableTlsVerification = false; ///< only with TFHUB_DISABLE_CERT_VALIDATION=true

    TransportOptions transport() const;

    /// Options from the environment (STORAGE_EMULATOR_HOST, TFHUB_DISABLE_CERT_VALIDATION).
    static PrefetchOptions fromEnvironment(const HubSettings &settings);
};

enum class PrefetchPhase {
    Queued,
    WaitingForLock,
    Connecting,
    Downloading,
    Finalising,
    Done,
    Failed,
    Cancelled
};
QString phaseName(PrefetchPhase phase);

struct PrefetchProgress final
{
    PrefetchPhase phase = PrefetchPhase::Queued;
    qint64 received = 0; ///< compressed bytes consumed
    qint64 total = -1; ///< archive size when known
    qint64 written = 0; ///< bytes written to disk
    qint64 files = 0;
    double bytesPerSec = 0;
    qint64 etaSecs = -1;
    int attempt = 1;
    QString detail; ///< e.g. "waiting for another download by host pid 1234"
};

/// The outcome of a finished job.
struct PrefetchResult final
{
    PrefetchPhase phase = PrefetchPhase::Failed; ///< Done, Failed or Cancelled
    QString message;
    QString path; ///< the model folder (Done)
    bool alreadyCached = false;
    QString remoteLocation; ///< UNCOMPRESSED: the gs:// location the server named
    QStringList warnings;
};

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
    void tryLock();
    void pollLock();
    void takeOverLock();
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
    QByteArray m_lockContent;
    bool m_haveLock = false;
    std::unique_ptr<LockWatcher> m_watcher;
    QTimer m_lockTimer;

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

Q_DECLARE_METATYPE(tfhub::PrefetchProgress)
Q_DECLARE_METATYPE(tfhub::PrefetchResult)
