#include "core/bundle/entrylock.h"

#include "core/prefetch/locktaker.h"
#include "core/util/fsutil.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QTimer>

namespace tfhub {

EntryLock::EntryLock(EntryPaths paths, const PrefetchOptions &options, const QString &uid)
{
    const QString host = options.localHost.isEmpty() ? util::hostName() : options.localHost;
    PrefetchOptions o = options;
    o.localHost = host;
    m_taker = std::make_unique<LockTaker>(
        std::move(paths), cache::lockContent(host, QCoreApplication::applicationPid(), uid), o);
}

EntryLock::~EntryLock()
{
    release();
}

Status EntryLock::acquire(
    const BundleCancelFn &cancelled, const std::function<void(const QString &)> &waiting)
{
    enum class State { Waiting, Acquired, Failed, Cancelled };
    State state = State::Waiting;
    QString error;
    QEventLoop loop;
    QObject::connect(m_taker.get(), &LockTaker::acquired, &loop, [&] {
        state = State::Acquired;
        loop.quit();
    });
    QObject::connect(m_taker.get(), &LockTaker::failed, &loop, [&](const QString &message) {
        state = State::Failed;
        error = message;
        loop.quit();
    });
    if (waiting)
        QObject::connect(m_taker.get(), &LockTaker::waiting, &loop, waiting);
    QTimer poll;
    poll.setInterval(50);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (cancelled && cancelled()) {
            state = State::Cancelled;
            loop.quit();
        }
    });
    m_taker->start();
    if (state == State::Waiting) {
        poll.start();
        loop.exec();
    }
    QObject::disconnect(m_taker.get(), nullptr, &loop, nullptr);
    if (state == State::Acquired)
        return {};
    m_taker->release();
    return Error { state == State::Cancelled ? QCoreApplication::translate("tfhub::EntryLock", "Cancelled.")
                                             : error };
}

void EntryLock::release()
{
    if (m_taker)
        m_taker->release();
}

} // namespace tfhub
