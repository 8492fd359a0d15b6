#include "core/maintenance/cleanupplan.h"

#include "core/cache/cachelocation.h"
#include "core/cache/manifest.h"
#include "core/maintenance/cleanupsupport.h"
#include "core/maintenance/entryremoval.h"
#include "core/maintenance/locationcleanup.h"
#include "core/util/fsutil.h"
#include "core/util/humanize.h"

#include <QCoreApplication>
#include <QDir>
#include <QHash>
#include <QSet>

#include <algorithm>

namespace tfhub {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cleanup", text);
}

QString nameOf(const CacheEntry &e)
{
    return e.handle.isEmpty() ? tr("the entry %1").arg(e.key) : e.handle;
}

bool isLeftover(const Artifact &a)
{
    return a.kind == Artifact::Kind::Lock || a.kind == Artifact::Kind::TmpFolder
        || a.kind == Artifact::Kind::AtomicTemp;
}

// The whole entry is a leftover: nothing tensorflow_hub would load is there.
bool isStaleState(EntryState s)
{
    return s == EntryState::StaleLock || s == EntryState::AbandonedPartial
        || s == EntryState::OrphanDescriptor || s == EntryState::EmptyFolder;
}

// Builds a plan rule by rule over one scan; each entry is taken whole at most once, and
// leftovers taken by the stale rule are never counted again by a later rule.
class Planner final
{
public:
    // `location`: a cache elsewhere than a local folder (null for the local folder `root`).
    Planner(const QString &root, const QList<CacheEntry> &entries, const PinSet &pins,
        const CleanupRules &rules, const ScanOptions &options, CacheLocation *location = nullptr)
        : m_entries(entries), m_pins(pins), m_rules(rules), m_options(options), m_location(location)
    {
        m_plan.root = location ? location->displayName() : QDir::cleanPath(root);
        m_now = rules.now.isValid() ? rules.now : QDateTime::currentDateTime();
        for (const CacheEntry &e : entries) {
            if (e.state != EntryState::Foreign)
                m_plan.cacheBytes += e.diskBytes;
        }
        if (rules.protectRecentlyUsed && !location)
            m_openKeys = maintenance::keysOpenByProcesses(m_plan.root);
    }

    CleanupPlan run()
    {
        const bool anyRule = m_rules.stale || m_rules.broken || m_rules.duplicates || m_rules.unusedDays >= 0
            || m_rules.maxBytes >= 0;
        const QString refusal = anyRule ? maintenance::rootRefusal(m_plan.root, m_entries) : QString();
        if (!refusal.isEmpty() && !m_rules.force) {
            m_plan.refusals.append({ QString(), refusal, true });
        } else {
            if (!refusal.isEmpty())
                m_plan.notes << tr("Forced: %1").arg(refusal);
            if (m_rules.stale)
                planStale();
            if (m_rules.broken)
                planBroken();
            if (m_rules.duplicates)
                planDuplicates();
            if (m_rules.unusedDays >= 0)
                planUnused();
            if (m_rules.maxBytes >= 0)
                planBudget();
        }
        planSelected();
        std::stable_sort(m_plan.items.begin(), m_plan.items.end(),
            [](const CleanupItem &a, const CleanupItem &b) { return int(a.rule) < int(b.rule); });
        return m_plan;
    }

private:
    // Why a rule must leave `e` alone, or empty. Noted once per entry in the plan's `kept`.
    QString protection(const CacheEntry &e)
    {
        QString why;
        if (e.state == EntryState::Downloading)
            why = tr("being downloaded: %1").arg(e.stateDetail);
        else if (m_pins.contains(e.key))
            why = tr("pinned");
        else if (m_rules.protectRecentlyUsed && m_openKeys.contains(e.key))
            why = tr("open by a running process");
        else if (m_rules.protectRecentlyUsed && e.lastAccessed.isValid()
            && e.lastAccessed.secsTo(m_now) < 86400)
            why = tr("read in the last 24 hours (%1)").arg(util::relativeTime(e.lastAccessed, m_now));
        if (!why.isEmpty() && !m_keptKeys.contains(e.key)) {
            m_keptKeys.insert(e.key);
            m_plan.kept.append({ e.key, e.handle, why });
        }
        return why;
    }

    bool takenWhole(const QString &key) const { return m_whole.contains(key); }

