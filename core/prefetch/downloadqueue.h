#pragma once

#include "core/prefetch/prefetchjob.h"
#include "core/settings/appsettings.h"

#include <QList>
#include <QObject>

class QThread;

namespace tfhub {

/// Runs prefetch jobs, several at once, each on a thread of its own (one QNetworkAccessManager per
/// download thread). Lives on, and is used from, one thread (the GUI's or the CLI's main thread);
/// progress arrives there through queued signals.
class DownloadQueue final : public QObject
{
    Q_OBJECT
public:
    explicit DownloadQueue(PrefetchOptions options, QObject *parent = nullptr);
    ~DownloadQueue() override;

    void setOptions(const PrefetchOptions &options); ///< for jobs started from now on
    const PrefetchOptions &options() const { return m_options; }
    void setConcurrency(int jobs);
    int concurrency() const { return m_concurrency; }

    /// Queues a handle; a malformed one is an error naming the cause. Returns the job's id.
    Result<int> enqueue(const QString &handleText);
    void cancel(int id);
    void cancelAll();
    /// Runs a finished (failed or cancelled) job again; returns false when it is not finished.
    bool retry(int id);
    /// Forgets finished jobs.
    void clearFinished();

    QList<int> ids() const;
    QString handleOf(int id) const;
    PrefetchProgress progressOf(int id) const;
    PrefetchResult resultOf(int id) const;
    bool isFinished(int id) const;
    int runningCount() const;
    bool isIdle() const; ///< nothing queued or running

Q_SIGNALS:
    void jobAdded(int id);
    void jobProgress(int id, const tfhub::PrefetchProgress &progress);
    void jobWarning(int id, const QString &message);
    void jobFinished(int id, const tfhub::PrefetchResult &result);
    void jobRemoved(int id);
    void idle();

private:
    struct Slot
    {
        int id = 0;
        Handle handle;
        QThread *thread = nullptr;
        QObject *job = nullptr; ///< a PrefetchJob, or a GcsPrefetchJob for a gs:// cache
        PrefetchProgress progress;
        PrefetchResult result;
        bool finished = false;
    };
    Slot *slot(int id);
    const Slot *slot(int id) const;
    void schedule();
    void launch(Slot &s);
    QObject *makeJob(Slot &s);
    void reap(Slot &s);

    PrefetchOptions m_options;
    int m_concurrency = settings::DownloadConcurrency.defaultValue;
    int m_nextId = 1;
    QList<Slot> m_slots;
};

} // namespace tfhub
