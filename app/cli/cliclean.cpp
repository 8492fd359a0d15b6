#include "app/cli/cliclean.h"

#include "app/cli/clicommon.h"
#include "app/cli/cligcs.h"
#include "app/cli/clioutput.h"
#include "app/cli/clitarget.h"

#include "core/cache/cachescanner.h"
#include "core/hub/handle.h"
#include "core/hub/hubsettings.h"
#include "core/maintenance/cleanpolicy.h"
#include "core/maintenance/cleanupplan.h"
#include "core/maintenance/locationcleanup.h"
#include "core/maintenance/pins.h"
#include "core/util/humanize.h"

#include <QCoreApplication>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QTextStream>

#include <cstdio>
#include <unistd.h>

namespace tfhub::cli {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cli", text);
}

constexpr int Ok = 0;
constexpr int Failure = 1;
constexpr int Usage = 2;

// The cache's location: a local folder by its absolute path, or a gs:// prefix as named.
std::unique_ptr<CacheLocation> locationOf(const Invocation &in)
{
    const QString dir = HubSettings::resolve(QProcessEnvironment::systemEnvironment(), in.cacheDir).cacheDir;
    return openLocation(isGcsCacheDir(dir) ? dir : QDir(dir).absolutePath());
}

QString shown(const QString &handle, const QString &key)
{
    return handle.isEmpty() ? tr("unknown model %1").arg(key.left(12)) : handle;
}

// The rules the options ask for; a usage error (printed) leaves `code` set.
CleanupRules rulesFrom(const Invocation &in, int *code)
{
    CleanupRules r;
    r.stale = in.has("--stale");
    r.broken = in.has("--broken");
    r.verify = in.has("--verify");
    r.duplicates = in.has("--duplicates");
    r.force = in.has("--force");
    if (in.has("--unused-days"))
        r.unusedDays = in.value("--unused-days").toInt();
    if (in.has("--max-size")) {
        const Result<qint64> size = util::parseSize(in.value("--max-size"));
        if (!size) {
            *code = verbUsageError(QStringLiteral("clean"), size.error());
            return r;
        }
        r.maxBytes = *size;
    }
    if (in.has("--policy")) {
        // The automatic policy (the app's settings) always removes stale leftovers and never what
        // was read in the last day or is open now; unused days and the budget when set.
        const CleanPolicy policy = maintenance::sharedCleanPolicy();
        r.stale = r.stale || policy.enabled;
        r.protectRecentlyUsed = true;
        if (policy.enabled && policy.unusedEnabled && r.unusedDays < 0)
            r.unusedDays = policy.unusedDays;
        if (policy.enabled && policy.budgetEnabled && r.maxBytes < 0)
            r.maxBytes = policy.maxBytes;
        if (!policy.enabled && !r.stale && !r.broken && !r.duplicates && r.unusedDays < 0 && r.maxBytes < 0) {
            *code = Ok; // nothing asked: said by runCleanVerb
            return r;
        }
    }
    if (r.verify && !r.broken)
        *code = verbUsageError(QStringLiteral("clean"), tr("--verify belongs to --broken."));
    else if (!r.stale && !r.broken && !r.duplicates && r.unusedDays < 0 && r.maxBytes < 0)
        *code = verbUsageError(QStringLiteral("clean"),
            tr("Name what to clean: --stale, --broken, --duplicates, --unused-days N, --max-size SIZE or "
               "--policy."));
    return r;
}

void printPlan(const CleanupPlan &plan, bool trash)
{
    QTextStream &o = out();
    for (const CleanupRule rule : allRules()) {
        const QList<CleanupItem> items = plan.itemsFor(rule);
        if (items.isEmpty())
            continue;
        o << ruleLabel(rule) << " (" << items.size() << ", " << util::humanSize(plan.bytesFor(rule)) << ")\n";
        Table t({ tr("KEY"), tr("SIZE"), tr("MODEL"), tr("WHY") });
        t.setRightAligned({ 1 });
        for (const CleanupItem &i : items)
            t.addRow({ i.key.left(12), util::humanSize(i.bytes), shown(i.handle, i.key), i.reason });
        t.print(o);
        o << '\n';
    }
    for (const CleanupKept &k : plan.kept)
        o << tr("Kept %1: %2").arg(shown(k.handle, k.key), k.reason) << '\n';
    for (const QString &note : plan.notes)
        o << note << '\n';
    if (plan.items.isEmpty())
        o << tr("Nothing to clean.") << '\n';
    else if (trash)
        o << tr("Total: %1 to move to the trash; nothing is freed until the trash is emptied.")
                 .arg(util::humanSize(plan.totalBytes()))
          << '\n';
    else
        o << tr("Total: %1 to free.").arg(util::humanSize(plan.totalBytes())) << '\n';
    o.flush();
}

bool confirm(const QString &question)
{
    out() << question << ' ' << tr("[y/N] ");
    out().flush();
    QTextStream in(stdin);
    const QString answer = in.readLine().trimmed().toLower();
    return answer == QLatin1String("y") || answer == QLatin1String("yes");
}

