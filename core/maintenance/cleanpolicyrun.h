#pragma once

#include "core/cache/cachescanner.h"
#include "core/maintenance/cleanpolicy.h"
#include "core/maintenance/cleanupplan.h"

#include <functional>

namespace tfhub::maintenance {

/// The planner's rules for the policy: stale always, unused and budget as set, with the
/// protection of recently used and open entries on.
CleanupRules policyRules(const CleanPolicy &policy, const QDateTime &now = QDateTime());

/// Applies the policy to `root` once: plans with policyRules(), keeps what a PolicyGuard says must
/// stay, deletes the rest (re-checked item by item by the planner's executor) and returns what it
/// did. A policy that is off does nothing and says so. `trigger` is "app", "timer" or "cli".
/// `cancelled` is asked between items.
PolicyReport applyCleanPolicy(const QString &root, const CleanPolicy &policy, const QString &trigger,
    const std::function<bool()> &cancelled = {}, const ScanOptions &options = ScanOptions());

/// applyCleanPolicy(), then the report written to `reportPath` (a failure to write it is added to
/// the report's error): what `tfhub-cache clean --policy` and the app's start run.
PolicyReport runCleanPolicy(const QString &root, const CleanPolicy &policy, const QString &trigger,
    const QString &reportPath = cleanReportPath(), const ScanOptions &options = ScanOptions());

} // namespace tfhub::maintenance
