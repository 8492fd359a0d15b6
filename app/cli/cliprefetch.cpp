#include "app/cli/cliprefetch.h"

#include "app/cli/cli.h"
#include "core/cache/cachescanner.h"
#include "core/cache/manifest.h"
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

// After cleaning up, end as the signal would have (exit status 128 + N in a shell), so that a
// script's loop stops at Ctrl-C as it does for curl or sleep.
[[noreturn]] void exitAsSignal(int sig)
{
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    std::_Exit(128 + sig);
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

} // namespace

int runPrefetch(const PrefetchArgs &args)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    const HubSettings settings
        = HubSettings::resolve(QProcessEnvironment::systemEnvironment(), args.cacheDir);
    DownloadQueue queue(PrefetchOptions::fromEnvironment(settings));
    queue.setConcurrency(args.jobs);
    const bool tty = !args.json && ::isatty(STDOUT_FILENO);

    QList<int> ids;
    for (const QString &h : args.handles) {
        const Result<int> id = queue.enqueue(h);
        if (!id) {
            err << "tfhub-cache: " << id.error() << '\n';
            err.flush();
            queue.cancelAll();
            return Failure;
        }
        ids << *id;
    }

    // Ctrl-C: a signal handler may only write to a pipe; the event loop reads it and cancels.
    if (::pipe2(g_signalPipe, O_CLOEXEC) == 0) {
        struct sigaction sa
        {
        };
        sa.sa_handler = onSignal;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGINT, &sa, nullptr);
        ::sigaction(SIGTERM, &sa, nullptr);
    }
    QSocketNotifier notifier(g_signalPipe[0], QSocketNotifier::Read);
    bool interrupted = false;
    QObject::connect(&notifier, &QSocketNotifier::activated, &queue, [&] {
        char c;
        [[maybe_unused]] const ssize_t n = ::read(g_signalPipe[0], &c, 1);
        interrupted = true;
        queue.cancelAll();
    });

    int drawnLines = 0;
    const auto redraw = [&] {
        if (!tty)
            return;
        if (drawnLines > 0)
            out << "\x1b[" << drawnLines << 'F';
        drawnLines = 0;
        for (const int id : std::as_const(ids)) {
            const QStringList lines
                = progressLine(queue.handleOf(id), queue.progressOf(id)).split(QLatin1Char('\n'));
            for (const QString &l : lines) {
                out << "\x1b[2K" << l << '\n';
                ++drawnLines;
            }
        }
        out.flush();
    };
    QTimer ticker;
    ticker.setInterval(200);
    QObject::connect(&ticker, &QTimer::timeout, &queue, redraw);
    if (tty)
        ticker.start();

    QMap<int, PrefetchPhase> lastPhase;
    QObject::connect(&queue, &DownloadQueue::jobProgress, &queue, [&](int id, const PrefetchProgress &p) {
        if (tty || args.json || lastPhase.value(id, PrefetchPhase::Queued) == p.phase)
            return;
        lastPhase[id] = p.phase;
        if (p.phase == PrefetchPhase::Done || p.phase == PrefetchPhase::Failed
            || p.phase == PrefetchPhase::Cancelled)
            return; // reported when the job finishes
        out << queue.handleOf(id) << ": " << phaseName(p.phase);
        if (!p.detail.isEmpty())
            out << " (" << p.detail << ')';
        out << '\n';
        out.flush();
    });
    QObject::connect(&queue, &DownloadQueue::jobWarning, &queue, [&](int id, const QString &w) {
        err << "tfhub-cache: " << queue.handleOf(id) << ": " << tr("warning: ") << w << '\n';
        err.flush();
    });
    QObject::connect(&queue, &DownloadQueue::jobFinished, &queue, [&](int id, const PrefetchResult &r) {
        if (tty || args.json)
            return;
        QTextStream &s = r.phase == PrefetchPhase::Done ? out : err;
        s << queue.handleOf(id) << ": " << phaseName(r.phase) << ": " << r.message;
        if (r.phase == PrefetchPhase::Done && !r.path.isEmpty())
            s << " -> " << r.path;
        s << '\n';
        s.flush();
    });

    QEventLoop loop;
    QObject::connect(&queue, &DownloadQueue::idle, &loop, &QEventLoop::quit);
    if (!queue.isIdle())
        loop.exec();
    ticker.stop();
    redraw();
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);

    bool allOk = true;
    QJsonArray results;
    for (const int id : std::as_const(ids)) {
        const PrefetchResult r = queue.resultOf(id);
        allOk = allOk && r.phase == PrefetchPhase::Done;
        if (tty && r.phase != PrefetchPhase::Done)
            err << "tfhub-cache: " << queue.handleOf(id) << ": " << r.message << '\n';
        const PrefetchProgress p = queue.progressOf(id);
        results.append(QJsonObject { { QStringLiteral("handle"), queue.handleOf(id) },
            { QStringLiteral("status"),
                r.phase == PrefetchPhase::Done            ? QStringLiteral("done")
                    : r.phase == PrefetchPhase::Cancelled ? QStringLiteral("cancelled")
                                                          : QStringLiteral("failed") },
            { QStringLiteral("message"), r.message }, { QStringLiteral("path"), r.path },
            { QStringLiteral("alreadyCached"), r.alreadyCached },
            { QStringLiteral("remoteLocation"), r.remoteLocation },
            { QStringLiteral("archiveBytes"), p.received }, { QStringLiteral("files"), p.files },
            { QStringLiteral("warnings"), QJsonArray::fromStringList(r.warnings) } });
    }
    if (args.json) {
        out << QJsonDocument(
            QJsonObject { { QStringLiteral("schema"), 1 }, { QStringLiteral("cacheDir"), settings.cacheDir },
                { QStringLiteral("results"), results } })
                   .toJson(QJsonDocument::Indented);
    }
    if (interrupted)
        err << "tfhub-cache: " << tr("interrupted: downloads cancelled, nothing partial was kept.") << '\n';
    out.flush();
    err.flush();
    if (interrupted && g_signal != 0)
        exitAsSignal(g_signal);
    return allOk ? Ok : Failure;
}

