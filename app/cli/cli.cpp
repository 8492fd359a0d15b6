#include "app/cli/cli.h"

#include "app/cli/clicommon.h"
#include "app/cli/cliextensions.h"
#include "app/cli/clioutput.h"
#include "app/cli/cliprefetch.h"
#include "core/cache/cachescanner.h"
#include "core/cache/modelformat.h"
#include "core/cache/resolve.h"
#include "core/hub/handle.h"
#include "core/hub/hubsettings.h"
#include "core/prefetch/prefetchjob.h"
#include "core/util/fsutil.h"
#include "core/util/humanize.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMap>
#include <QTextStream>
#include <QTimer>

#include <algorithm>

namespace tfhub::cli {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cli", text);
}

const char *const kUsage = QT_TRANSLATE_NOOP("tfhub::cli",
    "Usage: tfhub-cache [--cache-dir DIR] COMMAND [ARGS]\n"
    "\n"
    "Manage the model cache of the tensorflow_hub Python library.\n"
    "\n"
    "Commands:\n"
    "  key HANDLE             the cache folder name (SHA-1) of a handle\n"
    "  resolve HANDLE         the path hub.resolve() returns for a handle, and whether it is cached\n"
    "  list                   the entries of the cache\n"
    "      --json             machine-readable output (see README, \"JSON output\")\n"
    "      --sort KEY         size, name, date (downloaded) or accessed\n"
    "      --state STATE      complete, empty, downloading, stale-lock, partial,\n"
    "                         orphan-descriptor, not-loadable or foreign\n"
    "  du [--json]            totals by state and by model format\n"
    "  info HANDLE|KEY [--json]  everything known about one entry\n"
    "  config [--json]        effective settings and where each value comes from\n"
    "  prefetch HANDLE... [--jobs N] [--json]\n"
    "                         download models into the cache as tensorflow_hub would\n"
    "                         (N at once, default 3); Ctrl-C cancels cleanly\n"
    "  verify HANDLE|KEY...|--all [--json]\n"
    "                         check prefetched models against their manifests\n"
    "  rm HANDLE|KEY... [--trash] [--dry-run] [--yes]\n"
    "                         delete entries (or move them to the trash); never touches\n"
    "                         anything not named after their keys\n"
    "  config set cache-dir DIR [--move] [--targets bash,zsh,fish,profile,session]\n"
    "  config set load-format COMPRESSED|UNCOMPRESSED|AUTO\n"
    "  config unset cache-dir|load-format   config show [--json]\n"
    "                         persist the settings in shell and session files\n"
    "  search WORDS... [--task T] [--publisher P] [--format F] [--json]\n"
    "                         search the tfhub.dev catalog (offline)\n"
    "  catalog import|sources|remove|stats|build-index\n"
    "                         manage extra catalogs\n"
    "\n"
    "Options:\n"
    "  --cache-dir DIR        use DIR as the cache (alias --tfhub_cache_dir); overrides\n"
    "                         TFHUB_CACHE_DIR and the default\n"
    "  -h, --help             show this help\n"
    "  -v, --version          show the version\n"
    "\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n");

struct Args final
{
    QString verb;
    QStringList positional;
    QString cacheDir;
    bool json = false;
    QString sort;
    QString state;
    int jobs = 3;
    bool all = false;
    QStringList given; ///< verb options that were given, to check they fit the verb
};

QString shortKey(const QString &key)
{
    return isCacheKey(key) ? key.left(12) : key;
}

QString displayHandle(const CacheEntry &e)
{
    if (e.state == EntryState::Foreign)
        return tr("(not a cache item)");
    return e.handle.isEmpty() ? tr("unknown") : e.handle;
}

HubSettings settingsFor(const Args &a)
{
    return HubSettings::resolve(QProcessEnvironment::systemEnvironment(), a.cacheDir);
}

QList<CacheEntry> scanOrFail(const HubSettings &s, bool *ok)
{
    QString error;
    QList<CacheEntry> entries = cache::scanAll(s.cacheDir, ScanOptions(), &error);
    *ok = error.isEmpty();
    if (!*ok)
        failure(error);
    for (const CacheEntry &e : std::as_const(entries)) {
        for (const QString &p : e.problems)
            err() << "tfhub-cache: " << tr("warning: ") << p << '\n';
    }
    err().flush();
    return entries;
}

