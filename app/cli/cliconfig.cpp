#include "app/cli/cliconfig.h"

#include "app/cli/clicommon.h"

#include "app/cli/cli.h"
#include "app/cli/verbs.h"
#include "app/cli/clioutput.h"
#include "core/hub/hubsettings.h"
#include "core/maintenance/cachemover.h"
#include "core/shellenv/envpersistence.h"
#include "core/shellenv/shellprobe.h"
#include "core/util/humanize.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <atomic>
#include <csignal>

namespace tfhub::cli {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cli", text);
}

const char *const kConfigUsage = QT_TRANSLATE_NOOP("tfhub::cli",
    "Usage: tfhub-cache config set cache-dir DIR [--move] [--targets LIST]\n"
    "       tfhub-cache config set load-format COMPRESSED|UNCOMPRESSED|AUTO [--targets LIST]\n"
    "       tfhub-cache config unset cache-dir|load-format [--targets LIST]\n"
    "       tfhub-cache config show [--json]\n"
    "\n"
    "LIST is a comma-separated choice of bash, zsh, profile, fish and session (the desktop\n"
    "session: programs started from the desktop see it after the next login). By default, set\n"
    "writes to those that exist or apply here, unset removes from every file that holds it.\n"
    "--move moves the models of the current cache folder to DIR first.\n");

std::atomic<bool> g_interrupted { false };

extern "C" void onInterrupt(int)
{
    g_interrupted = true;
}

int configUsageError(const QString &message)
{
    err() << "tfhub-cache: " << message << '\n' << tr(kConfigUsage);
    err().flush();
    return Usage;
}

QString tildePath(const QString &path, const QString &home)
{
    if (!home.isEmpty() && path.startsWith(home + QLatin1Char('/')))
        return QLatin1Char('~') + path.mid(home.size());
    return path;
}

QString shown(const std::optional<QString> &v)
{
    return v ? (v->isEmpty() ? tr("(empty)") : *v) : tr("(not set)");
}

void printWarnings(const QList<shellenv::Conflict> &conflicts, bool all)
{
    for (const shellenv::Conflict &c : conflicts) {
        if (all || c.kind == shellenv::Conflict::Kind::WinsOverOurs
            || c.kind == shellenv::Conflict::Kind::InvalidValue)
            err() << tr("warning: ") << c.message << '\n';
    }
    err().flush();
}

int moveCache(const QString &from, const QString &to)
{
    struct sigaction sa
    {
    };
    struct sigaction oldInt
    {
    };
    struct sigaction oldTerm
    {
    };
    sa.sa_handler = &onInterrupt;
    ::sigaction(SIGINT, &sa, &oldInt);
    ::sigaction(SIGTERM, &sa, &oldTerm);
    QDeadlineTimer next;
    const auto progress = [&next](const MoveProgress &p) {
        if (!next.hasExpired() && p.doneEntries != p.totalEntries)
            return;
        next.setRemainingTime(1000);
        err() << tr("moving: %1 of %2, %3 of %4 entries %5")
                     .arg(util::humanSize(p.doneBytes), util::humanSize(p.totalBytes))
                     .arg(p.doneEntries)
                     .arg(p.totalEntries)
                     .arg(p.current)
              << '\n';
        err().flush();
    };
    const Result<MoveReport> r
        = maintenance::moveCache(from, to, progress, [] { return g_interrupted.load(); });
    ::sigaction(SIGINT, &oldInt, nullptr);
    ::sigaction(SIGTERM, &oldTerm, nullptr);
    if (!r) {
        err() << "tfhub-cache: " << r.error() << '\n';
        err().flush();
        return Failure;
    }
    out() << tr("Moved %1 entries (%2) from %3 to %4%5.")
                 .arg(r->moved.size())
                 .arg(util::humanSize(r->bytes), from, to,
                     r->crossVolume ? tr(", copied and verified across volumes") : QString())
          << '\n';
    for (const QString &s : r->skipped)
        out() << tr("skipped: ") << s << '\n';
    for (const QString &s : r->leftBehind)
        out() << tr("left in place: ") << s << '\n';
    out().flush();
    if (r->cancelled) {
        err() << tr("Cancelled: the entries not yet moved are still in %1; the setting was not changed.")
                     .arg(from)
              << '\n';
        err().flush();
        return Failure;
    }
    return Ok;
}

