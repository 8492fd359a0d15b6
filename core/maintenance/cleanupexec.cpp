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
QString recheck(const CleanupPlan &plan, const CleanupItem &item, const PinSet &pins,
    const ScanOptions &options, QStringList *names)
{
    const CacheEntry now = cache::scanKey(plan.root, item.key, options);
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

CleanupReport executeCleanup(const CleanupPlan &plan, CleanupMode mode,
    const std::function<bool(const CleanupProgress &)> &progress, const ScanOptions &options)
{
    CleanupReport report;
    // Pins set since the plan count: another window or the CLI may have pinned an entry meanwhile.
    const Result<PinSet> pinsNow = readPins(plan.root);
    const PinSet pins = pinsNow ? *pinsNow : PinSet();
    if (!pinsNow)
        report.errors << pinsNow.error();
    CleanupProgress p;
    p.total = static_cast<int>(plan.items.size());
    for (const CleanupItem &item : plan.items) {
        QStringList names;
        const QString why = pinsNow ? recheck(plan, item, pins, options, &names) : pinsNow.error();
        if (!why.isEmpty()) {
            report.skipped.append({ item.key, item.handle, why });
        } else {
            RemovalPlan r;
            r.root = plan.root;
            r.key = item.key;
            r.handle = item.handle;
            r.names = names;
            r.diskBytes = item.bytes;
            const RemovalOutcome out
                = mode == CleanupMode::Delete ? executeRemoval(r, {}, {}, options) : moveToTrash(r, options);
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