int cmdKey(const Args &a)
{
    if (a.positional.size() != 1)
        return usageError(tr("'key' takes exactly one HANDLE."));
    const Result<Handle> h = Handle::parse(a.positional.first());
    if (!h)
        return failure(h.error());
    out() << h->cacheKey() << '\n';
    out().flush();
    if (h->kind() == Handle::Kind::LocalPath || h->kind() == Handle::Kind::GcsPath)
        err() << tr("note: tensorflow_hub uses this handle in place and never caches it.") << '\n';
    return Ok;
}

QString resolutionName(Resolution::Kind k)
{
    switch (k) {
    case Resolution::Kind::Cached:
        return QStringLiteral("cached");
    case Resolution::Kind::NotCached:
        return QStringLiteral("not-cached");
    case Resolution::Kind::Remote:
        return QStringLiteral("remote");
    case Resolution::Kind::LocalPath:
        return QStringLiteral("local-path");
    case Resolution::Kind::Failure:
        return QStringLiteral("failure");
    }
    return QString();
}

int cmdResolve(const Args &a)
{
    if (a.positional.size() != 1)
        return usageError(tr("'resolve' takes exactly one HANDLE."));
    const Result<Handle> h = Handle::parse(a.positional.first());
    if (!h)
        return failure(h.error());
    const HubSettings s = settingsFor(a);
    Resolution r = resolveHandle(*h, s);
    if (r.kind == Resolution::Kind::Remote && h->isHttp()) {
        // Under UNCOMPRESSED the server names the remote location: ask it, as the library would.
        const Result<QString> location
            = UncompressedQuery::ask(*h, PrefetchOptions::fromEnvironment(s).transport());
        if (location) {
            r.path = *location;
            r.message
                = tr("With TFHUB_MODEL_LOAD_FORMAT=UNCOMPRESSED tensorflow_hub reads this model from %1; "
                     "nothing is cached.")
                      .arg(r.path);
        } else {
            r.kind = Resolution::Kind::Failure;
            r.message = location.error();
        }
    }
    if (a.json) {
        printJson({ { QStringLiteral("handle"), h->text() },
            { QStringLiteral("kind"), Handle::kindName(h->kind()) }, { QStringLiteral("key"), r.key },
            { QStringLiteral("status"), resolutionName(r.kind) }, { QStringLiteral("path"), r.path },
            { QStringLiteral("loadFormat"), loadFormatName(s.loadFormat) },
            { QStringLiteral("message"), r.message } });
    } else {
        if (!r.path.isEmpty())
            out() << r.path << '\n';
        out().flush();
        err() << r.message << '\n';
        err().flush();
    }
    return r.kind == Resolution::Kind::Failure ? Failure : Ok;
}

int cmdList(const Args &a)
{
    if (!a.positional.isEmpty())
        return usageError(tr("'list' takes no arguments."));
    static const QStringList sorts { QStringLiteral("size"), QStringLiteral("name"), QStringLiteral("date"),
        QStringLiteral("accessed") };
    if (!a.sort.isEmpty() && !sorts.contains(a.sort))
        return usageError(tr("Unknown sort key '%1': use size, name, date or accessed.").arg(a.sort));
    EntryState wanted = EntryState::Complete;
    if (!a.state.isEmpty() && !stateFromName(a.state, &wanted)) {
        QStringList names;
        for (const EntryState st : allStates())
            names << stateName(st);
        return usageError(
            tr("Unknown state '%1': use one of %2.").arg(a.state, names.join(QStringLiteral(", "))));
    }
    const HubSettings s = settingsFor(a);
    bool ok = false;
    QList<CacheEntry> entries = scanOrFail(s, &ok);
    if (!ok)
        return Failure;
    if (!a.state.isEmpty())
        entries.removeIf([wanted](const CacheEntry &e) { return e.state != wanted; });

    const auto name
        = [](const CacheEntry &e) { return e.handle.isEmpty() ? QStringLiteral("\xff") + e.key : e.handle; };
    if (a.sort == QLatin1String("size"))
        std::stable_sort(entries.begin(), entries.end(),
            [](const CacheEntry &l, const CacheEntry &r) { return l.diskBytes > r.diskBytes; });
    else if (a.sort == QLatin1String("date"))
        std::stable_sort(entries.begin(), entries.end(),
            [](const CacheEntry &l, const CacheEntry &r) { return l.downloaded > r.downloaded; });
    else if (a.sort == QLatin1String("accessed"))
        std::stable_sort(entries.begin(), entries.end(),
            [](const CacheEntry &l, const CacheEntry &r) { return l.lastAccessed > r.lastAccessed; });
    else
        std::stable_sort(entries.begin(), entries.end(),
            [&name](const CacheEntry &l, const CacheEntry &r) { return name(l) < name(r); });

    if (a.json) {
        QJsonArray arr;
        for (const CacheEntry &e : std::as_const(entries))
            arr.append(entryToJson(e, s.cacheDir));
        printJson({ { QStringLiteral("schema"), 1 }, { QStringLiteral("cacheDir"), s.cacheDir },
            { QStringLiteral("cacheDirSource"), sourceName(s.cacheDirSource) },
            { QStringLiteral("entries"), arr } });
        return Ok;
    }
    if (entries.isEmpty()) {
        out() << tr("No entries in %1.").arg(s.cacheDir) << '\n';
        out().flush();
        return Ok;
    }
    Table t(
        { tr("KEY"), tr("STATE"), tr("FORMAT"), tr("SIZE"), tr("FILES"), tr("DOWNLOADED"), tr("HANDLE") });
    t.setRightAligned({ 3, 4 });
    for (const CacheEntry &e : std::as_const(entries)) {
        t.addRow({ shortKey(e.key), stateName(e.state),
            e.state == EntryState::Foreign ? QStringLiteral("-") : formatName(e.format),
            util::humanSize(e.diskBytes), QString::number(e.files),
            e.downloaded.isValid() ? e.downloaded.toString(QStringLiteral("yyyy-MM-dd HH:mm"))
                                   : QStringLiteral("-"),
            displayHandle(e) });
    }
    t.print(out());
    out().flush();
    return Ok;
}