    // Adds `e` (whole, or only its leftovers) unless a rule took it already.
    void add(const CacheEntry &e, CleanupRule rule, const QString &reason, bool whole,
        const QStringList &served = {})
    {
        if (takenWhole(e.key))
            return;
        CleanupItem item;
        item.key = e.key;
        item.handle = e.handle;
        item.rule = rule;
        item.reason = reason;
        item.wholeEntry = whole;
        item.state = e.state;
        item.lastUsed = maintenance::lastUsed(e);
        item.servedHandles = served;
        const QSet<QString> already = m_partial.value(e.key);
        for (const Artifact &a : e.artifacts) {
            if (!maintenance::isNamedAfterKey(a.name, e.key) || already.contains(a.name))
                continue;
            if (!whole && !isLeftover(a))
                continue;
            item.names << a.name;
            item.paths << m_plan.root + QLatin1Char('/') + a.name;
            item.bytes += a.diskBytes;
        }
        if (item.names.isEmpty())
            return;
        if (whole)
            m_whole.insert(e.key);
        else
            m_partial[e.key] += QSet<QString>(item.names.cbegin(), item.names.cend());
        m_plannedBytes += item.bytes;
        m_plan.items.append(item);
    }

    qint64 plannedBytes() const { return m_plannedBytes; }

    void planStale();
    void planBroken();
    void planDuplicates();
    void planUnused();
    void planBudget();
    void planSelected();

    const QList<CacheEntry> &m_entries;
    const PinSet &m_pins;
    const CleanupRules &m_rules;
    ScanOptions m_options;
    QDateTime m_now;
    CleanupPlan m_plan;
    QSet<QString> m_whole;
    QHash<QString, QSet<QString>> m_partial;
    QSet<QString> m_keptKeys;
    QSet<QString> m_openKeys;
    qint64 m_plannedBytes = 0;
    CacheLocation *m_location = nullptr;
};

void Planner::planStale()
{
    for (const CacheEntry &e : m_entries) {
        const bool whole = isStaleState(e.state);
        // A live download is noted as kept: its tmp folder would look like a leftover otherwise.
        if (e.state == EntryState::Foreign
            || (!whole && e.state != EntryState::Downloading
                && std::none_of(e.artifacts.cbegin(), e.artifacts.cend(), isLeftover)))
            continue;
        if (!protection(e).isEmpty())
            continue;
        if (whole) {
            add(e, CleanupRule::Stale, maintenance::staleReason(e, m_options, m_now), true);
        } else {
            add(e, CleanupRule::Stale, maintenance::leftoverReason(e, m_now), false);
        }
    }
}

void Planner::planBroken()
{
    for (const CacheEntry &e : m_entries) {
        const bool candidate = e.state == EntryState::NotLoadable || e.state == EntryState::Broken
            || (m_rules.verify && e.state == EntryState::Complete && e.hasManifest);
        if (!candidate || !protection(e).isEmpty())
            continue;
        if (e.state == EntryState::NotLoadable) {
            add(e, CleanupRule::Broken,
                e.stateDetail.isEmpty()
                    ? tr("holds no model tensorflow_hub can load (no saved_model.pb, TFLite or TF.js model)")
                    : tr("holds no model tensorflow_hub can load: %1").arg(e.stateDetail),
                true);
        } else if (e.state == EntryState::Broken) {
            add(e, CleanupRule::Broken,
                tr("a required file is missing: %1").arg(e.missingFiles.join(QStringLiteral(", "))), true);
        } else if (m_rules.verify && e.state == EntryState::Complete && e.hasManifest) {
            const QString folder = m_plan.root + QLatin1Char('/') + e.key;
            const Result<Manifest> m = m_location ? maintenance::loadManifest(*m_location, e.key)
                                                  : Manifest::load(folder + QStringLiteral(".manifest.json"));
            if (!m)
                continue;
            const Result<VerifyReport> r = m_location ? maintenance::verifyEntry(*m_location, e.key, *m, true)
                                                      : verifyFolder(folder, *m);
            if (r && !r->ok())
                add(e, CleanupRule::Broken,
                    tr("its files no longer match our manifest: %1 changed, %2 missing, %3 extra")
                        .arg(r->modified.size())
                        .arg(r->missing.size())
                        .arg(r->extra.size()),
                    true);
        }
    }
}

