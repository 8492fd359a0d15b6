#include "core/hub/descriptor.h"

#include <algorithm>

#include <QStringView>

namespace tfhub {

Descriptor Descriptor::parse(const QByteArray &data)
{
    Descriptor d;
    const QString text = QString::fromUtf8(data);
    for (QStringView line : QStringView(text).tokenize(u'\n')) {
        if (line.endsWith(u'\r'))
            line.chop(1);
        if (line.startsWith(QLatin1String("Module: "))) {
            d.handle = line.mid(8).toString();
        } else if (line.startsWith(QLatin1String("Download Time: "))) {
            d.rawDownloadTime = line.mid(15).toString();
            d.downloadTime = parseDownloadTime(d.rawDownloadTime);
        } else if (line.startsWith(QLatin1String("Downloader Hostname: "))) {
            parseHostLine(line.mid(21), &d);
        }
    }
    return d;
}

// "HOST (PID:N)": the last " (PID:" followed by digits up to a closing parenthesis at the end;
// anything else is all host. Split by hand: a regular expression cost more than the rest of a
// descriptor, once per entry of every full walk.
void Descriptor::parseHostLine(QStringView value, Descriptor *d)
{
    const QLatin1String marker(" (PID:");
    const qsizetype at = value.lastIndexOf(marker);
    const QStringView pid = at < 0 ? QStringView() : value.mid(at + marker.size());
    const bool digits = pid.size() > 1 && pid.endsWith(u')')
        && std::all_of(pid.begin(), pid.end() - 1, [](QChar c) { return c >= u'0' && c <= u'9'; });
    if (!digits) {
        d->host = value.toString();
        return;
    }
    d->host = value.left(at).toString();
    d->pid = pid.chopped(1).toLongLong();
}

namespace {

// The value of `length` ASCII digits at `at`, or -1.
int digits(QStringView text, qsizetype at, qsizetype length)
{
    int value = 0;
    for (qsizetype i = at; i < at + length; ++i) {
        const char16_t c = text.at(i).unicode();
        if (c < u'0' || c > u'9')
            return -1;
        value = value * 10 + (c - u'0');
    }
    return value;
}

} // namespace

// Read by hand, not with QDateTime::fromString: that parser costs more than the rest of a
// descriptor's scan, once per entry of every full walk.
QDateTime Descriptor::parseDownloadTime(QStringView text)
{
    // "YYYY-MM-DD HH:MM:SS" is 19 characters; a fraction adds a '.' and 1 to 6 digits.
    constexpr qsizetype Whole = 19;
    if (text.size() < Whole || text.size() == Whole + 1 || text.size() > Whole + 7)
        return QDateTime();
    const auto at = [&text](qsizetype i, char16_t c) { return text.at(i).unicode() == c; };
    if (!at(4, u'-') || !at(7, u'-') || !at(10, u' ') || !at(13, u':') || !at(16, u':'))
        return QDateTime();
    const int year = digits(text, 0, 4);
    const int month = digits(text, 5, 2);
    const int day = digits(text, 8, 2);
    const int hour = digits(text, 11, 2);
    const int minute = digits(text, 14, 2);
    const int second = digits(text, 17, 2);
    int ms = 0;
    if (text.size() > Whole) {
        if (!at(Whole, u'.'))
            return QDateTime();
        const qsizetype fraction = text.size() - Whole - 1;
        const int value = digits(text, Whole + 1, fraction);
        if (value < 0)
            return QDateTime();
        // Milliseconds are the fraction's first three digits (".5" is 500 ms, ".123456" 123 ms).
        ms = fraction >= 3 ? digits(text, Whole + 1, 3) : value * (fraction == 1 ? 100 : 10);
    }
    const QDate date(year, month, day);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || !date.isValid()
        || !QTime::isValid(hour, minute, second))
        return QDateTime();
    // The whole seconds, then the milliseconds added: a time just before a daylight-saving change
    // resolves as QDateTime::fromString resolved it before.
    const QDateTime t(date, QTime(hour, minute, second));
    return ms ? t.addMSecs(ms) : t;
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
