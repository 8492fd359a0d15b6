#include "core/maintenance/pins.h"

#include "core/cache/cacheentry.h"
#include "core/cache/cachelocation.h"
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

namespace {

// The pins file's content; `shown` names it in messages.
Result<PinSet> parsePins(const QByteArray &data, const QString &shown)
{
    PinSet pins;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(data, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return Error {
            tr("The pins file %1 is damaged (%2); fix or delete it.")
                .arg(shown, pe.error != QJsonParseError::NoError ? pe.errorString() : tr("not an object"))
        };
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

QByteArray pinsJson(const PinSet &pins)
{
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
    return QJsonDocument(doc).toJson(QJsonDocument::Indented);
}

} // namespace

Result<PinSet> readPins(const QString &root)
{
    const QString path = pinsPath(root);
    QFile f(path);
    if (!f.exists())
        return PinSet();
    if (!f.open(QIODevice::ReadOnly))
        return Error {
            tr("Cannot read the pins file %1: %2").arg(QDir::toNativeSeparators(path), f.errorString())
        };
    return parsePins(f.readAll(), QDir::toNativeSeparators(path));
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
    return util::durableWrite(path, pinsJson(pins));
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

Result<PinSet> readPins(CacheLocation &location)
{
    if (location.isLocal())
        return readPins(location.displayName());
    const Result<std::optional<QByteArray>> data = location.readSmall(cache::pinsFileName(), 4 * 1024 * 1024);
    if (!data)
        return Error { data.error() };
    if (!data->has_value())
        return PinSet();
    return parsePins(**data, location.displayName() + QLatin1Char('/') + cache::pinsFileName());
}

Status writePins(CacheLocation &location, const PinSet &pins)
{
    if (location.isLocal())
        return writePins(location.displayName(), pins);
    if (pins.byKey.isEmpty())
        return location.removeSmall(cache::pinsFileName());
    return location.writeSmall(cache::pinsFileName(), pinsJson(pins));
}

Result<bool> pin(CacheLocation &location, const QString &key, const QString &handle)
{
    if (location.isLocal())
        return pin(location.displayName(), key, handle);
    if (!isCacheKey(key))
        return Error { tr("%1 is not a cache key; only cache entries can be pinned.").arg(key) };
    Result<PinSet> read = readPins(location);
    if (!read)
        return Error { read.error() };
    PinSet &pins = read.value();
    const bool added = !pins.contains(key);
    // A handle learnt later is kept for display.
    if (!added && (!pins.byKey[key].handle.isEmpty() || handle.isEmpty()))
        return false;
    pins.byKey.insert(
        key, Pin { key, handle, added ? QDateTime::currentDateTimeUtc() : pins.byKey.value(key).pinned });
    if (Status s = writePins(location, pins); !s)
        return Error { s.error() };
    return added;
}

Result<bool> unpin(CacheLocation &location, const QString &key)
{
    if (location.isLocal())
        return unpin(location.displayName(), key);
    Result<PinSet> read = readPins(location);
    if (!read)
        return Error { read.error() };
    if (!read.value().byKey.remove(key))
        return false;
    if (Status s = writePins(location, read.value()); !s)
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
