#include "ui/bundle/bundlerunner.h"

#include "core/cache/cachescanner.h"
#include "core/util/humanize.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QtConcurrent>

namespace tfhub::ui {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::ui::BundleRunner", text);
}

BundleRunner::Outcome failed(const QString &error, bool cancelled)
{
    return { false, cancelled, cancelled ? tr("Cancelled; nothing was left behind.") : error, {} };
}

QString entryLine(const BundleEntryOutcome &e)
{
    QString words;
    switch (e.kind) {
    case BundleEntryOutcome::Kind::Imported:
        words = tr("imported");
        break;
    case BundleEntryOutcome::Kind::Replaced:
        words = tr("replaced");
        break;
    case BundleEntryOutcome::Kind::Skipped:
        words = tr("already in the cache, skipped");
        break;
    case BundleEntryOutcome::Kind::Differs:
        words = tr("differs from the cached copy (%1), left alone").arg(e.detail);
        break;
    }
    return QStringLiteral("%1: %2").arg(e.handle.isEmpty() ? e.key : e.handle, words);
}

BundleRunner::Outcome exportWork(BundleExportRequest r, const BundleProgressFn &p, const BundleCancelFn &c)
{
    if (r.keys.isEmpty()) {
        QString error;
        for (const CacheEntry &e : cache::scanAll(r.cacheRoot, ScanOptions(), &error)) {
            if (e.folderNonEmpty)
                r.keys << e.key;
        }
    }
    const Result<BundleExportSummary> s = bundle::exportBundle(r, p, c);
    if (!s)
        return failed(s.error(), c());
    return { true, false,
        tr("Exported %1 entries (%2 files, %3) to %4 (%5).")
            .arg(s->entries)
            .arg(s->files)
            .arg(util::humanSize(s->bytes), r.zipPath, util::humanSize(s->zipBytes)),
        {} };
}

BundleRunner::Outcome importWork(const BundleImportRequest &r, const BundleProgressFn &p,
    const BundleCancelFn &c, const std::function<void(const QString &)> &waiting)
{
    const Result<BundleImportSummary> s = bundle::importBundle(r, p, c, waiting);
    if (!s)
        return failed(s.error(), c());
    BundleRunner::Outcome out { true, false, {}, {} };
    QStringList lines;
    for (const BundleEntryOutcome &e : s->entries) {
        lines << entryLine(e);
        out.keys << e.key;
    }
    lines << tr("%1 files (%2) written into %3.")
                 .arg(s->files)
                 .arg(util::humanSize(s->bytes), r.options.cacheRoot);
    lines << s->warnings;
    out.summary = lines.join(QLatin1Char('\n'));
    return out;
}

BundleRunner::Outcome adoptWork(const AdoptRequest &r, const BundleProgressFn &p, const BundleCancelFn &c,
    const std::function<void(const QString &)> &waiting)
{
    const Result<AdoptSummary> s = bundle::adoptArchive(r, p, c, waiting);
    if (!s)
        return failed(s.error(), c());
    const QString text = s->alreadyCached
        ? tr("%1 is already in the cache; it was left as it is.").arg(r.handle)
        : tr("Adopted %1: %2 files (%3) in %4.")
              .arg(r.handle)
              .arg(s->files)
              .arg(util::humanSize(s->bytes), s->path);
    return { true, false, text, { s->key } };
}

} // namespace

using Outcome = BundleRunner::Outcome;

BundleRunner::BundleRunner(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<BundleProgress>();
    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, [this] {
        m_outcome = m_watcher.result();
        Q_EMIT finished(m_outcome.ok);
    });
}

BundleRunner::~BundleRunner()
{
    cancel();
    m_watcher.waitForFinished();
}

void BundleRunner::start(std::function<Outcome(const BundleProgressFn &, const BundleCancelFn &)> work)
{
    m_cancel = std::make_shared<std::atomic<bool>>(m_cancelRequested);
    const std::shared_ptr<std::atomic<bool>> cancel = m_cancel;
    BundleRunner *self = this; // outlives the work: the destructor waits for it
    m_watcher.setFuture(QtConcurrent::run([work = std::move(work), cancel, self] {
        QElapsedTimer clock;
        clock.start();
        const BundleProgressFn progress = [&clock, self](const BundleProgress &p) {
            if (clock.elapsed() < 100 && p.bytesDone < p.bytesTotal)
                return;
            clock.restart();
            QMetaObject::invokeMethod(
                self, [self, p] { Q_EMIT self->progressChanged(p); }, Qt::QueuedConnection);
        };
        return work(progress, [cancel] { return cancel->load(); });
    }));
}

void BundleRunner::startExport(const BundleExportRequest &request)
{
    start(
        [request](const BundleProgressFn &p, const BundleCancelFn &c) { return exportWork(request, p, c); });
}

void BundleRunner::startImport(const BundleImportRequest &request)
{
    BundleRunner *self = this; // outlives the work: the destructor waits for it
    start([request, self](const BundleProgressFn &p, const BundleCancelFn &c) {
        return importWork(request, p, c, [self](const QString &why) {
            QMetaObject::invokeMethod(
                self, [self, why] { Q_EMIT self->waiting(why); }, Qt::QueuedConnection);
        });
    });
}

void BundleRunner::startAdopt(const AdoptRequest &request)
{
    BundleRunner *self = this; // outlives the work: the destructor waits for it
    start([request, self](const BundleProgressFn &p, const BundleCancelFn &c) {
        return adoptWork(request, p, c, [self](const QString &why) {
            QMetaObject::invokeMethod(
                self, [self, why] { Q_EMIT self->waiting(why); }, Qt::QueuedConnection);
        });
    });
}

void BundleRunner::cancel()
{
    m_cancelRequested = true;
    if (m_cancel)
        m_cancel->store(true);
}

bool BundleRunner::isRunning() const
{
    return m_watcher.isRunning();
}

} // namespace tfhub::ui
