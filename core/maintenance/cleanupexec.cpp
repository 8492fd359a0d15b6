#include "core/cache/cachelocation.h"
#include "core/maintenance/cleanupplan.h"
#include "core/maintenance/cleanupsupport.h"
#include "core/maintenance/entryremoval.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace tfhub::maintenance {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cleanup", text);
}

// Why `item` must be left alone now (scanned again just before removing it), or empty. `names`
// gets the planned names that are still there.
QString recheck(const CacheEntry &now, const CleanupItem &item, const PinSet &pins, QStringList *names)
{
    if (now.artifacts.isEmpty())
        return tr("already gone");
    if (now.state == EntryState::Downloading)
        return tr("a download started since the plan: %1").arg(now.stateDetail);
    if (item.rule != CleanupRule::Selected && pins.contains(item.key))
        return tr("pinned since the plan");
    const QDateTime used = lastUsed(now);
    const bool byUse = item.rule == CleanupRule::Unused || item.rule == CleanupRule::Budget
        || item.rule == CleanupRule::Duplicate;
    if (byUse && used.isValid() && item.lastUsed.isValid() && used > item.lastUsed)
        return tr("used since the plan");
    if (item.rule == CleanupRule::Broken && item.state != EntryState::Complete
        && now.state == EntryState::Complete)
        return tr("repaired since the plan");
    for (const Artifact &a : now.artifacts) {
        if (item.names.contains(a.name))
            *names << a.name;
    }
    if (names->isEmpty())
        return tr("already gone");
    return QString();
}

QJsonValue orNull(const QString &s)
{
    return s.isEmpty() ? QJsonValue() : QJsonValue(s);
}

} // namespace

namespace {

// What carrying out a plan needs of where the cache is: the pins now, one key's entry now, and
// removing some of its artifacts (with the bytes that went, or the error).
struct Executor
{
    Result<PinSet> pins;
    std::function<Result<CacheEntry>(const QString &key)> scanKey;
    std::function<RemovalOutcome(const CleanupItem &item, const CacheEntry &now, const QStringList &names)>
        remove;
};

CleanupReport run(const CleanupPlan &plan, CleanupMode mode,
    const std::function<bool(const CleanupProgress &)> &progress, const Executor &x)
{
    CleanupReport report;
    // Pins set since the plan count: another window or the CLI may have pinned an entry meanwhile.
    const PinSet pins = x.pins ? *x.pins : PinSet();
    if (!x.pins)
        report.errors << x.pins.error();
    CleanupProgress p;
    p.total = static_cast<int>(plan.items.size());
    for (const CleanupItem &item : plan.items) {
        QStringList names;
        const Result<CacheEntry> now
            = x.pins ? x.scanKey(item.key) : Result<CacheEntry>(Error { x.pins.error() });
        const QString why = now ? recheck(*now, item, pins, &names) : now.error();
        if (!why.isEmpty()) {
            report.skipped.append({ item.key, item.handle, why });
        } else {
            const RemovalOutcome out = x.remove(item, *now, names);
            if (out.ok) {
                CleanupItem done = item;
                done.bytes = mode == CleanupMode::Delete ? out.freedBytes : item.bytes;
                report.removed << done;
                report.freedBytes += out.freedBytes;
                report.trashedBytes += mode == CleanupMode::Trash ? item.bytes : 0;
            } else if (!out.error.isEmpty()) {
                report.errors << out.error;
            }
        }
        p.done += 1;
        p.freedBytes = report.freedBytes;
        p.key = item.key;
        if (progress && !progress(p) && p.done < p.total) {
            report.cancelled = true;
            break;
        }
    }
    return report;
}

} // namespace

CleanupReport executeCleanup(const CleanupPlan &plan, CleanupMode mode,
    const std::function<bool(const CleanupProgress &)> &progress, const ScanOptions &options)
{
    Executor x { readPins(plan.root), {}, {} };
    x.scanKey
        = [&](const QString &key) { return Result<CacheEntry>(cache::scanKey(plan.root, key, options)); };
    x.remove = [&](const CleanupItem &item, const CacheEntry &, const QStringList &names) {
        RemovalPlan r;
        r.root = plan.root;
        r.key = item.key;
        r.handle = item.handle;
        r.names = names;
        r.diskBytes = item.bytes;
        return mode == CleanupMode::Delete ? executeRemoval(r, {}, {}, options) : moveToTrash(r, options);
    };
    return run(plan, mode, progress, x);
}