int cmdDu(const Args &a)
{
    if (!a.positional.isEmpty())
        return usageError(tr("'du' takes no arguments."));
    const HubSettings s = settingsFor(a);
    bool ok = false;
    const QList<CacheEntry> entries = scanOrFail(s, &ok);
    if (!ok)
        return Failure;
    struct Sum
    {
        qint64 count = 0;
        qint64 disk = 0;
        qint64 bytes = 0;
    };
    QMap<EntryState, Sum> byState;
    QMap<ModelFormat, Sum> byFormat;
    Sum total;
    qint64 reclaimable = 0;
    for (const CacheEntry &e : entries) {
        for (Sum *sum : { &byState[e.state], &total }) {
            ++sum->count;
            sum->disk += e.diskBytes;
            sum->bytes += e.bytes;
        }
        if (e.state != EntryState::Foreign) {
            Sum &f = byFormat[e.format];
            ++f.count;
            f.disk += e.diskBytes;
            f.bytes += e.bytes;
        }
        reclaimable += e.reclaimableBytes;
    }
    const util::VolumeInfo vol = util::volumeInfo(s.cacheDir);
    if (a.json) {
        const auto toJson = [](const Sum &sum) {
            return QJsonObject { { QStringLiteral("count"), sum.count },
                { QStringLiteral("diskBytes"), sum.disk }, { QStringLiteral("bytes"), sum.bytes } };
        };
        QJsonObject states, formats;
        for (auto it = byState.cbegin(); it != byState.cend(); ++it)
            states.insert(stateName(it.key()), toJson(it.value()));
        for (auto it = byFormat.cbegin(); it != byFormat.cend(); ++it)
            formats.insert(formatName(it.key()), toJson(it.value()));
        printJson({ { QStringLiteral("schema"), 1 }, { QStringLiteral("cacheDir"), s.cacheDir },
            { QStringLiteral("total"), toJson(total) }, { QStringLiteral("reclaimableBytes"), reclaimable },
            { QStringLiteral("freeBytes"), vol.freeBytes }, { QStringLiteral("byState"), states },
            { QStringLiteral("byFormat"), formats } });
        return Ok;
    }
    out() << tr("Cache folder: %1").arg(s.cacheDir) << "\n\n";
    Table st({ tr("STATE"), tr("ENTRIES"), tr("ON DISK"), tr("APPARENT") });
    st.setRightAligned({ 1, 2, 3 });
    for (auto it = byState.cbegin(); it != byState.cend(); ++it)
        st.addRow({ stateName(it.key()), QString::number(it->count), util::humanSize(it->disk),
            util::humanSize(it->bytes) });
    st.addRow({ tr("total"), QString::number(total.count), util::humanSize(total.disk),
        util::humanSize(total.bytes) });
    st.print(out());
    out() << '\n';
    Table ft({ tr("FORMAT"), tr("ENTRIES"), tr("ON DISK"), tr("APPARENT") });
    ft.setRightAligned({ 1, 2, 3 });
    for (auto it = byFormat.cbegin(); it != byFormat.cend(); ++it)
        ft.addRow({ formatName(it.key()), QString::number(it->count), util::humanSize(it->disk),
            util::humanSize(it->bytes) });
    ft.print(out());
    out() << '\n' << tr("Reclaimable: %1").arg(util::humanSize(reclaimable)) << '\n';
    if (vol.freeBytes >= 0)
        out() << tr("Free on volume: %1").arg(util::humanSize(vol.freeBytes)) << '\n';
    out().flush();
    return Ok;
}

