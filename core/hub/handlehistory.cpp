#include "core/hub/handlehistory.h"

#include "core/hub/handle.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

namespace tfhub::hub {

namespace {

// Lines of the history, oldest first; a line that is no "<key> TAB <handle>" is dropped.
QStringList readLines(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QStringList lines;
    const QList<QByteArray> raw = f.readAll().split('\n');
    for (const QByteArray &line : raw) {
        const qsizetype tab = line.indexOf('\t');
        if (tab == 40 && line.size() > 41)
            lines.append(QString::fromUtf8(line));
    }
    return lines;
}

} // namespace

QString handleHistoryPath()
{
    QString base = qEnvironmentVariable("XDG_DATA_HOME");
    if (base.isEmpty() || !QDir::isAbsolutePath(base))
        base = QDir::homePath() + QStringLiteral("/.local/share");
    return base + QStringLiteral("/tfhub-cache-manager/handles.tsv");
}

Status recordHandles(const QStringList &handles, const QString &path)
{
    QStringList lines = readLines(path);
    bool changed = false;
    for (const QString &handle : handles) {
        if (handle.isEmpty() || handle.contains(QLatin1Char('\n')) || handle.contains(QLatin1Char('\t')))
            continue;
        const QString line = Handle::cacheKeyOf(handle) + QLatin1Char('\t') + handle;
        if (!lines.isEmpty() && lines.constLast() == line)
            continue;
        lines.removeAll(line);
        lines.append(line);
        changed = true;
    }
    if (!changed)
        return {};
    if (lines.size() > HistoryCap)
        lines.remove(0, lines.size() - HistoryCap);
    if (!QDir().mkpath(QFileInfo(path).path()))
        return Error { QStringLiteral("Cannot create the folder of %1.").arg(path) };
    // Rewritten whole and renamed into place: a reader never sees half a file.
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly))
        return Error { QStringLiteral("Cannot write %1: %2").arg(path, out.errorString()) };
    out.write((lines.join(QLatin1Char('\n')) + QLatin1Char('\n')).toUtf8());
    if (!out.commit())
        return Error { QStringLiteral("Cannot write %1: %2").arg(path, out.errorString()) };
    return {};
}

QHash<QString, QString> readHandleHistory(const QString &path)
{
    QHash<QString, QString> byKey;
    const QStringList lines = readLines(path);
    for (const QString &line : lines)
        byKey.insert(line.left(40), line.mid(41)); // a later line wins
    return byKey;
}

} // namespace tfhub::hub
