#include "app/cli/cligcs.h"

#include "app/cli/cli.h"
#include "app/cli/clicommon.h"
#include "app/cli/clioutput.h"
#include "core/cache/entrynaming.h"
#include "core/catalog/catalogsources.h"
#include "core/gcs/gcsclient.h"
#include "core/gcs/gcsscan.h"
#include "core/hub/handlehistory.h"
#include "core/maintenance/cleanupplan.h"
#include "core/util/humanize.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <unistd.h>

namespace tfhub::cli {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cli", text);
}

QString supportedText()
{
    return tr("so far gs:// caches work with list, du, info, rm and clean --stale");
}

// One gs:// cache opened: its location, a client, and the last listing by item.
struct Opened
{
    gcs::GcsUrl root;
    std::unique_ptr<gcs::GcsClient> client;
};

std::optional<Opened> open(const QString &cacheDir)
{
    const Result<gcs::GcsUrl> root = gcs::parseGcsUrl(cacheDir);
    if (!root) {
        failure(root.error());
        return std::nullopt;
    }
    Result<std::unique_ptr<gcs::GcsClient>> client = gcs::makeClientFromEnvironment();
    if (!client) {
        failure(tr("Cannot read %1: %2").arg(cacheDir, client.error()));
        return std::nullopt;
    }
    return Opened { *root, std::move(client.value()) };
}

// Names entries as locally; our manifest on Cloud Storage is not read yet, so it names nothing.
void name(QList<CacheEntry> *entries)
{
    cache::KnownHandles known;
    if (std::any_of(entries->cbegin(), entries->cend(),
            [](const CacheEntry &e) { return e.state != EntryState::Foreign && e.handle.isEmpty(); })) {
        known.catalog = catalog::bundledHandlesByKey();
        known.history = hub::readHandleHistory();
    }
    for (CacheEntry &e : *entries) {
        const bool manifest = e.hasManifest;
        e.hasManifest = false;
        cache::nameEntry(&e, QString(), known);
        e.hasManifest = manifest;
    }
}

// Lists the root (or only the objects named after one key) and builds the entries.
struct Scan
{
    QHash<QString, gcs::EntryObjects> items;
    QList<CacheEntry> entries;
};

std::optional<Scan> scan(Opened &o, const QString &onlyKey = QString())
{
    const Result<QList<gcs::ObjectInfo>> listed
        = o.client->list(o.root.bucket, o.root.objectPrefix() + onlyKey);
    if (!listed) {
        failure(listed.error());
        return std::nullopt;
    }
    Scan s;
    s.items = gcs::groupListing(o.root, *listed);
    if (!onlyKey.isEmpty())
        s.items.removeIf([&onlyKey](const auto &it) { return it.key() != onlyKey; });
    const auto read = [&o](const QString &objectName) {
        const Result<QByteArray> data = o.client->read(o.root.bucket, objectName, 64 * 1024);
        return data ? *data : QByteArray();
    };
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (auto it = s.items.cbegin(); it != s.items.cend(); ++it)
        s.entries << gcs::entryFromObjects(o.root, it.value(), read, ScanOptions(), now);
    std::sort(s.entries.begin(), s.entries.end(),
        [](const CacheEntry &a, const CacheEntry &b) { return a.key < b.key; });
    name(&s.entries);
    return s;
}

Target targetIn(const QList<CacheEntry> &entries, const QString &cacheDir, const QString &arg)
{
    if (!isKeyPrefix(arg) || isCacheKey(arg))
        return resolveTarget(QString(), arg); // a key or a handle: no folder needed
    QStringList keys;
    for (const CacheEntry &e : entries) {
        if (isCacheKey(e.key) && e.key.startsWith(arg.toLower()))
            keys << e.key;
    }
    if (keys.size() == 1)
        return { keys.first(), Ok, QString() };
    if (keys.isEmpty())
        return { QString(), Failure,
            tr("No cache entry in %1 has a key starting with %2.").arg(cacheDir, arg) };
    return { QString(), Usage,
        tr("The key prefix %1 is ambiguous: %2 entries start with it; give more digits.")
            .arg(arg)
            .arg(keys.size()) };
}

QString labelOf(const CacheEntry &e)
{
    return e.handle.isEmpty() ? tr("unknown model %1").arg(e.key)
                              : tr("%1 (%2)").arg(e.handle, e.key.left(12));
}