CleanupReport executeCleanup(CacheLocation &location, const CleanupPlan &plan, CleanupMode mode,
    const std::function<bool(const CleanupProgress &)> &progress, const ScanOptions &options)
{
    if (location.isLocal())
        return executeCleanup(plan, mode, progress, options);
    if (mode == CleanupMode::Trash) {
        CleanupReport report;
        report.errors << tr("%1 has no trash: its entries can only be deleted.").arg(location.displayName());
        return report;
    }
    Executor x { readPins(location), {}, {} };
    x.scanKey = [&](const QString &key) { return location.scanKey(key, options); };
    x.remove = [&](const CleanupItem &, const CacheEntry &now, const QStringList &names) {
        RemovalOutcome out;
        const QStringList errors = location.removeArtifacts(now, names, &out.freedBytes);
        out.ok = errors.isEmpty();
        out.error = errors.join(QLatin1Char('\n'));
        return out;
    };
    return run(plan, mode, progress, x);
}

QByteArray planToJson(const CleanupPlan &plan)
{
    QJsonArray items;
    for (const CleanupItem &i : plan.items) {
        items.append(QJsonObject { { QStringLiteral("rule"), ruleName(i.rule) },
            { QStringLiteral("reason"), i.reason }, { QStringLiteral("bytes"), i.bytes },
            { QStringLiteral("key"), i.key }, { QStringLiteral("handle"), orNull(i.handle) },
            { QStringLiteral("names"), QJsonArray::fromStringList(i.names) },
            { QStringLiteral("wholeEntry"), i.wholeEntry },
            { QStringLiteral("servedHandles"), QJsonArray::fromStringList(i.servedHandles) } });
    }
    QJsonArray refusals;
    for (const CleanupRefusal &r : plan.refusals)
        refusals.append(QJsonObject { { QStringLiteral("rule"), orNull(r.rule) },
            { QStringLiteral("reason"), r.reason }, { QStringLiteral("forcible"), r.forcible } });
    QJsonArray kept;
    for (const CleanupKept &k : plan.kept)
        kept.append(QJsonObject { { QStringLiteral("key"), k.key },
            { QStringLiteral("handle"), orNull(k.handle) }, { QStringLiteral("reason"), k.reason } });
    const QJsonObject o { { QStringLiteral("schema"), 1 }, { QStringLiteral("cacheDir"), plan.root },
        { QStringLiteral("cacheBytes"), plan.cacheBytes },
        { QStringLiteral("totalBytes"), plan.totalBytes() }, { QStringLiteral("items"), items },
        { QStringLiteral("refusals"), refusals }, { QStringLiteral("kept"), kept },
        { QStringLiteral("notes"), QJsonArray::fromStringList(plan.notes) } };
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

QByteArray reportToJson(const CleanupReport &report)
{
    QJsonArray removed;
    for (const CleanupItem &i : report.removed)
        removed.append(
            QJsonObject { { QStringLiteral("rule"), ruleName(i.rule) }, { QStringLiteral("key"), i.key },
                { QStringLiteral("handle"), orNull(i.handle) }, { QStringLiteral("bytes"), i.bytes } });
    QJsonArray skipped;
    for (const CleanupSkip &s : report.skipped)
        skipped.append(QJsonObject { { QStringLiteral("key"), s.key },
            { QStringLiteral("handle"), orNull(s.handle) }, { QStringLiteral("reason"), s.reason } });
    const QJsonObject o { { QStringLiteral("schema"), 1 },
        { QStringLiteral("freedBytes"), report.freedBytes },
        { QStringLiteral("trashedBytes"), report.trashedBytes }, { QStringLiteral("removed"), removed },
        { QStringLiteral("skipped"), skipped },
        { QStringLiteral("errors"), QJsonArray::fromStringList(report.errors) },
        { QStringLiteral("cancelled"), report.cancelled } };
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

} // namespace tfhub::maintenance
