#include "core/shellenv/shellprobe.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>

namespace tfhub::shellenv {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::env", text);
}

// Startup files may print anything (banners, fortunes): our answer follows a marker, as four
// NUL-terminated fields: set-flag and value of each variable.
const QByteArray Marker = QByteArrayLiteral("@@tfhub-probe@@");

const QString PosixScript = QStringLiteral(
    "printf '@@tfhub-probe@@%s\\0%s\\0%s\\0%s\\0' \"${TFHUB_CACHE_DIR+1}\" \"${TFHUB_CACHE_DIR-}\" "
    "\"${TFHUB_MODEL_LOAD_FORMAT+1}\" \"${TFHUB_MODEL_LOAD_FORMAT-}\"");
const QString FishScript
    = QStringLiteral("printf '@@tfhub-probe@@'; for v in TFHUB_CACHE_DIR TFHUB_MODEL_LOAD_FORMAT; "
                     "if set -q $v; printf '1\\0%s\\0' \"$$v\"; else; printf '\\0\\0'; end; end");

struct Run
{
    bool finished = false;
    bool started = false;
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runBounded(const QString &program, const QStringList &args, const QProcessEnvironment &env, int timeoutMs)
{
    Run r;
    QProcess p;
    p.setProcessEnvironment(env);
    // No terminal and no input: an interactive shell must not wait for a user.
    p.setStandardInputFile(QProcess::nullDevice());
    const QString home = env.value(QStringLiteral("HOME"));
    if (QFileInfo(home).isDir())
        p.setWorkingDirectory(home);
    p.start(program, args);
    r.started = p.waitForStarted(timeoutMs);
    if (!r.started)
        return r;
    r.finished = p.waitForFinished(timeoutMs);
    if (!r.finished) {
        p.kill();
        p.waitForFinished(1000);
    }
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

QString findProgram(const QProcessEnvironment &env, const QString &name)
{
    const QStringList path = env.value(QStringLiteral("PATH")).split(QLatin1Char(':'), Qt::SkipEmptyParts);
    return QStandardPaths::findExecutable(name, path);
}

ProbeResult runShell(const QString &name, Target target, const QString &program, const QStringList &args,
    const QProcessEnvironment &env, int timeoutMs)
{
    ProbeResult r;
    r.name = name;
    r.target = target;
    r.available = !program.isEmpty();
    if (!r.available)
        return r;
    r.command = QFileInfo(program).fileName() + QLatin1Char(' ') + args.join(QLatin1Char(' '));
    const Run run = runBounded(program, args, env, timeoutMs);
    if (!run.started) {
        r.error = tr("%1 could not be started.").arg(program);
        return r;
    }
    if (!run.finished) {
        r.error = tr("%1 did not finish within %2 s; its startup files may wait for input.")
                      .arg(name)
                      .arg(timeoutMs / 1000);
        return r;
    }
    const qsizetype at = run.out.lastIndexOf(Marker);
    const QByteArrayList fields = at < 0 ? QByteArrayList() : run.out.mid(at + Marker.size()).split('\0');
    if (fields.size() < 4) {
        const QString detail = QString::fromLocal8Bit(run.err).trimmed().section(QLatin1Char('\n'), -1);
        r.error = tr("%1 exited with status %2 before reporting its variables: %3")
                      .arg(name)
                      .arg(run.exitCode)
                      .arg(detail.isEmpty() ? tr("no message") : detail);
        return r;
    }
    if (fields.at(0) == "1")
        r.cacheDir = QString::fromUtf8(fields.at(1));
    if (fields.at(2) == "1")
        r.loadFormat = QString::fromUtf8(fields.at(3));
    return r;
}

// fish creates its data folder (~/.local/share/fish) on every start: asking it must not leave
// that behind in a home that had none. Only folders it created and left empty are removed.
ProbeResult runFish(const QProcessEnvironment &env, const QProcessEnvironment &base, int timeoutMs)
{
    const QString xdg = base.value(QStringLiteral("XDG_DATA_HOME"));
    const QString dataHome = xdg.startsWith(QLatin1Char('/'))
        ? xdg
        : base.value(QStringLiteral("HOME")) + QStringLiteral("/.local/share");
    QStringList absent;
    for (QString dir = dataHome + QStringLiteral("/fish"); dir.size() > 1 && !QFileInfo::exists(dir);
         dir = QFileInfo(dir).absolutePath())
        absent << dir;
    const ProbeResult r = runShell(QStringLiteral("fish"), Target::Fish,
        findProgram(env, QStringLiteral("fish")), { QStringLiteral("-c"), FishScript }, base, timeoutMs);
    for (const QString &dir : std::as_const(absent))
        QDir().rmdir(dir);
    return r;
}

} // namespace

namespace probe {

QString sessionGenerator()
{
    for (const char *path :
        { "/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator",
            "/lib/systemd/user-environment-generators/30-systemd-environment-d-generator" }) {
        if (QFileInfo(QString::fromLatin1(path)).isExecutable())
            return QString::fromLatin1(path);
    }
    return QString();
}

ProbeResult session(const QProcessEnvironment &env, int timeoutMs)
{
    ProbeResult r;
    r.name = QStringLiteral("session");
    const QString generator = sessionGenerator();
    r.available = !generator.isEmpty();
    if (!r.available)
        return r;
    r.command = generator;
    // The generator starts from the manager's environment, which has no TFHUB_* of ours.
    QProcessEnvironment clean = env;
    for (const Variable v : allVariables())
        clean.remove(variableName(v));
    const Run run = runBounded(generator, {}, clean, timeoutMs);
    if (!run.finished || run.exitCode != 0) {
        r.error = tr("The session environment generator failed: %1")
                      .arg(QString::fromLocal8Bit(run.err).trimmed());
        return r;
    }
    for (const QByteArray &line : run.out.split('\n')) {
        QString key;
        QString value;
        if (!decode::generatorLine(line, &key, &value))
            continue;
        if (key == variableName(Variable::CacheDir))
            r.cacheDir = value;
        else if (key == variableName(Variable::LoadFormat))
            r.loadFormat = value;
    }
    return r;
}

QList<ProbeResult> shells(const QProcessEnvironment &env, int timeoutMs, const ProbeResult &sessionResult)
{
    QProcessEnvironment base = env;
    for (const Variable v : allVariables()) {
        base.remove(variableName(v));
        if (const std::optional<QString> value = sessionResult.value(v))
            base.insert(variableName(v), *value);
    }
    const QString bash = findProgram(env, QStringLiteral("bash"));
    return {
        runShell(QStringLiteral("bash"), Target::Bash, bash, { QStringLiteral("-ic"), PosixScript }, base,
            timeoutMs),
        runShell(tr("bash (login)"), Target::Profile, bash, { QStringLiteral("-lc"), PosixScript }, base,
            timeoutMs),
        runShell(QStringLiteral("zsh"), Target::Zsh, findProgram(env, QStringLiteral("zsh")),
            { QStringLiteral("-ic"), PosixScript }, base, timeoutMs),
        runFish(env, base, timeoutMs),
    };
}

QList<ProbeResult> all(const QProcessEnvironment &env, int timeoutMs)
{
    const ProbeResult s = session(env, timeoutMs);
    return QList<ProbeResult> { s } + shells(env, timeoutMs, s);
}

} // namespace probe

} // namespace tfhub::shellenv
