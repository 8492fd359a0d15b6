#pragma once

#include "core/settings/appsettings.h"

#include "core/hub/handle.h"
#include "core/hub/hubsettings.h"
#include "core/prefetch/hubrequest.h"
#include "core/util/progressmeter.h"

#include <QMetaType>
#include <QString>
#include <QStringList>

namespace tfhub {

/// Tunables of a prefetch; tests shrink the times to about a second.
struct PrefetchOptions final
{
    QString cacheRoot;
    LoadFormat loadFormat = LoadFormat::Auto;
    int lockPollMs = 5000; ///< how often a waiter looks at another's lock
    int graceSecs = 30; ///< dead local holder: its tmp folder must be idle this long
    int noProgressSecs = 20 * 60; ///< any holder without progress: the library's no-progress rule
    int stallSecs = settings::StallTimeoutSecs.defaultValue; ///< no bytes for this long counts as a failure
    int retries = settings::Retries.defaultValue; ///< transient failures retried this many times
    int backoffMs = 1000; ///< first retry delay, doubled each time, capped at 30 s
    int maxRedirects = 10;
    QString storageHost; ///< STORAGE_EMULATOR_HOST for gs:// tarballs
    QString localHost; ///< empty: this machine's host name
    bool disableTlsVerification = false; ///< only with TFHUB_DISABLE_CERT_VALIDATION=true
    /// Where DownloadQueue::enqueue() records each handle (hub::recordHandles), so its entry has
    /// a name before the descriptor exists; empty: nowhere. fromEnvironment() sets it.
    QString handleHistory;

    TransportOptions transport() const;
    /// transport() for `handle`: a gs:// tarball may be in a private bucket, so a refusal of the
    /// anonymous request is answered with a token from gcs::TokenSource (the same chain as gs://
    /// caches; STORAGE_EMULATOR_HOST aside, since the request may go to that very host).
    TransportOptions transportFor(const Handle &handle) const;

    /// Options from the environment (STORAGE_EMULATOR_HOST, TFHUB_DISABLE_CERT_VALIDATION, the
    /// handle history under XDG_DATA_HOME).
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

/// What a prefetch of a handle starts with, whatever the cache: under UNCOMPRESSED only the hub's
/// answer; else the archive at `url`; or nothing, with `error` saying why (the library's words).
struct PrefetchStart final
{
    enum class Kind { Fail, QueryUncompressed, Download };
    Kind kind = Kind::Fail;
    QUrl url;
    QString error;
};
PrefetchStart prefetchStart(const Handle &handle, const PrefetchOptions &options);

/// The message of a job that ends with the remote location UNCOMPRESSED names.
QString uncompressedMessage(const QString &location);

// What both prefetch jobs (a local folder, a gs:// prefix) do with their progress record.
namespace prefetchprogress {

/// Sets the phase and detail; true when either changed (a report is then due at once).
bool setPhase(PrefetchProgress *progress, PrefetchPhase phase, const QString &detail);

/// Whether a report is due now (always when forced; else as `meter` paces them), with the meter's
/// rate and ETA brought up to date in `progress` when it is.
bool claimReport(PrefetchProgress *progress, util::ProgressMeter &meter, bool force);

/// Records the end of a job in both its progress and its result.
void end(PrefetchProgress *progress, PrefetchResult *result, PrefetchPhase phase, const QString &message);

} // namespace prefetchprogress

} // namespace tfhub

Q_DECLARE_METATYPE(tfhub::PrefetchProgress)
Q_DECLARE_METATYPE(tfhub::PrefetchResult)
