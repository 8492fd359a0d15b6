#include "app/cli/clicatalog.h"

#include "app/cli/clicommon.h"

#include "app/cli/cli.h"
#include "app/cli/clioutput.h"
#include "app/cli/verbs.h"
#include "core/cache/cachescanner.h"
#include "core/cache/modelformat.h"
#include "core/catalog/catalogimporter.h"
#include "core/catalog/catalogindex.h"
#include "core/catalog/catalogsources.h"
#include "core/hub/hubsettings.h"
#include "core/settings/appsettings.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcessEnvironment>
#include <QSaveFile>
#include <QSettings>
#include <QTextStream>

namespace tfhub::cli {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cli", text);
}

// The GUI's settings file, so that a catalog imported here shows up on its Browse page.
std::unique_ptr<QSettings> sharedSettings()
{
    return settings::openShared();
}

// The complete entries of the cache; an absent cache folder is an empty cache, not an error.
QSet<QString> cachedKeys(const QString &cacheDir)
{
    const HubSettings s = HubSettings::resolve(QProcessEnvironment::systemEnvironment(), cacheDir);
    QSet<QString> keys;
    if (!QFileInfo(s.cacheDir).isDir())
        return keys;
    QString error;
    const QList<CacheEntry> entries = cache::scanAll(s.cacheDir, ScanOptions(), &error);
    if (!error.isEmpty())
        err() << "tfhub-cache: " << tr("warning: ") << error << '\n';
    for (const CacheEntry &e : entries) {
        if (e.state == EntryState::Complete)
            keys.insert(e.key);
    }
    return keys;
}

struct SearchArgs final
{
    QStringList words;
    CatalogQuery query;
    bool json = false;
    int limit = 50;
};

// --format takes the machine names `list` and `info --json` print (catalog words such as
// saved_model_2 too): a module format becomes the catalog's format tag, TFLite and TF.js their kind.
int mapFormat(const Invocation &in, CatalogQuery *query)
{
    if (!in.has("--format"))
        return Ok;
    ModelFormat f {};
    if (!cache::formatFromName(in.value("--format"), &f))
        return verbUsageError(in.verb,
            tr("Unknown format '%1': use one of %2.")
                .arg(in.value("--format"), cache::formatNames().join(QStringLiteral(", "))));
    const cache::CatalogFormat cf = cache::catalogFormat(f);
    const QString kind = query->filters.value(Facet::Kind, cf.kind);
    if (kind.compare(cf.kind, Qt::CaseInsensitive) != 0)
        return verbUsageError(in.verb,
            tr("--format %1 and --kind %2 exclude each other: %1 models are of kind %3.")
                .arg(in.value("--format"), kind, cf.kind));
    query->filters.insert(Facet::Kind, cf.kind);
    if (!cf.format.isEmpty())
        query->filters.insert(Facet::Format, cf.format);
    return Ok;
}

ModelFormat formatOf(const CatalogEntry &e)
{
    return cache::formatOfCatalogEntry(e.format, catalog::kindName(e.kind));
}

int parseSearch(const Invocation &in, SearchArgs *a)
{
    a->query.latestOnly = !in.has("--all-versions");
    a->json = in.has("--json");
    if (in.has("--limit"))
        a->limit = in.value("--limit").toInt();
    const QList<std::pair<const char *, Facet>> facets {
        { "--task", Facet::Task },
        { "--publisher", Facet::Publisher },
        { "--kind", Facet::Kind },
        { "--language", Facet::Language },
        { "--fine-tunable", Facet::FineTunable },
    };
    for (const auto &[name, facet] : facets) {
        if (!in.has(name))
            continue;
        const QString v = in.value(name);
        if (v.isEmpty())
            return verbUsageError(in.verb, tr("%1 needs a value.").arg(QLatin1String(name)));
        CatalogKind k {};
        if (facet == Facet::Kind && !catalog::kindFromName(v, &k))
            return verbUsageError(in.verb,
                tr("Unknown kind '%1': use module, lite, tfjs, coral, placeholder, collection or publisher.")
                    .arg(v));
        if (facet == Facet::FineTunable && v != QLatin1String("true") && v != QLatin1String("false"))
            return verbUsageError(in.verb, tr("--fine-tunable takes true or false, not '%1'.").arg(v));
        a->query.filters.insert(facet, v);
    }
    if (const int rc = mapFormat(in, &a->query); rc != Ok)
        return rc;
    a->words = in.positional;
    a->query.text = a->words.join(QLatin1Char(' '));
    return Ok;
}

