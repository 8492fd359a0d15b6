#pragma once

#include "core/archive/archiveextractor.h"
#include "core/util/result.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QString>

#include <array>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace tfhub::detail {

/// Threads that wait for written files to reach the disk (fdatasync) and close them, so the writer
/// threads go on with the next file meanwhile. An fdatasync waits for the disk's write latency;
/// several of them in flight at once share the filesystem's journal commits, which is what makes
/// an archive of thousands of small files cheap to make durable.
///
/// Threads: submit() from the writers, close()/join() from the owner, stop() from any. A failed
/// sync reports through `onFailure` (which is expected to call stop()); a synced file through
/// `onSynced`, on a sync thread.
class SyncPool final
{
    Q_DECLARE_TR_FUNCTIONS(tfhub::ArchiveExtractor)

public:
    struct Job
    {
        int fd = -1;
        QByteArray path; ///< absolute, for messages
        QByteArray relative; ///< the manifest's key
        ArchiveExtractor::FileRecord record;
    };

    SyncPool(std::function<void(Job &&)> onSynced, std::function<void(const QString &)> onFailure);
    ~SyncPool();
    SyncPool(const SyncPool &) = delete;
    SyncPool &operator=(const SyncPool &) = delete;

    void start();
    /// Queues a written file, blocking while too many wait; takes the descriptor in any case.
    Status submit(Job job);
    /// No more jobs: the threads end once the queue is drained.
    void close();
    void stop(const QString &error);
    /// Waits for the threads and closes what a stop left queued.
    void join();

    /// Syncs in flight at most (the folders of an extraction are synced as widely).
    static constexpr int kThreads = 4;

private:
    void syncMain();
    Status syncAndClose(Job &job) const;

    const std::function<void(Job &&)> m_onSynced;
    const std::function<void(const QString &)> m_onFailure;
    std::mutex m_mutex;
    std::condition_variable m_notFull;
    std::condition_variable m_notEmpty;
    std::deque<Job> m_jobs;
    bool m_closed = false;
    bool m_stopped = false;
    QString m_error;
    std::array<std::thread, kThreads> m_threads;
};

} // namespace tfhub::detail
