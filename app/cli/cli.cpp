#include "app/cli/cli.h"

#include "app/cli/clicommon.h"
#include "app/cli/cliconfig.h"
#include "app/cli/cligcs.h"
#include "app/cli/clioutput.h"
#include "app/cli/cliprefetch.h"
#include "app/cli/clitarget.h"
#include "app/cli/cliverify.h"
#include "app/cli/verbs.h"
#include "core/cache/cachescanner.h"
#include "core/cache/entrynaming.h"
#include "core/cache/modelformat.h"
#include "core/cache/resolve.h"
#include "core/catalog/catalogsources.h"
#include "core/hub/handle.h"
#include "core/hub/handlehistory.h"
#include "core/hub/handlename.h"
#include "core/hub/hubsettings.h"
#include "core/prefetch/prefetchtypes.h"
#include "core/prefetch/uncompressedquery.h"
#include "core/settings/appsettings.h"
#include "core/util/fsutil.h"
#include "core/util/humanize.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QMap>
#include <QTextStream>

#include <algorithm>

namespace tfhub::cli {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cli", text);
}

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

// "Complete — a stale lock is left over.": a detail that starts by repeating the label loses it.
QString stateText(const CacheEntry &e)
{
    const QString label = stateLabel(e.state);
    QString detail = e.stateDetail;
    if (detail.startsWith(label, Qt::CaseInsensitive)) {
        detail = detail.mid(label.size());
        while (!detail.isEmpty()
            && (detail.front() == u';' || detail.front() == u'.' || detail.front() == u','
                || detail.front().isSpace()))
            detail.remove(0, 1);
    }
    return detail.isEmpty() ? label : label + QStringLiteral(" — ") + detail;
}

HubSettings settingsFor(const Invocation &a)
{
    return HubSettings::resolve(QProcessEnvironment::systemEnvironment(), a.cacheDir);
}

// The scan index serves list, du and info; --rescan walks every file and writes it anew.
ScanOptions indexedScan(const Invocation &a)
{
    ScanOptions options;
    options.index = a.has("--rescan") ? ScanIndexUse::Rebuild : ScanIndexUse::Use;
    return options;
}

QList<CacheEntry> scanOrFail(const Invocation &a, CacheLocation &location, bool *ok)
{
    Result<QList<CacheEntry>> scanned = location.scan(indexedScan(a));
    *ok = scanned.ok();
    if (!*ok) {
        failure(scanned.error());
        return {};
    }
    QList<CacheEntry> entries = std::move(scanned.value());
    nameEntriesAt(location, &entries);
    for (const CacheEntry &e : std::as_const(entries)) {
        for (const QString &p : e.problems)
            err() << "tfhub-cache: " << tr("warning: ") << p << '\n';
    }
    err().flush();
    return entries;
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

// Like --cache-dir, a variable whose bytes Qt decodes to U+FFFD would name another folder.
bool rawEnvironmentIsText(const char *name)
{
    const QByteArray raw = qgetenv(name);
    return QFile::encodeName(QFile::decodeName(raw)) == raw;
}

} // namespace

int runKey(const Invocation &a)
{
    if (a.positional.size() != 1)
        return verbUsageError(a.verb, tr("'key' takes exactly one HANDLE."));
    const Result<Handle> h = Handle::parse(a.positional.first());
    if (!h)
        return failure(h.error());
    out() << h->cacheKey() << '\n';
    out().flush();
    if (h->kind() == Handle::Kind::LocalPath || h->kind() == Handle::Kind::GcsPath)
        err() << tr("note: tensorflow_hub uses this handle in place and never caches it.") << '\n';
    return Ok;
}

