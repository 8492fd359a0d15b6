#pragma once

#include "core/gcs/gcsclient.h"
#include "core/util/result.h"

#include <QProcessEnvironment>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

class QThread;

namespace tfhub::gcs {

/// Makes a client for the calling thread (a GcsClient lives in the thread that uses it).
using ClientFactory = std::function<std::unique_ptr<GcsClient>()>;

/// Clients for the environment's Cloud Storage (see makeClientFromEnvironment) that share one
/// token source, so several threads ask the credentials once. Fails when STORAGE_EMULATOR_HOST is
/// not an address.
Result<ClientFactory> clientFactoryFromEnvironment(
    const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment(), ClientOptions options = {});

/// A few threads, each with a client of its own, running blocking Cloud Storage calls: several
/// uploads or copies in flight without an asynchronous client. Tasks start in the order posted.
class GcsWorkers final
{
public:
    using Task = std::function<void(GcsClient &)>;

    GcsWorkers(ClientFactory factory, int threads);
    /// Drops the tasks not started and waits for those running.
    ~GcsWorkers();
    GcsWorkers(const GcsWorkers &) = delete;
    GcsWorkers &operator=(const GcsWorkers &) = delete;

    void post(Task task);
    /// Blocks until every task posted so far has run.
    void waitIdle();
    /// Forgets the tasks not started yet.
    void discardPending();

private:
    void workerMain();

    ClientFactory m_factory;
    std::vector<QThread *> m_threads;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_idle;
    std::deque<Task> m_tasks;
    int m_running = 0;
    bool m_stopping = false;
};

} // namespace tfhub::gcs
