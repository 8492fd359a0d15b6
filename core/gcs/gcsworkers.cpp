#include "core/gcs/gcsworkers.h"

#include "core/gcs/credentials.h"

#include <QThread>

namespace tfhub::gcs {

Result<ClientFactory> clientFactoryFromEnvironment(const QProcessEnvironment &env, ClientOptions options)
{
    if (!env.value(QStringLiteral("STORAGE_EMULATOR_HOST")).trimmed().isEmpty()) {
        // Checks the address once; an emulator needs no token to share.
        if (Result<std::unique_ptr<GcsClient>> probe = makeClientFromEnvironment(env, options); !probe)
            return Error { probe.error() };
        return ClientFactory(
            [env, options] { return std::move(makeClientFromEnvironment(env, options)).value(); });
    }
    auto tokens = std::make_shared<TokenSource>(env);
    return ClientFactory([tokens, options] {
        return std::make_unique<GcsClient>(
            QUrl(QStringLiteral("https://storage.googleapis.com")), bearerFrom(tokens), options);
    });
}

GcsWorkers::GcsWorkers(ClientFactory factory, int threads) : m_factory(std::move(factory))
{
    for (int i = 0; i < qMax(1, threads); ++i) {
        QThread *t = QThread::create([this] { workerMain(); });
        t->setObjectName(QStringLiteral("gcs-worker-%1").arg(i));
        t->start();
        m_threads.push_back(t);
    }
}

GcsWorkers::~GcsWorkers()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        m_tasks.clear();
    }
    m_wake.notify_all();
    for (QThread *t : m_threads) {
        t->wait();
        delete t;
    }
}

void GcsWorkers::post(Task task)
{
    {
        std::lock_guard lock(m_mutex);
        m_tasks.push_back(std::move(task));
    }
    m_wake.notify_one();
}

void GcsWorkers::waitIdle()
{
    std::unique_lock lock(m_mutex);
    m_idle.wait(lock, [this] { return m_tasks.empty() && m_running == 0; });
}

void GcsWorkers::discardPending()
{
    std::lock_guard lock(m_mutex);
    m_tasks.clear();
    if (m_running == 0)
        m_idle.notify_all();
}

void GcsWorkers::workerMain()
{
    // The client is made here: its network access manager belongs to this thread.
    const std::unique_ptr<GcsClient> client = m_factory();
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return m_stopping || !m_tasks.empty(); });
        if (m_stopping)
            return;
        Task task = std::move(m_tasks.front());
        m_tasks.pop_front();
        ++m_running;
        lock.unlock();
        task(*client);
        task = nullptr; // what it captured goes before the pool counts it done
        lock.lock();
        --m_running;
        if (m_tasks.empty() && m_running == 0)
            m_idle.notify_all();
    }
}

} // namespace tfhub::gcs
