#include "app/cli/clicatalog.h"

#include "app/cli/clicommon.h"

#include "app/cli/cli.h"
#include "app/cli/cliextensions.h"
#include "app/cli/clioutput.h"
#include "core/cache/cachescanner.h"
#include "core/catalog/catalogimporter.h"
#include "core/catalog/catalogindex.h"
#include "core/catalog/catalogsources.h"
#include "core/hub/hubsettings.h"

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

QSettings sharedSettings()
{
    // The GUI's settings file, so that a catalog imported here shows up on its Browse page.
    return QSettings(catalog::sharedSettingsOrganization(), catalog::sharedSettingsOrganization());
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

const char *const kSearchUsage = QT_TRANSLATE_NOOP("tfhub::cli",
    "Usage: tfhub-cache search WORDS... [--task T] [--publisher P] [--format F] [--kind K]\n"
    "                          [--language L] [--fine-tunable true|false] [--all-versions]\n"
    "                          [--limit N] [--json]\n"
    "Searches the bundled tfhub.dev catalog and your extra catalogs (see 'catalog import').\n"
    "Every word must match the handle, publisher, task, architecture or dataset. Only the\n"
    "latest version of each model is listed unless --all-versions is given. --limit 0 lists all.\n");

int parseSearch(const QStringList &args, SearchArgs *a)
{
    a->query.latestOnly = true;
    const QMap<QString, Facet> facets {
        { QStringLiteral("--task"), Facet::Task },
        { QStringLiteral("--publisher"), Facet::Publisher },
        { QStringLiteral("--format"), Facet::Format },
        { QStringLiteral("--kind"), Facet::Kind },
        { QStringLiteral("--language"), Facet::Language },
        { QStringLiteral("--fine-tunable"), Facet::FineTunable },
    };
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString arg = args.at(i);
        const QString name = arg.startsWith(QLatin1String("--")) ? arg.section(QLatin1Char('='), 0, 0) : arg;
        const auto value = [&](QString *v) {
            if (arg.contains(QLatin1Char('=')) && arg.startsWith(QLatin1String("--"))) {
                *v = arg.section(QLatin1Char('='), 1);
                return true;
            }
            if (i + 1 >= args.size())
                return false;
            *v = args.at(++i);
            return true;
        };
        if (name == QLatin1String("-h") || name == QLatin1String("--help")) {
            out() << tr(kSearchUsage);
            out().flush();
            return -1;
        } else if (name == QLatin1String("--json")) {
            a->json = true;
        } else if (name == QLatin1String("--all-versions")) {
            a->query.latestOnly = false;
        } else if (name == QLatin1String("--limit")) {
            QString v;
            bool ok = false;
            if (!value(&v) || (a->limit = v.toInt(&ok), !ok) || a->limit < 0)
                return usageError(tr("--limit needs a number (0 for no limit)."));
        } else if (facets.contains(name)) {
            QString v;
            if (!value(&v) || v.isEmpty())
                return usageError(tr("%1 needs a value.").arg(name));
            if (name == QLatin1String("--kind")) {
                CatalogKind k {};
                if (!catalog::kindFromName(v, &k))
                    return usageError(tr("Unknown kind '%1': use module, lite, tfjs, coral, placeholder, "
                                         "collection or publisher.")
                                          .arg(v));
            }
            if (name == QLatin1String("--fine-tunable") && v != QLatin1String("true")
                && v != QLatin1String("false"))
                return usageError(tr("--fine-tunable takes true or false, not '%1'.").arg(v));
            a->query.filters.insert(facets.value(name), v);
        } else if (arg.startsWith(QLatin1Char('-')) && arg.size() > 1) {
            return usageError(tr("'search' does not take %1.").arg(arg));
        } else {
            a->words << arg;
        }
    }
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

int cmdSearch(const QString &cacheDir, const QStringList &args)
{
    SearchArgs a;
    if (const int rc = parseSearch(args, &a); rc != Ok)
        return rc < 0 ? Ok : rc;
    catalog::LoadResult loaded = catalog::loadAll(catalog::extraSources(sharedSettings()));
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
        QJsonObject filters;
        for (auto it = a.query.filters.cbegin(); it != a.query.filters.cend(); ++it)
            filters.insert(Catalog::facetName(it.key()), it.value());
        printJson({ { QStringLiteral("schema"), 1 },
            { QStringLiteral("words"), QJsonArray::fromStringList(a.words) },
            { QStringLiteral("filters"), filters }, { QStringLiteral("latestOnly"), a.query.latestOnly },
            { QStringLiteral("total"), hits.size() }, { QStringLiteral("results"), results } });
        return Ok;
    }
    if (hits.isEmpty()) {
        out() << tr("No catalog entries match.") << '\n';
        out().flush();
        return Ok;
    }
    Table t({ tr("HANDLE"), tr("TASK"), tr("FORMAT"), tr("VERSION"), tr("CACHE") });
    t.setRightAligned({ 3 });
    for (qsizetype k = 0; k < shown; ++k) {
        const qsizetype i = hits.at(k);
        const CatalogEntry &e = c.at(i);
        t.addRow({ e.handle, e.tasks.isEmpty() ? QStringLiteral("-") : e.tasks.join(QLatin1Char(',')),
            e.format.isEmpty() ? QStringLiteral("-") : e.format,
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

void printReport(const ImportReport &r, const QString &what, bool json, const QString &output = QString())
{
    const QStringList warnings = catalog::describeWarnings(r);
    if (json) {
        QJsonObject kinds;
        for (const CatalogKind k : catalog::allKinds())
            kinds.insert(catalog::kindName(k), r.countOf(k));
        QJsonObject o { { QStringLiteral("schema"), 1 }, { QStringLiteral("source"), what },
            { QStringLiteral("entries"), r.entries.size() }, { QStringLiteral("byKind"), kinds },
            { QStringLiteral("read"), r.filesRead }, { QStringLiteral("skipped"), r.filesSkipped },
            { QStringLiteral("metadataSkipped"), r.metadataSkipped },
            { QStringLiteral("warnings"), QJsonArray::fromStringList(warnings) } };
        if (!output.isEmpty())
            o.insert(QStringLiteral("output"), output);
        printJson(o);
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

int cmdImport(const QStringList &args)
{
    bool json = false;
    QStringList paths;
    for (const QString &a : args) {
        if (a == QLatin1String("--json"))
            json = true;
        else if (a.startsWith(QLatin1Char('-')) && a.size() > 1)
            return usageError(tr("'catalog import' does not take %1.").arg(a));
        else
            paths << a;
    }
    if (paths.size() != 1)
        return usageError(tr("'catalog import' takes exactly one folder or handle list."));
    const QString path = QFileInfo(paths.first()).absoluteFilePath();
    const Result<ImportReport> r = catalog::importSource(path);
    if (!r)
        return failure(r.error());
    if (r->entries.isEmpty())
        return failure(tr("%1 holds no catalog entries; it was not added.").arg(path));
    printReport(*r, path, json);
    QSettings settings = sharedSettings();
    QStringList sources = catalog::extraSources(settings);
    if (!sources.contains(path)) {
        sources << path;
        catalog::setExtraSources(settings, sources);
        if (settings.status() != QSettings::NoError)
            return failure(tr("Cannot save the catalog list in %1.").arg(settings.fileName()));
    }
    return Ok;
}

int cmdBuildIndex(const QStringList &args)
{
    if (args.size() != 2)
        return usageError(tr("'catalog build-index' takes a folder and an output file."));
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
        return usageError(tr("'catalog sources' takes no arguments."));
    const QStringList sources = catalog::extraSources(sharedSettings());
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
        return usageError(tr("'catalog stats' takes no arguments."));
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
        return usageError(tr("'catalog remove' takes one folder or handle list."));
    QSettings settings = sharedSettings();
    QStringList sources = catalog::extraSources(settings);
    const QString path = QFileInfo(args.first()).absoluteFilePath();
    if (!sources.removeOne(path) && !sources.removeOne(args.first()))
        return failure(tr("%1 is not one of the extra catalogs.").arg(args.first()));
    catalog::setExtraSources(settings, sources);
    return Ok;
}

const char *const kCatalogUsage = QT_TRANSLATE_NOOP("tfhub::cli",
    "Usage: tfhub-cache catalog COMMAND\n"
    "  import PATH [--json]      add a folder in the tfhub.dev documentation format, or a file\n"
    "                            with one handle a line, as an extra catalog; prints its counts\n"
    "  sources                   the extra catalogs\n"
    "  remove PATH               forget an extra catalog\n"
    "  stats                     counts of the bundled catalog and its load time\n"
    "  build-index DIR OUT       write the compact index of DIR (how the bundled one is made)\n");

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
        { QStringLiteral("path"), e.path }, { QStringLiteral("publisher"), e.publisher },
        { QStringLiteral("model"), e.model }, { QStringLiteral("version"), e.version },
        { QStringLiteral("latest"), c.isLatest(i) }, { QStringLiteral("versions"), versions },
        { QStringLiteral("format"), e.format },
        { QStringLiteral("tasks"), QJsonArray::fromStringList(e.tasks) },
        { QStringLiteral("architectures"), QJsonArray::fromStringList(e.architectures) },
        { QStringLiteral("datasets"), QJsonArray::fromStringList(e.datasets) },
        { QStringLiteral("languages"), QJsonArray::fromStringList(e.languages) },
        { QStringLiteral("license"), e.license },
        { QStringLiteral("fineTunable"), catalog::fineTunableName(e.fineTunable) },
        { QStringLiteral("parentModel"), e.parentModel },
        { QStringLiteral("collections"), QJsonArray::fromStringList(e.collections) },
        { QStringLiteral("loadable"), e.isLoadable() }, { QStringLiteral("key"), c.cacheKey(i) },
        { QStringLiteral("cache"), cacheStateName(c.cacheState(i, keys)) },
        { QStringLiteral("source"), e.source } };
}

int runSearchVerb(const QString &cacheDir, const QStringList &args)
{
    return cmdSearch(cacheDir, args);
}

int runCatalogVerb(const QString &cacheDir, const QStringList &args)
{
    Q_UNUSED(cacheDir);
    if (args.isEmpty() || args.first() == QLatin1String("--help") || args.first() == QLatin1String("-h")) {
        (args.isEmpty() ? err() : out()) << tr(kCatalogUsage);
        (args.isEmpty() ? err() : out()).flush();
        return args.isEmpty() ? Usage : Ok;
    }
    const QString &sub = args.first();
    const QStringList rest = args.mid(1);
    if (sub == QLatin1String("import"))
        return cmdImport(rest);
    if (sub == QLatin1String("build-index"))
        return cmdBuildIndex(rest);
    if (sub == QLatin1String("sources"))
        return cmdSources(rest);
    if (sub == QLatin1String("stats"))
        return cmdStats(rest);
    if (sub == QLatin1String("remove"))
        return cmdRemove(rest);
    return usageError(tr("Unknown catalog command '%1'.").arg(sub));
}

} // namespace tfhub::cli
