#pragma once

#include "core/cache/lock.h"
#include "core/hub/handle.h"
#include "core/hub/hubsettings.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QMetaType>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;
class QNetworkReply;

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

/// Downloads one handle into the cache as tensorflow_hub would, under its lock protocol, while
/// extracting the stream; resumes dropped connections with Range/If-Range, retries transient
/// failures, and never publishes a partial entry. Lives in (and must be used from) one thread,
/// which owns its QNetworkAccessManager.
class PrefetchJob final : public QObject
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
    void tryLock();
    void pollLock();
    void beginDownload();
    void sendRequest(const QUrl &url, bool fromHandle);
    void onMetaData();
    void onReadyRead();
    void onReplyFinished();
    void onStall();
    void retryOrFail(const QString &why);
    /// A fresh extractor on an empty tmp folder of ours; false when that failed (the job ended).
    bool restartExtraction();
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

    QNetworkAccessManager *m_nam = nullptr;
    QPointer<QNetworkReply> m_reply;
    std::unique_ptr<ArchiveExtractor> m_extractor;
    QTimer m_lockTimer;
    QTimer m_stallTimer;
    QTimer m_retryTimer;

    QUrl m_startUrl; ///< the URL the handle asks for
    QUrl m_currentUrl; ///< after redirects: where the bytes come from
    int m_redirects = 0;
    int m_attempt = 1;
    qint64 m_offset = 0; ///< bytes of the archive fed to the extractor
    qint64 m_replyStart = 0; ///< archive offset the current response starts at
    qint64 m_expectedEnd = -1; ///< archive size per Content-Length / Content-Range
    QByteArray m_validator; ///< ETag or Last-Modified for If-Range
    bool m_resumeRequested = false;
    int m_retryAfterMs = 0; ///< from a 429/503 Retry-After, for the next retry only
    bool m_aborting = false; ///< a reply is aborted on purpose (stall, cancel)
    QString m_abortReason;

    PrefetchProgress m_progress;
    PrefetchResult m_result;
    QElapsedTimer m_sinceEmit;
    QElapsedTimer m_rateClock;
    qint64 m_rateBytes = 0;
};

} // namespace tfhub

Q_DECLARE_METATYPE(tfhub::PrefetchProgress)
Q_DECLARE_METATYPE(tfhub::PrefetchResult)
