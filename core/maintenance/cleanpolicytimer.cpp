#include "core/maintenance/cleanpolicytimer.h"

#include "core/util/fsutil.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>

#include <algorithm>

namespace tfhub::maintenance {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cleanpolicy", text);
}

bool isPlainWord(const QString &word, const QString &extraAllowed)
{
    if (word.isEmpty())
        return false;
    for (const QChar c : word) {
        if (!(c.isLetterOrNumber() && c.unicode() < 128) && !extraAllowed.contains(c))
            return false;
    }
    return true;
}

struct SystemctlResult final
{
    bool started = false;
    int exitCode = -1;
    QString output;
};

SystemctlResult systemctl(const QStringList &args)
{
    SystemctlResult r;
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("systemctl"), QStringList { QStringLiteral("--user") } + args);
    r.started = p.waitForStarted(5000);
    if (!r.started || !p.waitForFinished(30000))
        return r;
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.output = QString::fromLocal8Bit(p.readAll()).trimmed();
    return r;
}

Status runSystemctl(const QStringList &args)
{
    const SystemctlResult r = systemctl(args);
    if (!r.started)
        return Error { tr("Cannot run systemctl: it is not installed or not on PATH.") };
    if (r.exitCode != 0)
        return Error { tr("systemctl --user %1 failed: %2")
                           .arg(args.join(QLatin1Char(' ')),
                               r.output.isEmpty() ? tr("no output") : r.output) };
    return Status();
}

QString readText(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

QString execStartOf(const QString &unitText)
{
    const QStringList lines = unitText.split(QLatin1Char('\n'));
    for (const QString &line : lines) {
        if (line.startsWith(QLatin1String("ExecStart=")))
            return line.mid(10);
    }
    return QString();
}

// A decoded backslash escape of a quoted systemd word; `i` points at the backslash.
QChar unescape(const QString &line, int *i)
{
    if (*i + 1 >= line.size())
        return QLatin1Char('\\');
    ++*i;
    switch (line.at(*i).unicode()) {
    case 'n':
        return QLatin1Char('\n');
    case 't':
        return QLatin1Char('\t');
    default:
        return line.at(*i);
    }
}

} // namespace

QString timerUnitName()
{
    return QStringLiteral("tfhub-cache-clean.timer");
}

QString serviceUnitName()
{
    return QStringLiteral("tfhub-cache-clean.service");
}

QString userUnitDir()
{
    QString config = qEnvironmentVariable("XDG_CONFIG_HOME");
    if (config.isEmpty() || QDir::isRelativePath(config))
        config = QDir::homePath() + QStringLiteral("/.config");
    return config + QStringLiteral("/systemd/user");
}

QString cliExecutable()
{
    const QString beside = QCoreApplication::applicationDirPath() + QStringLiteral("/tfhub-cache");
    if (QFileInfo(beside).isExecutable())
        return QFileInfo(beside).absoluteFilePath();
    return QStandardPaths::findExecutable(QStringLiteral("tfhub-cache"));
}

QString systemdWord(const QString &word, bool expandsVariables)
{
    QString escaped = word;
    escaped.replace(QLatin1Char('%'), QStringLiteral("%%"));
    if (expandsVariables)
        escaped.replace(QLatin1Char('$'), QStringLiteral("$$"));
    if (isPlainWord(word, QStringLiteral("/._-+=:,@%$")))
        return escaped;
    escaped.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    escaped.replace(QLatin1Char('"'), QStringLiteral("\\\""));
    escaped.replace(QLatin1Char('\n'), QStringLiteral("\\n"));
    escaped.replace(QLatin1Char('\t'), QStringLiteral("\\t"));
    return QLatin1Char('"') + escaped + QLatin1Char('"');
}

QStringList splitExecLine(const QString &line)
{
    QStringList words;
    QString word;
    bool inWord = false;
    QChar quote;
    for (int i = 0; i < line.size(); ++i) {
        const QChar c = line.at(i);
        if ((c == QLatin1Char('%') || c == QLatin1Char('$')) && i + 1 < line.size() && line.at(i + 1) == c) {
            word += c;
            ++i;
            inWord = true;
        } else if (!quote.isNull()) {
            if (c == quote)
                quote = QChar();
            else
                word += c == QLatin1Char('\\') ? unescape(line, &i) : c;
        } else if (c == QLatin1Char('"') || c == QLatin1Char('\'')) {
            quote = c;
            inWord = true;
        } else if (c.isSpace()) {
            if (inWord)
                words << word;
            word.clear();
            inWord = false;
        } else {
            word += c == QLatin1Char('\\') ? unescape(line, &i) : c;
            inWord = true;
        }
    }
    if (inWord)
        words << word;
    return words;
}

