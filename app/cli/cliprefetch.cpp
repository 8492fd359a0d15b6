#include "app/cli/cliprefetch.h"

#include "app/cli/cli.h"
#include "app/cli/clicommon.h"
#include "app/cli/clioutput.h"
#include "core/cache/cachescanner.h"
#include "core/prefetch/downloadqueue.h"
#include "core/util/fsutil.h"
#include "core/util/humanize.h"

#include <QCoreApplication>
#include <QElapsedTimer>
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
#include <sys/ioctl.h>
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

// How an ended job reads: "already cached → PATH" rather than "done 0 bytes".
QString endText(const PrefetchResult &r, const PrefetchProgress &p)
{
    if (r.phase == PrefetchPhase::Done && r.alreadyCached)
        return tr("already cached → %1").arg(r.path);
    if (r.phase == PrefetchPhase::Done && !r.path.isEmpty())
        return tr("done, %1 downloaded → %2").arg(util::humanSize(p.received), r.path);
    if (r.phase == PrefetchPhase::Done)
        return tr("done: %1").arg(r.message);
    return phaseName(r.phase) + QStringLiteral(": ") + r.message;
}

QString progressLine(const PrefetchProgress &p)
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
    return line;
}

// The terminal's width: TIOCGWINSZ, else $COLUMNS, else 80. Read at every redraw: windows resize.
int terminalColumns()
{
    struct winsize ws
    {
    };
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    bool ok = false;
    const int columns = qEnvironmentVariableIntValue("COLUMNS", &ok);
    return ok && columns > 0 ? columns : 80;
}

// A line one column short of the width never wraps, so the cursor-up redraw stays exact.
QString fitted(const QString &line, int columns)
{
    const int room = qMax(columns - 1, 8);
    return line.size() <= room ? line : line.left(room - 1) + QStringLiteral("…");
}

// Cursor movement needs a terminal that understands it: not a pipe, not TERM=dumb.
bool redrawableTerminal()
{
    return ::isatty(STDOUT_FILENO) && qEnvironmentVariable("TERM") != QLatin1String("dumb");
}

// One `prefetch` run: the queue, the signal pipe, and the two ways of showing progress.
class PrefetchRun final
{
public:
    PrefetchRun(const PrefetchArgs &args, const HubSettings &settings)
        : m_args(args)
        , m_settings(settings)
        , m_queue(PrefetchOptions::fromEnvironment(settings))
        , m_tty(!args.json && redrawableTerminal())
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
        const int columns = terminalColumns();
        for (const int id : std::as_const(m_ids)) {
            const PrefetchProgress p = m_queue.progressOf(id);
            const bool ended = p.phase == PrefetchPhase::Done || p.phase == PrefetchPhase::Failed
                || p.phase == PrefetchPhase::Cancelled;
            const QString state = ended ? endText(m_queue.resultOf(id), p) : progressLine(p);
            for (const QString &l : QStringList { m_queue.handleOf(id), QStringLiteral("    ") + state }) {
                m_out << "\x1b[2K" << fitted(l, columns) << '\n';
                ++m_drawnLines;
            }
        }
        m_out.flush();
    }

    // Without a terminal, a line per model: at each phase, every 10 % or 10 s of a download,
    // and at every retry with its reason.
    bool plainLineDue(int id, const PrefetchProgress &p)
    {
        Plain &last = m_plain[id];
        const int decile = p.total > 0 ? int(10 * p.received / p.total) : -1;
        const bool due = p.phase != last.phase || p.attempt != last.attempt || decile > last.decile
            || (p.phase == PrefetchPhase::Downloading && last.since.isValid()
                && last.since.hasExpired(10000));
        if (due) {
            last.phase = p.phase;
            last.attempt = p.attempt;
            last.decile = qMax(decile, last.decile);
            last.since.start();
        }
        return due;
    }

    void plainProgress(int id, const PrefetchProgress &p)
    {
        if (p.phase == PrefetchPhase::Done || p.phase == PrefetchPhase::Failed
            || p.phase == PrefetchPhase::Cancelled || !plainLineDue(id, p))
            return; // an ended job is reported when it finishes
        m_out << m_queue.handleOf(id) << ": " << phaseName(p.phase);
        if (p.phase == PrefetchPhase::Downloading) {
            m_out << ' ' << util::humanSize(p.received);
            if (p.total > 0)
                m_out << '/' << util::humanSize(p.total) << " (" << 100 * p.received / p.total << " %)";
        }
        if (!p.detail.isEmpty())
            m_out << " (" << p.detail << ')';
        m_out << '\n';
        m_out.flush();
    }

    void connectPlainOutput()
    {
        QObject::connect(
            &m_queue, &DownloadQueue::jobProgress, &m_queue, [this](int id, const PrefetchProgress &p) {
                if (!m_tty && !m_args.json)
                    plainProgress(id, p);
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
                s << m_queue.handleOf(id) << ": " << endText(r, m_queue.progressOf(id)) << '\n';
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
    struct Plain
    {
        PrefetchPhase phase = PrefetchPhase::Queued;
        int attempt = 1;
        int decile = -1;
        QElapsedTimer since;
    };
    QMap<int, Plain> m_plain;
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
