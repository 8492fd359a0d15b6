#include "core/hub/descriptor.h"

#include <QRegularExpression>

namespace tfhub {

Descriptor Descriptor::parse(const QByteArray &data)
{
    Descriptor d;
    const QStringList lines = QString::fromUtf8(data).split(QLatin1Char('\n'));
    for (QString line : lines) {
        if (line.endsWith(QLatin1Char('\r')))
            line.chop(1);
        if (line.startsWith(QLatin1String("Module: "))) {
            d.handle = line.mid(8);
        } else if (line.startsWith(QLatin1String("Download Time: "))) {
            d.rawDownloadTime = line.mid(15);
            // Python writes microseconds; Qt parses milliseconds, so drop the last three digits.
            static const QRegularExpression re(
                QStringLiteral("^(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2})(?:\\.(\\d{1,6}))?$"));
            const QRegularExpressionMatch m = re.match(d.rawDownloadTime);
            if (m.hasMatch()) {
                QDateTime t = QDateTime::fromString(m.captured(1), QStringLiteral("yyyy-MM-dd HH:mm:ss"));
                if (!m.captured(2).isEmpty())
                    t = t.addMSecs(m.captured(2).leftJustified(6, QLatin1Char('0')).left(3).toInt());
                d.downloadTime = t;
            }
        } else if (line.startsWith(QLatin1String("Downloader Hostname: "))) {
            const QString rest = line.mid(21);
            static const QRegularExpression re(QStringLiteral("^(.*) \\(PID:(\\d+)\\)$"));
            const QRegularExpressionMatch m = re.match(rest);
            if (m.hasMatch()) {
                d.host = m.captured(1);
                d.pid = m.captured(2).toLongLong();
            } else {
                d.host = rest;
            }
        }
    }
    return d;
}

QString Descriptor::pythonDateTime(const QDateTime &localTime)
{
    QString s = localTime.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    const int ms = localTime.time().msec();
    if (ms != 0)
        s += QStringLiteral(".%1").arg(ms * 1000, 6, 10, QLatin1Char('0'));
    return s;
}

QByteArray Descriptor::serialize(
    const QString &handle, const QDateTime &localTime, const QString &host, qint64 pid)
{
    return (QStringLiteral("Module: ") + handle + QStringLiteral("\nDownload Time: ")
        + pythonDateTime(localTime) + QStringLiteral("\nDownloader Hostname: ") + host
        + QStringLiteral(" (PID:") + QString::number(pid) + QLatin1Char(')'))
        .toUtf8();
}

} // namespace tfhub