int applyAndReport(const shellenv::EnvPersistence &p, const QList<shellenv::Target> &targets,
    const shellenv::Changes &changes)
{
    bool failed = false;
    const QString home = p.locations().home;
    for (const shellenv::TargetResult &r : p.apply(targets, changes)) {
        const QString file = tildePath(r.path, home);
        if (!r.error.isEmpty()) {
            err() << "tfhub-cache: " << shellenv::targetName(r.target) << ": " << r.error << '\n';
            failed = true;
        } else if (!r.changed) {
            out() << shellenv::targetName(r.target) << ": " << tr("%1 already up to date").arg(file) << '\n';
        } else {
            out() << shellenv::targetName(r.target) << ": " << tr("%1 updated").arg(file);
            if (r.writtenPath != r.path)
                out() << ' ' << tr("(the link's target %1)").arg(r.writtenPath);
            if (!r.backupPath.isEmpty())
                out() << ", " << tr("previous version in %1").arg(tildePath(r.backupPath, home));
            out() << '\n';
        }
    }
    if (targets.contains(shellenv::Target::Session))
        out() << tr("Programs started from the desktop (Jupyter, IDEs) see the change after your next login; "
                    "new terminals see it at once.")
              << '\n';
    out().flush();
    err().flush();
    printWarnings(p.conflicts(QProcessEnvironment::systemEnvironment()), false);
    return failed ? Failure : Ok;
}

int show(const QString &cacheDir, bool json)
{
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const shellenv::EnvPersistence p;
    const HubSettings current = HubSettings::resolve(env, cacheDir);
    const QList<shellenv::TargetState> states = p.readAll();
    const QList<shellenv::ProbeResult> probes = shellenv::probe::all(env);
    const QList<shellenv::Conflict> conflicts = p.conflicts(env);
    if (json) {
        QJsonArray persisted;
        for (const shellenv::TargetState &s : states) {
            QJsonObject o { { QStringLiteral("target"), shellenv::targetName(s.target) },
                { QStringLiteral("file"), s.path }, { QStringLiteral("exists"), s.exists },
                { QStringLiteral("managed"), s.hasBlock } };
            for (const shellenv::Variable v : shellenv::allVariables()) {
                if (s.values.contains(v))
                    o.insert(shellenv::variableName(v), s.values.value(v));
            }
            persisted.append(o);
        }
        QJsonArray effective;
        for (const shellenv::ProbeResult &r : probes) {
            QJsonObject o { { QStringLiteral("shell"), r.name }, { QStringLiteral("available"), r.available },
                { QStringLiteral("error"), r.error } };
            for (const shellenv::Variable v : shellenv::allVariables()) {
                if (r.value(v))
                    o.insert(shellenv::variableName(v), *r.value(v));
            }
            effective.append(o);
        }
        QJsonArray conflictList;
        for (const shellenv::Conflict &c : conflicts)
            conflictList.append(
                QJsonObject { { QStringLiteral("variable"), shellenv::variableName(c.variable) },
                    { QStringLiteral("file"), c.file }, { QStringLiteral("line"), c.line },
                    { QStringLiteral("message"), c.message } });
        const QJsonObject o { { QStringLiteral("schema"), 1 }, { QStringLiteral("persisted"), persisted },
            { QStringLiteral("current"),
                QJsonObject { { QStringLiteral("cacheDir"), current.cacheDir },
                    { QStringLiteral("cacheDirSource"), sourceName(current.cacheDirSource) },
                    { QStringLiteral("loadFormat"), current.loadFormatRaw },
                    { QStringLiteral("loadFormatSource"), sourceName(current.loadFormatSource) } } },
            { QStringLiteral("effective"), effective }, { QStringLiteral("conflicts"), conflictList } };
        out() << QJsonDocument(o).toJson(QJsonDocument::Indented);
        out().flush();
        return Ok;
    }
    const QString home = p.locations().home;
    out() << tr("Persisted:") << '\n';
    Table persisted({ tr("TARGET"), tr("TFHUB_CACHE_DIR"), tr("TFHUB_MODEL_LOAD_FORMAT"), tr("FILE") });
    for (const shellenv::TargetState &s : states) {
        const auto cell = [&s](shellenv::Variable v) {
            return s.values.contains(v) ? s.values.value(v) : QStringLiteral("-");
        };
        QString file = tildePath(s.path, home);
        if (!s.error.isEmpty())
            file += QStringLiteral(" (") + s.error + QLatin1Char(')');
        else if (!s.exists)
            file += QStringLiteral(" ") + tr("(no file)");
        persisted.addRow({ shellenv::targetName(s.target), cell(shellenv::Variable::CacheDir),
            cell(shellenv::Variable::LoadFormat), file });
    }
    persisted.print(out());
    out() << '\n' << tr("Current (this process):") << '\n';
    Table cur({ tr("SETTING"), tr("SOURCE"), tr("VALUE") });
    cur.addRow({ QStringLiteral("TFHUB_CACHE_DIR"), sourceLabel(current.cacheDirSource), current.cacheDir });
    cur.addRow({ QStringLiteral("TFHUB_MODEL_LOAD_FORMAT"), sourceLabel(current.loadFormatSource),
        current.loadFormatRaw });
    cur.print(out());
    out() << '\n' << tr("Effective in a new shell (each started to ask it):") << '\n';
    Table eff({ tr("SHELL"), tr("TFHUB_CACHE_DIR"), tr("TFHUB_MODEL_LOAD_FORMAT") });
    for (const shellenv::ProbeResult &r : probes) {
        if (!r.available)
            eff.addRow({ r.name, tr("(not installed)"), QString() });
        else if (!r.error.isEmpty())
            eff.addRow({ r.name, r.error, QString() });
        else
            eff.addRow({ r.name, shown(r.cacheDir), shown(r.loadFormat) });
    }
    eff.print(out());
    if (!conflicts.isEmpty()) {
        out() << '\n' << tr("Conflicts:") << '\n';
        for (const shellenv::Conflict &c : conflicts)
            out() << "  - " << c.message << '\n';
    }
    if (current.cacheDirSource == ValueSource::Default)
        out() << '\n'
              << tr("note: %1 is in a temporary folder, which is cleared on restart; "
                    "try: tfhub-cache config set cache-dir ~/.cache/tfhub_modules --move")
                     .arg(current.cacheDir)
              << '\n';
    out().flush();
    return Ok;
}

} // namespace