int runResolve(const Invocation &a)
{
    if (a.positional.size() != 1)
        return verbUsageError(a.verb, tr("'resolve' takes exactly one HANDLE."));
    const Result<Handle> h = Handle::parse(a.positional.first());
    if (!h)
        return failure(h.error());
    const HubSettings s = settingsFor(a);
    const std::unique_ptr<CacheLocation> location = openLocation(s.cacheDir);
    if (!location)
        return Failure;
    if (h->isHttp())
        (void)hub::recordHandles({ h->text() }); // names its cache entry later; nothing else at stake
    Resolution r = resolveHandle(*h, s, *location);
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
    if (a.has("--json")) {
        QJsonObject o = jsonEnvelope(s);
        o.insert(QStringLiteral("handle"), h->text());
        o.insert(QStringLiteral("kind"), Handle::kindName(h->kind()));
        o.insert(QStringLiteral("key"), stringOrNull(r.key));
        o.insert(QStringLiteral("status"), resolutionName(r.kind));
        o.insert(QStringLiteral("path"), stringOrNull(r.path));
        o.insert(QStringLiteral("loadFormat"), loadFormatName(s.loadFormat));
        o.insert(QStringLiteral("message"), stringOrNull(r.message));
        printJson(o);
    } else {
        if (!r.path.isEmpty())
            out() << r.path << '\n';
        out().flush();
        err() << r.message << '\n';
        if (!a.missingCacheNote.isEmpty())
            err() << a.missingCacheNote << '\n';
        err().flush();
    }
    return r.kind == Resolution::Kind::Failure ? Failure : Ok;
}

int runList(const Invocation &a)
{
    const QString sort = a.value("--sort");
    const QString state = a.value("--state");
    if (!a.positional.isEmpty())
        return verbUsageError(a.verb, tr("'list' takes no arguments."));
    static const QStringList sorts { QStringLiteral("size"), QStringLiteral("name"), QStringLiteral("date"),
        QStringLiteral("accessed") };
    if (!sort.isEmpty() && !sorts.contains(sort))
        return verbUsageError(
            a.verb, tr("Unknown sort key '%1': use size, name, date or accessed.").arg(sort));
    EntryState wanted = EntryState::Complete;
    if (!state.isEmpty() && !stateFromName(state, &wanted)) {
        QStringList names;
        for (const EntryState st : allStates())
            names << stateName(st);
        return verbUsageError(
            a.verb, tr("Unknown state '%1': use one of %2.").arg(state, names.join(QStringLiteral(", "))));
    }
    const HubSettings s = settingsFor(a);
    const std::unique_ptr<CacheLocation> location = openLocation(s.cacheDir);
    if (!location)
        return Failure;
    bool ok = false;
    QList<CacheEntry> entries = scanOrFail(a, *location, &ok);
    if (!ok)
        return Failure;
    const qsizetype scanned = entries.size();
    if (!state.isEmpty())
        entries.removeIf([wanted](const CacheEntry &e) { return e.state != wanted; });

    const auto name
        = [](const CacheEntry &e) { return e.handle.isEmpty() ? QStringLiteral("\xff") + e.key : e.handle; };
    if (sort == QLatin1String("size"))
        std::stable_sort(entries.begin(), entries.end(),
            [](const CacheEntry &l, const CacheEntry &r) { return l.diskBytes > r.diskBytes; });
    else if (sort == QLatin1String("date"))
        std::stable_sort(entries.begin(), entries.end(),
            [](const CacheEntry &l, const CacheEntry &r) { return l.downloaded > r.downloaded; });
    else if (sort == QLatin1String("accessed"))
        std::stable_sort(entries.begin(), entries.end(),
            [](const CacheEntry &l, const CacheEntry &r) { return l.lastAccessed > r.lastAccessed; });
    else
        std::stable_sort(entries.begin(), entries.end(),
            [&name](const CacheEntry &l, const CacheEntry &r) { return name(l) < name(r); });

    if (a.has("--json")) {
        printJsonList(s, entries);
        return Ok;
    }
    if (entries.isEmpty()) {
        if (!a.missingCacheNote.isEmpty())
            out() << a.missingCacheNote << '\n';
        else if (scanned > 0)
            out() << tr("No entries match --state %1 (%2 in the cache).").arg(state).arg(scanned) << '\n';
        else
            out() << tr("No entries in %1.").arg(s.cacheDir) << '\n';
        out().flush();
        return Ok;
    }
    // Model paths read where rows differ; --wide keeps whole handles (for copying).
    const bool wide = a.has("--wide");
    QStringList header { tr("KEY"), tr("STATE"), tr("FORMAT"), tr("ON DISK"), tr("FILES"), tr("DOWNLOADED") };
    header << (wide ? QStringList { tr("HANDLE") } : QStringList { tr("HOST"), tr("MODEL") });
    Table t(header);
    t.setRightAligned({ 3, 4 });
    for (const CacheEntry &e : std::as_const(entries)) {
        const bool named = !e.handle.isEmpty() && e.state != EntryState::Foreign;
        const QStringList name = wide ? QStringList { displayHandle(e) }
                                      : QStringList { named ? hub::hostLabel(e.handle) : QStringLiteral("-"),
                                            named ? hub::modelPath(e.handle) : displayHandle(e) };
        QStringList row { a.has("--no-trunc") ? e.key : shortKey(e.key), stateName(e.state),
            e.state == EntryState::Foreign ? QStringLiteral("-") : formatLabel(e.format),
            util::humanSize(e.diskBytes), QString::number(e.files),
            e.downloaded.isValid() ? e.downloaded.toString(QStringLiteral("yyyy-MM-dd HH:mm"))
                                   : QStringLiteral("-") };
        t.addRow(row + name);
    }
    t.print(out());
    out().flush();
    return Ok;
}