void printReport(const CleanupReport &r, bool trash)
{
    QTextStream &o = out();
    for (const CleanupSkip &s : r.skipped)
        o << tr("Skipped %1: %2").arg(shown(s.handle, s.key), s.reason) << '\n';
    if (trash)
        o << tr("Moved %1 item(s), %2, to the trash; nothing is freed until it is emptied.")
                 .arg(r.removed.size())
                 .arg(util::humanSize(r.trashedBytes))
          << '\n';
    else
        o << tr("Removed %1 item(s), freed %2.").arg(r.removed.size()).arg(util::humanSize(r.freedBytes))
          << '\n';
    if (r.cancelled)
        o << tr("Stopped before the end; the rest is untouched.") << '\n';
    o.flush();
    for (const QString &e : r.errors)
        err() << "tfhub-cache: " << e << '\n';
    err().flush();
}

// The automatic policy's run, for the app to show: what went, what stayed and why.
void writePolicyReport(const QString &root, const QDateTime &started, const CleanupPlan &plan,
    const CleanupReport &report, const QString &error)
{
    PolicyReport r;
    r.started = started;
    r.finished = QDateTime::currentDateTime();
    // systemd gives every service run an INVOCATION_ID: that is the user timer's run.
    r.trigger = qEnvironmentVariableIsSet("INVOCATION_ID") ? QStringLiteral("timer") : QStringLiteral("cli");
    r.cacheRoot = root;
    r.policy = maintenance::sharedCleanPolicy();
    r.freedBytes = report.freedBytes;
    for (const CleanupItem &i : report.removed)
        r.removed.append({ i.key, i.handle, ruleName(i.rule), i.reason, i.bytes });
    for (const CleanupKept &k : plan.kept)
        r.kept.append({ k.key, k.handle, QString(), k.reason, 0 });
    for (const CleanupSkip &k : report.skipped)
        r.kept.append({ k.key, k.handle, QString(), k.reason, 0 });
    r.error = error;
    if (r.error.isEmpty() && !report.errors.isEmpty())
        r.error = report.errors.join(QLatin1Char(' '));
    if (Status s = maintenance::writeCleanReport(r); !s)
        err() << "tfhub-cache: " << s.error() << '\n';
}

QJsonObject jsonOf(const QByteArray &json)
{
    return QJsonDocument::fromJson(json).object();
}

// The plan's own document under the envelope every verb's JSON starts with.
QJsonObject envelopeOf(const Invocation &in, const QJsonObject &fields)
{
    return jsonEnvelope(HubSettings::resolve(QProcessEnvironment::systemEnvironment(), in.cacheDir), fields);
}

} // namespace

int runCleanVerb(const Invocation &in)
{
    int code = Ok;
    const CleanupRules rules = rulesFrom(in, &code);
    if (code != Ok)
        return code;
    const bool json = in.has("--json");
    const bool dryRun = in.has("--dry-run");
    const bool trash = in.has("--trash");
    if (!in.missingCacheNote.isEmpty() && !json) {
        out() << in.missingCacheNote << '\n' << tr("Nothing to clean.") << '\n';
        return Ok;
    }
    const bool policy = in.has("--policy");
    if (policy && !rules.stale) {
        out() << tr(
            "The automatic cleanup policy is off (the app's Settings page turns it on); nothing to do.")
              << '\n';
        return Ok;
    }
    const std::unique_ptr<CacheLocation> location = locationOf(in);
    if (!location)
        return Failure;
    const QString root = location->displayName();
    const QDateTime started = QDateTime::currentDateTime();
    const Result<CleanupPlan> planned = maintenance::planCleanup(*location, rules);
    if (!planned) {
        if (policy && !dryRun)
            writePolicyReport(root, started, CleanupPlan(), CleanupReport(), planned.error());
        return failure(planned.error());
    }
    const CleanupPlan &plan = *planned;
    if (!json)
        printPlan(plan, trash);
    for (const CleanupRefusal &r : plan.refusals)
        err() << "tfhub-cache: " << r.reason << (r.forcible ? tr(" (--force overrides this)") : QString())
              << '\n';
    err().flush();
    QJsonObject doc = envelopeOf(in, jsonOf(maintenance::planToJson(plan)));
    doc.insert(QStringLiteral("report"), QJsonValue()); // null until something was removed
    const int planCode = plan.refused() ? Failure : Ok;
    if (dryRun || plan.items.isEmpty()) {
        if (json)
            printJson(doc);
        if (policy && !dryRun)
            writePolicyReport(root, started, plan, CleanupReport(),
                plan.refused() ? plan.refusals.constFirst().reason : QString());
        return planCode;
    }
    if (!in.has("--yes")) {
        if (!::isatty(STDIN_FILENO)) {
            failure(tr("Refusing to clean without confirmation: standard input is not a terminal. Pass "
                       "--yes, or --dry-run to only see the plan."));
            return Usage;
        }
        const QString question = trash
            ? tr("Move these to the trash?")
            : tr("Delete these, freeing %1?").arg(util::humanSize(plan.totalBytes()));
        if (!confirm(question)) {
            out() << tr("Nothing removed.") << '\n';
            return Failure;
        }
    }
    const CleanupReport report
        = maintenance::executeCleanup(*location, plan, trash ? CleanupMode::Trash : CleanupMode::Delete);
    if (policy)
        writePolicyReport(root, started, plan, report, QString());
    if (json) {
        doc.insert(QStringLiteral("report"), jsonOf(maintenance::reportToJson(report)));
        printJson(doc);
    } else {
        printReport(report, trash);
    }
    return report.errors.isEmpty() ? planCode : Failure;
}