QString stateText(const Catalog &c, qsizetype i, CacheState state)
{
    switch (state) {
    case CacheState::Cached:
        return tr("cached");
    case CacheState::OtherVersionCached:
        return tr("other version cached");
    case CacheState::NotCached:
        return QStringLiteral("-");
    case CacheState::NotLoadable: {
        const CatalogEntry &e = c.at(i);
        if (!e.parentModel.isEmpty())
            return tr("not loadable (%1 of %2)").arg(catalog::kindName(e.kind), e.parentModel);
        return tr("not loadable (%1)").arg(catalog::kindName(e.kind));
    }
    }
    return QString();
}

// The filters as given: --format tflite is a kind filter inside, but reads as given.
void printSearchJson(const Invocation &in, const SearchArgs &a, qsizetype total, const QJsonArray &results)
{
    QJsonObject filters;
    for (const char *name : { "--task", "--publisher", "--format", "--kind", "--language" }) {
        if (in.has(name))
            filters.insert(QString::fromLatin1(name + 2), in.value(name));
    }
    if (in.has("--fine-tunable"))
        filters.insert(QStringLiteral("fineTunable"), in.value("--fine-tunable") == QLatin1String("true"));
    QJsonObject o = jsonEnvelope(HubSettings::resolve(QProcessEnvironment::systemEnvironment(), in.cacheDir));
    o.insert(QStringLiteral("words"), QJsonArray::fromStringList(a.words));
    o.insert(QStringLiteral("filters"), filters);
    o.insert(QStringLiteral("latestOnly"), a.query.latestOnly);
    o.insert(QStringLiteral("total"), total);
    o.insert(QStringLiteral("results"), results);
    printJson(o);
}

int cmdSearch(const Invocation &in)
{
    SearchArgs a;
    if (const int rc = parseSearch(in, &a); rc != Ok)
        return rc;
    const QString &cacheDir = in.cacheDir;
    catalog::LoadResult loaded = catalog::loadAll(catalog::extraSources(*sharedSettings()));
    for (const QString &m : std::as_const(loaded.messages))
        err() << "tfhub-cache: " << tr("warning: ") << m << '\n';
    err().flush();
    const Catalog &c = loaded.catalog;
    const QList<qsizetype> hits = c.search(a.query);
    const QSet<QString> keys = cachedKeys(cacheDir);
    const qsizetype shown = a.limit == 0 ? hits.size() : std::min<qsizetype>(hits.size(), a.limit);
    if (a.json) {
        QJsonArray results;
        for (qsizetype k = 0; k < shown; ++k)
            results.append(catalogEntryToJson(c, hits.at(k), keys));
        printSearchJson(in, a, hits.size(), results);
        return Ok;
    }
    if (hits.isEmpty()) {
        const QString asked = in.raw.join(QLatin1Char(' '));
        out() << (asked.isEmpty()
                ? tr("The catalog is empty.")
                : tr("No catalog entries match %1 (%2 in the catalog).").arg(asked).arg(c.size()))
              << '\n';
        out().flush();
        return Ok;
    }
    Table t({ tr("HANDLE"), tr("TASK"), tr("FORMAT"), tr("VERSION"), tr("CACHE") });
    t.setRightAligned({ 3 });
    for (qsizetype k = 0; k < shown; ++k) {
        const qsizetype i = hits.at(k);
        const CatalogEntry &e = c.at(i);
        t.addRow({ e.handle, e.tasks.isEmpty() ? QStringLiteral("-") : e.tasks.join(QLatin1Char(',')),
            formatOf(e) == ModelFormat::Unknown ? QStringLiteral("-") : formatLabel(formatOf(e)),
            e.version > 0 ? QString::number(e.version) : QStringLiteral("-"),
            stateText(c, i, c.cacheState(i, keys)) });
    }
    t.print(out());
    out().flush();
    if (shown < hits.size())
        err() << tr("%1 of %2 shown; --limit 0 lists all.").arg(shown).arg(hits.size()) << '\n';
    err().flush();
    return Ok;
}

