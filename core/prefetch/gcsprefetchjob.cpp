#include "core/prefetch/gcsprefetchjob.h"

#include "core/cache/lock.h"
#include "core/gcs/gcspublish.h"
#include "core/hub/descriptor.h"
#include "core/util/fsutil.h"

#include <QCoreApplication>
#include <QNetworkAccessManager>
#include <QProcessEnvironment>
#include <QUuid>

#include <malloc.h>
#include <mutex>

namespace tfhub {

GcsPrefetchJob::GcsPrefetchJob(Handle handle, PrefetchOptions options, QObject *parent)
    : PrefetchJobBase(std::move(handle), std::move(options), parent)
    , m_uid(QUuid::createUuid().toString(QUuid::Id128))
    , m_poll(this)
    , m_heartbeat(this)
{
    m_poll.setSingleShot(true);
    connect(&m_poll, &QTimer::timeout, this, &GcsPrefetchJob::lookAtHolder);
    // Rewriting our lock now and then shows progress while one large object is still uploading
    // (an object appears only once complete); a quarter of the no-progress time, at most a minute.
    m_heartbeat.setInterval(
        static_cast<int>(qBound(qint64(250), qint64(m_options.noProgressSecs) * 250, qint64(60000))));
    connect(&m_heartbeat, &QTimer::timeout, this, &GcsPrefetchJob::heartbeat);
}

GcsPrefetchJob::~GcsPrefetchJob()
{
    if (!isFinished() && !m_ending && m_control) {
        // Destroyed while running (its thread stopped): clean up the bucket before going.
        m_ending = true;
        if (m_download)
            m_download->abort();
        if (m_upload)
            m_upload->cancel();
        control([this, upload = std::exchange(m_upload, nullptr)](gcs::GcsClient &client) mutable {
            upload.reset();
            (void)gcs::discardTmp(client, m_root, m_handle.cacheKey(), m_uid);
            (void)m_lock->release(client);
        });
    }
    if (m_control)
        m_control->waitIdle();
    m_control.reset();
}

void GcsPrefetchJob::setUploadOptions(const gcs::ClientOptions &client, const gcs::ObjectSinkOptions &sink)
{
    m_clientOptions = client;
    m_sinkOptions = sink;
    m_sinkOptions.simpleUploadLimit = client.simpleUploadLimit;
    m_sinkOptions.chunkBytes = client.chunkBytes;
}

void GcsPrefetchJob::control(Step step)
{
    m_control->post(std::move(step));
}

// Continues on this object's thread, unless the job is ending meanwhile.
void GcsPrefetchJob::then(std::function<void()> next)
{
    QMetaObject::invokeMethod(
        this,
        [this, next = std::move(next)] {
            if (!m_ending && !isFinished())
                next();
        },
        Qt::QueuedConnection);
}

bool GcsPrefetchJob::prepare()
{
    const Result<gcs::GcsUrl> root = gcs::parseGcsUrl(m_options.cacheRoot);
    if (!root) {
        finish(PrefetchPhase::Failed, root.error());
        return false;
    }
    m_root = *root;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (!m_options.storageHost.isEmpty())
        env.insert(QStringLiteral("STORAGE_EMULATOR_HOST"), m_options.storageHost);
    Result<gcs::ClientFactory> clients = gcs::clientFactoryFromEnvironment(env, m_clientOptions);
    if (!clients) {
        finish(PrefetchPhase::Failed, clients.error());
        return false;
    }
    m_clients = *clients;
    m_lock.emplace(m_root, m_handle.cacheKey(),
        cache::lockContent(m_options.localHost, QCoreApplication::applicationPid(), m_uid));
    m_control = std::make_unique<gcs::GcsWorkers>(m_clients, 1);
    m_result.path = gcs::modelUrl(m_root, m_handle.cacheKey());
    return true;
}

void GcsPrefetchJob::start()
{
    if (m_progress.phase != PrefetchPhase::Queued)
        return;
    // Upload chunks and Qt Network's copies of them are megabytes each, made and freed on several
    // threads: glibc's rising mmap threshold would keep them on per-thread heaps (a prefetch of a
    // 420 MB model peaked at 118 MB instead of 62 MB). Mapped, they go back to the system when freed.
    static std::once_flag mapped;
    std::call_once(mapped, [] { mallopt(M_MMAP_THRESHOLD, 1024 * 1024); });
    if (!begin() || !prepare())
        return;
    // The library's fast path: a model already there needs no lock.
    control([this](gcs::GcsClient &client) {
        const Result<bool> published = gcs::isPublished(client, m_root, m_handle.cacheKey());
        then([this, published] {
            if (!published)
                return end(PrefetchPhase::Failed, published.error());
            if (!*published)
                return tryLock();
            m_result.alreadyCached = true;
            finish(PrefetchPhase::Done, tr("Already cached."));
        });
    });
}

void GcsPrefetchJob::tryLock()
{
    control([this](gcs::GcsClient &client) {
        const Result<bool> taken = m_lock->tryAcquire(client);
        then([this, taken] {
            if (!taken)
                return end(PrefetchPhase::Failed, taken.error());
            if (*taken)
                return beginDownload();
            lookAtHolder();
        });
    });
}

// Another holds the lock: wait while its download makes progress (polling less often as the
// wait goes on), take it over once the no-progress rule calls it stale.
void GcsPrefetchJob::lookAtHolder()
{
    control([this](gcs::GcsClient &client) {
        const Result<gcs::GcsLock::Holder> holder = m_lock->look(client, m_options.noProgressSecs);
        if (holder && holder->exists && holder->stale) {
            const Result<bool> removed = m_lock->removeStale(client, *holder);
            then([this, holder, removed] {
                if (!removed)
                    return end(PrefetchPhase::Failed, removed.error());
                if (*removed)
                    Q_EMIT warning(tr("Taking over the lock of %1: %2").arg(m_handle.text(), holder->detail));
                tryLock();
            });
            return;
        }
        then([this, holder] {
            if (!holder)
                return end(PrefetchPhase::Failed, holder.error());
            if (!holder->exists)
                return tryLock();
            setPhase(PrefetchPhase::WaitingForLock,
                tr("waiting for another download of this model: %1").arg(holder->detail));
            m_poll.start(m_pollMs);
            m_pollMs = qMin(m_pollMs * 2, qMax(m_options.lockPollMs, 500));
        });
    });
}

void GcsPrefetchJob::beginDownload()
{
    // Someone may have finished it while we waited.
    control([this](gcs::GcsClient &client) {
        const Result<bool> published = gcs::isPublished(client, m_root, m_handle.cacheKey());
        const Status released = published && *published ? m_lock->release(client) : Status();
        then([this, published, released] {
            if (!published)
                return end(PrefetchPhase::Failed, published.error());
            if (!*published)
                return startTransfer();
            if (!released)
                m_result.warnings << released.error();
            m_result.alreadyCached = true;
            finish(PrefetchPhase::Done, tr("Already cached (downloaded by another process meanwhile)."));
        });
    });
}

void GcsPrefetchJob::startTransfer()
{
    ResumableDownload *download = makeDownload();
    connect(download, &ResumableDownload::bodyStarted, this,
        [this](qint64 total, bool) { onBodyStarted(total); });
    connect(download, &ResumableDownload::succeeded, this, &GcsPrefetchJob::finalise);
    connect(download, &ResumableDownload::failed, this,
        [this](const QString &message) { end(PrefetchPhase::Failed, message); });
    if (Status s = restart(); !s)
        return end(PrefetchPhase::Failed, s.error());
    m_meter.start();
    m_heartbeat.start();
    m_download->start(m_url, m_handle.text());
}

void GcsPrefetchJob::heartbeat()
{
    control([this](gcs::GcsClient &client) {
        const Result<bool> kept = m_lock->refresh(client);
        then([this, kept] {
            // A failed refresh is retried at the next beat; a lock taken over is lost for good.
            if (kept && !*kept && !m_finalising)
                end(PrefetchPhase::Failed,
                    tr("The lock of %1 in %2 was taken over by another download.")
                        .arg(m_handle.text(), m_root.url()));
        });
    });
}

void GcsPrefetchJob::onBodyStarted(qint64 total)
{
    m_progress.total = total;
    m_meter.setTotal(total);
    setPhase(PrefetchPhase::Downloading);
}

Status GcsPrefetchJob::restart()
{
    // A fresh upload; objects of an earlier attempt are overwritten, or go with our tmp prefix.
    if (m_ending || isFinished())
        return Error { tr("Cancelled.") };
    if (m_upload) {
        m_upload->cancel();
        m_upload.reset();
    }
    m_upload = std::make_shared<gcs::GcsArchiveUpload>(m_clients, m_root.bucket,
        gcs::tmpPrefix(m_root, m_handle.cacheKey(), m_uid), m_handle.text(), m_sinkOptions);
    m_progress.received = 0;
    return {};
}

Status GcsPrefetchJob::write(const QByteArray &bytes)
{
    // Blocks while the decoder's input queue is full (ResumableDownload's bounded reply buffer).
    if (m_upload->feed(bytes))
        return {};
    return Error { m_upload->finish().error() };
}

void GcsPrefetchJob::finalise()
{
    m_finalising = true;
    m_heartbeat.stop();
    setPhase(PrefetchPhase::Finalising, tr("publishing %1").arg(gcs::modelUrl(m_root, m_handle.cacheKey())));
    Manifest manifest;
    manifest.handle = m_handle.text();
    manifest.url = m_download->finalUrl().toString(QUrl::FullyEncoded);
    manifest.archiveBytes = m_download->received();
    manifest.downloaded = QDateTime::currentDateTime();
    control([this, upload = m_upload, manifest](gcs::GcsClient &client) {
        const Status stored = upload->finish();
        if (!stored) {
            then([this, stored] { published(Error { stored.error() }); });
            return;
        }
        gcs::PublishRequest r { m_root, m_handle.cacheKey(), m_uid, upload->files(), {}, {} };
        r.manifest = gcs::manifestOf(m_root, r.key, r.files);
        r.manifest.handle = manifest.handle;
        r.manifest.url = manifest.url;
        r.manifest.archiveBytes = manifest.archiveBytes;
        r.manifest.archiveSha256 = upload->archiveSha256();
        r.manifest.downloaded = manifest.downloaded;
        r.descriptor = Descriptor::serialize(
            manifest.handle, manifest.downloaded, m_options.localHost, QCoreApplication::applicationPid());
        Result<gcs::PublishOutcome> outcome
            = gcs::publish(client, m_clients, r, [this] { return m_cancelRequested.load(); });
        if (outcome && !outcome->cancelled) {
            // Published (or found published): the lock goes last, as the library's does.
            if (Status released = m_lock->release(client); !released)
                outcome = [&] {
                    gcs::PublishOutcome o = *outcome;
                    o.warnings << released.error();
                    return o;
                }();
        }
        then([this, outcome] { published(outcome); });
    });
}

void GcsPrefetchJob::published(const Result<gcs::PublishOutcome> &outcome)
{
    m_finalising = false;
    if (!outcome || outcome->cancelled) {
        if (m_cancelRequested)
            return end(PrefetchPhase::Cancelled, tr("Cancelled."));
        return end(PrefetchPhase::Failed, outcome.error());
    }
    m_result.warnings << outcome->warnings;
    const gcs::GcsArchiveUpload::Stats stats = m_upload->stats();
    m_progress.written = stats.uploadedBytes;
    m_progress.files = stats.filesUploaded;
    const QString model = gcs::modelUrl(m_root, m_handle.cacheKey());
    if (outcome->alreadyCached) {
        m_result.alreadyCached = true;
        return finish(PrefetchPhase::Done, tr("Module already exists in %1.").arg(model));
    }
    finish(PrefetchPhase::Done,
        tr("Downloaded %1 (%2 files) into %3.").arg(m_handle.text()).arg(stats.filesUploaded).arg(model));
}

void GcsPrefetchJob::cancel()
{
    if (isFinished() || m_ending)
        return;
    m_cancelRequested = true;
    if (m_finalising) {
        // Until the first copy starts the publish gives up; after it, it ends whole.
        if (m_upload)
            m_upload->cancel();
        return;
    }
    end(PrefetchPhase::Cancelled, tr("Cancelled."));
}

// Stops everything, then removes our tmp objects and our lock (only if still ours) before the
// job reports: nothing of ours is left behind unless Cloud Storage refuses.
void GcsPrefetchJob::end(PrefetchPhase phase, const QString &message)
{
    if (m_ending || isFinished())
        return;
    m_ending = true;
    m_poll.stop();
    m_heartbeat.stop();
    if (m_download)
        m_download->abort();
    if (m_query)
        m_query->abort();
    std::shared_ptr<gcs::GcsArchiveUpload> upload = std::exchange(m_upload, nullptr);
    if (upload)
        upload->cancel();
    if (!m_control)
        return finish(phase, message);
    control([this, upload, phase, message](gcs::GcsClient &client) mutable {
        upload.reset(); // joins its threads here, not on the job's thread
        QStringList warnings;
        if (Status s = gcs::discardTmp(client, m_root, m_handle.cacheKey(), m_uid); !s)
            warnings << s.error();
        if (Status s = m_lock->release(client); !s)
            warnings << s.error();
        QMetaObject::invokeMethod(
            this,
            [this, warnings, phase, message] {
                m_result.warnings << warnings;
                finish(phase, message);
            },
            Qt::QueuedConnection);
    });
}

void GcsPrefetchJob::finish(PrefetchPhase phase, const QString &message)
{
    if (isFinished())
        return;
    m_ending = true;
    m_poll.stop();
    m_heartbeat.stop();
    prefetchprogress::end(&m_progress, &m_result, phase, message);
    Q_EMIT progressChanged(m_progress);
    Q_EMIT finished(m_result);
}

void GcsPrefetchJob::updateWritten()
{
    if (m_upload) {
        const gcs::GcsArchiveUpload::Stats s = m_upload->stats();
        m_progress.written = s.uploadedBytes;
        m_progress.files = s.filesUploaded;
    }
}

} // namespace tfhub
