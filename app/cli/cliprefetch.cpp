#include "app/cli/cliprefetch.h"

#include "app/cli/cli.h"
#include "app/cli/clicommon.h"
#include "app/cli/clioutput.h"
#include "core/cache/cachescanner.h"
#include "core/prefetch/downloadqueue.h"
#include "core/util/fsutil.h"
#include "core/util/humanize.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QSocketNotifier>
#include <QTextStream>
#include <QTimer>

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>

#include <memory>

namespace tfhub::cli {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cli", text);
}

int g_signalPipe[2] = { -1, -1 };
volatile std::sig_atomic_t g_signal = 0;

void onSignal(int sig)
{
    g_signal = sig;
    const char c = 1;
    [[maybe_unused]] const ssize_t n = ::write(g_signalPipe[1], &c, 1);
}

QString bar(double fraction, int width)
{
    const int filled = static_cast<int>(fraction * width);
    return QString(filled, QLatin1Char('#')) + QString(width - filled, QLatin1Char('-'));
}

QString progressLine(const QString &handle, const PrefetchProgress &p)
{
    QString size = util::humanSize(p.received);
    if (p.total > 0)
        size += QLatin1Char('/') + util::humanSize(p.total);
    QString line;
    if (p.phase == PrefetchPhase::Downloading && p.total > 0)
        line = QStringLiteral("[%1] %2%  ")
                   .arg(bar(double(p.received) / double(p.total), 20))
                   .arg(100 * p.received / p.total, 3);
    else
        line = QStringLiteral("%1  ").arg(phaseName(p.phase), -28);
    line += size;
    if (p.bytesPerSec > 0 && p.phase == PrefetchPhase::Downloading)
        line += QStringLiteral("  %1/s").arg(util::humanSize(static_cast<qint64>(p.bytesPerSec)));
    if (p.etaSecs > 0 && p.phase == PrefetchPhase::Downloading)
        line += tr("  ETA %1s").arg(p.etaSecs);
    if (!p.detail.isEmpty() && p.phase != PrefetchPhase::Downloading)
        line += QStringLiteral("  ") + p.detail;
    return handle + QStringLiteral("\n    ") + line;
}

// One `prefetch` run: the queue, the signal pipe, and the two ways of showing progress.
class PrefetchRun final
{
public:
    PrefetchRun(const PrefetchArgs &args, const HubSettings &settings)
        : m_args(args)
        , m_settings(settings)
        , m_queue(PrefetchOptions::fromEnvironment(settings))
        , m_tty(!args.json && ::isatty(STDOUT_FILENO))
    {
        m_queue.setConcurrency(args.jobs);
    }

    int run()
    {
        if (!enqueueAll())
            return Failure;
        watchSignals();
        QTimer ticker;
        ticker.setInterval(200);
        QObject::connect(&ticker, &QTimer::timeout, &m_queue, [this] { redraw(); });
        if (m_tty)
            ticker.start();
        connectPlainOutput();
        QEventLoop loop;
        QObject::connect(&m_queue, &DownloadQueue::idle, &loop, &QEventLoop::quit);
        if (!m_queue.isIdle())
            loop.exec();
        ticker.stop();
        redraw();
        ::signal(SIGINT, SIG_DFL);
        ::signal(SIGTERM, SIG_DFL);
        return report();
    }

private:
    bool enqueueAll()
    {
        for (const QString &h : m_args.handles) {
            const Result<int> id = m_queue.enqueue(h);
            if (!id) {
                m_err << "tfhub-cache: " << id.error() << '\n';
                m_err.flush();
                m_queue.cancelAll();
                return false;
            }
            m_ids << *id;
        }
        return true;
    }

    // Ctrl-C: a signal handler may only write to a pipe; the event loop reads it and cancels.
    void watchSignals()
    {
        if (::pipe2(g_signalPipe, O_CLOEXEC) == 0) {
            struct sigaction sa
            {
            };
            sa.sa_handler = onSignal;
            sigemptyset(&sa.sa_mask);
            ::sigaction(SIGINT, &sa, nullptr);
            ::sigaction(SIGTERM, &sa, nullptr);
        }
        m_notifier = std::make_unique<QSocketNotifier>(g_signalPipe[0], QSocketNotifier::Read);
        QObject::connect(m_notifier.get(), &QSocketNotifier::activated, &m_queue, [this] {
            char c;
            [[maybe_unused]] const ssize_t n = ::read(g_signalPipe[0], &c, 1);
            m_interrupted = true;
            m_queue.cancelAll();
        });
    }

    void redraw()
    {
        if (!m_tty)
            return;
        if (m_drawnLines > 0)
            m_out << "\x1b[" << m_drawnLines << 'F';
        m_drawnLines = 0;
        for (const int id : std::as_const(m_ids)) {
            const QStringList lines
                = progressLine(m_queue.handleOf(id), m_queue.progressOf(id)).split(QLatin1Char('\n'));
            for (const QString &l : lines) {
                m_out << "\x1b[2K" << l << '\n';
                ++m_drawnLines;
            }
        }
        m_out.flush();
    }

