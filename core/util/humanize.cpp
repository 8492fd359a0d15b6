#include "core/util/humanize.h"

#include <QCoreApplication>
#include <QLocale>
#include <QRegularExpression>

#include <cmath>

namespace tfhub::util {

QString humanSize(qint64 bytes)
{
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeIecFormat);
}

Result<qint64> parseSize(const QString &text)
{
    static const QRegularExpression re(
        QStringLiteral("^\\s*(\\d+(?:\\.\\d+)?)\\s*(?:([kmgtpe])(i)?b?|b)?\\s*$"),
        QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch m = re.match(text);
    const auto bad = [&text] {
        return Error { QCoreApplication::translate("tfhub::format",
            "'%1' is not a size: write a number of bytes, or a number with a unit such as 500M or 20G "
            "(powers of 1000) or 500MiB or 1.5TiB (powers of 1024).")
                           .arg(text) };
    };
    if (!m.hasMatch())
        return bad();
    const double number = m.captured(1).toDouble();
    const QString unit = m.captured(2).toLower();
    const double base = m.captured(3).isEmpty() ? 1000.0 : 1024.0;
    const int power = unit.isEmpty() ? 0 : int(QStringLiteral("kmgtpe").indexOf(unit)) + 1;
    const double bytes = number * std::pow(base, power);
    if (power == 0 && m.captured(1).contains(QLatin1Char('.')))
        return bad(); // a fraction of a byte
    if (bytes >= 9.2e18)
        return Error { QCoreApplication::translate("tfhub::format", "'%1' is too large a size.").arg(text) };
    return static_cast<qint64>(std::llround(bytes));
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
