#include "core/prefetch/downloadqueue.h"

#include "core/gcs/gcsurl.h"
#include "core/hub/handlehistory.h"
#include "core/prefetch/gcsprefetchjob.h"

#include <QThread>

namespace tfhub {

DownloadQueue::DownloadQueue(PrefetchOptions options, QObject *parent)
    : QObject(parent), m_options(std::move(options))
{
    qRegisterMetaType<PrefetchProgress>();
    qRegisterMetaType<PrefetchResult>();
}

DownloadQueue::~DownloadQueue()
{
    for (Slot &s : m_slots) {
        if (s.job) {
            // Cancelling on the job's own thread removes its tmp folder and lock before we go.
            QMetaObject::invokeMethod(s.job, "cancel", Qt::BlockingQueuedConnection);
            reap(s);
        }
    }
}

void DownloadQueue::setOptions(const PrefetchOptions &options)
{
    m_options = options;
}

void DownloadQueue::setConcurrency(int jobs)
{
    m_concurrency = settings::DownloadConcurrency.clamp(jobs);
    schedule();
}

Result<int> DownloadQueue::enqueue(const QString &handleText)
{
    Result<Handle> h = Handle::parse(handleText);
    if (!h)
        return Error { h.error() };
    if (!m_options.handleHistory.isEmpty())
        (void)hub::recordHandles({ h.value().text() }, m_options.handleHistory); // only a name is at stake
    Slot s;
    s.id = m_nextId++;
    s.handle = std::move(h).value();
    m_slots.append(s);
    Q_EMIT jobAdded(s.id);
    schedule();
    return s.id;
}

DownloadQueue::Slot *DownloadQueue::slot(int id)
{
    for (Slot &s : m_slots) {
        if (s.id == id)
            return &s;
    }
    return nullptr;
}

const DownloadQueue::Slot *DownloadQueue::slot(int id) const
{
    return const_cast<DownloadQueue *>(this)->slot(id);
}

void DownloadQueue::cancel(int id)
{
    Slot *s = slot(id);
    if (!s || s->finished)
        return;
    if (s->job) {
        // The job runs on its own thread; it cancels itself there and reports finished().
        QMetaObject::invokeMethod(s->job, "cancel", Qt::QueuedConnection);
        return;
    }
    s->finished = true;
    s->progress.phase = PrefetchPhase::Cancelled;
    s->result.phase = PrefetchPhase::Cancelled;
    s->result.message = tr("Cancelled.");
    Q_EMIT jobProgress(id, s->progress);
    Q_EMIT jobFinished(id, s->result);
    schedule();
}

void DownloadQueue::cancelAll()
{
    const QList<int> all = ids();
    for (const int id : all)
        cancel(id);
}

bool DownloadQueue::retry(int id)
{
    Slot *s = slot(id);
    if (!s || !s->finished)
        return false;
    s->finished = false;
    s->progress = PrefetchProgress();
    s->result = PrefetchResult();
    Q_EMIT jobProgress(id, s->progress);
    schedule();
    return true;
}

void DownloadQueue::clearFinished()
{
    for (qsizetype i = m_slots.size() - 1; i >= 0; --i) {
        if (m_slots.at(i).finished) {
            const int id = m_slots.at(i).id;
            m_slots.removeAt(i);
            Q_EMIT jobRemoved(id);
        }
    }
}

QList<int> DownloadQueue::ids() const
{
    QList<int> out;
    for (const Slot &s : m_slots)
        out << s.id;
    return out;
}

QString DownloadQueue::handleOf(int id) const
{
    const Slot *s = slot(id);
    return s ? s->handle.text() : QString();
}

PrefetchProgress DownloadQueue::progressOf(int id) const
{
    const Slot *s = slot(id);
    return s ? s->progress : PrefetchProgress();
}

PrefetchResult DownloadQueue::resultOf(int id) const
{
    const Slot *s = slot(id);
    return s ? s->result : PrefetchResult();
}

bool DownloadQueue::isFinished(int id) const
{
    const Slot *s = slot(id);
    return s && s->finished;
}

int DownloadQueue::runningCount() const
{
    int n = 0;
    for (const Slot &s : m_slots)
        n += s.job ? 1 : 0;
    return n;
}

bool DownloadQueue::isIdle() const
{
    for (const Slot &s : m_slots) {
        if (!s.finished)
            return false;
    }
    return true;
}

void DownloadQueue::schedule()
{
    for (Slot &s : m_slots) {
        if (runningCount() >= m_concurrency)
            break;
        if (!s.finished && !s.job)
            launch(s);
    }
    if (isIdle())
        Q_EMIT idle();
}

// Which job runs depends on the cache root; both have PrefetchJobBase's slots and signals.
QObject *DownloadQueue::makeJob(Slot &s)
{
    const int id = s.id;
    PrefetchJobBase *job = gcs::isGcsUrl(m_options.cacheRoot)
        ? static_cast<PrefetchJobBase *>(new GcsPrefetchJob(s.handle, m_options))
        : new PrefetchJob(s.handle, m_options);
    job->moveToThread(s.thread);
    connect(s.thread, &QThread::started, job, &PrefetchJobBase::start);
    connect(job, &PrefetchJobBase::progressChanged, this, [this, id](const PrefetchProgress &p) {
        if (Slot *sl = slot(id); sl && !sl->finished) {
            sl->progress = p;
            Q_EMIT jobProgress(id, p);
        }
    });
    connect(job, &PrefetchJobBase::warning, this, [this, id](const QString &w) { Q_EMIT jobWarning(id, w); });
    connect(job, &PrefetchJobBase::finished, this, [this, id](const PrefetchResult &r) {
        Slot *sl = slot(id);
        if (!sl)
            return;
        sl->result = r;
        sl->progress.phase = r.phase;
        sl->finished = true;
        reap(*sl);
        // Copies: a receiver may clear finished jobs, and with them the slot.
        const PrefetchProgress progress = sl->progress;
        Q_EMIT jobProgress(id, progress);
        Q_EMIT jobFinished(id, r);
        schedule();
    });
    return job;
}

void DownloadQueue::launch(Slot &s)
{
    s.thread = new QThread;
    s.thread->setObjectName(QStringLiteral("Prefetch-%1").arg(s.id));
    s.job = makeJob(s);
    s.thread->start();
}

void DownloadQueue::reap(Slot &s)
{
    if (!s.thread)
        return;
    // The job has finished (it cleaned up on its own thread): stop that thread, then free both.
    s.thread->quit();
    s.thread->wait();
    delete s.job;
    delete s.thread;
    s.job = nullptr;
    s.thread = nullptr;
}

} // namespace tfhub