int runDu(const Invocation &a)
{
    if (!a.positional.isEmpty())
        return verbUsageError(a.verb, tr("'du' takes no arguments."));
    const HubSettings s = settingsFor(a);
    const std::unique_ptr<CacheLocation> location = openLocation(s.cacheDir);
    if (!location)
        return Failure;
    bool ok = false;
    const QList<CacheEntry> entries = scanOrFail(a, *location, &ok);
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
    // A bucket has no free space to speak of.
    const util::VolumeInfo vol
        = location->capabilities().volumeFreeSpace ? util::volumeInfo(s.cacheDir) : util::VolumeInfo();
    if (a.has("--json")) {
        JsonWriter w;
        const auto sumObject = [&w](const Sum &sum) {
            w.beginObject();
            w.key(QLatin1String("count")).number(sum.count);
            w.key(QLatin1String("diskBytes")).number(sum.disk);
            w.key(QLatin1String("bytes")).number(sum.bytes);
            w.endObject();
        };
        w.beginObject();
        writeEnvelope(w, s);
        w.key(QLatin1String("total"));
        sumObject(total);
        w.key(QLatin1String("reclaimableBytes")).number(reclaimable);
        if (vol.freeBytes >= 0)
            w.key(QLatin1String("freeBytes")).number(vol.freeBytes);
        else
            w.key(QLatin1String("freeBytes")).null();
        w.key(QLatin1String("byState")).beginObject();
        for (auto it = byState.cbegin(); it != byState.cend(); ++it) {
            w.key(stateName(it.key()));
            sumObject(it.value());
        }
        w.endObject();
        w.key(QLatin1String("byFormat")).beginObject();
        for (auto it = byFormat.cbegin(); it != byFormat.cend(); ++it) {
            w.key(formatName(it.key()));
            sumObject(it.value());
        }
        w.endObject();
        w.endObject();
        printJson(w.bytes());
        return Ok;
    }
    out() << (a.missingCacheNote.isEmpty() ? tr("Cache folder: %1").arg(s.cacheDir) : a.missingCacheNote)
          << "\n\n";
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
        ft.addRow({ formatLabel(it.key()), QString::number(it->count), util::humanSize(it->disk),
            util::humanSize(it->bytes) });
    ft.print(out());
    out() << '\n' << tr("Reclaimable: %1").arg(util::humanSize(reclaimable)) << '\n';
    if (vol.freeBytes >= 0)
        out() << tr("Free on volume: %1").arg(util::humanSize(vol.freeBytes)) << '\n';
    out().flush();
    return Ok;
}