// Deletes objects of one entry; the lock only while it is still the lock we judged (its
// generation), so that a download that just took it over keeps it.
QStringList deleteObjects(Opened &o, const gcs::EntryObjects &item, const QStringList &names)
{
    QStringList plain;
    QStringList errors;
    for (const QString &objectName : names) {
        if (!objectName.endsWith(QLatin1String(".lock"))) {
            plain << objectName;
            continue;
        }
        for (const gcs::ObjectInfo &info : item.objects) {
            if (info.name != objectName)
                continue;
            const Result<bool> gone
                = o.client->removeIfGeneration(o.root.bucket, objectName, info.generation);
            if (!gone)
                errors << gone.error();
            else if (!*gone)
                errors
                    << tr("gs://%1/%2 changed since it was read; left alone.").arg(o.root.bucket, objectName);
        }
    }
    return errors + o.client->removeMany(o.root.bucket, plain);
}

int removeEntries(const Invocation &in, const QString &cacheDir)
{
    if (in.positional.isEmpty())
        return verbUsageError(in.verb, tr("'rm' needs at least one HANDLE or KEY."));
    if (in.has("--trash"))
        return failure(tr("A gs:// cache has no trash: 'rm --trash' is not supported there."));
    std::optional<Opened> o = open(cacheDir);
    if (!o)
        return Failure;
    const std::optional<Scan> all = scan(*o);
    if (!all)
        return Failure;
    bool failed = false;
    QList<CacheEntry> chosen;
    for (const QString &arg : in.positional) {
        const Target t = targetIn(all->entries, cacheDir, arg);
        const auto found = std::find_if(all->entries.cbegin(), all->entries.cend(),
            [&t](const CacheEntry &e) { return !t.key.isEmpty() && e.key == t.key; });
        if (t.code != Ok || found == all->entries.cend()) {
            failure(t.code != Ok ? t.message : tr("No cache entry for %1 in %2.").arg(arg, cacheDir));
            failed = true;
        } else if (found->state == EntryState::Downloading) {
            failure(tr("%1 is being downloaded (%2); it can be removed once that download ends.")
                        .arg(labelOf(*found), found->stateDetail));
            failed = true;
        } else {
            chosen << *found;
        }
    }
    const bool dryRun = in.has("--dry-run");
    for (const CacheEntry &e : std::as_const(chosen)) {
        out() << (dryRun ? tr("Would remove %1: %2") : tr("%1: %2")).arg(labelOf(e), util::humanSize(e.bytes))
              << '\n';
        for (const Artifact &a : e.artifacts)
            out() << "  " << e.folderPath(cacheDir).chopped(e.key.size()) << a.name << '\n';
    }
    out().flush();
    if (dryRun || chosen.isEmpty())
        return failed || chosen.isEmpty() ? Failure : Ok;
    if (!in.has("--yes")) {
        failure(tr("Refusing to remove from %1 without --yes.").arg(cacheDir));
        return Usage;
    }
    for (const CacheEntry &e : std::as_const(chosen)) {
        const gcs::EntryObjects item = all->items.value(e.key);
        const QStringList errors = deleteObjects(*o, item, gcs::entryObjectNames(item));
        for (const QString &error : errors)
            failure(error);
        if (errors.isEmpty())
            out() << tr("Deleted %1, freed %2.").arg(labelOf(e), util::humanSize(e.bytes)) << '\n';
        failed = failed || !errors.isEmpty();
    }
    out().flush();
    return failed ? Failure : Ok;
}

QJsonObject planJson(const CleanupPlan &plan)
{
    return QJsonDocument::fromJson(maintenance::planToJson(plan)).object();
}

// Removes one planned item after listing its entry again: a download that started since is kept.
QString cleanItem(Opened &o, const CleanupItem &item, const CleanupRules &rules)
{
    const std::optional<Scan> now = scan(o, item.key);
    if (!now || now->entries.isEmpty())
        return QString(); // gone already
    const CleanupPlan again = maintenance::planCleanup(o.root.url(), now->entries, PinSet(), rules);
    if (again.items.isEmpty())
        return tr("%1 was not removed: it changed since the plan.").arg(item.key);
    const gcs::EntryObjects objects = now->items.value(item.key);
    return deleteObjects(o, objects, gcs::objectsOfArtifacts(o.root, objects, again.items.first().names))
        .join(QLatin1Char('\n'));
}

