#include "core/prefetch/prefetchtypes.h"

#include "core/gcs/credentials.h"
#include "core/hub/handlehistory.h"

#include <QCoreApplication>
#include <QProcessEnvironment>

namespace tfhub {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::PrefetchJob", text);
}
} // namespace

PrefetchOptions PrefetchOptions::fromEnvironment(const HubSettings &settings)
{
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    PrefetchOptions o;
    o.cacheRoot = settings.cacheDir;
    o.loadFormat = settings.loadFormat;
    o.storageHost = env.value(QStringLiteral("STORAGE_EMULATOR_HOST"));
    o.disableTlsVerification
        = env.value(QStringLiteral("TFHUB_DISABLE_CERT_VALIDATION")) == QLatin1String("true");
    o.handleHistory = hub::handleHistoryPath();
    return o;
}

TransportOptions PrefetchOptions::transport() const
{
    TransportOptions t;
    t.stallSecs = stallSecs;
    t.retries = retries;
    t.backoffMs = backoffMs;
    t.maxRedirects = maxRedirects;
    t.disableTlsVerification = disableTlsVerification;
    return t;
}

TransportOptions PrefetchOptions::transportFor(const Handle &handle) const
{
    TransportOptions t = transport();
    if (handle.kind() != Handle::Kind::GcsTarball)
        return t;
    t.authorizeHost = QUrl(handle.compressedUrl(storageHost)).host();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("STORAGE_EMULATOR_HOST"));
    auto tokens = std::make_shared<gcs::TokenSource>(env);
    t.authorize = [tokens]() -> Result<QByteArray> {
        const Result<gcs::AccessToken> token = tokens->token();
        if (!token)
            return Error { tr(
                "the object may be in a private bucket, and no Google credentials were found: %1")
                               .arg(token.error()) };
        return QByteArray(QByteArray("Bearer ") + token->value.toUtf8());
    };
    return t;
}

QString phaseName(PrefetchPhase phase)
{
    switch (phase) {
    case PrefetchPhase::Queued:
        return tr("queued");
    case PrefetchPhase::WaitingForLock:
        return tr("waiting for lock");
    case PrefetchPhase::Connecting:
        return tr("connecting");
    case PrefetchPhase::Downloading:
        return tr("downloading");
    case PrefetchPhase::Finalising:
        return tr("finalising");
    case PrefetchPhase::Done:
        return tr("done");
    case PrefetchPhase::Failed:
        return tr("failed");
    case PrefetchPhase::Cancelled:
        return tr("cancelled");
    }
    return QString();
}

PrefetchStart prefetchStart(const Handle &handle, const PrefetchOptions &options)
{
    PrefetchStart s;
    if (options.loadFormat == LoadFormat::Invalid && handle.isHttp()) {
        s.error = tr("TFHUB_MODEL_LOAD_FORMAT is not COMPRESSED, UNCOMPRESSED or AUTO; "
                     "tensorflow_hub would not download %1.")
                      .arg(handle.text());
        return s;
    }
    if (handle.isHttp() && options.loadFormat == LoadFormat::Uncompressed) {
        s.kind = PrefetchStart::Kind::QueryUncompressed;
        return s;
    }
    if (!handle.isCached(options.loadFormat)) {
        s.error
            = tr("%1 is used in place by tensorflow_hub; there is nothing to download.").arg(handle.text());
        return s;
    }
    s.url = QUrl(handle.compressedUrl(options.storageHost), QUrl::StrictMode);
    if (!s.url.isValid()) {
        s.error = tr("%1 does not make a valid download URL: %2").arg(handle.text(), s.url.errorString());
        return s;
    }
    s.kind = PrefetchStart::Kind::Download;
    return s;
}

QString uncompressedMessage(const QString &location)
{
    return tr("With UNCOMPRESSED, tensorflow_hub reads this model from %1; nothing is cached.").arg(location);
}

namespace prefetchprogress {

bool setPhase(PrefetchProgress *progress, PrefetchPhase phase, const QString &detail)
{
    const bool changed = phase != progress->phase || detail != progress->detail;
    progress->phase = phase;
    progress->detail = detail;
    return changed;
}

bool claimReport(PrefetchProgress *progress, util::ProgressMeter &meter, bool force)
{
    if (!meter.claimReport(force))
        return false;
    if (meter.rate() > 0)
        progress->bytesPerSec = meter.rate();
    if (meter.etaSecs() >= 0)
        progress->etaSecs = meter.etaSecs();
    return true;
}

void end(PrefetchProgress *progress, PrefetchResult *result, PrefetchPhase phase, const QString &message)
{
    result->phase = phase;
    result->message = message;
    progress->detail = phase == PrefetchPhase::Failed ? message : QString();
    progress->phase = phase;
    progress->etaSecs = phase == PrefetchPhase::Done ? 0 : -1;
}

} // namespace prefetchprogress

} // namespace tfhub
