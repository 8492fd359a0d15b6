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

} // namespace tfhub
