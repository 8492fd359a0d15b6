#include "core/prefetch/locktaker.h"

#include "core/util/fsutil.h"

namespace tfhub {

LockTaker::LockTaker(EntryPaths paths, QByteArray content, const PrefetchOptions &options, QObject *parent)
    : QObject(parent)
    , m_paths(std::move(paths))
    , m_content(std::move(content))
    , m_localHost(options.localHost)
    , m_graceSecs(options.graceSecs)
    , m_noProgressSecs(options.noProgressSecs)
    , m_timer(this)
{
    m_timer.setInterval(options.lockPollMs);
    connect(&m_timer, &QTimer::timeout, this, &LockTaker::poll);
}

LockTaker::~LockTaker()
{
    release();
}

void LockTaker::start()
{
    m_stopped = false;
    tryLock();
}

void LockTaker::release()
{
    m_stopped = true;
    m_timer.stop();
    if (m_held) {
        cache::releaseLock(m_paths, m_content);
        m_held = false;
    }
}

void LockTaker::tryLock()
{
    const Result<bool> got = cache::tryAcquireLock(m_paths, m_content);
    if (!got)
        return Q_EMIT failed(got.error());
    if (*got) {
        m_held = true;
        m_timer.stop();
        return Q_EMIT acquired();
    }
    if (!m_watcher)
        m_watcher = std::make_unique<LockWatcher>(m_paths, m_localHost, m_graceSecs, m_noProgressSecs);
    poll();
    if (!m_stopped && !m_held && !m_timer.isActive())
        m_timer.start();
}

void LockTaker::poll()
{
    switch (m_watcher->check()) {
    case LockWatcher::Verdict::Gone:
        m_timer.stop();
        return tryLock();
    case LockWatcher::Verdict::Wait:
        return Q_EMIT waiting(m_watcher->reason());
    case LockWatcher::Verdict::TakeOver:
        return takeOver();
    }
}

void LockTaker::takeOver()
{
    // Remove the holder's lock if it is still the one we judged, then the tmp folder of a dead
    // holder (a live one that made no progress cleans up after itself).
    Q_EMIT takingOver(m_watcher->reason());
    if (m_stopped)
        return;
    if (m_watcher->removeIfUnchanged() && m_watcher->owner().valid && !m_watcher->holderAlive()) {
        if (Status s = util::removeTree(m_paths.tmpFolder(m_watcher->owner().uid)); !s)
            return Q_EMIT failed(s.error());
    }
    m_watcher.reset();
    m_timer.stop();
    tryLock();
}

} // namespace tfhub
