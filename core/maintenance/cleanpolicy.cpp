#include "core/maintenance/cleanpolicy.h"

#include "core/settings/appsettings.h"
#include "core/util/fsutil.h"
#include "core/util/humanize.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>

#include <dirent.h>
#include <unistd.h>

namespace tfhub {

namespace {

QString tr(const char *text, int n = -1)
{
    return QCoreApplication::translate("tfhub::cleanpolicy", text, nullptr, n);
}

QString readLink(const QByteArray &path)
{
    char buffer[4096];
    const ssize_t n = ::readlink(path.constData(), buffer, sizeof buffer);
    return n > 0 ? QString::fromLocal8Bit(buffer, int(n)) : QString();
}

// The key a path under one of `prefixes` belongs to: the first name below the root, when it is an
// artifact of a cache key (K, K.<uid>.tmp, K.descriptor.txt, ...).
QString keyOfPath(const QString &path, const QStringList &prefixes)
{
    for (const QString &prefix : prefixes) {
        if (!path.startsWith(prefix))
            continue;
        const QString key = path.mid(prefix.size(), 40);
        if (isCacheKey(key)
            && (path.size() == prefix.size() + 40 || !path.at(prefix.size() + 40).isLetterOrNumber()))
            return key;
    }
    return QString();
}

QString commandOf(const QString &procRoot, const QByteArray &pid)
{
    QFile f(procRoot + QLatin1Char('/') + QString::fromLatin1(pid) + QStringLiteral("/comm"));
    return f.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(f.readAll()).trimmed() : QString();
}

// File paths a process maps (shared libraries, memory-mapped weights: TFLite maps its model).
QStringList mappedPaths(const QString &mapsFile)
{
    QStringList paths;
    QFile f(mapsFile);
    if (!f.open(QIODevice::ReadOnly))
        return paths;
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (const QByteArray &line : lines) {
        const int slash = line.indexOf(" /");
        if (slash > 0)
            paths << QString::fromLocal8Bit(line.mid(slash + 1));
    }
    return paths;
}

void scanProcess(const QString &procRoot, const QByteArray &pid, const QStringList &prefixes,
    QHash<QString, OpenFileHolder> *out)
{
    const QString base = procRoot + QLatin1Char('/') + QString::fromLatin1(pid);
    QStringList paths = mappedPaths(base + QStringLiteral("/maps"));
    const QByteArray fdDir = QFile::encodeName(base + QStringLiteral("/fd"));
    if (DIR *d = ::opendir(fdDir.constData())) {
        while (const dirent *e = ::readdir(d)) {
            if (e->d_name[0] != '.')
                paths << readLink(fdDir + '/' + e->d_name);
        }
        ::closedir(d);
    }
    for (const QString &path : std::as_const(paths)) {
        const QString key = keyOfPath(path, prefixes);
        if (key.isEmpty() || out->contains(key))
            continue;
        out->insert(key, OpenFileHolder { pid.toLongLong(), commandOf(procRoot, pid), path });
    }
}

QJsonValue timeValue(const QDateTime &t)
{
    return t.isValid() ? QJsonValue(t.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue();
}

QJsonArray itemsToJson(const QList<PolicyReport::Item> &items)
{
    QJsonArray a;
    for (const PolicyReport::Item &i : items) {
        a.append(QJsonObject { { QStringLiteral("key"), i.key }, { QStringLiteral("handle"), i.handle },
            { QStringLiteral("rule"), i.rule }, { QStringLiteral("reason"), i.reason },
            { QStringLiteral("bytes"), double(i.bytes) } });
    }
    return a;
}

QList<PolicyReport::Item> itemsFromJson(const QJsonArray &a)
{
    QList<PolicyReport::Item> items;
    for (const QJsonValue &v : a) {
        const QJsonObject o = v.toObject();
        items << PolicyReport::Item { o.value(QStringLiteral("key")).toString(),
            o.value(QStringLiteral("handle")).toString(), o.value(QStringLiteral("rule")).toString(),
            o.value(QStringLiteral("reason")).toString(),
            qint64(o.value(QStringLiteral("bytes")).toDouble()) };
    }
    return items;
}

QJsonObject policyToJson(const CleanPolicy &p)
{
    return QJsonObject { { QStringLiteral("enabled"), p.enabled },
        { QStringLiteral("unusedDays"), p.unusedEnabled ? QJsonValue(p.unusedDays) : QJsonValue() },
        { QStringLiteral("maxBytes"), p.budgetEnabled ? QJsonValue(double(p.maxBytes)) : QJsonValue() } };
}

CleanPolicy policyFromJson(const QJsonObject &o)
{
    CleanPolicy p;
    p.enabled = o.value(QStringLiteral("enabled")).toBool();
    const QJsonValue days = o.value(QStringLiteral("unusedDays"));
    p.unusedEnabled = days.isDouble();
    if (p.unusedEnabled)
        p.unusedDays = days.toInt();
    const QJsonValue max = o.value(QStringLiteral("maxBytes"));
    p.budgetEnabled = max.isDouble();
    if (p.budgetEnabled)
        p.maxBytes = qint64(max.toDouble());
    return p;
}

} // namespace

namespace maintenance {

CleanPolicy readCleanPolicy(const QSettings &settings)
{
    CleanPolicy p;
    p.enabled = settings::CleanPolicyEnabled.read(settings);
    p.unusedEnabled = settings::CleanPolicyUnusedEnabled.read(settings);
    p.unusedDays = settings::CleanPolicyUnusedDays.read(settings);
    p.budgetEnabled = settings::CleanPolicyBudgetEnabled.read(settings);
    p.maxBytes = settings::CleanPolicyMaxBytes.read(settings);
    return p;
}

void writeCleanPolicy(QSettings &settings, const CleanPolicy &policy)
{
    settings::CleanPolicyEnabled.write(settings, policy.enabled);
    settings::CleanPolicyUnusedEnabled.write(settings, policy.unusedEnabled);
    settings::CleanPolicyUnusedDays.write(settings, policy.unusedDays);
    settings::CleanPolicyBudgetEnabled.write(settings, policy.budgetEnabled);
    settings::CleanPolicyMaxBytes.write(settings, policy.maxBytes);
}

CleanPolicy sharedCleanPolicy()
{
    return readCleanPolicy(*settings::openShared());
}

QString describePolicy(const CleanPolicy &policy)
{
    if (!policy.enabled)
        return tr("Off");
    QStringList parts { tr("stale leftovers") };
    if (policy.unusedEnabled)
        parts << tr("unused for %n day(s)", policy.unusedDays);
    if (policy.budgetEnabled)
        parts << tr("keep under %1").arg(util::humanSize(policy.maxBytes));
    return parts.join(QStringLiteral("; "));
}

QHash<QString, OpenFileHolder> openEntries(const QString &root, const QString &procRoot)
{
    // The kernel reports resolved paths; the root may have been named through a link.
    QStringList prefixes { QDir::cleanPath(QDir(root).absolutePath()) + QLatin1Char('/') };
    const QString canonical = QFileInfo(root).canonicalFilePath();
    if (!canonical.isEmpty() && canonical + QLatin1Char('/') != prefixes.first())
        prefixes << canonical + QLatin1Char('/');
    QHash<QString, OpenFileHolder> out;
    DIR *d = ::opendir(QFile::encodeName(procRoot).constData());
    if (!d)
        return out;
    while (const dirent *e = ::readdir(d)) {
        const QByteArray name(e->d_name);
        bool isPid = false;
        name.toLongLong(&isPid);
        if (isPid)
            scanProcess(procRoot, name, prefixes, &out);
    }
    ::closedir(d);
    return out;
}

QString cleanReportPath()
{
    QString state = qEnvironmentVariable("XDG_STATE_HOME");
    if (state.isEmpty() || QDir::isRelativePath(state))
        state = QDir::homePath() + QStringLiteral("/.local/state");
    return state + QStringLiteral("/tfhub-cache-manager/clean-report.json");
}

QByteArray reportToJson(const PolicyReport &r)
{
    const QJsonObject o { { QStringLiteral("schema"), 1 },
        { QStringLiteral("started"), timeValue(r.started) },
        { QStringLiteral("finished"), timeValue(r.finished) }, { QStringLiteral("trigger"), r.trigger },
        { QStringLiteral("cacheDir"), r.cacheRoot }, { QStringLiteral("policy"), policyToJson(r.policy) },
        { QStringLiteral("freedBytes"), double(r.freedBytes) },
        { QStringLiteral("removed"), itemsToJson(r.removed) },
        { QStringLiteral("kept"), itemsToJson(r.kept) }, { QStringLiteral("error"), r.error } };
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

Result<PolicyReport> reportFromJson(const QByteArray &json)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (!doc.isObject())
        return Error { tr("not a cleanup report (%1)").arg(parseError.errorString()) };
    const QJsonObject o = doc.object();
    if (o.value(QStringLiteral("schema")).toInt() != 1)
        return Error {
            tr("unknown cleanup report schema %1").arg(o.value(QStringLiteral("schema")).toInt())
        };
    PolicyReport r;
    r.started = QDateTime::fromString(o.value(QStringLiteral("started")).toString(), Qt::ISODateWithMs)
                    .toLocalTime();
    r.finished = QDateTime::fromString(o.value(QStringLiteral("finished")).toString(), Qt::ISODateWithMs)
                     .toLocalTime();
    r.trigger = o.value(QStringLiteral("trigger")).toString();
    r.cacheRoot = o.value(QStringLiteral("cacheDir")).toString();
    r.policy = policyFromJson(o.value(QStringLiteral("policy")).toObject());
    r.freedBytes = qint64(o.value(QStringLiteral("freedBytes")).toDouble());
    r.removed = itemsFromJson(o.value(QStringLiteral("removed")).toArray());
    r.kept = itemsFromJson(o.value(QStringLiteral("kept")).toArray());
    r.error = o.value(QStringLiteral("error")).toString();
    return r;
}

Status writeCleanReport(const PolicyReport &report, const QString &path)
{
    const QString dir = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(dir))
        return Error {
            tr("Cannot create %1: %2").arg(QDir::toNativeSeparators(dir), util::errnoText(errno))
        };
    return util::atomicWrite(path, reportToJson(report));
}

Result<PolicyReport> readCleanReport(const QString &path)
{
    QFile f(path);
    if (!f.exists())
        return Error {
            tr("No cleanup has run yet (%1 does not exist).").arg(QDir::toNativeSeparators(path))
        };
    if (!f.open(QIODevice::ReadOnly))
        return Error { tr("Cannot read %1: %2").arg(QDir::toNativeSeparators(path), f.errorString()) };
    Result<PolicyReport> r = reportFromJson(f.readAll());
    if (!r)
        return Error { tr("Cannot read %1: %2").arg(QDir::toNativeSeparators(path), r.error()) };
    return r;
}

QString reportSummary(const PolicyReport &report)
{
    if (!report.ok() && report.removed.isEmpty())
        return tr("The cleanup policy did not run: %1").arg(report.error);
    QString text = report.removed.isEmpty()
        ? tr("The cleanup policy found nothing to remove.")
        : tr("The cleanup policy freed %1 (%n item(s)).", int(report.removed.size()))
              .arg(util::humanSize(report.freedBytes));
    if (!report.kept.isEmpty())
        text += QLatin1Char(' ')
            + tr("It kept %n item(s) in use or changed since the plan.", int(report.kept.size()));
    if (!report.ok())
        text += QLatin1Char(' ') + report.error;
    return text;
}

} // namespace maintenance

PolicyGuard::PolicyGuard(const QString &root, const QDateTime &now, const QString &procRoot)
    : m_now(now), m_open(maintenance::openEntries(root, procRoot))
{
}

QString PolicyGuard::keepReason(const CacheEntry &entry) const
{
    const auto open = m_open.constFind(entry.key);
    if (open != m_open.constEnd()) {
        return tr("open by %1 (PID %2) on this host")
            .arg(open->command.isEmpty() ? tr("a process") : open->command)
            .arg(open->pid);
    }
    if (entry.lastAccessed.isValid() && entry.lastAccessed.secsTo(m_now) < maintenance::RecentUseHours * 3600)
        return tr("read %1; the policy keeps entries read in the last %2 hours")
            .arg(util::relativeTime(entry.lastAccessed, m_now))
            .arg(maintenance::RecentUseHours);
    return QString();
}

} // namespace tfhub
