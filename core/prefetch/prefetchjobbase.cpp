#include "core/prefetch/prefetchjobbase.h"

#include "core/util/fsutil.h"

#include <QNetworkAccessManager>

namespace tfhub {

PrefetchJobBase::PrefetchJobBase(Handle handle, PrefetchOptions options, QObject *parent)
    : QObject(parent), m_handle(std::move(handle)), m_options(std::move(options))
{
    qRegisterMetaType<PrefetchProgress>();
    qRegisterMetaType<PrefetchResult>();
    if (m_options.localHost.isEmpty())
        m_options.localHost = util::hostName();
}

PrefetchJobBase::~PrefetchJobBase() = default;

bool PrefetchJobBase::isFinished() const
{
    return m_progress.phase == PrefetchPhase::Done || m_progress.phase == PrefetchPhase::Failed
        || m_progress.phase == PrefetchPhase::Cancelled;
}

std::optional<QUrl> PrefetchJobBase::begin()
{
    m_nam = new QNetworkAccessManager(this);
    m_nam->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    const PrefetchStart first = prefetchStart(m_handle, m_options);
    if (first.kind == PrefetchStart::Kind::Fail) {
        finish(PrefetchPhase::Failed, first.error);
        return std::nullopt;
    }
    if (first.kind == PrefetchStart::Kind::QueryUncompressed) {
        queryUncompressed();
        return std::nullopt;
    }
    m_url = first.url;
    return m_url;
}

ResumableDownload *PrefetchJobBase::makeDownload()
{
    m_download = std::make_unique<ResumableDownload>(
        m_nam, static_cast<DownloadSink *>(this), m_options.transportFor(m_handle), this);
    connect(
        m_download.get(), &ResumableDownload::connecting, this, [this](int attempt, const QString &detail) {
            m_progress.attempt = attempt;
            setPhase(PrefetchPhase::Connecting, detail);
        });
    connect(m_download.get(), &ResumableDownload::progressed, this, [this](qint64 received) {
        m_progress.received = received;
        m_meter.setDone(received);
        emitProgress(false);
    });
    return m_download.get();
}

void PrefetchJobBase::queryUncompressed()
{
    setPhase(PrefetchPhase::Connecting);
    m_query = std::make_unique<UncompressedQuery>(m_nam, m_options.transport(), this);
    connect(m_query.get(), &UncompressedQuery::failed, this,
        [this](const QString &message) { finish(PrefetchPhase::Failed, message); });
    connect(m_query.get(), &UncompressedQuery::resolved, this, [this](const QString &location) {
        m_result.remoteLocation = location;
        m_result.path = location;
        finish(PrefetchPhase::Done, uncompressedMessage(location));
    });
    m_query->start(QUrl(m_handle.uncompressedUrl(), QUrl::StrictMode));
}

void PrefetchJobBase::setPhase(PrefetchPhase phase, const QString &detail)
{
    emitProgress(prefetchprogress::setPhase(&m_progress, phase, detail));
}

void PrefetchJobBase::emitProgress(bool force)
{
    if (!prefetchprogress::claimReport(&m_progress, m_meter, force))
        return;
    updateWritten();
    Q_EMIT progressChanged(m_progress);
}

} // namespace tfhub
