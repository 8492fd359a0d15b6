#include "app/cli/cliverify.h"

#include "app/cli/cli.h"
#include "app/cli/clicommon.h"
#include "app/cli/cligcs.h"
#include "app/cli/clioutput.h"
#include "core/cache/cachescanner.h"
#include "core/cache/lock.h"
#include "core/cache/manifest.h"
#include "core/hub/handle.h"
#include "core/hub/hubsettings.h"
#include "core/maintenance/locationcleanup.h"
#include "core/maintenance/verifymarks.h"
#include "core/util/fsutil.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QProcessEnvironment>

#include <algorithm>
#include <numeric>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace tfhub::cli {

namespace {

QString tr(const char *text, int n = -1)
{
    return QCoreApplication::translate("tfhub::cli", text, nullptr, n);
}

enum class Outcome { Ok, Changed, Unverifiable, Recorded, Error };

QString outcomeName(Outcome o)
{
    switch (o) {
    case Outcome::Ok:
        return QStringLiteral("ok");
    case Outcome::Changed:
        return QStringLiteral("changed");
    case Outcome::Unverifiable:
        return QStringLiteral("unverifiable");
    case Outcome::Recorded:
        return QStringLiteral("recorded");
    case Outcome::Error:
        return QStringLiteral("error");
    }
    return QString();
}

struct Checked
{
    QString key;
    QString handle; ///< from the descriptor, else the manifest; empty when unknown
    QString path;
    Outcome outcome = Outcome::Error;
    QString message;
    VerifyReport report;
};

// The entries `verify` checks: every model folder (--all) and the named handles or keys.
Result<QList<CacheEntry>> entriesToCheck(CacheLocation &location, const VerifyArgs &args)
{
    QList<CacheEntry> entries;
    if (args.all) {
        const Result<QList<CacheEntry>> all = location.scan(ScanOptions());
        if (!all)
            return Error { all.error() };
        for (const CacheEntry &e : *all) {
            if (e.hasFolder && e.state != EntryState::Downloading && e.state != EntryState::Foreign
                && e.state != EntryState::EmptyFolder)
                entries << e;
        }
    }
    for (const QString &t : args.keys) {
        QString key = t;
        if (!isCacheKey(t)) {
            const Result<Handle> h = Handle::parse(t);
            if (!h)
                return Error { h.error() };
            key = h->cacheKey();
        }
        Result<CacheEntry> e = location.scanKey(key, ScanOptions());
        if (!e)
            return Error { e.error() };
        e.value().key = key;
        if (e->handle.isEmpty() && !isCacheKey(t))
            e.value().handle = t;
        entries << *e;
    }
    return entries;
}

// --rehash: a manifest of the files as they are now, written beside the folder.
Status recordManifest(CacheLocation &location, const CacheEntry &e, qsizetype *files)
{
    Manifest m;
    m.handle = e.handle;
    m.key = e.key;
    m.downloaded = e.downloaded;
    m.format = e.format == ModelFormat::Unknown ? QString() : formatName(e.format);
    const Result<QList<Manifest::File>> hashed = maintenance::hashEntry(location, e.key);
    if (!hashed)
        return Error { hashed.error() };
    m.files = *hashed;
    *files = m.files.size();
    return location.writeSmall(e.key + QStringLiteral(".manifest.json"), m.toJson());
}

// What a pass checked where only the listing was read (Cloud Storage without --rehash).
QString checkedText(const CacheLocation &location, bool rehash)
{
    if (location.isLocal() || rehash)
        return QString();
    return tr("paths and sizes checked against our manifest; content not read (--rehash downloads and "
              "hashes every file)");
}

Checked checkOne(CacheLocation &location, const CacheEntry &e, bool rehash)
{
    Checked c { e.key, e.handle, location.entryPath(e.key), Outcome::Error, QString(), {} };
    const Result<std::optional<QByteArray>> json
        = location.readSmall(e.key + QStringLiteral(".manifest.json"), 64 * 1024 * 1024);
    if (!json) {
        c.message = json.error();
        return c;
    }
    if (!json->has_value()) {
        if (!e.hasFolder || (location.isLocal() && !util::stat(c.path).isDir)) {
            c.message = tr("There is no model folder %1.").arg(c.path);
        } else if (rehash) {
            qsizetype files = 0;
            const Status s = recordManifest(location, e, &files);
            c.outcome = s ? Outcome::Recorded : Outcome::Error;
            c.message = s ? tr("a manifest of %n file(s)", int(files)) : s.error();
        } else {
            c.outcome = Outcome::Unverifiable;
            c.message = tr("no manifest");
        }
        return c;
    }
    const Result<Manifest> m
        = Manifest::fromJson(**json, location.entryPath(e.key) + QStringLiteral(".manifest.json"));
    if (!m) {
        c.message = m.error();
        return c;
    }
    if (c.handle.isEmpty())
        c.handle = m->handle;
    const Result<VerifyReport> r = maintenance::verifyEntry(location, e.key, *m, rehash);
    if (!r) {
        c.message = r.error();
        return c;
    }
    c.report = *r;
    c.outcome = r->ok() ? Outcome::Ok : Outcome::Changed;
    c.message = checkedText(location, rehash);
    return c;
}

QJsonObject toJson(const Checked &c)
{
    return QJsonObject { { QStringLiteral("key"), c.key },
        { QStringLiteral("handle"), stringOrNull(c.handle) }, { QStringLiteral("path"), c.path },
        { QStringLiteral("status"), outcomeName(c.outcome) },
        { QStringLiteral("message"), stringOrNull(c.message) },
        { QStringLiteral("modified"), QJsonArray::fromStringList(c.report.modified) },
        { QStringLiteral("missing"), QJsonArray::fromStringList(c.report.missing) },
        { QStringLiteral("extra"), QJsonArray::fromStringList(c.report.extra) } };
}

void printHuman(const Checked &c)
{
    const QString name = (c.handle.isEmpty() ? tr("unknown model") : c.handle) + QStringLiteral("  (") + c.key
        + QLatin1Char(')');
    switch (c.outcome) {
    case Outcome::Unverifiable:
        return; // counted on one line at the end
    case Outcome::Error:
        err() << "tfhub-cache: " << c.message << '\n';
        return;
    case Outcome::Recorded:
        out() << tr("recorded ") << name << ": " << c.message << '\n';
        return;
    case Outcome::Ok:
    case Outcome::Changed:
        break;
    }
    out() << (c.outcome == Outcome::Ok ? tr("ok       ") : tr("CHANGED  ")) << name << '\n';
    if (!c.message.isEmpty())
        out() << "  (" << c.message << ")\n";
    for (const QString &f : c.report.modified)
        out() << tr("  modified: ") << f << '\n';
    for (const QString &f : c.report.missing)
        out() << tr("  missing:  ") << f << '\n';
    for (const QString &f : c.report.extra)
        out() << tr("  extra:    ") << f << '\n';
}

// What the app's Cache page marks until it is fixed: changes found, and passes that clear a mark
// (a freshly recorded manifest matches the files by definition).
QList<VerifyOutcome> outcomesToRecord(const QList<Checked> &checked)
{
    QList<VerifyOutcome> outcomes;
    for (const Checked &c : checked) {
        if (c.outcome == Outcome::Ok || c.outcome == Outcome::Recorded) {
            outcomes.append({ c.key, c.handle, false, QString() });
        } else if (c.outcome == Outcome::Changed) {
            QStringList parts;
            if (!c.report.modified.isEmpty())
                parts << tr("changed: %1").arg(c.report.modified.join(QStringLiteral(", ")));
            if (!c.report.missing.isEmpty())
                parts << tr("missing: %1").arg(c.report.missing.join(QStringLiteral(", ")));
            if (!c.report.extra.isEmpty())
                parts << tr("not in the download: %1").arg(c.report.extra.join(QStringLiteral(", ")));
            outcomes.append({ c.key, c.handle, true, parts.join(QStringLiteral("; ")) });
        }
    }
    return outcomes;
}

void printSummary(const QMap<Outcome, int> &counts, const VerifyArgs &args)
{
    if (const int n = counts.value(Outcome::Unverifiable))
        out() << tr("%1 not verifiable: no manifest (tensorflow_hub downloaded them) — run '%2' to record "
                    "one of the files as they are now")
                     .arg(n)
                     .arg(args.all ? QStringLiteral("tfhub-cache verify --all --rehash")
                                   : QStringLiteral("tfhub-cache verify --rehash HANDLE|KEY..."))
              << (args.strict ? tr("; --strict counts them as failures.") : QStringLiteral(".")) << '\n';
    const int total = std::accumulate(counts.cbegin(), counts.cend(), 0);
    out() << tr("%1 checked: %2 ok, %3 changed, %4 not verifiable, %5 recorded, %6 errors.")
                 .arg(total)
                 .arg(counts.value(Outcome::Ok))
                 .arg(counts.value(Outcome::Changed))
                 .arg(counts.value(Outcome::Unverifiable))
                 .arg(counts.value(Outcome::Recorded))
                 .arg(counts.value(Outcome::Error))
          << '\n';
}

} // namespace

