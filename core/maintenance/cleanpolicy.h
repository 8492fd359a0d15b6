#pragma once

#include "core/cache/cacheentry.h"
#include "core/util/result.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>

class QSettings;

namespace tfhub {

/// The automatic cleanup policy the user set: off by default; when on, stale leftovers always go,
/// entries unused for `unusedDays` and the least recently used beyond `maxBytes` optionally.
struct CleanPolicy final
{
    bool enabled = false;
    bool unusedEnabled = false;
    int unusedDays = 90;
    bool budgetEnabled = false;
    qint64 maxBytes = 0;

    bool operator==(const CleanPolicy &) const = default;
};

/// A process of this host with a file of a cache entry open (or mapped).
struct OpenFileHolder final
{
    qint64 pid = 0;
    QString command; ///< the process's name (comm), for people
    QString path; ///< one of the entry's files it holds
};

/// What one automatic run did: written to a file after every run and shown by the app.
struct PolicyReport final
{
    struct Item final
    {
        QString key;
        QString handle;
        QString rule; ///< the planner's rule name ("stale", "unused", "budget")
        QString reason; ///< plain words: why selected, or why kept / skipped
        qint64 bytes = 0;
    };

    QDateTime started;
    QDateTime finished;
    QString trigger; ///< "app", "timer" or "cli"
    QString cacheRoot;
    CleanPolicy policy;
    qint64 freedBytes = 0;
    QList<Item> removed;
    QList<Item> kept; ///< selected by a rule but kept by the policy's guard or skipped at removal
    QString error; ///< why the run did not happen or stopped; empty when it ran

    bool ok() const { return error.isEmpty(); }
};

namespace maintenance {

/// The policy as the shared settings file holds it (keys in core/settings/appsettings.h).
CleanPolicy readCleanPolicy(const QSettings &settings);
void writeCleanPolicy(QSettings &settings, const CleanPolicy &policy);
/// The shared settings file's policy.
CleanPolicy sharedCleanPolicy();

/// One line for people: "Off", or "stale leftovers; unused for 90 days; keep under 50 GB".
QString describePolicy(const CleanPolicy &policy);

/// Entries read less than this long ago are never evicted by the policy: hub.load() takes no lock
/// while it reads a model, so a recent reader may be loading it right now.
inline constexpr int RecentUseHours = 24;

/// Keys of the entries under `root` that a process of this host holds open or mapped, read from
/// `procRoot`/<pid>/fd and /maps (other users' processes are unreadable unless we are root, which
/// is fine: a user timer cleans that user's cache). `procRoot` is a parameter for tests.
QHash<QString, OpenFileHolder> openEntries(
    const QString &root, const QString &procRoot = QStringLiteral("/proc"));

/// Where the last run's report lives: $XDG_STATE_HOME/tfhub-cache-manager/clean-report.json
/// ($HOME/.local/state when XDG_STATE_HOME is unset, as the XDG spec says).
QString cleanReportPath();

QByteArray reportToJson(const PolicyReport &report);
Result<PolicyReport> reportFromJson(const QByteArray &json);
/// Writes the report atomically, creating its folder.
Status writeCleanReport(const PolicyReport &report, const QString &path = cleanReportPath());
/// The last report; an error naming the file and the cause when there is none or it is unreadable.
Result<PolicyReport> readCleanReport(const QString &path = cleanReportPath());

/// One sentence for a message bar: "The cleanup policy freed 1.2 GB (3 entries); kept 1 in use."
QString reportSummary(const PolicyReport &report);

} // namespace maintenance

/// Decides which selected entries the automatic policy must keep. Reads /proc once, when built.
class PolicyGuard final
{
public:
    explicit PolicyGuard(const QString &root, const QDateTime &now = QDateTime::currentDateTime(),
        const QString &procRoot = QStringLiteral("/proc"));

    /// Why the policy must keep `entry`, in plain words; empty when it may go.
    QString keepReason(const CacheEntry &entry) const;
    const QHash<QString, OpenFileHolder> &open() const { return m_open; }

private:
    QDateTime m_now;
    QHash<QString, OpenFileHolder> m_open;
};

} // namespace tfhub