int cmdInfo(const Args &a)
{
    if (a.positional.size() != 1)
        return usageError(tr("'info' takes exactly one HANDLE or KEY."));
    const QString arg = a.positional.first();
    QString key = arg;
    if (!isCacheKey(arg)) {
        const Result<Handle> h = Handle::parse(arg);
        if (!h)
            return failure(h.error());
        key = h->cacheKey();
    }
    const HubSettings s = settingsFor(a);
    const CacheEntry e = cache::scanKey(s.cacheDir, key, ScanOptions());
    if (e.artifacts.isEmpty())
        return failure(tr("No cache entry for %1 (key %2) in %3.").arg(arg, key, s.cacheDir));
    if (a.json) {
        QJsonObject o = entryToJson(e, s.cacheDir);
        QJsonArray required;
        if (e.hasFolder) {
            for (const cache::RequiredFile &f : cache::requiredFiles(e.folderPath(s.cacheDir)))
                required.append(QJsonObject {
                    { QStringLiteral("path"), f.path }, { QStringLiteral("present"), f.present } });
        }
        o.insert(QStringLiteral("requiredFiles"), required);
        printJson(o);
        return Ok;
    }
    QTextStream &o = out();
    const auto row
        = [&o](const QString &label, const QString &value) { o << label.leftJustified(16) << value << '\n'; };
    row(tr("Handle:"), displayHandle(e));
    row(tr("Key:"), e.key);
    row(tr("Path:"), e.folderPath(s.cacheDir));
    row(tr("State:"),
        stateLabel(e.state) + (e.stateDetail.isEmpty() ? QString() : QStringLiteral(" — ") + e.stateDetail));
    row(tr("Format:"), formatLabel(e.format));
    row(tr("Size on disk:"), util::humanSize(e.diskBytes) + tr(" (%1 bytes apparent)").arg(e.bytes));
    row(tr("Files:"), QString::number(e.files));
    if (e.reclaimableBytes > 0)
        row(tr("Reclaimable:"), util::humanSize(e.reclaimableBytes));
    row(tr("Downloaded:"), e.downloaded.isValid() ? e.downloaded.toString(Qt::ISODate) : tr("unknown"));
    if (!e.downloaderHost.isEmpty())
        row(tr("Downloaded by:"), tr("%1 (pid %2)").arg(e.downloaderHost).arg(e.downloaderPid));
    row(tr("Last modified:"),
        e.lastModified.isValid() ? e.lastModified.toString(Qt::ISODate) : tr("unknown"));
    row(tr("Last accessed:"),
        e.lastAccessed.isValid() ? e.lastAccessed.toString(Qt::ISODate) : tr("unknown"));
    row(tr("Manifest:"), e.hasManifest ? tr("yes") : tr("no"));
    o << tr("Artifacts:") << '\n';
    for (const Artifact &art : e.artifacts)
        o << "  " << art.name << "  " << util::humanSize(art.diskBytes) << '\n';
    if (e.hasFolder
        && (e.format == ModelFormat::Tf2SavedModel || e.format == ModelFormat::Tf1SavedModel
            || e.format == ModelFormat::Tf1HubModule)) {
        o << tr("Files hub.load() needs:") << '\n';
        for (const cache::RequiredFile &f : cache::requiredFiles(e.folderPath(s.cacheDir)))
            o << "  " << (f.present ? tr("present ") : tr("MISSING ")) << f.path << '\n';
    }
    for (const QString &p : e.problems)
        o << tr("Problem: ") << p << '\n';
    o.flush();
    return Ok;
}