int runInfo(const Invocation &a)
{
    if (a.positional.size() != 1)
        return verbUsageError(a.verb, tr("'info' takes exactly one HANDLE or KEY."));
    const QString arg = a.positional.first();
    const HubSettings s = settingsFor(a);
    const std::unique_ptr<CacheLocation> location = openLocation(s.cacheDir);
    if (!location)
        return Failure;
    const bool gcs = !location->isLocal();
    const Target target = targetAt(*location, arg);
    if (target.code != Ok) {
        failure(
            target.code == Failure && !a.missingCacheNote.isEmpty() ? a.missingCacheNote : target.message);
        return target.code;
    }
    const QString &key = target.key;
    Result<CacheEntry> scanned = location->scanKey(key, indexedScan(a));
    if (!scanned)
        return failure(scanned.error());
    QList<CacheEntry> one { *scanned };
    nameEntriesAt(*location, &one);
    const CacheEntry e = one.first();
    const QList<cache::RequiredFile> required
        = e.hasFolder ? location->requiredFiles(key) : QList<cache::RequiredFile>();
    if (e.artifacts.isEmpty()) {
        if (!a.missingCacheNote.isEmpty())
            return failure(a.missingCacheNote);
        return failure(tr("No cache entry for %1 (key %2) in %3.").arg(arg, key, s.cacheDir));
    }
    if (a.has("--json")) {
        JsonWriter w;
        w.beginObject();
        writeEnvelope(w, s);
        writeEntry(w, e, s.cacheDir);
        w.key(QLatin1String("requiredFiles")).beginArray();
        for (const cache::RequiredFile &f : required) {
            w.beginObject();
            w.key(QLatin1String("path")).string(f.path);
            w.key(QLatin1String("present")).boolean(f.present);
            w.endObject();
        }
        w.endArray();
        w.endObject();
        printJson(w.bytes());
        return Ok;
    }
    QTextStream &o = out();
    const auto row
        = [&o](const QString &label, const QString &value) { o << label.leftJustified(16) << value << '\n'; };
    row(tr("Handle:"), displayHandle(e));
    row(tr("Key:"), e.key);
    row(tr("Path:"), e.folderPath(s.cacheDir));
    row(tr("State:"), stateText(e));
    row(tr("Format:"), formatLabel(e.format));
    row(tr("On disk:"), util::humanSize(e.diskBytes));
    row(tr("Apparent:"), tr("%1 (%2 bytes)").arg(util::humanSize(e.bytes)).arg(e.bytes));
    row(tr("Files:"), QString::number(e.files));
    if (e.reclaimableBytes > 0)
        row(tr("Reclaimable:"), util::humanSize(e.reclaimableBytes));
    row(tr("Downloaded:"), e.downloaded.isValid() ? e.downloaded.toString(Qt::ISODate) : tr("unknown"));
    if (!e.downloaderHost.isEmpty())
        row(tr("Downloaded by:"), tr("%1 (pid %2)").arg(e.downloaderHost).arg(e.downloaderPid));
    row(tr("Last modified:"),
        e.lastModified.isValid() ? e.lastModified.toString(Qt::ISODate) : tr("unknown"));
    row(tr("Last accessed:"),
        e.lastAccessed.isValid() ? e.lastAccessed.toString(Qt::ISODate)
            : gcs                ? noAccessTimesText()
                                 : tr("unknown"));
    row(tr("Manifest:"), e.hasManifest ? tr("yes") : tr("no"));
    o << tr("Artifacts:") << '\n';
    for (const Artifact &art : e.artifacts)
        o << "  " << art.name << "  " << util::humanSize(art.diskBytes) << '\n';
    // On Cloud Storage a SavedModel's TF version is not read: its graph file tells it is one.
    if (e.hasFolder
        && (e.format == ModelFormat::Tf2SavedModel || e.format == ModelFormat::Tf1SavedModel
            || e.format == ModelFormat::Tf1HubModule
            || (gcs && !required.isEmpty() && required.first().present))) {
        o << tr("Files hub.load() needs:") << '\n';
        for (const cache::RequiredFile &f : required)
            o << "  " << (f.present ? tr("present ") : tr("MISSING ")) << f.path << '\n';
    }
    for (const QString &p : e.problems)
        o << tr("Problem: ") << p << '\n';
    o.flush();
    return Ok;
}