QString shellWord(const QString &word)
{
    if (isPlainWord(word, QStringLiteral("/._-+=:,@")))
        return word;
    QString quoted = word;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

QStringList policyCommand(const QString &cli, const QString &cacheRoot)
{
    return { cli, QStringLiteral("clean"), QStringLiteral("--policy"), QStringLiteral("--yes"),
        QStringLiteral("--cache-dir"), QDir::cleanPath(QDir(cacheRoot).absolutePath()) };
}

QString serviceUnitText(const QString &cli, const QString &cacheRoot)
{
    QStringList words = policyCommand(cli, cacheRoot);
    QStringList exec;
    // systemd refuses an executable path with quotes, backslashes or control characters; env can
    // run it from an argument, where anything goes. Variables are not expanded in the path itself.
    if (std::any_of(cli.cbegin(), cli.cend(), [](QChar c) {
            return c == QLatin1Char('"') || c == QLatin1Char('\\') || c == QLatin1Char('\'')
                || c.unicode() < 0x20 || c.unicode() == 0x7f;
        }))
        exec << QStringLiteral("/usr/bin/env");
    else
        exec << systemdWord(words.takeFirst(), false);
    for (const QString &word : std::as_const(words))
        exec << systemdWord(word);
    QString env;
    for (const char *name : { "XDG_CONFIG_HOME", "XDG_STATE_HOME" }) {
        const QString value = qEnvironmentVariable(name);
        if (!value.isEmpty() && !QDir::isRelativePath(value))
            env += QStringLiteral("Environment=")
                + systemdWord(QString::fromLatin1(name) + QLatin1Char('=') + value, false)
                + QLatin1Char('\n');
    }
    return QStringLiteral(
               "# Written by TF Hub Cache Manager (Settings, automatic cleanup); removed there too.\n"
               "[Unit]\n"
               "Description=Clean the TensorFlow Hub model cache by the automatic cleanup policy\n"
               "\n"
               "[Service]\n"
               "Type=oneshot\n")
        + env + QStringLiteral("ExecStart=") + exec.join(QLatin1Char(' '))
        + QStringLiteral("\nNice=10\n"
                         "IOSchedulingClass=idle\n");
}

QString timerUnitText()
{
    return QStringLiteral(
        "# Written by TF Hub Cache Manager (Settings, automatic cleanup); removed there too.\n"
        "[Unit]\n"
        "Description=Clean the TensorFlow Hub model cache daily\n"
        "\n"
        "[Timer]\n"
        "OnCalendar=daily\n"
        "Persistent=true\n"
        "RandomizedDelaySec=1h\n"
        "\n"
        "[Install]\n"
        "WantedBy=timers.target\n");
}

QString cronLine(const QString &cli, const QString &cacheRoot)
{
    QStringList words;
    for (const QString &word : policyCommand(cli, cacheRoot))
        words << shellWord(word);
    // cron turns an unescaped % into a newline.
    return QStringLiteral("17 3 * * * ")
        + words.join(QLatin1Char(' ')).replace(QLatin1Char('%'), QStringLiteral("\\%"));
}

bool userManagerRunning()
{
    const QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR");
    return !runtime.isEmpty() && QFileInfo::exists(runtime + QStringLiteral("/systemd/private"));
}

TimerState timerState(const QString &cli, const QString &cacheRoot)
{
    TimerState s;
    const QString service = readText(userUnitDir() + QLatin1Char('/') + serviceUnitName());
    s.installed = !service.isEmpty() && QFileInfo::exists(userUnitDir() + QLatin1Char('/') + timerUnitName());
    if (s.installed) {
        const QStringList words = splitExecLine(execStartOf(service));
        const int at = words.indexOf(QStringLiteral("--cache-dir"));
        if (at >= 0 && at + 1 < words.size())
            s.installedCacheRoot = words.at(at + 1);
        s.current = service == serviceUnitText(cli, cacheRoot);
    }
    s.managerRunning = userManagerRunning();
    if (s.managerRunning && s.installed)
        s.enabled = systemctl({ QStringLiteral("is-enabled"), timerUnitName() }).exitCode == 0;
    return s;
}

Status installTimer(const QString &cli, const QString &cacheRoot, QString *note)
{
    if (cli.isEmpty() || !QFileInfo(cli).isAbsolute())
        return Error { tr("Cannot install the cleanup timer: the tfhub-cache command was not found beside "
                          "the app or on PATH.") };
    const QString dir = userUnitDir();
    if (!QDir().mkpath(dir))
        return Error {
            tr("Cannot create %1: %2").arg(QDir::toNativeSeparators(dir), util::errnoText(errno))
        };
    if (Status s = util::durableWrite(
            dir + QLatin1Char('/') + serviceUnitName(), serviceUnitText(cli, cacheRoot).toUtf8());
        !s)
        return s;
    if (Status s = util::durableWrite(dir + QLatin1Char('/') + timerUnitName(), timerUnitText().toUtf8()); !s)
        return s;
    if (!userManagerRunning()) {
        if (note)
            *note
                = tr("No systemd user manager runs in this session, so the timer is written but not started; "
                     "add the cron line instead, or log in with a user manager.");
        return Status();
    }
    if (Status s = runSystemctl({ QStringLiteral("daemon-reload") }); !s)
        return s;
    return runSystemctl({ QStringLiteral("enable"), QStringLiteral("--now"), timerUnitName() });
}

Status removeTimer()
{
    if (userManagerRunning()) {
        const SystemctlResult r
            = systemctl({ QStringLiteral("disable"), QStringLiteral("--now"), timerUnitName() });
        if (r.started && r.exitCode != 0
            && QFileInfo::exists(userUnitDir() + QLatin1Char('/') + timerUnitName()))
            return Error { tr("systemctl --user disable %1 failed: %2").arg(timerUnitName(), r.output) };
    }
    for (const QString &name : { timerUnitName(), serviceUnitName() }) {
        QFile f(userUnitDir() + QLatin1Char('/') + name);
        if (f.exists() && !f.remove())
            return Error {
                tr("Cannot delete %1: %2").arg(QDir::toNativeSeparators(f.fileName()), f.errorString())
            };
    }
    if (userManagerRunning())
        return runSystemctl({ QStringLiteral("daemon-reload") });
    return Status();
}

} // namespace tfhub::maintenance