void Planner::planDuplicates()
{
    QList<const CacheEntry *> candidates;
    for (const CacheEntry &e : m_entries) {
        if (e.state == EntryState::Complete && !takenWhole(e.key))
            candidates << &e;
    }
    const QList<QList<const CacheEntry *>> groups = m_location
        ? maintenance::duplicateGroups(*m_location, candidates)
        : maintenance::duplicateGroups(m_plan.root, candidates);
    for (const QList<const CacheEntry *> &group : groups) {
        // The most recently used copy stays (and every pinned or live one).
        const CacheEntry *keep
            = *std::max_element(group.cbegin(), group.cend(), [](const CacheEntry *a, const CacheEntry *b) {
                  return maintenance::lastUsed(*a) < maintenance::lastUsed(*b);
              });
        for (const CacheEntry *e : group) {
            if (e == keep || !protection(*e).isEmpty())
                continue;
            const QString served = e->handle.isEmpty() ? QString() : e->handle;
            add(*e, CleanupRule::Duplicate,
                served.isEmpty() ? tr("same files as %1, used more recently").arg(nameOf(*keep))
                                 : tr("same files as %1, used more recently; tensorflow_hub will download "
                                      "again for %2")
                                       .arg(nameOf(*keep), served),
                true, served.isEmpty() ? QStringList() : QStringList { served });
        }
    }
}

void Planner::planUnused()
{
    if (m_location && !m_location->capabilities().accessTimes) {
        m_plan.refusals.append({ ruleName(CleanupRule::Unused),
            tr("%1 is in Cloud Storage, which records no access times: when a model was last used cannot "
               "be told, so no entry is selected as unused (--max-size goes by download time instead).")
                .arg(m_plan.root),
            false });
        return;
    }
    if (!util::recordsAccessTimes(m_plan.root)) {
        m_plan.refusals.append({ ruleName(CleanupRule::Unused),
            tr("The file system of %1 is mounted without access times (noatime): when a model was last "
               "used cannot be told, so no entry is selected as unused.")
                .arg(QDir::toNativeSeparators(m_plan.root)),
            false });
        return;
    }
    for (const CacheEntry &e : m_entries) {
        if (e.state == EntryState::Foreign || !e.hasFolder || takenWhole(e.key))
            continue;
        const QDateTime used = maintenance::lastUsed(e);
        const qint64 days = used.isValid() ? used.secsTo(m_now) / 86400 : -1;
        if (used.isValid() && days < m_rules.unusedDays)
            continue;
        if (!protection(e).isEmpty())
            continue;
        add(e, CleanupRule::Unused,
            used.isValid() ? tr("not used for %1 days").arg(days) : tr("no record of any use"), true);
    }
}

void Planner::planBudget()
{
    qint64 size = m_plan.cacheBytes - plannedBytes();
    if (size <= m_rules.maxBytes)
        return;
    QList<const CacheEntry *> lru;
    qint64 protectedBytes = 0;
    for (const CacheEntry &e : m_entries) {
        if (e.state == EntryState::Foreign || takenWhole(e.key))
            continue;
        if (!protection(e).isEmpty())
            protectedBytes += e.diskBytes;
        else
            lru << &e;
    }
    std::stable_sort(lru.begin(), lru.end(), [](const CacheEntry *a, const CacheEntry *b) {
        return maintenance::lastUsed(*a) < maintenance::lastUsed(*b);
    });
    if (protectedBytes > m_rules.maxBytes)
        m_plan.notes << tr("Pinned, live and in-use entries alone take %1, more than the budget of %2: "
                           "every other entry is selected.")
                            .arg(util::humanSize(protectedBytes), util::humanSize(m_rules.maxBytes));
    for (const CacheEntry *e : std::as_const(lru)) {
        if (size <= m_rules.maxBytes)
            break;
        const qint64 before = plannedBytes();
        const QDateTime used = maintenance::lastUsed(*e);
        const QString when = used.isValid() ? util::relativeTime(used, m_now) : tr("never");
        // Without access times the order is the download time: say so rather than "used".
        add(*e, CleanupRule::Budget,
            m_location && !m_location->capabilities().accessTimes
                ? tr("downloaded longest ago (%1) while the cache is over its budget of %2")
                      .arg(when, util::humanSize(m_rules.maxBytes))
                : tr("least recently used (%1) while the cache is over its budget of %2")
                      .arg(when, util::humanSize(m_rules.maxBytes)),
            true);
        size -= plannedBytes() - before;
    }
}

