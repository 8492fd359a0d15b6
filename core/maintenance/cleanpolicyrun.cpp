#include "core/maintenance/cleanpolicyrun.h"

#include <QCoreApplication>

namespace tfhub::maintenance {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cleanpolicy", text);
}

PolicyReport::Item reportItem(
    const QString &key, const QString &handle, const QString &rule, const QString &reason, qint64 bytes = 0)
{
    return PolicyReport::Item { key, handle, rule, reason, bytes };
}

// Drops the items the guard must keep from `plan`, noting them in `report`.
void guardPlan(CleanupPlan *plan, const PolicyGuard &guard, PolicyReport *report)
{
    QList<CleanupItem> allowed;
    for (const CleanupItem &item : std::as_const(plan->items)) {
        CacheEntry probe;
        probe.key = item.key;
        probe.lastAccessed = item.lastUsed;
        // Stale leftovers hold nothing a loader reads; only an open file protects them.
        if (item.rule == CleanupRule::Stale && !guard.open().contains(item.key))
            probe.lastAccessed = QDateTime();
        const QString reason = guard.keepReason(probe);
        if (reason.isEmpty())
            allowed << item;
        else
            report->kept << reportItem(item.key, item.handle, ruleName(item.rule), reason, item.bytes);
    }
    plan->items = allowed;
}

} // namespace

CleanupRules policyRules(const CleanPolicy &policy, const QDateTime &now)
{
    CleanupRules rules;
    rules.stale = true;
    rules.unusedDays = policy.unusedEnabled ? policy.unusedDays : -1;
    rules.maxBytes = policy.budgetEnabled ? policy.maxBytes : -1;
    rules.protectRecentlyUsed = true;
    rules.now = now;
    return rules;
}

PolicyReport applyCleanPolicy(const QString &root, const CleanPolicy &policy, const QString &trigger,
    const std::function<bool()> &cancelled, const ScanOptions &options)
{
    PolicyReport report;
    report.started = QDateTime::currentDateTime();
    report.trigger = trigger;
    report.cacheRoot = root;
    report.policy = policy;
    const auto finish = [&report] {
        report.finished = QDateTime::currentDateTime();
        return report;
    };
    if (!policy.enabled) {
        report.error = tr("the automatic cleanup policy is off (Settings, Automatic cleanup)");
        return finish();
    }
    Result<CleanupPlan> planned = planCleanup(root, policyRules(policy), options);
    if (!planned) {
        report.error = planned.error();
        return finish();
    }
    CleanupPlan plan = std::move(planned).value();
    if (plan.refused()) {
        QStringList reasons;
        for (const CleanupRefusal &r : std::as_const(plan.refusals))
            reasons << r.reason;
        report.error = reasons.join(QLatin1Char(' '));
        return finish();
    }
    for (const CleanupKept &k : std::as_const(plan.kept))
        report.kept << reportItem(k.key, k.handle, QString(), k.reason);
    guardPlan(&plan, PolicyGuard(root), &report);
    const CleanupReport done = executeCleanup(
        plan, CleanupMode::Delete,
        [&cancelled](const CleanupProgress &) { return !cancelled || !cancelled(); }, options);
    report.freedBytes = done.freedBytes;
    for (const CleanupItem &item : done.removed)
        report.removed << reportItem(item.key, item.handle, ruleName(item.rule), item.reason, item.bytes);
    for (const CleanupSkip &s : done.skipped)
        report.kept << reportItem(s.key, s.handle, QString(), s.reason);
    if (!done.errors.isEmpty())
        report.error = done.errors.join(QLatin1Char(' '));
    else if (done.cancelled)
        report.error = tr("cancelled before every item was handled");
    return finish();
}

PolicyReport runCleanPolicy(const QString &root, const CleanPolicy &policy, const QString &trigger,
    const QString &reportPath, const ScanOptions &options)
{
    PolicyReport report = applyCleanPolicy(root, policy, trigger, {}, options);
    if (const Status s = writeCleanReport(report, reportPath); !s)
        report.error = report.error.isEmpty() ? s.error() : report.error + QLatin1Char(' ') + s.error();
    return report;
}

} // namespace tfhub::maintenance
