#pragma once

#include "core/cache/cachescanner.h"
#include "core/maintenance/pins.h"
#include "core/util/result.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>

namespace tfhub {

class CacheLocation;

/// Why a cleanup plan selected an item.
enum class CleanupRule {
    Stale, ///< abandoned downloads, stale locks, orphan descriptors/manifests, empty folders, temps
    Broken, ///< not-loadable or broken entries, and (with verify) entries that differ from our manifest
    Duplicate, ///< the same files as another entry (another spelling of the same model)
    Unused, ///< not used for N days
    Budget, ///< evicted, least recently used first, to keep the cache under a size
    Selected, ///< named explicitly (the Cache page, `rm`)
};

QString ruleName(
    CleanupRule rule); ///< stable machine name: stale, broken, duplicate, unused, budget, selected
QString ruleLabel(CleanupRule rule); ///< translated heading, e.g. "Stale leftovers"
QList<CleanupRule> allRules();

/// The rules a plan applies; every rule is off unless set.
struct CleanupRules final
{
    bool stale = false;
    bool broken = false;
    bool verify = false; ///< broken also hashes entries that have our manifest (reads every byte)
    bool duplicates = false;
    int unusedDays = -1; ///< select entries not used for this many days; < 0: off
    qint64 maxBytes = -1; ///< keep the cache's on-disk size under this; < 0: off
    QStringList selected; ///< cache keys chosen explicitly
    /// The automatic policy's protection: never select an entry whose files were read in the last
    /// 24 hours or are open by a process on this host (hub.load() takes no lock while it loads).
    bool protectRecentlyUsed = false;
    bool force = false; ///< overrides the safety refusals (a root that is `/`, a home, mostly foreign)
    QDateTime now; ///< invalid: the current time; tests pass their own
};

/// One thing a plan removes: all or some of the items named after one cache key.
struct CleanupItem final
{
    QString key;
    QString handle; ///< empty when unknown
    CleanupRule rule = CleanupRule::Stale;
    QString reason; ///< plain words, e.g. "not used for 94 days"
    qint64 bytes = 0; ///< allocated bytes a delete frees
    QStringList names; ///< items of the cache root removed, all named after `key`
    QStringList paths; ///< the same, absolute
    bool wholeEntry = false; ///< the model folder goes too (not only leftovers)
    EntryState state = EntryState::Foreign; ///< the entry's state when planned
    QDateTime lastUsed; ///< newest use when planned; execution skips an entry used since
    QStringList servedHandles; ///< duplicates: the handles this copy served (they download again)
};

/// A rule, or the whole plan, that selected nothing on purpose, and why.
struct CleanupRefusal final
{
    QString rule; ///< ruleName(), or empty when every rule is refused (the safety checks)
    QString reason;
    bool forcible = false; ///< CleanupRules::force would override it
};

/// An entry a rule would have taken but did not (pinned, live download, in use), for the report.
struct CleanupKept final
{
    QString key;
    QString handle;
    QString reason;
};

struct CleanupPlan final
{
    QString root;
    QList<CleanupItem> items; ///< grouped by rule in allRules() order, each entry at most once
    QList<CleanupRefusal> refusals;
    QList<CleanupKept> kept;
    QStringList notes; ///< e.g. "pinned and live entries alone exceed the budget"
    qint64 cacheBytes = 0; ///< on-disk size of the cache entries when planned (foreign items excluded)

    qint64 totalBytes() const;
    qint64 bytesFor(CleanupRule rule) const;
    QList<CleanupItem> itemsFor(CleanupRule rule) const;
    bool refused() const; ///< a refusal stops every rule
};

enum class CleanupMode {
    Delete, ///< frees the space
    Trash, ///< moves to the user's trash: frees nothing until the trash is emptied
};

/// Reported after each item; returning false from the callback stops before the next item.
struct CleanupProgress final
{
    int done = 0; ///< items handled so far (removed or skipped)
    int total = 0;
    qint64 freedBytes = 0;
    QString key; ///< the item just handled
};

struct CleanupSkip final
{
    QString key;
    QString handle;
    QString reason;
};

struct CleanupReport final
{
    qint64 freedBytes = 0; ///< blocks actually freed by deleting
    qint64 trashedBytes = 0; ///< bytes moved to the trash (still used until it is emptied)
    QList<CleanupItem> removed; ///< `bytes` is what was freed (delete) or moved (trash)
    QList<CleanupSkip> skipped; ///< re-checked and left alone, with why
    QStringList errors; ///< names the item and the cause
    bool cancelled = false;
};

namespace maintenance {

/// Plans from a finished scan (`entries` as scanAll returns them): no second walk of the tree.
/// `pins` are never selected by a rule; live downloads never are.
CleanupPlan planCleanup(const QString &root, const QList<CacheEntry> &entries, const PinSet &pins,
    const CleanupRules &rules, const ScanOptions &options = ScanOptions());

/// The same over any location (a local folder plans as above). On Cloud Storage: no access
/// times (the unused rule refuses, the budget goes by download time), no local processes, and
/// duplicates and --verify read the objects' listing and content.
CleanupPlan planCleanup(CacheLocation &location, const QList<CacheEntry> &entries, const PinSet &pins,
    const CleanupRules &rules, const ScanOptions &options = ScanOptions());

/// Scans `root` once, reads its pins and plans. Errors name the folder and the cause.
Result<CleanupPlan> planCleanup(
    const QString &root, const CleanupRules &rules, const ScanOptions &options = ScanOptions());

/// Why a cache root must not be cleaned by rules (`/`, a home folder, more foreign items than
/// cache items), or empty. `entries` is the scan of the root.
QString rootRefusal(const QString &root, const QList<CacheEntry> &entries);

/// Carries out `plan`: each item is scanned again right before it is removed and skipped (with
/// the reason) when a download started, it was pinned, used or repaired since the plan.
/// `progress` is called after each item; returning false stops there, leaving the rest intact.
CleanupReport executeCleanup(const CleanupPlan &plan, CleanupMode mode,
    const std::function<bool(const CleanupProgress &)> &progress = {},
    const ScanOptions &options = ScanOptions());

/// The same on any location (a local folder as above). On Cloud Storage every item is listed
/// again before its objects are deleted; there is no trash (CleanupMode::Trash fails).
CleanupReport executeCleanup(CacheLocation &location, const CleanupPlan &plan, CleanupMode mode,
    const std::function<bool(const CleanupProgress &)> &progress = {},
    const ScanOptions &options = ScanOptions());

/// The plan as JSON (schema 1): `{schema, cacheDir, totalBytes, items: [{rule, reason, bytes, key,
/// handle, names, wholeEntry, servedHandles}], refusals: [{rule, reason, forcible}], kept: [{key,
/// handle, reason}], notes}`.
QByteArray planToJson(const CleanupPlan &plan);

/// The report as JSON: `{schema, freedBytes, trashedBytes, removed: [{rule, key, handle, bytes}],
/// skipped: [{key, handle, reason}], errors, cancelled}`.
QByteArray reportToJson(const CleanupReport &report);

} // namespace maintenance

} // namespace tfhub
