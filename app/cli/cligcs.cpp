#include "app/cli/cligcs.h"

#include "app/cli/cli.h"
#include "app/cli/clicommon.h"
#include "core/cache/entrynaming.h"
#include "core/cache/manifest.h"
#include "core/catalog/catalogsources.h"
#include "core/gcs/gcslocation.h"
#include "core/gcs/gcsurl.h"
#include "core/hub/handlehistory.h"
#include "core/maintenance/locationcleanup.h"

#include <QCoreApplication>

#include <algorithm>

namespace tfhub::cli {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cli", text);
}

QString supportedText()
{
    return tr(
        "gs:// caches work with list, du, info, resolve, verify, rm, clean, pin, unpin, export and prefetch");
}

// Options that mean something only on a local disk, by verb, with why.
std::optional<int> refusedOption(const Invocation &in)
{
    if (in.has("--trash"))
        return failure(tr("A gs:// cache has no trash: '%1 --trash' is not supported there; entries can only "
                          "be deleted.")
                           .arg(in.verb));
    if (in.verb == QLatin1String("clean") && in.has("--unused-days"))
        return failure(tr("--unused-days cannot select anything on a gs:// cache: Cloud Storage records no "
                          "access times, so when a model was last used cannot be told (--max-size goes by "
                          "download time instead). Nothing was removed."));
    if (in.verb == QLatin1String("clean") && in.has("--policy"))
        return failure(
            tr("The automatic cleanup policy applies to a local cache folder; on a gs:// cache name "
               "the rules: --stale, --broken, --duplicates or --max-size."));
    return std::nullopt;
}

} // namespace

bool isGcsCacheDir(const QString &cacheDir)
{
    return gcs::isGcsUrl(cacheDir);
}

std::optional<int> runOnGcs(const Invocation &in, const QString &cacheDir)
{
    if (const Result<gcs::GcsUrl> root = gcs::parseGcsUrl(cacheDir); !root)
        return failure(root.error());
    static const QStringList supported { QStringLiteral("list"), QStringLiteral("du"), QStringLiteral("info"),
        QStringLiteral("resolve"), QStringLiteral("verify"), QStringLiteral("rm"), QStringLiteral("clean"),
        QStringLiteral("pin"), QStringLiteral("unpin"), QStringLiteral("export"),
        QStringLiteral("prefetch") };
    if (!supported.contains(in.verb))
        return failure(
            tr("The cache folder %1 is in Google Cloud Storage: '%2' is not supported there yet (%3); "
               "nothing was read or written.")
                .arg(cacheDir, in.verb, supportedText()));
    return refusedOption(in);
}

std::unique_ptr<CacheLocation> openLocation(const QString &cacheDir)
{
    Result<std::unique_ptr<CacheLocation>> location = openCacheLocation(cacheDir);
    if (!location) {
        failure(location.error());
        return nullptr;
    }
    return std::move(location.value());
}

namespace {

bool anyUnnamed(const QList<CacheEntry> &entries)
{
    return std::any_of(entries.cbegin(), entries.cend(),
        [](const CacheEntry &e) { return e.state != EntryState::Foreign && e.handle.isEmpty(); });
}

cache::KnownHandles knownHandles()
{
    cache::KnownHandles known;
    known.catalog = catalog::bundledHandlesByKey();
    known.history = hub::readHandleHistory();
    return known;
}

} // namespace

void nameEntriesAt(CacheLocation &location, QList<CacheEntry> *entries)
{
    if (location.isLocal()) {
        // Descriptors and our manifests first; the bundled catalog (~40 ms) and the handle history
        // are read only when an entry is left that neither names.
        cache::nameEntries(entries, location.displayName(), {});
        if (anyUnnamed(*entries))
            cache::nameEntries(entries, location.displayName(), knownHandles());
        return;
    }
    const cache::KnownHandles known = anyUnnamed(*entries) ? knownHandles() : cache::KnownHandles();
    // Our manifest is an object there: read it for the entries it would name, then the rest.
    for (CacheEntry &e : *entries) {
        if (e.handle.isEmpty() && e.hasManifest) {
            const Result<Manifest> m = maintenance::loadManifest(location, e.key);
            if (m && m->key == e.key)
                e.handle = m->handle;
        }
        const bool manifest = e.hasManifest;
        e.hasManifest = false;
        cache::nameEntry(&e, QString(), known);
        e.hasManifest = manifest;
    }
}

Target targetAt(CacheLocation &location, const QString &arg)
{
    if (location.isLocal())
        return resolveTarget(location.displayName(), arg);
    if (!isKeyPrefix(arg) || isCacheKey(arg))
        return resolveTarget(QString(), arg); // a key or a handle: no listing needed
    const Result<QList<CacheEntry>> entries = location.scan(ScanOptions());
    if (!entries)
        return { QString(), Failure, entries.error() };
    QStringList keys;
    for (const CacheEntry &e : *entries) {
        if (isCacheKey(e.key) && e.key.startsWith(arg.toLower()))
            keys << e.key;
    }
    if (keys.size() == 1)
        return { keys.first(), Ok, QString() };
    if (keys.isEmpty())
        return { QString(), Failure,
            tr("No cache entry in %1 has a key starting with %2.").arg(location.displayName(), arg) };
    return { QString(), Usage,
        tr("The key prefix %1 is ambiguous: %2 entries start with it; give more digits.")
            .arg(arg)
            .arg(keys.size()) };
}

QString noAccessTimesText()
{
    return tr("unknown (Cloud Storage records no access times)");
}

} // namespace tfhub::cli