void printReport(const ImportReport &r, const QString &what, bool json, const QString &cacheDir = QString(),
    const QString &output = QString())
{
    const QStringList warnings = catalog::describeWarnings(r);
    if (json) {
        QJsonObject kinds;
        for (const CatalogKind k : catalog::allKinds())
            kinds.insert(catalog::kindName(k), r.countOf(k));
        QJsonObject o { { QStringLiteral("source"), what }, { QStringLiteral("entries"), r.entries.size() },
            { QStringLiteral("byKind"), kinds }, { QStringLiteral("read"), r.filesRead },
            { QStringLiteral("skipped"), r.filesSkipped },
            { QStringLiteral("metadataSkipped"), r.metadataSkipped },
            { QStringLiteral("warnings"), QJsonArray::fromStringList(warnings) } };
        if (!output.isEmpty())
            o.insert(QStringLiteral("output"), output);
        // The catalog does not use the cache, but every verb's JSON starts the same way.
        printJson(jsonEnvelope(HubSettings::resolve(QProcessEnvironment::systemEnvironment(), cacheDir), o));
        return;
    }
    for (const QString &w : warnings)
        err() << "tfhub-cache: " << tr("warning: ") << w << '\n';
    err().flush();
    out() << tr("%1: %2 entries from %3 read (%4 skipped, %5 metadata lines skipped)")
                 .arg(what)
                 .arg(r.entries.size())
                 .arg(r.filesRead)
                 .arg(r.filesSkipped)
                 .arg(r.metadataSkipped)
          << '\n';
    for (const CatalogKind k : catalog::allKinds()) {
        if (const int n = r.countOf(k); n > 0)
            out() << "  " << catalog::kindName(k).leftJustified(12) << n << '\n';
    }
    out().flush();
}

int cmdImport(const QStringList &paths, bool json, const QString &cacheDir)
{
    if (paths.size() != 1)
        return verbUsageError(
            QStringLiteral("catalog"), tr("'catalog import' takes exactly one folder or handle list."));
    const QString path = QFileInfo(paths.first()).absoluteFilePath();
    const Result<ImportReport> r = catalog::importSource(path);
    if (!r)
        return failure(r.error());
    if (r->entries.isEmpty())
        return failure(tr("%1 holds no catalog entries; it was not added.").arg(path));
    printReport(*r, path, json, cacheDir);
    const std::unique_ptr<QSettings> settings = sharedSettings();
    QStringList sources = catalog::extraSources(*settings);
    if (!sources.contains(path)) {
        sources << path;
        catalog::setExtraSources(*settings, sources);
        if (settings->status() != QSettings::NoError)
            return failure(tr("Cannot save the catalog list in %1.").arg(settings->fileName()));
    }
    return Ok;
}

int cmdBuildIndex(const QStringList &args)
{
    if (args.size() != 2)
        return verbUsageError(
            QStringLiteral("catalog"), tr("'catalog build-index' takes a folder and an output file."));
    const Result<ImportReport> r = catalog::importFolder(args.at(0), QString());
    if (!r)
        return failure(r.error());
    QSaveFile f(args.at(1));
    if (!f.open(QIODevice::WriteOnly))
        return failure(tr("Cannot write %1: %2.").arg(args.at(1), f.errorString()));
    f.write(catalog::writeIndex(r->entries));
    if (!f.commit())
        return failure(tr("Cannot write %1: %2.").arg(args.at(1), f.errorString()));
    printReport(*r, args.at(0), false);
    return Ok;
}

int cmdSources(const QStringList &args)
{
    if (!args.isEmpty())
        return verbUsageError(QStringLiteral("catalog"), tr("'catalog sources' takes no arguments."));
    const QStringList sources = catalog::extraSources(*sharedSettings());
    if (sources.isEmpty())
        out() << tr("No extra catalogs; only the bundled tfhub.dev catalog is used.") << '\n';
    for (const QString &s : sources)
        out() << s << '\n';
    out().flush();
    return Ok;
}

// Counts of the bundled catalog and how long loading it took in this process (index parse plus
// the search structures): the figure bench/catalog_bench.sh reports.
int cmdStats(const QStringList &args)
{
    if (!args.isEmpty())
        return verbUsageError(QStringLiteral("catalog"), tr("'catalog stats' takes no arguments."));
    QElapsedTimer timer;
    timer.start();
    Result<QList<CatalogEntry>> bundled = catalog::loadBundledIndex();
    if (!bundled)
        return failure(bundled.error());
    const Catalog c(std::move(bundled).value());
    const qint64 ns = timer.nsecsElapsed();
    QMap<CatalogKind, int> kinds;
    for (const CatalogEntry &e : c.entries())
        ++kinds[e.kind];
    out() << tr("Bundled catalog: %1 entries, loaded in %2 ms").arg(c.size()).arg(double(ns) / 1e6, 0, 'f', 2)
          << '\n';
    for (auto it = kinds.cbegin(); it != kinds.cend(); ++it)
        out() << "  " << catalog::kindName(it.key()).leftJustified(12) << it.value() << '\n';
    out().flush();
    return Ok;
}

