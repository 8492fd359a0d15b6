#include "core/hub/handlename.h"

#include <QCoreApplication>
#include <QUrl>

namespace tfhub::hub {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::HandleName", text);
}

bool isLocalHost(const QString &host)
{
    return host == QLatin1String("localhost") || host.startsWith(QLatin1String("127."))
        || host == QLatin1String("::1") || host == QLatin1String("[::1]");
}
} // namespace

QString modelPath(const QString &handle)
{
    if (!handle.contains(QLatin1String("://")))
        return handle; // a folder
    const QUrl url(handle);
    QString p = url.path();
    while (p.startsWith(QLatin1Char('/')))
        p.remove(0, 1);
    if (url.host().endsWith(QLatin1String("kaggle.com")) && p.startsWith(QLatin1String("models/")))
        p.remove(0, 7);
    if (url.scheme() == QLatin1String("gs"))
        p = url.host() + QLatin1Char('/') + p;
    if (url.hasQuery())
        p += QLatin1Char('?') + url.query();
    return p.isEmpty() ? handle : p;
}

QString hostLabel(const QString &handle)
{
    if (!handle.contains(QLatin1String("://")))
        return tr("folder");
    const QUrl url(handle);
    const QString h = url.host().toLower();
    if (url.scheme() == QLatin1String("gs"))
        return QStringLiteral("GCS");
    if (h == QLatin1String("tfhub.dev") || h == QLatin1String("www.tfhub.dev"))
        return QStringLiteral("tfhub.dev");
    if (h.endsWith(QLatin1String("kaggle.com")))
        return QStringLiteral("Kaggle");
    if (h == QLatin1String("hub.tensorflow.google.cn"))
        return tr("cn mirror");
    if (isLocalHost(h))
        return tr("local server");
    return h;
}

} // namespace tfhub::hub