int runConfigVerb(const QString &cacheDir, const QStringList &args)
{
    const QString action = args.value(0);
    QStringList positional;
    QString targetList;
    bool move = false;
    bool json = false;
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString &a = args.at(i);
        if (a == QLatin1String("--move")) {
            move = true;
        } else if (a == QLatin1String("--json")) {
            json = true;
        } else if (a == QLatin1String("--targets") || a.startsWith(QLatin1String("--targets="))) {
            if (a.contains(QLatin1Char('=')))
                targetList = a.section(QLatin1Char('='), 1);
            else if (++i < args.size())
                targetList = args.at(i);
            if (targetList.isEmpty())
                return configUsageError(tr("--targets needs a list such as bash,zsh,session."));
        } else if (a == QLatin1String("-h") || a == QLatin1String("--help")) {
            out() << tr(kConfigUsage);
            out().flush();
            return Ok;
        } else if (a.startsWith(QLatin1String("--"))) {
            return configUsageError(tr("Unknown option '%1'.").arg(a));
        } else {
            positional << a;
        }
    }
    if (action == QLatin1String("show")) {
        if (!positional.isEmpty() || move || !targetList.isEmpty())
            return configUsageError(tr("'config show' takes only --json."));
        return show(cacheDir, json);
    }
    if (json)
        return configUsageError(tr("--json goes with 'config show'."));

    const shellenv::EnvPersistence p;
    QList<shellenv::Target> targets;
    for (const QString &name : targetList.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        shellenv::Target t;
        if (!shellenv::targetFromName(name.trimmed(), &t))
            return configUsageError(
                tr("Unknown target '%1': use bash, zsh, profile, fish or session.").arg(name));
        if (!targets.contains(t))
            targets << t;
    }
    const QString name = positional.value(0);
    shellenv::Variable variable = shellenv::Variable::CacheDir;
    if (name == QLatin1String("load-format"))
        variable = shellenv::Variable::LoadFormat;
    else if (name != QLatin1String("cache-dir"))
        return configUsageError(tr("Say which setting: cache-dir or load-format."));

    shellenv::Changes changes;
    if (action == QLatin1String("unset")) {
        if (positional.size() != 1 || move)
            return configUsageError(tr("'config unset' takes cache-dir or load-format only."));
        if (targets.isEmpty()) {
            for (const shellenv::TargetState &s : p.readAll()) {
                if (s.values.contains(variable))
                    targets << s.target;
            }
        }
        if (targets.isEmpty()) {
            out() << tr("%1 is not persisted anywhere; nothing to do.").arg(shellenv::variableName(variable))
                  << '\n';
            out().flush();
            return Ok;
        }
        changes.insert(variable, std::nullopt);
        return applyAndReport(p, targets, changes);
    }
    if (action != QLatin1String("set"))
        return configUsageError(tr("Unknown config action '%1'.").arg(action));
    if (positional.size() != 2)
        return configUsageError(tr("'config set %1' takes exactly one value.").arg(name));
    if (move && variable != shellenv::Variable::CacheDir)
        return configUsageError(tr("--move goes with cache-dir."));
    const Result<QString> value = shellenv::normalizeValue(variable, positional.at(1), p.locations().home);
    if (!value)
        return configUsageError(value.error());
    if (targets.isEmpty())
        targets = p.locations().defaultTargets();
    if (move) {
        const HubSettings current = HubSettings::resolve(QProcessEnvironment::systemEnvironment(), cacheDir);
        if (const int code = moveCache(current.cacheDir, *value); code != Ok)
            return code;
    }
    changes.insert(variable, *value);
    return applyAndReport(p, targets, changes);
}

} // namespace tfhub::cli
