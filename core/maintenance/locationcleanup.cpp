#include "core/maintenance/locationcleanup.h"

#include "core/maintenance/cleanupsupport.h"
#include "core/maintenance/pins.h"
#include "core/util/sha256.h"

#include <QCoreApplication>
#include <QHash>
#include <QSet>

namespace tfhub::maintenance {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cleanup", text);
}

Result<QByteArray> sha256Of(CacheLocation &location, const QString &key, const QString &path,
    const std::function<bool()> &cancelled, qint64 *size)
{
    Sha256 hash;
    const Result<qint64> read = location.readEntryFile(key, path, [&](const char *data, qint64 n) {
        hash.addData(data, n);
        return !(cancelled && cancelled());
    });
    if (!read)
        return Error { read.error() };
    *size = *read;
    return hash.resultHex();
}

} // namespace

Result<CleanupPlan> planCleanup(
    CacheLocation &location, const CleanupRules &rules, const ScanOptions &options)
{
    if (location.isLocal())
        return planCleanup(location.displayName(), rules, options);
    const Result<QList<CacheEntry>> entries = location.scan(options);
    if (!entries)
        return Error { entries.error() };
    const Result<PinSet> pins = readPins(location);
    if (!pins)
        return Error { pins.error() };
    return planCleanup(location, *entries, *pins, rules, options);
}

Result<Manifest> loadManifest(CacheLocation &location, const QString &key)
{
    const QString name = key + QStringLiteral(".manifest.json");
    const Result<std::optional<QByteArray>> data = location.readSmall(name, 64 * 1024 * 1024);
    if (!data)
        return Error { data.error() };
    if (!data->has_value())
        return Error { tr("%1/%2 does not exist.").arg(location.displayName(), name) };
    return Manifest::fromJson(**data, location.displayName() + QLatin1Char('/') + name);
}

Result<VerifyReport> verifyEntry(CacheLocation &location, const QString &key, const Manifest &manifest,
    bool readContent, const std::function<bool()> &cancelled)
{
    if (location.isLocal())
        return verifyFolder(location.entryPath(key), manifest, cancelled);
    const Result<QList<LocationFile>> files = location.entryFiles(key);
    if (!files)
        return Error { files.error() };
    QHash<QString, qint64> listed;
    for (const LocationFile &f : *files)
        listed.insert(f.path, f.size);
    VerifyReport r;
    QSet<QString> expected;
    for (const Manifest::File &f : manifest.files) {
        expected.insert(f.path);
        if (!listed.contains(f.path)) {
            r.missing << f.path;
            continue;
        }
        r.checkedFiles += 1;
        if (listed.value(f.path) != f.size) {
            r.modified << f.path;
            continue;
        }
        if (!readContent)
            continue;
        qint64 size = 0;
        const Result<QByteArray> sha = sha256Of(location, key, f.path, cancelled, &size);
        if (!sha)
            return Error { sha.error() };
        if (*sha != f.sha256 || size != f.size)
            r.modified << f.path;
    }
    for (const LocationFile &f : *files) {
        if (!expected.contains(f.path))
            r.extra << f.path;
    }
    return r;
}

Result<QList<Manifest::File>> hashEntry(CacheLocation &location, const QString &key)
{
    const Result<QList<LocationFile>> files = location.entryFiles(key);
    if (!files)
        return Error { files.error() };
    QList<Manifest::File> out;
    for (const LocationFile &f : *files) {
        qint64 size = 0;
        const Result<QByteArray> sha = sha256Of(location, key, f.path, {}, &size);
        if (!sha)
            return Error { sha.error() };
        out.append({ f.path, size, *sha });
    }
    return out;
}

QList<QList<const CacheEntry *>> duplicateGroups(
    CacheLocation &location, const QList<const CacheEntry *> &entries)
{
    return groupByFingerprint(entries, [&location](const CacheEntry &e) {
        const Result<QList<LocationFile>> files = location.entryFiles(e.key);
        QStringList print;
        for (const LocationFile &f : files ? *files : QList<LocationFile>()) {
            if (f.md5Base64.isEmpty())
                return QStringList(); // a composite object: its content cannot be told apart
            print << f.path + QLatin1Char('\t') + QString::number(f.size) + QLatin1Char('\t')
                    + QString::fromLatin1(f.md5Base64);
        }
        return print;
    });
}

} // namespace tfhub::maintenance