int runVerify(const QString &cacheDir, const QStringList &targets, bool all, bool json)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    const HubSettings settings = HubSettings::resolve(QProcessEnvironment::systemEnvironment(), cacheDir);
    QStringList keys;
    if (all) {
        QString error;
        const QList<CacheEntry> entries = cache::scanAll(settings.cacheDir, ScanOptions(), &error);
        if (!error.isEmpty()) {
            err << "tfhub-cache: " << error << '\n';
            return Failure;
        }
        for (const CacheEntry &e : entries) {
            if (e.hasFolder && e.state != EntryState::Downloading && e.state != EntryState::Foreign)
                keys << e.key;
        }
    }
    for (const QString &t : targets) {
        if (isCacheKey(t)) {
            keys << t;
            continue;
        }
        const Result<Handle> h = Handle::parse(t);
        if (!h) {
            err << "tfhub-cache: " << h.error() << '\n';
            return Failure;
        }
        keys << h->cacheKey();
    }
    bool allOk = true;
    QJsonArray reports;
    for (const QString &key : std::as_const(keys)) {
        const EntryPaths paths { settings.cacheDir, key };
        QJsonObject o { { QStringLiteral("key"), key } };
        const Result<Manifest> m = Manifest::load(paths.manifest());
        if (!m) {
            allOk = false;
            const QString why = util::stat(paths.manifest()).exists
                ? m.error()
                : tr("%1 has no manifest (it was not prefetched by this tool), so it cannot be verified.")
                      .arg(paths.folder());
            o.insert(QStringLiteral("status"), QStringLiteral("no-manifest"));
            o.insert(QStringLiteral("message"), why);
            if (!json)
                err << "tfhub-cache: " << why << '\n';
            reports.append(o);
            continue;
        }
        const Result<VerifyReport> r = verifyFolder(paths.folder(), *m);
        if (!r) {
            allOk = false;
            o.insert(QStringLiteral("status"), QStringLiteral("error"));
            o.insert(QStringLiteral("message"), r.error());
            if (!json)
                err << "tfhub-cache: " << r.error() << '\n';
            reports.append(o);
            continue;
        }
        allOk = allOk && r->ok();
        o.insert(QStringLiteral("handle"), m->handle);
        o.insert(QStringLiteral("status"), r->ok() ? QStringLiteral("ok") : QStringLiteral("changed"));
        o.insert(QStringLiteral("modified"), QJsonArray::fromStringList(r->modified));
        o.insert(QStringLiteral("missing"), QJsonArray::fromStringList(r->missing));
        o.insert(QStringLiteral("extra"), QJsonArray::fromStringList(r->extra));
        reports.append(o);
        if (!json) {
            out << (r->ok() ? tr("ok      ") : tr("CHANGED ")) << m->handle << "  (" << key << ")\n";
            for (const QString &f : r->modified)
                out << tr("  modified: ") << f << '\n';
            for (const QString &f : r->missing)
                out << tr("  missing:  ") << f << '\n';
            for (const QString &f : r->extra)
                out << tr("  extra:    ") << f << '\n';
        }
    }
    if (json)
        out << QJsonDocument(
            QJsonObject { { QStringLiteral("schema"), 1 }, { QStringLiteral("entries"), reports } })
                   .toJson(QJsonDocument::Indented);
    out.flush();
    err.flush();
    return allOk ? Ok : Failure;
}

} // namespace tfhub::cli