int clean(const Invocation &in, const QString &cacheDir)
{
    for (const char *option :
        { "--broken", "--verify", "--duplicates", "--unused-days", "--max-size", "--policy", "--trash" }) {
        if (in.has(option))
            return failure(tr("%1 is not supported on a gs:// cache yet (%2; Cloud Storage records no "
                              "access times for --unused-days).")
                               .arg(QString::fromLatin1(option), supportedText()));
    }
    if (!in.has("--stale"))
        return verbUsageError(in.verb, tr("Name what to clean: on a gs:// cache only --stale so far."));
    std::optional<Opened> o = open(cacheDir);
    if (!o)
        return Failure;
    const std::optional<Scan> all = scan(*o);
    if (!all)
        return Failure;
    CleanupRules rules;
    rules.stale = true;
    rules.force = in.has("--force");
    const CleanupPlan plan = maintenance::planCleanup(o->root.url(), all->entries, PinSet(), rules);
    for (const CleanupRefusal &r : plan.refusals)
        failure(r.reason);
    const bool json = in.has("--json");
    if (!json) {
        for (const CleanupItem &i : plan.items)
            out() << tr("%1  %2  %3").arg(i.key.left(12), util::humanSize(i.bytes), i.reason) << '\n';
        out() << (plan.items.isEmpty() ? tr("Nothing to clean.")
                                       : tr("Total: %1 to free.").arg(util::humanSize(plan.totalBytes())))
              << '\n';
        out().flush();
    }
    QJsonObject doc = planJson(plan);
    doc.insert(QStringLiteral("cacheDir"), cacheDir);
    doc.insert(QStringLiteral("report"), QJsonValue()); // null until something was removed, as locally
    if (in.has("--dry-run") || plan.items.isEmpty()) {
        if (json)
            printJson(doc);
        return plan.refused() ? Failure : Ok;
    }
    if (!in.has("--yes")) {
        failure(tr("Refusing to clean %1 without --yes (or --dry-run to only see the plan).").arg(cacheDir));
        return Usage;
    }
    QStringList errors;
    qint64 freed = 0;
    for (const CleanupItem &item : plan.items) {
        const QString error = cleanItem(*o, item, rules);
        if (error.isEmpty())
            freed += item.bytes;
        else
            errors << error;
    }
    for (const QString &e : std::as_const(errors))
        failure(e);
    if (json) {
        doc.insert(QStringLiteral("report"),
            QJsonObject { { QStringLiteral("freedBytes"), freed },
                { QStringLiteral("errors"), QJsonArray::fromStringList(errors) } });
        printJson(doc);
    } else {
        out() << tr("Freed %1.").arg(util::humanSize(freed)) << '\n';
        out().flush();
    }
    return errors.isEmpty() ? Ok : Failure;
}

} // namespace

bool isGcsCacheDir(const QString &cacheDir)
{
    return gcs::isGcsUrl(cacheDir);
}

std::optional<int> runOnGcs(const Invocation &in, const QString &cacheDir)
{
    if (in.verb == QLatin1String("rm"))
        return removeEntries(in, cacheDir);
    if (in.verb == QLatin1String("clean"))
        return clean(in, cacheDir);
    if (in.verb == QLatin1String("list") || in.verb == QLatin1String("du") || in.verb == QLatin1String("info")
        || in.verb == QLatin1String("prefetch")) {
        if (const Result<gcs::GcsUrl> root = gcs::parseGcsUrl(cacheDir); !root)
            return failure(root.error());
        return std::nullopt;
    }
    return failure(tr("The cache folder %1 is in Google Cloud Storage: '%2' is not supported there yet (%3); "
                      "nothing was read or written.")
                       .arg(cacheDir, in.verb, supportedText()));
}

std::optional<QList<CacheEntry>> gcsScan(const QString &cacheDir)
{
    std::optional<Opened> o = open(cacheDir);
    if (!o)
        return std::nullopt;
    std::optional<Scan> s = scan(*o);
    if (!s)
        return std::nullopt;
    return s->entries;
}

std::optional<GcsInfo> gcsInfo(const QString &cacheDir, const QString &arg)
{
    std::optional<Opened> o = open(cacheDir);
    if (!o)
        return std::nullopt;
    const std::optional<Scan> s = scan(*o);
    if (!s)
        return std::nullopt;
    GcsInfo info;
    info.target = targetIn(s->entries, cacheDir, arg);
    info.entry.key = info.target.key;
    for (const CacheEntry &e : s->entries) {
        if (!info.target.key.isEmpty() && e.key == info.target.key)
            info.entry = e;
    }
    if (info.entry.hasFolder)
        info.required = cache::requiredFiles(gcs::folderListing(o->root, s->items.value(info.entry.key)));
    return info;
}

} // namespace tfhub::cli
