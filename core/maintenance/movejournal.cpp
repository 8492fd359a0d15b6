#include "core/maintenance/movejournal.h"

#include "core/cache/cachescanner.h"
#include "core/util/fsutil.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace tfhub::maintenance {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::CacheMover", text);
}

QString pathIn(const QString &dir)
{
    return dir + QLatin1Char('/') + MoveJournal::fileName();
}

QByteArray toJson(const MoveJournal &j)
{
    QJsonArray items;
    for (const MoveJournal::Item &i : j.items)
        items.append(QJsonObject { { QStringLiteral("key"), i.key }, { QStringLiteral("label"), i.label },
            { QStringLiteral("names"), QJsonArray::fromStringList(i.names) } });
    const QJsonObject o { { QStringLiteral("schema"), 1 }, { QStringLiteral("id"), j.id },
        { QStringLiteral("from"), j.from }, { QStringLiteral("to"), j.to },
        { QStringLiteral("crossVolume"), j.crossVolume },
        { QStringLiteral("phase"), MoveJournal::phaseName(j.phase) },
        { QStringLiteral("started"), j.started.toString(Qt::ISODate) }, { QStringLiteral("host"), j.host },
        { QStringLiteral("pid"), j.pid }, { QStringLiteral("items"), items } };
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

Result<MoveJournal> fromJson(const QString &file, const QByteArray &data)
{
    QJsonParseError pe;
    const QJsonObject o = QJsonDocument::fromJson(data, &pe).object();
    MoveJournal j;
    j.id = o.value(QStringLiteral("id")).toString();
    j.from = o.value(QStringLiteral("from")).toString();
    j.to = o.value(QStringLiteral("to")).toString();
    j.crossVolume = o.value(QStringLiteral("crossVolume")).toBool();
    const QString phase = o.value(QStringLiteral("phase")).toString();
    bool known = false;
    for (const MoveJournal::Phase p :
        { MoveJournal::Phase::Copying, MoveJournal::Phase::Copied, MoveJournal::Phase::Removing }) {
        if (phase == MoveJournal::phaseName(p)) {
            j.phase = p;
            known = true;
        }
    }
    if (pe.error != QJsonParseError::NoError || o.value(QStringLiteral("schema")).toInt() != 1 || !known
        || j.from.isEmpty() || j.to.isEmpty() || j.id.isEmpty())
        return Error {
            tr("The move journal %1 cannot be read (%2); look at it, then delete it.")
                .arg(file, pe.error != QJsonParseError::NoError ? pe.errorString() : tr("fields are missing"))
        };
    j.started = QDateTime::fromString(o.value(QStringLiteral("started")).toString(), Qt::ISODate);
    j.host = o.value(QStringLiteral("host")).toString();
    j.pid = o.value(QStringLiteral("pid")).toInteger();
    for (const QJsonValue &v : o.value(QStringLiteral("items")).toArray()) {
        const QJsonObject i = v.toObject();
        QStringList names;
        for (const QJsonValue &n : i.value(QStringLiteral("names")).toArray())
            names << n.toString();
        j.items << MoveJournal::Item { i.value(QStringLiteral("key")).toString(),
            i.value(QStringLiteral("label")).toString(), names };
    }
    return j;
}

Result<std::optional<MoveJournal>> readFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        if (!f.exists())
            return std::optional<MoveJournal>();
        return Error { tr("Cannot read the move journal %1: %2").arg(path, f.errorString()) };
    }
    Result<MoveJournal> j = fromJson(path, f.readAll());
    if (!j)
        return Error { j.error() };
    return std::optional<MoveJournal>(*j);
}

} // namespace

QString MoveJournal::fileName()
{
    return cache::moveJournalName(); // the scanner must know it too
}

QString MoveJournal::phaseName(Phase phase)
{
    switch (phase) {
    case Phase::Copying:
        return QStringLiteral("copying");
    case Phase::Copied:
        return QStringLiteral("copied");
    case Phase::Removing:
        return QStringLiteral("removing");
    }
    return QString();
}

Status writeJournal(const MoveJournal &journal)
{
    const QByteArray data = toJson(journal);
    if (Status s = util::durableWrite(pathIn(journal.to), data); !s)
        return s;
    return util::durableWrite(pathIn(journal.from), data);
}

void removeJournal(const MoveJournal &journal)
{
    QFile::remove(pathIn(journal.from));
    (void)util::syncDir(journal.from);
    QFile::remove(pathIn(journal.to));
    (void)util::syncDir(journal.to);
}

Result<std::optional<MoveJournal>> readPendingMove(const QString &dir)
{
    const QString clean = QDir::cleanPath(dir);
    Result<std::optional<MoveJournal>> here = readFile(pathIn(clean));
    if (!here || !*here)
        return here;
    const MoveJournal &j = **here;
    if (QDir::cleanPath(j.to) == clean)
        return here;
    // A pointer in the source: what counts is the destination's journal.
    return readFile(pathIn(j.to));
}

} // namespace tfhub::maintenance