int cmdConfig(const Args &a)
{
    if (!a.positional.isEmpty())
        return usageError(tr("'config' takes no arguments here."));
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const HubSettings s = settingsFor(a);
    const QString progress = env.value(QStringLiteral("TFHUB_DOWNLOAD_PROGRESS"));
    const bool certOff = env.value(QStringLiteral("TFHUB_DISABLE_CERT_VALIDATION")) == QLatin1String("true");
    if (a.json) {
        printJson({ { QStringLiteral("schema"), 1 }, { QStringLiteral("cacheDir"), s.cacheDir },
            { QStringLiteral("cacheDirSource"), sourceName(s.cacheDirSource) },
            { QStringLiteral("loadFormat"), loadFormatName(s.loadFormat) },
            { QStringLiteral("loadFormatRaw"), s.loadFormatRaw },
            { QStringLiteral("loadFormatSource"), sourceName(s.loadFormatSource) },
            { QStringLiteral("downloadProgress"), !progress.isEmpty() },
            { QStringLiteral("certValidationDisabled"), certOff },
            { QStringLiteral("hostname"), util::hostName() } });
        return Ok;
    }
    Table t({ tr("SETTING"), tr("SOURCE"), tr("VALUE") });
    t.addRow({ QStringLiteral("TFHUB_CACHE_DIR"), sourceLabel(s.cacheDirSource), s.cacheDir });
    t.addRow({ QStringLiteral("TFHUB_MODEL_LOAD_FORMAT"), sourceLabel(s.loadFormatSource), s.loadFormatRaw });
    t.addRow({ QStringLiteral("TFHUB_DOWNLOAD_PROGRESS"),
        progress.isEmpty() ? sourceLabel(ValueSource::Default) : sourceLabel(ValueSource::Environment),
        progress.isEmpty() ? tr("off") : tr("on") });
    t.addRow({ QStringLiteral("TFHUB_DISABLE_CERT_VALIDATION"),
        env.contains(QStringLiteral("TFHUB_DISABLE_CERT_VALIDATION")) ? sourceLabel(ValueSource::Environment)
                                                                      : sourceLabel(ValueSource::Default),
        certOff ? tr("true (TLS certificates are NOT checked)") : tr("false") });
    t.print(out());
    if (s.loadFormat == LoadFormat::Invalid)
        out() << '\n'
              << tr("warning: TFHUB_MODEL_LOAD_FORMAT=\"%1\" is not COMPRESSED, UNCOMPRESSED or AUTO (case "
                    "matters); "
                    "tensorflow_hub will fail to load http(s) handles.")
                     .arg(s.loadFormatRaw)
              << '\n';
    if (s.cacheDirSource == ValueSource::Default)
        out() << '\n'
              << tr("note: %1 is in a temporary folder, which is cleared on restart.").arg(s.cacheDir)
              << '\n';
    out().flush();
    return Ok;
}

} // namespace

// Verbs with their own argument parsing: found before the shared parser sees their options.
int runExtension(const QStringList &arguments, bool *handled)
{
    *handled = false;
    QString cacheDir;
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString arg = arguments.at(i);
        if (arg == QLatin1String("--cache-dir") || arg == QLatin1String("--tfhub_cache_dir")) {
            if (++i < arguments.size())
                cacheDir = arguments.at(i);
            continue;
        }
        if (arg.startsWith(QLatin1String("--cache-dir="))
            || arg.startsWith(QLatin1String("--tfhub_cache_dir="))) {
            cacheDir = arg.section(QLatin1Char('='), 1);
            continue;
        }
        if (arg.startsWith(QLatin1Char('-')))
            return 0; // a global option such as --help: the shared parser handles it
        const QStringList rest = arguments.mid(i + 1);
        using Verb = int (*)(const QString &, const QStringList &);
        Verb verb = nullptr;
        if (arg == QLatin1String("config") && !rest.isEmpty()
            && (rest.first() == QLatin1String("set") || rest.first() == QLatin1String("unset")
                || rest.first() == QLatin1String("show")))
            verb = &runConfigVerb;
        else if (arg == QLatin1String("search"))
            verb = &runSearchVerb;
        else if (arg == QLatin1String("catalog"))
            verb = &runCatalogVerb;
        else if (arg == QLatin1String("rm"))
            verb = &runRemoveVerb;
        if (verb) {
            *handled = true;
            return verb(cacheDir, rest);
        }
        return 0;
    }
    return 0;
}

