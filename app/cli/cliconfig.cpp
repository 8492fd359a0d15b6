#include "app/cli/cliconfig.h"
#include "app/cli/cliconfigjson.h"

#include "app/cli/clicommon.h"

#include "app/cli/cli.h"
#include "app/cli/clioutput.h"
#include "app/cli/verbs.h"
#include "core/cache/cachescanner.h"
#include "core/gcs/gcsurl.h"
#include "core/hub/hubsettings.h"
#include "core/maintenance/cachemover.h"
#include "core/shellenv/envpersistence.h"
#include "core/shellenv/shellprobe.h"
#include "core/util/humanize.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <atomic>
#include <csignal>

namespace tfhub::cli {

namespace {

QString tr(const char *text, int n = -1)
{
    return QCoreApplication::translate("tfhub::cli", text, nullptr, n);
}

std::atomic<bool> g_interrupted { false };
volatile std::sig_atomic_t g_interruptSignal = 0;

// A cache folder given on the command line must name the folder it names in bytes: refuses one
// whose bytes Qt could not decode (they became U+FFFD in `value`).
Status checkRawPath(const QString &value)
{
    for (const QByteArray &raw : rawArguments()) {
        if (QFile::decodeName(raw) != value)
            continue;
        if (const Result<QString> path = shellenv::pathFromLocalBytes(raw); !path)
            return Error { path.error() };
    }
    return {};
}

extern "C" void onInterrupt(int sig)
{
    g_interruptSignal = sig;
    g_interrupted = true;
}

// The option list lives in the verb table (`tfhub-cache config --help`); the message says what is wrong.
int configUsageError(const QString &message)
{
    return verbUsageError(QStringLiteral("config"), message);
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

// The move's outcome, in words: what moved, what stayed and what is left in the old folder.
void printMoveReport(const MoveReport &r)
{
    // On disk, as `du` and `rm` count: the mover counts apparent bytes.
    qint64 diskBytes = 0;
    for (const QString &key : r.moved)
        diskBytes += cache::scanKey(r.to, key, ScanOptions()).diskBytes;
    if (!r.moved.isEmpty())
        out() << tr("Moved %1 entries (%2 on disk) from %3 to %4%5.")
                     .arg(r.moved.size())
                     .arg(util::humanSize(diskBytes), r.from, r.to,
                         r.crossVolume ? tr(", copied and verified across volumes") : QString())
              << '\n';
    for (const QString &s : r.skipped)
        out() << tr("stayed in %1: ").arg(r.from) << s << '\n';
    for (const QString &s : r.leftBehind)
        out() << tr("left in place: ") << s << '\n';
    out().flush();
}

MoveReport copyCache(const QString &from, const QString &to, bool leaveBehind)
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
    // A progress line being written when the signal comes is finished, not lost with what follows.
    sa.sa_flags = SA_RESTART;
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
    MoveOptions options;
    options.leaveBehind = leaveBehind;
    const MoveReport r
        = maintenance::moveCache(from, to, options, progress, [] { return g_interrupted.load(); });
    ::sigaction(SIGINT, &oldInt, nullptr);
    ::sigaction(SIGTERM, &oldTerm, nullptr);
    return r;
}

int applyAndReport(const shellenv::EnvPersistence &p, const QList<shellenv::Target> &targets,
    const shellenv::Changes &changes, int *written = nullptr)
{
    bool failed = false;
    const QString home = p.locations().home;
    for (const shellenv::TargetResult &r : p.apply(targets, changes)) {
        const QString file = tildePath(r.path, home);
        if (!r.error.isEmpty()) {
            err() << "tfhub-cache: " << shellenv::targetName(r.target) << ": " << r.error << '\n';
            failed = true;
            continue;
        }
        if (written)
            ++*written;
        if (!r.changed) {
            out() << shellenv::targetName(r.target) << ": " << tr("%1 already up to date").arg(file) << '\n';
        } else if (r.removed) {
            out() << shellenv::targetName(r.target) << ": "
                  << tr("%1 removed (it held nothing but the setting)").arg(file) << '\n';
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

void printPersisted(const QList<shellenv::TargetState> &states, const QString &home)
{
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
}

void printCurrent(const HubSettings &current)
{
    out() << '\n' << tr("Current (this process):") << '\n';
    Table cur({ tr("SETTING"), tr("SOURCE"), tr("VALUE") });
    cur.addRow({ QStringLiteral("TFHUB_CACHE_DIR"), sourceLabel(current.cacheDirSource), current.cacheDir });
    cur.addRow({ QStringLiteral("TFHUB_MODEL_LOAD_FORMAT"), sourceLabel(current.loadFormatSource),
        current.loadFormatRaw });
    cur.print(out());
}

void printEffective(const QList<shellenv::ProbeResult> &probes)
{
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
}

int show(const QString &cacheDir, bool json)
{
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const shellenv::EnvPersistence p;
    const HubSettings current = HubSettings::resolve(env, cacheDir);
    const QList<shellenv::TargetState> states = p.readAll();
    const QList<shellenv::ProbeResult> probes = shellenv::probe::all(env);
    const QList<shellenv::Conflict> conflicts = p.conflicts(env, probes);
    if (json)
        return showConfigJson(current, states, probes, conflicts);
    printPersisted(states, p.locations().home);
    printCurrent(current);
    printEffective(probes);
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

// `set cache-dir DIR --move`: the models first, then the setting, then the originals go.
int setWithMove(const shellenv::EnvPersistence &p, const QList<shellenv::Target> &targets,
    const QString &from, const QString &to, bool leaveBehind)
{
    const MoveReport r = copyCache(from, to, leaveBehind);
    printMoveReport(r);
    if (!r.switchable()) {
        if (r.cancelled)
            err() << tr("Cancelled: nothing was moved, the cache is whole in %1.").arg(from) << '\n';
        else
            err() << "tfhub-cache: " << r.error << '\n';
        if (!r.skipped.isEmpty() && !leaveBehind)
            err() << tr("Move again once they are done, or pass --leave-behind to move the rest and "
                        "switch anyway.")
                  << '\n';
        err() << tr("The setting was not changed.") << '\n';
        err().flush();
        if (r.cancelled && g_interruptSignal != 0)
            exitAsSignal(g_interruptSignal);
        return Failure;
    }
    shellenv::Changes changes;
    changes.insert(shellenv::Variable::CacheDir, to);
    int written = 0;
    const int code = applyAndReport(p, targets, changes, &written);
    if (r.moved.isEmpty())
        return code;
    if (written == 0) {
        const MoveReport u = maintenance::undoMove(to);
        err() << (u.undone ? tr("The setting could not be saved, so the move was undone: the models are "
                                "back in %1.")
                                 .arg(from)
                           : tr("The setting could not be saved, and undoing the move failed: %1 Run "
                                "'tfhub-cache config move --undo'.")
                                 .arg(u.error))
              << '\n';
        err().flush();
        return Failure;
    }
    const MoveReport f = maintenance::finishMove(to);
    for (const QString &s : f.leftBehind)
        out() << tr("left in place: ") << s << '\n';
    out().flush();
    if (!f.error.isEmpty())
        return failure(f.error);
    return code;
}

// The targets whose block holds the cache folder (`value` when given).
QList<shellenv::Target> targetsHolding(const shellenv::EnvPersistence &p, const QString &value = QString())
{
    QList<shellenv::Target> targets;
    for (const shellenv::TargetState &s : p.readAll()) {
        if (s.values.contains(shellenv::Variable::CacheDir)
            && (value.isEmpty() || s.values.value(shellenv::Variable::CacheDir) == value))
            targets << s.target;
    }
    return targets;
}

int undoPendingMove(const shellenv::EnvPersistence &p, const maintenance::MoveJournal &j)
{
    const MoveReport r = maintenance::undoMove(j.to);
    if (!r.undone)
        return failure(r.error);
    out() << tr("Undone: the models are back in %1.").arg(j.from) << '\n';
    out().flush();
    const QList<shellenv::Target> targets = targetsHolding(p, j.to);
    if (targets.isEmpty())
        return Ok;
    shellenv::Changes changes;
    changes.insert(shellenv::Variable::CacheDir, j.from);
    return applyAndReport(p, targets, changes);
}

int finishPendingMove(const shellenv::EnvPersistence &p, const maintenance::MoveJournal &j)
{
    if (j.phase == maintenance::MoveJournal::Phase::Copying)
        return failure(maintenance::finishMove(j.to).error);
    QList<shellenv::Target> targets = targetsHolding(p);
    if (targets.isEmpty())
        targets = p.locations().defaultTargets();
    shellenv::Changes changes;
    changes.insert(shellenv::Variable::CacheDir, j.to);
    int written = 0;
    const int code = applyAndReport(p, targets, changes, &written);
    if (written == 0)
        return failure(tr("The setting could not be saved, so the originals in %1 are kept.").arg(j.from));
    const MoveReport r = maintenance::finishMove(j.to);
    printMoveReport(r);
    if (!r.error.isEmpty())
        return failure(r.error);
    return code;
}

// `config move [--finish|--undo]`: a move cut short by a crash or a kill.
int moveAction(const QString &cacheDir, const QString &action)
{
    const QString dir = HubSettings::resolve(QProcessEnvironment::systemEnvironment(), cacheDir).cacheDir;
    const Result<std::optional<maintenance::MoveJournal>> pending = maintenance::pendingMove(dir);
    if (!pending)
        return failure(pending.error());
    if (!*pending) {
        out() << tr("No unfinished move of the cache in %1.").arg(dir) << '\n';
        out().flush();
        return action.isEmpty() ? Ok : Failure;
    }
    const maintenance::MoveJournal &j = **pending;
    const shellenv::EnvPersistence p;
    if (action == QLatin1String("--undo"))
        return undoPendingMove(p, j);
    if (action == QLatin1String("--finish"))
        return finishPendingMove(p, j);
    out() << tr("A move of the cache from %1 to %2 (%n model(s)) was cut short while %3.",
        static_cast<int>(j.items.size()))
                 .arg(j.from, j.to, maintenance::MoveJournal::phaseName(j.phase))
          << '\n'
          << tr("Finish it: tfhub-cache config move --finish\nUndo it:   tfhub-cache config move --undo")
          << '\n';
    out().flush();
    return Ok;
}

} // namespace

namespace {

struct ConfigArgs
{
    QString action;
    QStringList positional;
    QString targetList;
    bool move = false;
    bool leaveBehind = false;
    bool json = false;
    QString moveStep; ///< --finish or --undo
};

// Returns -1 when the arguments are fine, else the exit code to return.
int parseConfigArgs(const QStringList &args, ConfigArgs *c)
{
    c->action = args.value(0);
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString &a = args.at(i);
        if (a == QLatin1String("--move")) {
            c->move = true;
        } else if (a == QLatin1String("--leave-behind")) {
            c->leaveBehind = true;
        } else if (a == QLatin1String("--finish") || a == QLatin1String("--undo")) {
            if (!c->moveStep.isEmpty() && c->moveStep != a)
                return configUsageError(tr("Say --finish or --undo, not both."));
            c->moveStep = a;
        } else if (a == QLatin1String("--json")) {
            c->json = true;
        } else if (a == QLatin1String("--targets") || a.startsWith(QLatin1String("--targets="))) {
            if (a.contains(QLatin1Char('=')))
                c->targetList = a.section(QLatin1Char('='), 1);
            else if (++i < args.size())
                c->targetList = args.at(i);
            if (c->targetList.isEmpty())
                return configUsageError(tr("--targets needs a list such as bash,zsh,session."));
        } else if (a == QLatin1String("-h") || a == QLatin1String("--help")) {
            out() << verbHelp(*findVerb(QStringLiteral("config")));
            out().flush();
            return Ok;
        } else if (a.startsWith(QLatin1String("--"))) {
            return configUsageError(tr("Unknown option '%1'.").arg(a));
        } else {
            c->positional << a;
        }
    }
    if (!c->moveStep.isEmpty() && c->action != QLatin1String("move"))
        return configUsageError(tr("%1 goes with 'config move'.").arg(c->moveStep));
    if (c->leaveBehind && !c->move)
        return configUsageError(tr("--leave-behind goes with --move."));
    return -1;
}

// `set cache-dir gs://bucket/prefix`: persisted like a folder; nothing is ever moved into a bucket.
int setGcsCacheDir(
    const shellenv::EnvPersistence &p, const QList<shellenv::Target> &targets, const ConfigArgs &c)
{
    const Result<gcs::GcsUrl> url = gcs::parseGcsUrl(c.positional.at(1));
    if (!url)
        return configUsageError(url.error());
    if (c.move)
        return configUsageError(tr("--move copies a local cache folder; it does not move models into Cloud "
                                   "Storage. Set %1 without --move (nothing is moved).")
                                    .arg(url->url()));
    shellenv::Changes changes;
    changes.insert(shellenv::Variable::CacheDir, url->url());
    const int code = applyAndReport(p, targets, changes);
    out() << tr("Nothing was moved: the models in the previous cache folder stay there, and %1 is used as it "
                "is.")
                 .arg(url->url())
          << '\n';
    out().flush();
    return code;
}

int setOrUnset(const QString &cacheDir, const ConfigArgs &c, const QList<shellenv::Target> &chosen)
{
    const shellenv::EnvPersistence p;
    QList<shellenv::Target> targets = chosen;
    const QString name = c.positional.value(0);
    shellenv::Variable variable = shellenv::Variable::CacheDir;
    if (name == QLatin1String("load-format"))
        variable = shellenv::Variable::LoadFormat;
    else if (name != QLatin1String("cache-dir"))
        return configUsageError(tr("Say which setting: cache-dir or load-format."));

    shellenv::Changes changes;
    if (c.action == QLatin1String("unset")) {
        if (c.positional.size() != 1 || c.move)
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
    if (c.positional.size() != 2)
        return configUsageError(tr("'config set %1' takes exactly one value.").arg(name));
    if (c.move && variable != shellenv::Variable::CacheDir)
        return configUsageError(tr("--move goes with cache-dir."));
    if (variable == shellenv::Variable::CacheDir && gcs::isGcsUrl(c.positional.at(1)))
        return setGcsCacheDir(p, targets.isEmpty() ? p.locations().defaultTargets() : targets, c);
    if (variable == shellenv::Variable::CacheDir) {
        if (const Status s = checkRawPath(c.positional.at(1)); !s)
            return configUsageError(s.error());
    }
    const Result<QString> value = shellenv::normalizeValue(variable, c.positional.at(1), p.locations().home);
    if (!value)
        return configUsageError(value.error());
    if (targets.isEmpty())
        targets = p.locations().defaultTargets();
    if (c.move) {
        const HubSettings current = HubSettings::resolve(QProcessEnvironment::systemEnvironment(), cacheDir);
        return setWithMove(p, targets, current.cacheDir, *value, c.leaveBehind);
    }
    changes.insert(variable, *value);
    return applyAndReport(p, targets, changes);
}

} // namespace

int runConfigVerb(const QString &cacheDir, const QStringList &args)
{
    ConfigArgs c;
    if (const int code = parseConfigArgs(args, &c); code >= 0)
        return code;
    if (c.action == QLatin1String("show")) {
        if (!c.positional.isEmpty() || c.move || !c.targetList.isEmpty())
            return configUsageError(tr("'config show' takes only --json."));
        return show(cacheDir, c.json);
    }
    if (c.json)
        return configUsageError(tr("--json goes with 'config show'."));
    if (c.action == QLatin1String("move")) {
        if (!c.positional.isEmpty() || c.move || !c.targetList.isEmpty())
            return configUsageError(tr("'config move' takes only --finish or --undo."));
        return moveAction(cacheDir, c.moveStep);
    }
    if (c.action != QLatin1String("set") && c.action != QLatin1String("unset"))
        return configUsageError(tr("Unknown config action '%1'.").arg(c.action));
    QList<shellenv::Target> targets;
    for (const QString &name : c.targetList.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        shellenv::Target t;
        if (!shellenv::targetFromName(name.trimmed(), &t))
            return configUsageError(
                tr("Unknown target '%1': use bash, zsh, profile, fish or session.").arg(name));
        if (!targets.contains(t))
            targets << t;
    }
    return setOrUnset(cacheDir, c, targets);
}

void notePendingMove(const QStringList &arguments)
{
    QString cacheDir;
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &a = arguments.at(i);
        if ((a == QLatin1String("--cache-dir") || a == QLatin1String("--tfhub_cache_dir"))
            && i + 1 < arguments.size())
            cacheDir = arguments.at(++i);
        else if (a.startsWith(QLatin1String("--cache-dir="))
            || a.startsWith(QLatin1String("--tfhub_cache_dir=")))
            cacheDir = a.section(QLatin1Char('='), 1);
        else if (a == QLatin1String("config") && arguments.value(i + 1) == QLatin1String("move"))
            return; // that verb says it itself
    }
    const QString dir = HubSettings::resolve(QProcessEnvironment::systemEnvironment(), cacheDir).cacheDir;
    const Result<std::optional<maintenance::MoveJournal>> pending = maintenance::pendingMove(dir);
    if (!pending) {
        err() << "tfhub-cache: " << pending.error() << '\n';
    } else if (*pending) {
        err() << "tfhub-cache: "
              << tr("a move of the cache from %1 to %2 was cut short; run 'tfhub-cache config move --finish' "
                    "to complete it or 'tfhub-cache config move --undo' to put everything back in %1.")
                     .arg((*pending)->from, (*pending)->to)
              << '\n';
    }
    err().flush();
}

} // namespace tfhub::cli