int runPinVerb(const Invocation &in)
{
    const std::unique_ptr<CacheLocation> location = locationOf(in);
    if (!location)
        return Failure;
    const QString root = location->displayName();
    const auto cached = [&location](const QString &key) {
        const Result<CacheEntry> e = location->scanKey(key, ScanOptions());
        return e ? *e : CacheEntry();
    };
    if (in.has("--list")) {
        if (!in.positional.isEmpty())
            return verbUsageError(QStringLiteral("pin"), tr("--list takes no HANDLE or KEY."));
        const Result<PinSet> pins = maintenance::readPins(*location);
        if (!pins)
            return failure(pins.error());
        if (in.has("--json")) {
            QJsonArray list;
            for (const Pin &p : pins->list()) {
                list.append(QJsonObject { { QStringLiteral("key"), p.key },
                    { QStringLiteral("handle"), p.handle.isEmpty() ? QJsonValue() : QJsonValue(p.handle) },
                    { QStringLiteral("pinned"), isoTime(p.pinned) },
                    { QStringLiteral("cached"), !cached(p.key).artifacts.isEmpty() } });
            }
            printJson(envelopeOf(in, QJsonObject { { QStringLiteral("pins"), list } }));
            return Ok;
        }
        if (pins->byKey.isEmpty()) {
            out() << tr("No pinned entries in %1.").arg(QDir::toNativeSeparators(root)) << '\n';
            return Ok;
        }
        Table t({ tr("KEY"), tr("PINNED"), tr("MODEL") });
        for (const Pin &p : pins->list())
            t.addRow({ p.key.left(12), p.pinned.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")),
                shown(p.handle, p.key) });
        t.print(out());
        return Ok;
    }
    if (in.positional.isEmpty())
        return verbUsageError(QStringLiteral("pin"), tr("'pin' needs a HANDLE or KEY, or --list."));
    int code = Ok;
    for (const QString &arg : in.positional) {
        const Target t = targetAt(*location, arg);
        if (t.code != Ok) {
            err() << "tfhub-cache: " << t.message << '\n';
            code = qMax(code, t.code);
            continue;
        }
        QString handle = Handle::parse(arg) && !isKeyPrefix(arg) && !isCacheKey(arg) ? arg : QString();
        if (handle.isEmpty())
            handle = cached(t.key).handle;
        const Result<bool> added = maintenance::pin(*location, t.key, handle);
        if (!added) {
            err() << "tfhub-cache: " << added.error() << '\n';
            code = qMax(code, Failure);
            continue;
        }
        out() << (*added ? tr("Pinned %1: no cleanup rule will select it.") : tr("%1 was pinned already."))
                     .arg(shown(handle, t.key))
              << '\n';
    }
    err().flush();
    return code;
}

int runUnpinVerb(const Invocation &in)
{
    if (in.positional.isEmpty())
        return verbUsageError(QStringLiteral("unpin"), tr("'unpin' needs a HANDLE or KEY."));
    const std::unique_ptr<CacheLocation> location = locationOf(in);
    if (!location)
        return Failure;
    const Result<PinSet> pins = maintenance::readPins(*location);
    if (!pins)
        return failure(pins.error());
    int code = Ok;
    for (const QString &arg : in.positional) {
        // A pinned key need not be in the cache any more: prefixes match the pins too.
        QString key;
        for (const Pin &p : pins->list()) {
            if (isKeyPrefix(arg) && p.key.startsWith(arg.toLower()))
                key = p.key;
        }
        if (key.isEmpty()) {
            const Target t = targetAt(*location, arg);
            if (t.code != Ok) {
                err() << "tfhub-cache: " << t.message << '\n';
                code = qMax(code, t.code);
                continue;
            }
            key = t.key;
        }
        const Result<bool> removed = maintenance::unpin(*location, key);
        if (!removed) {
            err() << "tfhub-cache: " << removed.error() << '\n';
            code = qMax(code, Failure);
            continue;
        }
        const QString name = shown(pins->byKey.value(key).handle, key);
        if (*removed)
            out() << tr("Unpinned %1.").arg(name) << '\n';
        else
            out() << tr("%1 was not pinned.").arg(name) << '\n';
    }
    err().flush();
    return code;
}

} // namespace tfhub::cli