void Planner::planSelected()
{
    QSet<QString> seen;
    for (const QString &key : m_rules.selected) {
        if (seen.contains(key))
            continue;
        seen.insert(key);
        const auto it = std::find_if(
            m_entries.cbegin(), m_entries.cend(), [&key](const CacheEntry &e) { return e.key == key; });
        QString why;
        if (it == m_entries.cend())
            why = tr("there is no cache entry %1 in %2").arg(key, QDir::toNativeSeparators(m_plan.root));
        else if (it->state == EntryState::Foreign || !isCacheKey(key))
            why = tr("%1 is not a cache entry of tensorflow_hub; it is never removed").arg(key);
        else if (it->state == EntryState::Downloading)
            why = tr("being downloaded: %1").arg(it->stateDetail);
        if (!why.isEmpty()) {
            m_plan.kept.append({ key, it == m_entries.cend() ? QString() : it->handle, why });
            continue;
        }
        add(*it, CleanupRule::Selected, tr("selected"), true);
    }
}

} // namespace

QString ruleName(CleanupRule rule)
{
    switch (rule) {
    case CleanupRule::Stale:
        return QStringLiteral("stale");
    case CleanupRule::Broken:
        return QStringLiteral("broken");
    case CleanupRule::Duplicate:
        return QStringLiteral("duplicate");
    case CleanupRule::Unused:
        return QStringLiteral("unused");
    case CleanupRule::Budget:
        return QStringLiteral("budget");
    case CleanupRule::Selected:
        return QStringLiteral("selected");
    }
    return QString();
}

QString ruleLabel(CleanupRule rule)
{
    switch (rule) {
    case CleanupRule::Stale:
        return tr("Stale leftovers");
    case CleanupRule::Broken:
        return tr("Broken entries");
    case CleanupRule::Duplicate:
        return tr("Duplicates");
    case CleanupRule::Unused:
        return tr("Unused");
    case CleanupRule::Budget:
        return tr("Over the size budget");
    case CleanupRule::Selected:
        return tr("Selected");
    }
    return QString();
}

QList<CleanupRule> allRules()
{
    return { CleanupRule::Stale, CleanupRule::Broken, CleanupRule::Duplicate, CleanupRule::Unused,
        CleanupRule::Budget, CleanupRule::Selected };
}

qint64 CleanupPlan::totalBytes() const
{
    qint64 sum = 0;
    for (const CleanupItem &i : items)
        sum += i.bytes;
    return sum;
}

qint64 CleanupPlan::bytesFor(CleanupRule rule) const
{
    qint64 sum = 0;
    for (const CleanupItem &i : items)
        sum += i.rule == rule ? i.bytes : 0;
    return sum;
}

QList<CleanupItem> CleanupPlan::itemsFor(CleanupRule rule) const
{
    QList<CleanupItem> out;
    for (const CleanupItem &i : items) {
        if (i.rule == rule)
            out << i;
    }
    return out;
}

bool CleanupPlan::refused() const
{
    return std::any_of(
        refusals.cbegin(), refusals.cend(), [](const CleanupRefusal &r) { return r.rule.isEmpty(); });
}

namespace maintenance {

CleanupPlan planCleanup(const QString &root, const QList<CacheEntry> &entries, const PinSet &pins,
    const CleanupRules &rules, const ScanOptions &options)
{
    return Planner(root, entries, pins, rules, options).run();
}

CleanupPlan planCleanup(CacheLocation &location, const QList<CacheEntry> &entries, const PinSet &pins,
    const CleanupRules &rules, const ScanOptions &options)
{
    if (location.isLocal())
        return planCleanup(location.displayName(), entries, pins, rules, options);
    return Planner(location.displayName(), entries, pins, rules, options, &location).run();
}

Result<CleanupPlan> planCleanup(const QString &root, const CleanupRules &rules, const ScanOptions &options)
{
    QString error;
    const QList<CacheEntry> entries = cache::scanAll(root, options, &error);
    if (!error.isEmpty())
        return Error { error };
    const Result<PinSet> pins = readPins(root);
    if (!pins)
        return Error { pins.error() };
    return planCleanup(root, entries, *pins, rules, options);
}

} // namespace maintenance

} // namespace tfhub