int run(const QStringList &arguments)
{
    bool handled = false;
    const int code = runExtension(arguments, &handled);
    if (handled)
        return code;
    Args a;
    bool help = false;
    bool version = false;
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString arg = arguments.at(i);
        const auto takeValue = [&](QString *target) -> bool {
            const qsizetype eq = arg.indexOf(QLatin1Char('='));
            if (arg.startsWith(QLatin1String("--")) && eq > 0) {
                *target = arg.mid(eq + 1);
                return true;
            }
            if (i + 1 >= arguments.size())
                return false;
            *target = arguments.at(++i);
            return true;
        };
        const QString name = arg.startsWith(QLatin1String("--")) ? arg.section(QLatin1Char('='), 0, 0) : arg;
        if (name == QLatin1String("--")) {
            a.positional += arguments.mid(i + 1);
            break;
        } else if (name == QLatin1String("-h") || name == QLatin1String("--help")) {
            help = true;
        } else if (name == QLatin1String("-v") || name == QLatin1String("--version")) {
            version = true;
        } else if (name == QLatin1String("--cache-dir") || name == QLatin1String("--tfhub_cache_dir")) {
            if (!takeValue(&a.cacheDir) || a.cacheDir.isEmpty())
                return usageError(tr("%1 needs a folder.").arg(name));
        } else if (name == QLatin1String("--json")) {
            a.json = true;
            a.given << name;
        } else if (name == QLatin1String("--sort")) {
            if (!takeValue(&a.sort))
                return usageError(tr("--sort needs a key."));
            a.given << name;
        } else if (name == QLatin1String("--jobs")) {
            QString v;
            bool ok = false;
            if (!takeValue(&v) || (a.jobs = v.toInt(&ok), !ok) || a.jobs < 1 || a.jobs > 16)
                return usageError(tr("--jobs needs a number from 1 to 16."));
            a.given << name;
        } else if (name == QLatin1String("--all")) {
            a.all = true;
            a.given << name;
        } else if (name == QLatin1String("--state")) {
            if (!takeValue(&a.state))
                return usageError(tr("--state needs a state."));
            a.given << name;
        } else if (arg.startsWith(QLatin1Char('-')) && arg.size() > 1) {
            return usageError(tr("Unknown option '%1'.").arg(arg));
        } else if (a.verb.isEmpty()) {
            a.verb = arg;
        } else {
            a.positional << arg;
        }
    }
    if (help) {
        out() << tr(kUsage);
        out().flush();
        return Ok;
    }
    if (version) {
        out() << "tfhub-cache " << QCoreApplication::applicationVersion() << '\n';
        out().flush();
        return Ok;
    }
    if (a.verb.isEmpty())
        return usageError(tr("No command given."));

    const QMap<QString, QStringList> allowed {
        { QStringLiteral("key"), {} },
        { QStringLiteral("resolve"), { QStringLiteral("--json") } },
        { QStringLiteral("list"),
            { QStringLiteral("--json"), QStringLiteral("--sort"), QStringLiteral("--state") } },
        { QStringLiteral("du"), { QStringLiteral("--json") } },
        { QStringLiteral("info"), { QStringLiteral("--json") } },
        { QStringLiteral("config"), { QStringLiteral("--json") } },
        { QStringLiteral("prefetch"), { QStringLiteral("--json"), QStringLiteral("--jobs") } },
        { QStringLiteral("verify"), { QStringLiteral("--json"), QStringLiteral("--all") } },
    };
    if (!allowed.contains(a.verb))
        return usageError(tr("Unknown command '%1'.").arg(a.verb));
    for (const QString &opt : std::as_const(a.given)) {
        if (!allowed.value(a.verb).contains(opt))
            return usageError(tr("'%1' does not take %2.").arg(a.verb, opt));
    }
    if (a.verb == QLatin1String("key"))
        return cmdKey(a);
    if (a.verb == QLatin1String("resolve"))
        return cmdResolve(a);
    if (a.verb == QLatin1String("list"))
        return cmdList(a);
    if (a.verb == QLatin1String("du"))
        return cmdDu(a);
    if (a.verb == QLatin1String("prefetch")) {
        if (a.positional.isEmpty())
            return usageError(tr("'prefetch' needs at least one HANDLE."));
        return runPrefetch({ a.cacheDir, a.positional, a.jobs, a.json });
    }
    if (a.verb == QLatin1String("verify")) {
        if (a.positional.isEmpty() == !a.all)
            return usageError(tr("'verify' takes HANDLE or KEY arguments, or --all."));
        return runVerify(a.cacheDir, a.positional, a.all, a.json);
    }
    if (a.verb == QLatin1String("info"))
        return cmdInfo(a);
    return cmdConfig(a);
}

} // namespace tfhub::cli