namespace {

int showConfig(const Invocation &a)
{
    if (!a.positional.isEmpty())
        return verbUsageError(a.verb, tr("'config' takes no arguments here."));
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const HubSettings s = settingsFor(a);
    const QString progress = env.value(QStringLiteral("TFHUB_DOWNLOAD_PROGRESS"));
    const bool certOff = env.value(QStringLiteral("TFHUB_DISABLE_CERT_VALIDATION")) == QLatin1String("true");
    if (a.has("--json")) {
        printJson(jsonEnvelope(s,
            { { QStringLiteral("loadFormat"), loadFormatName(s.loadFormat) },
                { QStringLiteral("loadFormatRaw"), s.loadFormatRaw },
                { QStringLiteral("loadFormatSource"), sourceName(s.loadFormatSource) },
                { QStringLiteral("downloadProgress"), !progress.isEmpty() },
                { QStringLiteral("certValidationDisabled"), certOff },
                { QStringLiteral("hostname"), util::hostName() } }));
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
    if (const CacheDirCheck check = HubSettings::checkCacheDir(s.cacheDir); !check.message.isEmpty())
        out() << '\n' << (check.usable() ? tr("note: ") : tr("warning: ")) << check.message << '\n';
    out().flush();
    return Ok;
}

} // namespace

int runConfig(const Invocation &in)
{
    static const QStringList actions { QStringLiteral("set"), QStringLiteral("unset"), QStringLiteral("show"),
        QStringLiteral("move") };
    if (!in.positional.isEmpty() && actions.contains(in.positional.first()))
        return runConfigVerb(in.cacheDir, in.raw);
    if (in.has("--move") || in.has("--targets") || in.has("--leave-behind"))
        return verbUsageError(
            in.verb, tr("--move, --leave-behind and --targets go with 'config set' and 'config unset'."));
    if (in.has("--finish") || in.has("--undo"))
        return verbUsageError(in.verb, tr("--finish and --undo go with 'config move'."));
    return showConfig(in);
}

int runPrefetchVerb(const Invocation &in)
{
    if (in.positional.isEmpty())
        return verbUsageError(in.verb, tr("'prefetch' needs at least one HANDLE."));
    const int jobs
        = in.has("--jobs") ? in.value("--jobs").toInt() : settings::DownloadConcurrency.defaultValue;
    return runPrefetch({ in.cacheDir, in.positional, jobs, in.has("--json") });
}

int runVerifyVerb(const Invocation &in)
{
    if (in.positional.isEmpty() == !in.has("--all"))
        return verbUsageError(in.verb, tr("'verify' takes HANDLE or KEY arguments, or --all."));
    if (!in.missingCacheNote.isEmpty() && !in.has("--json")) {
        (in.has("--all") ? out() : err()) << in.missingCacheNote << '\n';
        (in.has("--all") ? out() : err()).flush();
    }
    // Key prefixes become keys here; handles and whole keys pass as they are.
    QStringList targets;
    const std::unique_ptr<CacheLocation> location = openLocation(settingsFor(in).cacheDir);
    if (!location)
        return Failure;
    for (const QString &arg : in.positional) {
        const Target t = isKeyPrefix(arg) ? targetAt(*location, arg) : Target { arg, Ok, QString() };
        if (t.code != Ok) {
            failure(t.message);
            return t.code;
        }
        targets << t.key;
    }
    return runVerify(
        { in.cacheDir, targets, in.has("--all"), in.has("--json"), in.has("--strict"), in.has("--rehash") });
}

int run(const QStringList &arguments)
{
    ParseOutcome parsed = parseCommandLine(arguments);
    if (parsed.exitCode)
        return *parsed.exitCode;
    Invocation &in = parsed.invocation;
    const bool usesCache
        = parsed.verb->cache != CacheUse::None || (in.verb == QLatin1String("config") && in.has("--move"));
    // Only verbs that touch the cache look for an unfinished move: finding the default folder
    // probes the temp folder with a file, which `key` in a script's loop has no need of.
    if (parsed.verb->cache != CacheUse::None || in.verb == QLatin1String("config"))
        notePendingMove(arguments);
    if (usesCache && in.cacheDir.isEmpty() && !rawEnvironmentIsText("TFHUB_CACHE_DIR"))
        return failure(tr("TFHUB_CACHE_DIR is not valid in the locale's encoding: it holds bytes that cannot "
                          "be read as text, and the folder used would be another one than named."));
    if (usesCache && isGcsCacheDir(settingsFor(in).cacheDir)) {
        if (const std::optional<int> code = runOnGcs(in, settingsFor(in).cacheDir))
            return *code;
        return parsed.verb->handler(in);
    }
    if (usesCache) {
        // Before anything reads or writes: a URL would become a local "gs:" folder, a file no cache.
        const CacheDirCheck check = HubSettings::checkCacheDir(settingsFor(in).cacheDir);
        if (!check.usable())
            return failure(check.message);
        if (check.state == CacheDirCheck::State::Missing)
            in.missingCacheNote = check.message;
    }
    return parsed.verb->handler(in);
}

} // namespace tfhub::cli
