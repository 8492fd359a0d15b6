#include "core/prefetch/prefetchjob.h"

#include "core/archive/archiveextractor.h"
#include "core/cache/cacheentry.h"
#include "core/util/fsutil.h"

#include <QCoreApplication>
#include <QLocale>
#include <QNetworkAccessManager>
#include <QUuid>

namespace tfhub {

namespace {

QString makeUid()
{
    return QUuid::createUuid().toString(QUuid::Id128);
}

} // namespace

PrefetchJob::PrefetchJob(Handle handle, PrefetchOptions options, QObject *parent)
    : PrefetchJobBase(std::move(handle), std::move(options), parent)
    , m_paths { m_options.cacheRoot, m_handle.cacheKey() }
    , m_uid(makeUid())
    , m_publisher(m_paths, m_uid)
{
    // Children (the lock taker and its timer) move along with moveToThread() to the download thread.
    m_lock = new LockTaker(m_paths,
        cache::lockContent(m_options.localHost, QCoreApplication::applicationPid(), m_uid), m_options, this);
    connect(m_lock, &LockTaker::acquired, this, &PrefetchJob::beginDownload);
    connect(m_lock, &LockTaker::waiting, this, [this](const QString &reason) {
        setPhase(PrefetchPhase::WaitingForLock, tr("waiting for another download: %1").arg(reason));
    });
    connect(m_lock, &LockTaker::takingOver, this, [this](const QString &reason) {
        Q_EMIT warning(tr("Taking over the lock of %1: %2.").arg(m_handle.text(), reason));
    });
    connect(m_lock, &LockTaker::failed, this,
        [this](const QString &message) { finish(PrefetchPhase::Failed, message); });
}

PrefetchJob::~PrefetchJob()
{
    if (!isFinished())
        cleanupDownload();
}

void PrefetchJob::start()
{
    if (m_progress.phase != PrefetchPhase::Queued || !begin())
        return;
    // The library's fast path: a non-empty folder is complete, no lock and no network.
    if (finishIfCached(tr("Already cached.")))
        return;
    ResumableDownload *download = makeDownload();
    connect(download, &ResumableDownload::bodyStarted, this, &PrefetchJob::onBodyStarted);
    connect(download, &ResumableDownload::succeeded, this, &PrefetchJob::finalise);
    connect(download, &ResumableDownload::failed, this,
        [this](const QString &message) { finish(PrefetchPhase::Failed, message); });
    m_lock->start();
}

bool PrefetchJob::finishIfCached(const QString &message)
{
    if (!EntryPublisher::isPublished(m_paths))
        return false;
    m_result.alreadyCached = true;
    m_result.path = m_paths.folder();
    finish(PrefetchPhase::Done, message);
    return true;
}

void PrefetchJob::beginDownload()
{
    // Someone may have finished it while we waited.
    if (finishIfCached(tr("Already cached (downloaded by another process meanwhile).")))
        return;
    if (util::stat(m_paths.folder()).isDir) {
        if (Status s = util::removeTree(m_paths.folder()); !s) // the library deletes an empty folder too
            return finish(PrefetchPhase::Failed, s.error());
    }
    if (Status s = restart(); !s)
        return finish(PrefetchPhase::Failed, s.error());
    m_meter.start();
    m_download->start(m_url, m_handle.text());
}

void PrefetchJob::onBodyStarted(qint64 total, bool fresh)
{
    if (fresh && total > 0) {
        const util::VolumeInfo vol = util::volumeInfo(m_options.cacheRoot);
        if (vol.freeBytes >= 0 && vol.freeBytes < total) {
            const QString w
                = tr("%1 has %2 free, but the archive alone is %3; the download will likely fail.")
                      .arg(m_options.cacheRoot, QLocale::c().formattedDataSize(vol.freeBytes),
                          QLocale::c().formattedDataSize(total));
            m_result.warnings << w;
            Q_EMIT warning(w);
        }
    }
    m_progress.total = total;
    m_meter.setTotal(total);
    setPhase(PrefetchPhase::Downloading);
}

Status PrefetchJob::restart()
{
    // A fresh extractor on an empty tmp folder of ours.
    if (isFinished())
        return Error { tr("Cancelled.") }; // our tmp folder is gone for good
    if (m_extractor) {
        m_extractor->cancel();
        m_extractor.reset();
    }
    if (Status s = m_publisher.prepare(); !s)
        return s;
    m_extractor = std::make_unique<ArchiveExtractor>(m_publisher.tmpFolder(), m_handle.text());
    m_progress.received = 0;
    return {};
}

Status PrefetchJob::write(const QByteArray &bytes)
{
    // Blocks while the extractor's queue is full (see ResumableDownload's bounded reply buffer).
    if (m_extractor->feed(bytes))
        return {};
    return Error { m_extractor->finish().error() };
}

void PrefetchJob::finalise()
{
    setPhase(PrefetchPhase::Finalising);
    if (Status extracted = m_extractor->finish(); !extracted)
        return finish(PrefetchPhase::Failed, extracted.error());
    const EntryPublisher::Extracted extracted = m_publisher.describeExtracted(*m_extractor, m_handle.text(),
        m_download->finalUrl().toString(QUrl::FullyEncoded), m_download->received(), m_options.localHost);
    const ArchiveExtractor::Stats stats = m_extractor->stats();
    m_progress.written = stats.writtenBytes;
    m_progress.files = stats.filesWritten;
    const Result<EntryPublisher::Outcome> published = m_publisher.publish(
        extracted.manifest, extracted.descriptor, EntryPublisher::FolderSync::DoneByWriter);
    if (!published)
        return finish(PrefetchPhase::Failed, published.error());
    m_result.warnings << published->warnings;
    m_result.path = m_paths.folder();
    if (published->alreadyCached) {
        m_result.alreadyCached = true;
        return finish(PrefetchPhase::Done, tr("Module already exists in %1.").arg(m_paths.folder()));
    }
    finish(PrefetchPhase::Done, tr("Downloaded %1 (%2 files).").arg(m_handle.text()).arg(stats.filesWritten));
}

void PrefetchJob::cancel()
{
    // finish() stops the download before anything else, so its error cannot turn into a failure.
    finish(PrefetchPhase::Cancelled, tr("Cancelled."));
}

void PrefetchJob::cleanupDownload()
{
    if (m_download)
        m_download->abort();
    if (m_query)
        m_query->abort();
    if (m_extractor) {
        m_extractor->cancel();
        m_extractor.reset();
    }
    // Always: our own tmp folder goes, and our lock only if it is still ours.
    if (Status s = m_publisher.discard(); !s)
        m_result.warnings << s.error();
    m_lock->release();
}

void PrefetchJob::finish(PrefetchPhase phase, const QString &message)
{
    if (isFinished())
        return;
    cleanupDownload();
    prefetchprogress::end(&m_progress, &m_result, phase, message);
    Q_EMIT progressChanged(m_progress);
    Q_EMIT finished(m_result);
}

void PrefetchJob::updateWritten()
{
    if (m_extractor) {
        const ArchiveExtractor::Stats s = m_extractor->stats();
        m_progress.written = s.writtenBytes;
        m_progress.files = s.filesWritten;
    }
}

} // namespace tfhub
