#include "app/cli/climaintenance.h"

#include "app/cli/clicommon.h"
#include "app/cli/cligcs.h"
#include "app/cli/clitarget.h"

#include "core/cache/cachescanner.h"
#include "core/hub/handle.h"
#include "core/hub/hubsettings.h"
#include "core/maintenance/cleanupplan.h"
#include "core/maintenance/entryremoval.h"
#include "core/util/humanize.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QTextStream>

#include <cstdio>
#include <optional>
#include <unistd.h>

namespace tfhub::cli {

namespace {

QString tr(const char *text, const char *disambiguation = nullptr, int n = -1)
{
    return QCoreApplication::translate("tfhub::cli", text, disambiguation, n);
}

constexpr int Ok = 0;
constexpr int Failure = 1;
constexpr int Usage = 2;

int rmUsageError(const QString &message)
{
    return verbUsageError(QStringLiteral("rm"), message);
}

void problem(const QString &message)
{
    err() << "tfhub-cache: " << message << '\n';
    err().flush();
}

QString label(const RemovalPlan &p)
{
    return p.handle.isEmpty() ? tr("unknown model %1").arg(p.key)
                              : tr("%1 (%2)").arg(p.handle, p.key.left(12));
}

// Plans one argument; an empty plan key means the argument named nothing removable.
RemovalPlan planFor(CacheLocation &location, const QString &arg)
{
    const QString root = location.displayName();
    QString key = arg;
    if (!isCacheKey(arg)) {
        // A foreign item named on purpose gets the planner's refusal, which says why.
        if (!arg.contains(QLatin1Char('/')) && cache::itemKey(arg) == arg && location.isLocal()
            && QFileInfo::exists(root + u'/' + arg))
            return maintenance::planRemoval(root, arg);
        const Result<Handle> h = Handle::parse(arg);
        if (!h) {
            RemovalPlan p;
            p.key = arg;
            p.refusal = h.error();
            return p;
        }
        key = h->cacheKey();
    }
    RemovalPlan p = maintenance::planRemoval(location, key);
    if (p.unreadable)
        return p;
    if (p.names.isEmpty() && p.refusal.isEmpty())
        p.refusal = tr("There is no cache entry for %1 in %2.").arg(arg, QDir::toNativeSeparators(root));
    else if (p.names.isEmpty())
        p.refusal = tr("There is no cache entry for %1 (key %2) in %3.")
                        .arg(arg, key, QDir::toNativeSeparators(root));
    return p;
}

// Without a loaded translation "%n" cannot pick a plural form; English needs two strings.
QString entriesText(qsizetype n)
{
    return n == 1 ? tr("1 entry") : tr("%n entries", nullptr, static_cast<int>(n));
}

bool confirm(const QString &question)
{
    out() << question << ' ' << tr("[y/N] ");
    out().flush();
    QTextStream in(stdin);
    const QString answer = in.readLine().trimmed().toLower();
    return answer == QLatin1String("y") || answer == QLatin1String("yes");
}

// The removal plans of the arguments, once each; nullopt (the reason printed) when a key prefix is
// ambiguous, so that nothing is removed. `failed` is set when an argument names nothing removable.
std::optional<QList<RemovalPlan>> plansFor(CacheLocation &location, const QStringList &targets, bool *failed)
{
    const QString root = location.displayName();
    QStringList resolved;
    for (const QString &target : targets) {
        // A key prefix as 'list' prints it, unless an item of the root has that very name.
        if (!isKeyPrefix(target) || (location.isLocal() && QFileInfo::exists(root + u'/' + target))) {
            resolved << target;
            continue;
        }
        const Target t = targetAt(location, target);
        if (t.code == Usage) {
            problem(t.message);
            return std::nullopt;
        }
        if (t.code == Ok)
            resolved << t.key;
        else
            problem(t.message);
        *failed = *failed || t.code != Ok;
    }
    QList<RemovalPlan> plans;
    QStringList seen;
    for (const QString &target : std::as_const(resolved)) {
        const RemovalPlan p = planFor(location, target);
        if (!p.canRemove()) {
            problem(p.refusal);
            *failed = true;
        } else if (!seen.contains(p.key)) {
            seen << p.key;
            plans << p;
        }
    }
    return plans;
}

// Removes (or trashes) every planned entry through the cleanup planner (explicit selection: the
// same re-check before each removal as `clean`) and reports each; returns false when one failed.
bool execute(CacheLocation &location, const QList<RemovalPlan> &plans, bool trash)
{
    const QString root = location.displayName();
    CleanupRules rules;
    QStringList keys;
    for (const RemovalPlan &p : plans)
        keys << p.key;
    rules.selected = keys;
    const Result<PinSet> pins = maintenance::readPins(location);
    if (!pins) {
        problem(pins.error());
        return false;
    }
    QList<CacheEntry> entries;
    if (location.isLocal()) {
        entries = cache::scanItems(root, keys, ScanOptions());
    } else {
        for (const QString &key : std::as_const(keys)) {
            const Result<CacheEntry> e = location.scanKey(key, ScanOptions());
            if (e && !e->artifacts.isEmpty())
                entries << *e;
        }
    }
    const CleanupPlan plan = maintenance::planCleanup(location, entries, *pins, rules);
    bool ok = true;
    for (const CleanupKept &k : plan.kept) {
        problem(tr("%1: %2").arg(k.handle.isEmpty() ? k.key : k.handle, k.reason));
        ok = false;
    }
    const auto labelOf = [](const QString &handle, const QString &key) {
        return handle.isEmpty() ? tr("unknown model %1").arg(key) : tr("%1 (%2)").arg(handle, key.left(12));
    };
    const CleanupReport report
        = maintenance::executeCleanup(location, plan, trash ? CleanupMode::Trash : CleanupMode::Delete);
    for (const CleanupItem &i : report.removed) {
        if (trash)
            out() << tr("Moved %1 to the trash.").arg(labelOf(i.handle, i.key)) << '\n';
        else
            out() << tr("Deleted %1, freed %2.").arg(labelOf(i.handle, i.key), util::humanSize(i.bytes))
                  << '\n';
    }
    for (const CleanupSkip &skip : report.skipped) {
        problem(tr("%1 was not removed: %2").arg(labelOf(skip.handle, skip.key), skip.reason));
        ok = false;
    }
    for (const QString &e : report.errors) {
        problem(e);
        ok = false;
    }
    if (trash)
        out() << tr("Nothing is freed until the trash is emptied.") << '\n';
    else if (report.removed.size() > 1)
        out() << tr("Freed %1 in total.").arg(util::humanSize(report.freedBytes)) << '\n';
    out().flush();
    return ok;
}

} // namespace

int runRemoveVerb(const Invocation &in)
{
    const bool trash = in.has("--trash");
    const bool dryRun = in.has("--dry-run");
    const bool yes = in.has("--yes");
    const QStringList &targets = in.positional;
    const QString &cacheDir = in.cacheDir;
    if (targets.isEmpty())
        return rmUsageError(tr("'rm' needs at least one HANDLE or KEY."));
    if (!in.missingCacheNote.isEmpty()) {
        problem(in.missingCacheNote);
        return Failure;
    }

    const QString dir = HubSettings::resolve(QProcessEnvironment::systemEnvironment(), cacheDir).cacheDir;
    const std::unique_ptr<CacheLocation> location
        = openLocation(isGcsCacheDir(dir) ? dir : QDir(dir).absolutePath());
    if (!location)
        return Failure;
    const QString root = location->displayName();
    bool failed = false;
    const std::optional<QList<RemovalPlan>> planned = plansFor(*location, targets, &failed);
    if (!planned)
        return Usage;
    const QList<RemovalPlan> &plans = *planned;
    if (plans.isEmpty())
        return Failure;

    qint64 total = 0;
    for (const RemovalPlan &p : std::as_const(plans)) {
        total += p.diskBytes;
        out() << (dryRun ? tr("Would remove %1: %2").arg(label(p), util::humanSize(p.diskBytes))
                         : tr("%1: %2").arg(label(p), util::humanSize(p.diskBytes)))
              << '\n';
        for (const QString &name : p.names)
            out() << "  " << QDir::toNativeSeparators(root + u'/' + name) << '\n';
    }
    if (dryRun) {
        out() << (trash ? tr("Would move %1 (%2) to the trash; nothing is freed until the trash is emptied.")
                        : tr("Would free %2 in %1."))
                     .arg(entriesText(plans.size()), util::humanSize(total))
              << '\n';
        out().flush();
        return failed ? Failure : Ok;
    }
    out().flush();

    if (!yes) {
        if (!::isatty(STDIN_FILENO)) {
            problem(
                tr("Refusing to remove without confirmation: standard input is not a terminal. Pass --yes."));
            return Usage;
        }
        const QString question = trash
            ? tr("Move %1 to the trash? Nothing is freed until the trash is emptied.")
                  .arg(entriesText(plans.size()))
            : tr("Delete %1, freeing %2?").arg(entriesText(plans.size()), util::humanSize(total));
        if (!confirm(question)) {
            out() << tr("Nothing removed.") << '\n';
            out().flush();
            return Failure;
        }
    }

    if (!execute(*location, plans, trash))
        failed = true;
    return failed ? Failure : Ok;
}

} // namespace tfhub::cli
