#include "core/maintenance/pins.h"

#include "core/cache/cacheentry.h"
#include "core/cache/cachescanner.h"
#include "core/util/fsutil.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cerrno>

namespace tfhub::maintenance {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::pins", text);
}

} // namespace

QString pinsPath(const QString &root)
{
    return QDir::cleanPath(root) + QLatin1Char('/') + cache::pinsFileName();
}

Result<PinSet> readPins(const QString &root)
{
    const QString path = pinsPath(root);
    QFile f(path);
    PinSet pins;
    if (!f.exists())
        return pins;
    if (!f.open(QIODevice::ReadOnly))
        return Error {
            tr("Cannot read the pins file %1: %2").arg(QDir::toNativeSeparators(path), f.errorString())
        };
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return Error { tr("The pins file %1 is damaged (%2); fix or delete it.")
                           .arg(QDir::toNativeSeparators(path),
                               pe.error != QJsonParseError::NoError ? pe.errorString()
                                                                    : tr("not an object")) };
    const QJsonArray list = doc.object().value(QStringLiteral("pins")).toArray();
    for (const QJsonValue &v : list) {
        const QJsonObject o = v.toObject();
        Pin p;
        p.key = o.value(QStringLiteral("key")).toString();
        p.handle = o.value(QStringLiteral("handle")).toString();
        p.pinned = QDateTime::fromString(o.value(QStringLiteral("pinned")).toString(), Qt::ISODate);
        if (isCacheKey(p.key))
            pins.byKey.insert(p.key, p);
    }
    return pins;
}

Status writePins(const QString &root, const PinSet &pins)
{
    const QString path = pinsPath(root);
    if (pins.byKey.isEmpty()) {
        if (QFile::exists(path) && !QFile::remove(path))
            return Error { tr("Cannot remove the pins file %1: %2")
                               .arg(QDir::toNativeSeparators(path), util::errnoText(errno)) };
        return {};
    }
    QJsonArray list;
    for (const Pin &p : pins.byKey) {
        QJsonObject o;
        o.insert(QStringLiteral("key"), p.key);
        o.insert(QStringLiteral("handle"), p.handle.isEmpty() ? QJsonValue() : QJsonValue(p.handle));
        o.insert(QStringLiteral("pinned"), p.pinned.toUTC().toString(Qt::ISODate));
        list.append(o);
    }
    QJsonObject doc;
    doc.insert(QStringLiteral("schema"), 1);
    doc.insert(QStringLiteral("pins"), list);
    return util::durableWrite(path, QJsonDocument(doc).toJson(QJsonDocument::Indented));
}

Result<bool> pin(const QString &root, const QString &key, const QString &handle)
{
    if (!isCacheKey(key))
        return Error { tr("%1 is not a cache key; only cache entries can be pinned.").arg(key) };
    Result<PinSet> read = readPins(root);
    if (!read)
        return Error { read.error() };
    PinSet &pins = read.value();
    if (pins.contains(key)) {
        // A handle learnt later is kept for display.
        if (pins.byKey[key].handle.isEmpty() && !handle.isEmpty()) {
            pins.byKey[key].handle = handle;
            if (Status s = writePins(root, pins); !s)
                return Error { s.error() };
        }
        return false;
    }
    pins.byKey.insert(key, Pin { key, handle, QDateTime::currentDateTimeUtc() });
    if (Status s = writePins(root, pins); !s)
        return Error { s.error() };
    return true;
}

Result<bool> unpin(const QString &root, const QString &key)
{
    Result<PinSet> read = readPins(root);
    if (!read)
        return Error { read.error() };
    if (!read.value().byKey.remove(key))
        return false;
    if (Status s = writePins(root, read.value()); !s)
        return Error { s.error() };
    return true;
}

Status mergePins(const QString &from, const QString &to)
{
    const Result<PinSet> mine = readPins(from);
    if (!mine || mine->byKey.isEmpty())
        return mine ? Status() : Status(Error { mine.error() });
    Result<PinSet> theirs = readPins(to);
    if (!theirs)
        return Error { theirs.error() };
    for (const Pin &p : mine->byKey)
        theirs.value().byKey.insert(p.key, p);
    return writePins(to, *theirs);
}

} // namespace tfhub::maintenance
