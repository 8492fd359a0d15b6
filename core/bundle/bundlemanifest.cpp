#include "core/bundle/bundlemanifest.h"

#include "core/cache/cacheentry.h"
#include "core/hub/handle.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

namespace tfhub {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::BundleManifest", text);
}

constexpr qint64 kMaxFileSize = qint64(1) << 56; ///< keeps every sum of sizes far from overflow

QString s(const char *key)
{
    return QString::fromLatin1(key);
}

bool isSha256(const QByteArray &hex)
{
    static const QRegularExpression re(QStringLiteral("^[0-9a-f]{64}$"));
    return re.match(QString::fromLatin1(hex)).hasMatch();
}

Status checkHandle(const BundleManifest::Entry &e)
{
    if (!isCacheKey(e.key))
        return Error {
            tr("The bundle names an entry '%1' that is not a cache key (40 hex digits).").arg(e.key)
        };
    if (e.handle.isEmpty())
        return {};
    const Result<Handle> h = Handle::parse(e.handle);
    if (!h)
        return Error { tr("The bundle's handle '%1' is not valid: %2").arg(e.handle, h.error()) };
    if (!h->isCached(LoadFormat::Auto))
        return Error { tr("The bundle's handle '%1' is not one tensorflow_hub caches.").arg(e.handle) };
    if (h->cacheKey() != e.key)
        return Error { tr("The bundle's key %1 is not the key of its handle %2 (sha1 gives %3).")
                           .arg(e.key, e.handle, h->cacheKey()) };
    return {};
}

Result<BundleManifest::Entry> parseEntry(const QJsonObject &o)
{
    BundleManifest::Entry e;
    e.handle = o.value(s("handle")).toString();
    e.key = o.value(s("key")).toString();
    e.format = o.value(s("format")).toString();
    e.hasDescriptor = o.value(s("descriptor")).toBool();
    if (Status st = checkHandle(e); !st)
        return Error { st.error() };
    QSet<QString> seen;
    for (const QJsonValue &v : o.value(s("folders")).toArray()) {
        const QString path = v.toString();
        if (Status st = bundle::checkRelativePath(path); !st)
            return Error { st.error() };
        e.folders << path;
    }
    for (const QJsonValue &v : o.value(s("files")).toArray()) {
        const QJsonObject f = v.toObject();
        BundleManifest::File file { f.value(s("path")).toString(),
            static_cast<qint64>(f.value(s("size")).toDouble(-1)),
            f.value(s("sha256")).toString().toLatin1() };
        if (Status st = bundle::checkRelativePath(file.path); !st)
            return Error { st.error() };
        if (file.size < 0 || file.size > kMaxFileSize || !isSha256(file.sha256))
            return Error {
                tr("The bundle manifest gives %1/%2 no valid size or SHA-256.").arg(e.key, file.path)
            };
        if (seen.contains(file.path))
            return Error { tr("The bundle manifest names %1/%2 twice.").arg(e.key, file.path) };
        seen.insert(file.path);
        e.files << file;
    }
    if (e.files.isEmpty())
        return Error { tr("The bundle manifest lists no files for %1.").arg(e.key) };
    return e;
}

} // namespace

qint64 BundleManifest::Entry::bytes() const
{
    qint64 total = 0;
    for (const File &f : files)
        total += f.size;
    return total;
}

QByteArray BundleManifest::toJson() const
{
    QJsonArray list;
    for (const Entry &e : entries) {
        QJsonArray files;
        for (const File &f : e.files)
            files.append(QJsonObject { { s("path"), f.path }, { s("size"), f.size },
                { s("sha256"), QString::fromLatin1(f.sha256) } });
        list.append(QJsonObject { { s("handle"), e.handle }, { s("key"), e.key }, { s("format"), e.format },
            { s("descriptor"), e.hasDescriptor }, { s("folders"), QJsonArray::fromStringList(e.folders) },
            { s("files"), files } });
    }
    const QJsonObject o { { s("bundle"), s("tfhub-cache") }, { s("formatVersion"), formatVersion },
        { s("appVersion"), appVersion }, { s("created"), created.toString(Qt::ISODate) },
        { s("entries"), list } };
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

Result<BundleManifest> BundleManifest::fromJson(const QByteArray &json)
{
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        return Error { tr("The bundle manifest is damaged: %1").arg(err.errorString()) };
    const QJsonObject o = doc.object();
    if (o.value(s("bundle")).toString() != s("tfhub-cache"))
        return Error { tr("The bundle manifest is not one of tfhub-cache.") };
    BundleManifest m;
    m.formatVersion = o.value(s("formatVersion")).toInt();
    if (m.formatVersion < 1 || m.formatVersion > kFormatVersion)
        return Error { tr("The bundle has format version %1; this version reads up to %2.")
                           .arg(m.formatVersion)
                           .arg(kFormatVersion) };
    m.appVersion = o.value(s("appVersion")).toString();
    m.created = QDateTime::fromString(o.value(s("created")).toString(), Qt::ISODate);
    QSet<QString> keys;
    for (const QJsonValue &v : o.value(s("entries")).toArray()) {
        Result<Entry> e = parseEntry(v.toObject());
        if (!e)
            return Error { e.error() };
        if (keys.contains(e->key))
            return Error { tr("The bundle manifest names the entry %1 twice.").arg(e->key) };
        keys.insert(e->key);
        m.entries << std::move(e).value();
    }
    if (m.entries.isEmpty())
        return Error { tr("The bundle manifest lists no entries.") };
    return m;
}

namespace bundle {

Status checkRelativePath(const QString &name)
{
    if (name.isEmpty())
        return Error { tr("The bundle holds a file with an empty name.") };
    if (name.startsWith(QLatin1Char('/')) || (name.size() > 1 && name.at(1) == QLatin1Char(':')))
        return Error { tr("The bundle holds an absolute name '%1'.").arg(name) };
    if (name.contains(QLatin1Char('\\')))
        return Error { tr("The bundle holds a name with a backslash '%1'.").arg(name) };
    for (const QChar c : name) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return Error { tr("The bundle holds a name with a control character '%1'.").arg(name) };
    }
    for (const QString &part : name.split(QLatin1Char('/'))) {
        if (part == QLatin1String(".."))
            return Error { tr("The bundle holds a name that leaves its folder '%1'.").arg(name) };
        if (part.isEmpty() || part == QLatin1String("."))
            return Error { tr("The bundle holds a malformed name '%1'.").arg(name) };
    }
    return {};
}

} // namespace bundle

} // namespace tfhub
