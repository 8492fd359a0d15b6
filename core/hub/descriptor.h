#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>

namespace tfhub {

/// K.descriptor.txt: the only map from a cache folder back to its handle.
struct Descriptor final
{
    QString handle;
    QDateTime downloadTime; ///< local time
    QString rawDownloadTime;
    QString host;
    qint64 pid = 0;

    /// Parses the library's three lines; unknown lines are ignored, missing ones left empty.
    static Descriptor parse(const QByteArray &data);

    /// The exact bytes tensorflow_hub writes: three lines, no trailing newline, Python's
    /// str(datetime) (microseconds omitted when zero).
    static QByteArray serialize(
        const QString &handle, const QDateTime &localTime, const QString &host, qint64 pid);

    /// Python's str(datetime) of a local time, e.g. "2024-01-29 17:51:07.123456".
    static QString pythonDateTime(const QDateTime &localTime);

    /// The local time of a Download Time line's value: exactly `YYYY-MM-DD HH:MM:SS` with ASCII
    /// digits, optionally `.` and 1-6 digits of fraction (kept to the millisecond, cut, not
    /// rounded). Anything else, or a date or time that does not exist, gives an invalid QDateTime.
    static QDateTime parseDownloadTime(QStringView text);
    /// The "Downloader Hostname: " line's value into `host` and `pid`.
    static void parseHostLine(QStringView value, Descriptor *d);
};

} // namespace tfhub
