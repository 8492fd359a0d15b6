#include "core/util/humanize.h"

#include <QCoreApplication>
#include <QLocale>

namespace tfhub::util {

QString humanSize(qint64 bytes)
{
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeIecFormat);
}

QString relativeTime(const QDateTime &when, const QDateTime &now)
{
    if (!when.isValid())
        return QCoreApplication::translate("tfhub::format", "never");
    const qint64 secs = when.secsTo(now);
    const bool future = secs < 0;
    const qint64 a = future ? -secs : secs;
    const auto phrase = [future](const char *one, const char *many, qint64 n) {
        const QString unit = n == 1 ? QCoreApplication::translate("tfhub::format", one)
                                    : QCoreApplication::translate("tfhub::format", many).arg(n);
        return future ? QCoreApplication::translate("tfhub::format", "in %1").arg(unit)
                      : QCoreApplication::translate("tfhub::format", "%1 ago").arg(unit);
    };
    if (a < 60)
        return QCoreApplication::translate("tfhub::format", "just now");
    if (a < 3600)
        return phrase("1 minute", "%1 minutes", a / 60);
    if (a < 86400)
        return phrase("1 hour", "%1 hours", a / 3600);
    if (a < 86400 * 31)
        return phrase("1 day", "%1 days", a / 86400);
    if (a < 86400 * 365)
        return phrase("1 month", "%1 months", a / (86400 * 30));
    return phrase("1 year", "%1 years", a / (86400 * 365));
}

} // namespace tfhub::util