int runVerify(const VerifyArgs &args)
{
    const HubSettings settings
        = HubSettings::resolve(QProcessEnvironment::systemEnvironment(), args.cacheDir);
    const std::unique_ptr<CacheLocation> location = openLocation(settings.cacheDir);
    if (!location)
        return Failure;
    const Result<QList<CacheEntry>> entries = entriesToCheck(*location, args);
    if (!entries)
        return failure(entries.error());
    QMap<Outcome, int> counts;
    QJsonArray reports;
    QList<Checked> checked;
    for (const CacheEntry &e : *entries) {
        const Checked c = checkOne(*location, e, args.rehash);
        checked.append(c);
        ++counts[c.outcome];
        if (args.json)
            reports.append(toJson(c));
        else
            printHuman(c);
    }
    // A failure to remember costs only the app's mark, not the check itself. Marks follow a local
    // folder's identity; a bucket's entries have none.
    if (location->isLocal()) {
        if (const Status s = maintenance::recordVerifyResults(settings.cacheDir, outcomesToRecord(checked));
            !s)
            err() << "tfhub-cache: warning: " << s.error() << '\n';
    }
    if (args.json) {
        QJsonObject o = jsonEnvelope(settings);
        o.insert(QStringLiteral("entries"), reports);
        o.insert(QStringLiteral("summary"),
            QJsonObject { { QStringLiteral("ok"), counts.value(Outcome::Ok) },
                { QStringLiteral("changed"), counts.value(Outcome::Changed) },
                { QStringLiteral("unverifiable"), counts.value(Outcome::Unverifiable) },
                { QStringLiteral("recorded"), counts.value(Outcome::Recorded) },
                { QStringLiteral("errors"), counts.value(Outcome::Error) } });
        printJson(o);
    } else {
        printSummary(counts, args);
    }
    out().flush();
    err().flush();
    const bool failed = counts.value(Outcome::Changed) > 0 || counts.value(Outcome::Error) > 0
        || (args.strict && counts.value(Outcome::Unverifiable) > 0);
    return failed ? Failure : Ok;
}

} // namespace tfhub::cli
