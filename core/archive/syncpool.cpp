#include "core/archive/syncpool.h"

#include "core/archive/inputqueue.h"

#include <QFile>

#include <cerrno>
#include <utility>

#include <unistd.h>

namespace tfhub::detail {

namespace {

// Open descriptors waiting for a sync thread: enough to keep the threads busy with small files,
// few against the process's descriptor limit.
constexpr std::size_t kMaxQueued = 64;

} // namespace

SyncPool::SyncPool(std::function<void(Job &&)> onSynced, std::function<void(const QString &)> onFailure)
    : m_onSynced(std::move(onSynced)), m_onFailure(std::move(onFailure))
{
}

SyncPool::~SyncPool()
{
    stop(QString());
    join();
}

void SyncPool::start()
{
    for (std::thread &thread : m_threads)
        thread = std::thread([this] { syncMain(); });
}

Status SyncPool::submit(Job job)
{
    std::unique_lock lock(m_mutex);
    m_notFull.wait(lock, [&] { return m_stopped || m_jobs.size() < kMaxQueued; });
    if (m_stopped) {
        ::close(job.fd);
        return Error { m_error };
    }
    m_jobs.push_back(std::move(job));
    m_notEmpty.notify_one();
    return {};
}

void SyncPool::close()
{
    std::lock_guard lock(m_mutex);
    m_closed = true;
    m_notEmpty.notify_all();
}

void SyncPool::stop(const QString &error)
{
    std::lock_guard lock(m_mutex);
    if (m_stopped)
        return;
    m_stopped = true;
    m_error = error;
    m_notFull.notify_all();
    m_notEmpty.notify_all();
}

void SyncPool::join()
{
    for (std::thread &thread : m_threads) {
        if (thread.joinable())
            thread.join();
    }
    for (const Job &job : m_jobs)
        ::close(job.fd);
    m_jobs.clear();
}

void SyncPool::syncMain()
{
    nameThread("tfhub-sync");
    for (;;) {
        Job job;
        {
            std::unique_lock lock(m_mutex);
            m_notEmpty.wait(lock, [&] { return m_stopped || m_closed || !m_jobs.empty(); });
            if (m_stopped || m_jobs.empty())
                return;
            job = std::move(m_jobs.front());
            m_jobs.pop_front();
            m_notFull.notify_one();
        }
        if (Status done = syncAndClose(job); !done) {
            m_onFailure(done.error());
            return;
        }
        m_onSynced(std::move(job));
    }
}

// The data reaches the disk before the file counts as written: a prefetch renames the folder
// into the cache on success, and after a power cut a renamed entry must not hold truncated files.
// fdatasync() rather than one syncfs() at the end: syncfs() also waits for every other program's
// unwritten data on that disk, so its cost has no bound.
Status SyncPool::syncAndClose(Job &job) const
{
    int synced;
    do
        synced = ::fdatasync(job.fd);
    while (synced != 0 && errno == EINTR);
    const int syncError = synced != 0 ? errno : 0;
    const int closed = ::close(std::exchange(job.fd, -1));
    const int error = syncError != 0 ? syncError : (closed != 0 ? errno : 0);
    if (error != 0)
        return Error { tr("Cannot write %1: %2.").arg(QFile::decodeName(job.path), qt_error_string(error)) };
    return {};
}

} // namespace tfhub::detail