    // Without a terminal: a line per phase change, warnings, and a line per finished model.
    void connectPlainOutput()
    {
        QObject::connect(
            &m_queue, &DownloadQueue::jobProgress, &m_queue, [this](int id, const PrefetchProgress &p) {
                if (m_tty || m_args.json || m_lastPhase.value(id, PrefetchPhase::Queued) == p.phase)
                    return;
                m_lastPhase[id] = p.phase;
                if (p.phase == PrefetchPhase::Done || p.phase == PrefetchPhase::Failed
                    || p.phase == PrefetchPhase::Cancelled)
                    return; // reported when the job finishes
                m_out << m_queue.handleOf(id) << ": " << phaseName(p.phase);
                if (!p.detail.isEmpty())
                    m_out << " (" << p.detail << ')';
                m_out << '\n';
                m_out.flush();
            });
        QObject::connect(&m_queue, &DownloadQueue::jobWarning, &m_queue, [this](int id, const QString &w) {
            m_err << "tfhub-cache: " << m_queue.handleOf(id) << ": " << tr("warning: ") << w << '\n';
            m_err.flush();
        });
        QObject::connect(
            &m_queue, &DownloadQueue::jobFinished, &m_queue, [this](int id, const PrefetchResult &r) {
                if (m_tty || m_args.json)
                    return;
                QTextStream &s = r.phase == PrefetchPhase::Done ? m_out : m_err;
                s << m_queue.handleOf(id) << ": " << phaseName(r.phase) << ": " << r.message;
                if (r.phase == PrefetchPhase::Done && !r.path.isEmpty())
                    s << " -> " << r.path;
                s << '\n';
                s.flush();
            });
    }

    // Sizes only for a download that happened: an already-cached model downloaded nothing.
    QJsonObject resultJson(int id, const PrefetchResult &r) const
    {
        const PrefetchProgress p = m_queue.progressOf(id);
        const bool downloaded
            = r.phase == PrefetchPhase::Done && !r.alreadyCached && r.remoteLocation.isEmpty();
        return QJsonObject { { QStringLiteral("handle"), m_queue.handleOf(id) },
            { QStringLiteral("status"),
                r.phase == PrefetchPhase::Done            ? QStringLiteral("done")
                    : r.phase == PrefetchPhase::Cancelled ? QStringLiteral("cancelled")
                                                          : QStringLiteral("failed") },
            { QStringLiteral("message"), stringOrNull(r.message) },
            { QStringLiteral("path"), stringOrNull(r.path) },
            { QStringLiteral("alreadyCached"), r.alreadyCached },
            { QStringLiteral("remoteLocation"), stringOrNull(r.remoteLocation) },
            { QStringLiteral("archiveBytes"), downloaded ? QJsonValue(p.received) : QJsonValue() },
            { QStringLiteral("files"), downloaded ? QJsonValue(p.files) : QJsonValue() },
            { QStringLiteral("warnings"), QJsonArray::fromStringList(r.warnings) } };
    }

    int report()
    {
        bool allOk = true;
        QJsonArray results;
        for (const int id : std::as_const(m_ids)) {
            const PrefetchResult r = m_queue.resultOf(id);
            allOk = allOk && r.phase == PrefetchPhase::Done;
            if (m_tty && r.phase != PrefetchPhase::Done)
                m_err << "tfhub-cache: " << m_queue.handleOf(id) << ": " << r.message << '\n';
            results.append(resultJson(id, r));
        }
        if (m_args.json) {
            m_out << QJsonDocument(jsonEnvelope(m_settings, { { QStringLiteral("results"), results } }))
                         .toJson(QJsonDocument::Indented);
        }
        if (m_interrupted)
            m_err << "tfhub-cache: " << tr("interrupted: downloads cancelled, nothing partial was kept.")
                  << '\n';
        m_out.flush();
        m_err.flush();
        if (m_interrupted && g_signal != 0)
            exitAsSignal(g_signal);
        return allOk ? Ok : Failure;
    }

    const PrefetchArgs &m_args;
    const HubSettings &m_settings;
    QTextStream m_out { stdout };
    QTextStream m_err { stderr };
    DownloadQueue m_queue;
    const bool m_tty;
    QList<int> m_ids;
    QMap<int, PrefetchPhase> m_lastPhase;
    int m_drawnLines = 0;
    bool m_interrupted = false;
    std::unique_ptr<QSocketNotifier> m_notifier;
};

} // namespace

int runPrefetch(const PrefetchArgs &args)
{
    const HubSettings settings
        = HubSettings::resolve(QProcessEnvironment::systemEnvironment(), args.cacheDir);
    PrefetchRun run(args, settings);
    return run.run();
}

} // namespace tfhub::cli