int cmdRemove(const QStringList &args)
{
    if (args.size() != 1)
        return verbUsageError(
            QStringLiteral("catalog"), tr("'catalog remove' takes one folder or handle list."));
    const std::unique_ptr<QSettings> settings = sharedSettings();
    QStringList sources = catalog::extraSources(*settings);
    const QString path = QFileInfo(args.first()).absoluteFilePath();
    if (!sources.removeOne(path) && !sources.removeOne(args.first()))
        return failure(tr("%1 is not one of the extra catalogs.").arg(args.first()));
    catalog::setExtraSources(*settings, sources);
    return Ok;
}

} // namespace

QString cacheStateName(CacheState state)
{
    switch (state) {
    case CacheState::Cached:
        return QStringLiteral("cached");
    case CacheState::OtherVersionCached:
        return QStringLiteral("other-version-cached");
    case CacheState::NotCached:
        return QStringLiteral("not-cached");
    case CacheState::NotLoadable:
        return QStringLiteral("not-loadable");
    }
    return QString();
}

QJsonObject catalogEntryToJson(const Catalog &c, qsizetype i, const QSet<QString> &keys)
{
    const CatalogEntry &e = c.at(i);
    QJsonArray versions;
    for (const qsizetype v : c.versionsOf(i))
        versions.append(c.at(v).version);
    return { { QStringLiteral("handle"), e.handle }, { QStringLiteral("kind"), catalog::kindName(e.kind) },
        { QStringLiteral("path"), stringOrNull(e.path) }, { QStringLiteral("publisher"), e.publisher },
        { QStringLiteral("model"), e.model },
        { QStringLiteral("version"), e.version > 0 ? QJsonValue(e.version) : QJsonValue(QJsonValue::Null) },
        { QStringLiteral("latest"), c.isLatest(i) }, { QStringLiteral("versions"), versions },
        { QStringLiteral("format"),
            formatOf(e) == ModelFormat::Unknown ? QJsonValue(QJsonValue::Null)
                                                : QJsonValue(formatName(formatOf(e))) },
        { QStringLiteral("tasks"), QJsonArray::fromStringList(e.tasks) },
        { QStringLiteral("architectures"), QJsonArray::fromStringList(e.architectures) },
        { QStringLiteral("datasets"), QJsonArray::fromStringList(e.datasets) },
        { QStringLiteral("languages"), QJsonArray::fromStringList(e.languages) },
        { QStringLiteral("license"), stringOrNull(e.license) },
        { QStringLiteral("fineTunable"),
            e.fineTunable == FineTunable::Unknown ? QJsonValue(QJsonValue::Null)
                                                  : QJsonValue(e.fineTunable == FineTunable::Yes) },
        { QStringLiteral("parentModel"), stringOrNull(e.parentModel) },
        { QStringLiteral("collections"), QJsonArray::fromStringList(e.collections) },
        { QStringLiteral("loadable"), e.isLoadable() }, { QStringLiteral("key"), c.cacheKey(i) },
        { QStringLiteral("cache"), cacheStateName(c.cacheState(i, keys)) },
        { QStringLiteral("source"), stringOrNull(e.source) } };
}

int runSearchVerb(const Invocation &in)
{
    return cmdSearch(in);
}

int runCatalogVerb(const Invocation &in)
{
    if (in.positional.isEmpty())
        return verbUsageError(
            in.verb, tr("Say which catalog command: import, sources, remove, stats or build-index."));
    const QString &sub = in.positional.first();
    const QStringList rest = in.positional.mid(1);
    if (sub == QLatin1String("import"))
        return cmdImport(rest, in.has("--json"), in.cacheDir);
    if (in.has("--json"))
        return verbUsageError(in.verb, tr("--json goes with 'catalog import'."));
    if (sub == QLatin1String("build-index"))
        return cmdBuildIndex(rest);
    if (sub == QLatin1String("sources"))
        return cmdSources(rest);
    if (sub == QLatin1String("stats"))
        return cmdStats(rest);
    if (sub == QLatin1String("remove"))
        return cmdRemove(rest);
    return verbUsageError(in.verb, tr("Unknown catalog command '%1'.").arg(sub));
}

} // namespace tfhub::cli
