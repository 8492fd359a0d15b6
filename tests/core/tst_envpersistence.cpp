// What real shells and the systemd session see once the variables are written: awkward values,
// existing files, both variables, conflicting assignments, the probe, and an unwritable file.
#include "core/shellenv/envpersistence.h"
#include "core/shellenv/shellprobe.h"
#include "tests/core/envfixtures.h"
#include "tests/support/privilege.h"
#include "tests/support/testdata.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <optional>

#include <sys/stat.h>
#include <unistd.h>

using namespace tfhub;
using namespace tfhub::shellenv;
using namespace tfhub::test::envhome;

namespace {

constexpr int ShellTimeoutMs = 20000;

struct ShellOutput
{
    bool ran = false;
    std::optional<QString> value;
};

// Asks a real shell, independently of our probe: the shell writes the variable to a file.
ShellOutput askShell(const QString &shell, const QString &variable)
{
    QTemporaryDir out;
    const QString file = out.filePath(QStringLiteral("value"));
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("TFHUB_PROBE_OUT"), file);
    env.insert(QStringLiteral("TFHUB_PROBE_VAR"), variable);
    QStringList args;
    if (shell == QLatin1String("fish"))
        args << QStringLiteral("-c")
             << QStringLiteral(
                    "if set -q $TFHUB_PROBE_VAR; printf '%s' \"$$TFHUB_PROBE_VAR\" > $TFHUB_PROBE_OUT; end");
    else
        args << (shell == QLatin1String("bash-login") ? QStringLiteral("-lc") : QStringLiteral("-ic"))
             << QStringLiteral("eval \"test -n \\\"\\${$TFHUB_PROBE_VAR+x}\\\"\" && eval \"printf %s "
                               "\\\"\\$$TFHUB_PROBE_VAR\\\"\" "
                               "> \"$TFHUB_PROBE_OUT\"");
    QProcess p;
    p.setProcessEnvironment(env);
    p.setStandardInputFile(QProcess::nullDevice());
    p.start(shell == QLatin1String("bash-login") ? QStringLiteral("bash") : shell, args);
    ShellOutput r;
    r.ran = p.waitForFinished(ShellTimeoutMs) && p.exitStatus() == QProcess::NormalExit;
    if (!r.ran)
        qWarning() << shell << p.readAllStandardError();
    if (QFileInfo::exists(file))
        r.value = QString::fromUtf8(readAll(file));
    return r;
}

// What systemd's generator gives a new session for `variable`.
std::optional<QString> askGenerator(const QString &variable)
{
    const ProbeResult s = probe::session(QProcessEnvironment::systemEnvironment(), ShellTimeoutMs);
    if (!s.ok())
        return QStringLiteral("<generator failed: %1>").arg(s.error);
    return variable == variableName(Variable::CacheDir) ? s.cacheDir : s.loadFormat;
}

} // namespace

class TestEnvPersistence final : public FreshHomeSuite
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { setUpProcess(); }
    void init() { makeFreshHome(); }

    void realShellsSeeAwkwardValues_data();
    void realShellsSeeAwkwardValues();
    void existingContentPreservedExactly();
    void loadFormatSetAndUnset();
    void conflictsDetected();
    void conflictsFollowWhatShellsSee_data();
    void conflictsFollowWhatShellsSee();
    void probeReportsShellsAndSession();
    void unwritableRcReportedOthersApplied();
};

void TestEnvPersistence::realShellsSeeAwkwardValues_data()
{
    QTest::addColumn<QString>("relative"); // to the temporary root, or "~/" for the home
    QTest::newRow("plain") << QStringLiteral("plain/tfhub_modules");
    QTest::newRow("spaces and quotes") << QStringLiteral("my models/it's \"quoted\"");
    QTest::newRow("dollar backtick backslash") << QStringLiteral("$HOME and $(echo no) `x` \\back\\ ${X}$");
    QTest::newRow("unicode") << QStringLiteral("modèles/日本語 ü");
    QTest::newRow("in home, awkward") << QStringLiteral("~/.cache/tfhub $x \"y\" é");
    QTest::newRow("fish specials") << QStringLiteral("a;b|c&d(e)f{g}h*i?j#k~l%m");
}

void TestEnvPersistence::realShellsSeeAwkwardValues()
{
    QFETCH(QString, relative);
    const QString value
        = relative.startsWith(QLatin1String("~/")) ? home() + relative.mid(1) : m_root.filePath(relative);
    const Result<QString> normalized = normalizeValue(Variable::CacheDir, value, home());
    QVERIFY2(normalized.ok(), normalized.ok() ? "" : qPrintable(normalized.error()));
    QCOMPARE(*normalized, value);

    EnvPersistence p;
    const QString name = variableName(Variable::CacheDir);
    for (const QString &second : QStringList { value, value + QStringLiteral("/changed") }) {
        for (const TargetResult &r : p.apply(everyTarget(), setCacheDir(second)))
            QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        for (const char *shell : { "bash", "bash-login", "zsh", "fish" }) {
            const ShellOutput out = askShell(QString::fromLatin1(shell), name);
            QVERIFY2(out.ran, shell);
            QVERIFY2(out.value.has_value(), shell);
            QCOMPARE(*out.value, second);
        }
        QCOMPARE(askGenerator(name), std::optional<QString>(second));
        for (const TargetState &s : p.readAll())
            QCOMPARE(s.values.value(Variable::CacheDir), second);
    }
    // A path inside the home is written relative to $HOME on purpose.
    if (relative.startsWith(QLatin1String("~/")))
        QVERIFY(readAll(p.locations().fileFor(Target::Bash)).contains("\"$HOME/.cache/tfhub"));

    Changes unset;
    unset.insert(Variable::CacheDir, std::nullopt);
    for (const TargetResult &r : p.apply(everyTarget(), unset))
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    for (const char *shell : { "bash", "bash-login", "zsh", "fish" }) {
        const ShellOutput out = askShell(QString::fromLatin1(shell), name);
        QVERIFY2(out.ran, shell);
        QVERIFY2(!out.value.has_value(), shell);
    }
    QCOMPARE(askGenerator(name), std::optional<QString>());
    // The files we created are gone again, with no backups of them.
    for (const Target t : everyTarget()) {
        QVERIFY2(!QFileInfo::exists(p.locations().fileFor(t)), qPrintable(p.locations().fileFor(t)));
        QVERIFY(!QFileInfo::exists(p.locations().fileFor(t) + QStringLiteral(".tfhub-backup")));
    }
}

void TestEnvPersistence::existingContentPreservedExactly()
{
    const QString h = home();
    const QByteArray bashrc = "# my bashrc\nalias ll='ls -l'\nPS1='\\u$ '"; // no final newline
    const QByteArray zshrc = "setopt autocd\r\nexport EDITOR=vi\r\n"; // CRLF
    const QByteArray profile = "# managed by my dotfiles\nexport PATH=\"$HOME/bin:$PATH\"\n";
    QVERIFY(test::writeFile(h + QStringLiteral("/.bashrc"), bashrc));
    QVERIFY(test::writeFile(h + QStringLiteral("/zdot/.zshrc"), zshrc));
    QVERIFY(test::writeFile(h + QStringLiteral("/dotfiles/profile"), profile));
    QVERIFY(QFile::link(h + QStringLiteral("/dotfiles/profile"), h + QStringLiteral("/.profile")));
    QVERIFY(QFile::setPermissions(h + QStringLiteral("/.bashrc"), QFile::ReadOwner | QFile::WriteOwner));

    EnvPersistence p;
    const QList<Target> targets { Target::Bash, Target::Zsh, Target::Profile };
    const QString dir = m_root.filePath(QStringLiteral("cache dir"));
    for (const TargetResult &r : p.apply(targets, setCacheDir(dir)))
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));

    // The link is still a link, its target was edited, the previous version is kept beside it.
    QVERIFY(QFileInfo(h + QStringLiteral("/.profile")).isSymLink());
    QVERIFY(readAll(h + QStringLiteral("/dotfiles/profile")).startsWith(profile));
    QCOMPARE(readAll(h + QStringLiteral("/dotfiles/profile.tfhub-backup")), profile);
    QCOMPARE(readAll(h + QStringLiteral("/.bashrc.tfhub-backup")), bashrc);
    struct stat st
    {
    };
    QVERIFY(::stat(QFile::encodeName(h + QStringLiteral("/.bashrc")).constData(), &st) == 0);
    QCOMPARE(st.st_mode & 07777, mode_t(0600)); // the user's permissions survive the atomic rewrite
    // Outside the block nothing changed.
    QVERIFY(readAll(h + QStringLiteral("/.bashrc")).startsWith(QByteArray(bashrc + '\n')));
    QVERIFY(readAll(h + QStringLiteral("/zdot/.zshrc")).startsWith(zshrc));
    // The shells see the value even from the CRLF file and the file that ended without a newline.
    QCOMPARE(
        askShell(QStringLiteral("zsh"), variableName(Variable::CacheDir)).value, std::optional<QString>(dir));
    QCOMPARE(askShell(QStringLiteral("bash"), variableName(Variable::CacheDir)).value,
        std::optional<QString>(dir));
    QCOMPARE(askShell(QStringLiteral("bash-login"), variableName(Variable::CacheDir)).value,
        std::optional<QString>(dir));

    Changes unset;
    unset.insert(Variable::CacheDir, std::nullopt);
    for (const TargetResult &r : p.apply(targets, unset))
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QCOMPARE(readAll(h + QStringLiteral("/.bashrc")), bashrc);
    QCOMPARE(readAll(h + QStringLiteral("/zdot/.zshrc")), zshrc);
    QCOMPARE(readAll(h + QStringLiteral("/dotfiles/profile")), profile);
    QVERIFY(QFileInfo(h + QStringLiteral("/.profile")).isSymLink());
}

void TestEnvPersistence::loadFormatSetAndUnset()
{
    EnvPersistence p;
    Changes c;
    c.insert(Variable::LoadFormat, QStringLiteral("UNCOMPRESSED"));
    c.insert(Variable::CacheDir, m_root.filePath(QStringLiteral("c")));
    for (const TargetResult &r : p.apply(everyTarget(), c))
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    const QString name = variableName(Variable::LoadFormat);
    for (const char *shell : { "bash", "zsh", "fish" })
        QCOMPARE(askShell(QString::fromLatin1(shell), name).value,
            std::optional<QString>(QStringLiteral("UNCOMPRESSED")));
    QCOMPARE(askGenerator(name), std::optional<QString>(QStringLiteral("UNCOMPRESSED")));

    // Unsetting one variable keeps the other.
    Changes unset;
    unset.insert(Variable::LoadFormat, std::nullopt);
    for (const TargetResult &r : p.apply(everyTarget(), unset))
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    for (const char *shell : { "bash", "zsh", "fish" }) {
        QCOMPARE(askShell(QString::fromLatin1(shell), name).value, std::optional<QString>());
        QCOMPARE(askShell(QString::fromLatin1(shell), variableName(Variable::CacheDir)).value,
            std::optional<QString>(m_root.filePath(QStringLiteral("c"))));
    }
}

void TestEnvPersistence::conflictsDetected()
{
    const QString h = home();
    QVERIFY(test::writeFile(h + QStringLiteral("/.bashrc"), "export TFHUB_CACHE_DIR=/early\n"));
    QVERIFY(test::writeFile(h + QStringLiteral("/zdot/.zshenv"), "TFHUB_MODEL_LOAD_FORMAT=compressed\n"));
    QVERIFY(
        test::writeFile(h + QStringLiteral("/config/environment.d/zz-mine.conf"), "TFHUB_CACHE_DIR=/late\n"));
    EnvPersistence p;
    const QString dir = m_root.filePath(QStringLiteral("persisted"));
    for (const TargetResult &r : p.apply({ Target::Bash, Target::Session }, setCacheDir(dir)))
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QFile bashrc(h + QStringLiteral("/.bashrc"));
    QVERIFY(bashrc.open(QIODevice::Append));
    bashrc.write("  export TFHUB_CACHE_DIR=\"/after\"\n");
    bashrc.close();

    QProcessEnvironment current;
    current.insert(QStringLiteral("TFHUB_CACHE_DIR"), QStringLiteral("/old"));
    const QList<Conflict> found = p.conflicts(current);
    const auto has = [&found](Conflict::Kind kind, const QString &fileEnd, int line) {
        for (const Conflict &c : found) {
            if (c.kind == kind && c.file.endsWith(fileEnd) && c.line == line && !c.message.isEmpty())
                return true;
        }
        return false;
    };
    QStringList messages;
    for (const Conflict &c : found)
        messages << c.message;
    const QByteArray all = messages.join(QLatin1Char('\n')).toUtf8();
    QVERIFY2(has(Conflict::Kind::LosesToOurs, QStringLiteral("/.bashrc"), 1), all.constData());
    QVERIFY2(has(Conflict::Kind::WinsOverOurs, QStringLiteral("/.bashrc"), 6), all.constData());
    QVERIFY2(has(Conflict::Kind::InvalidValue, QStringLiteral("/.zshenv"), 1), all.constData());
    QVERIFY2(has(Conflict::Kind::WinsOverOurs, QStringLiteral("/zz-mine.conf"), 1), all.constData());
    QVERIFY2(has(Conflict::Kind::EnvironmentDiffers, QString(), 0), all.constData());
    QVERIFY(all.contains("/old"));
    // And it is true: bash sees the later line, the session the later file.
    QCOMPARE(
        askGenerator(QStringLiteral("TFHUB_CACHE_DIR")), std::optional<QString>(QStringLiteral("/late")));
    QCOMPARE(askShell(QStringLiteral("bash"), QStringLiteral("TFHUB_CACHE_DIR")).value,
        std::optional<QString>(QStringLiteral("/after")));

    // Without them nothing is reported.
    QVERIFY(QFile::remove(h + QStringLiteral("/zdot/.zshenv")));
    QVERIFY(QFile::remove(h + QStringLiteral("/config/environment.d/zz-mine.conf")));
    QVERIFY(test::writeFile(h + QStringLiteral("/.bashrc"), QByteArray()));
    for (const TargetResult &r : p.apply({ Target::Bash }, setCacheDir(dir)))
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    current.insert(QStringLiteral("TFHUB_CACHE_DIR"), dir);
    QCOMPARE(p.conflicts(current).size(), 0);
}

void TestEnvPersistence::conflictsFollowWhatShellsSee_data()
{
    QTest::addColumn<QByteArray>("after");
    QTest::addColumn<int>("line"); // the line named as winning, 0 for none
    QTest::addColumn<QString>("seen");
    QTest::newRow("two assignments on one line")
        << QByteArray("export A=1 TFHUB_CACHE_DIR=/mine\n") << 1 << QStringLiteral("/mine");
    QTest::newRow("indented inside an if")
        << QByteArray("if [ -n \"$HOME\" ]; then\n    TFHUB_CACHE_DIR=/mine; export TFHUB_CACHE_DIR\nfi\n")
        << 2 << QStringLiteral("/mine");
    QTest::newRow("inside an if that never runs")
        << QByteArray("if false; then\n  export TFHUB_CACHE_DIR=/never\nfi\n") << 0 << QString();
}

void TestEnvPersistence::conflictsFollowWhatShellsSee()
{
    QFETCH(QByteArray, after);
    QFETCH(int, line);
    QFETCH(QString, seen);
    const QString bashrc = home() + QStringLiteral("/.bashrc");
    QVERIFY(test::writeFile(bashrc, "alias ll='ls -l'\n"));
    EnvPersistence p;
    const QString dir = m_root.filePath(QStringLiteral("persisted"));
    for (const TargetResult &r : p.apply({ Target::Bash }, setCacheDir(dir)))
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    const QByteArray before = readAll(bashrc);
    const int offset = static_cast<int>(before.count('\n'));
    QVERIFY(test::writeFile(bashrc, before + after));

    // The shell is the judge.
    const ShellOutput bash = askShell(QStringLiteral("bash"), variableName(Variable::CacheDir));
    QVERIFY(bash.ran);
    QCOMPARE(*bash.value, line ? seen : dir);

    const QList<ProbeResult> probes = probe::all(QProcessEnvironment::systemEnvironment(), ShellTimeoutMs);
    QProcessEnvironment current;
    current.insert(variableName(Variable::CacheDir), dir);
    const QList<Conflict> found = p.conflicts(current, probes);
    QStringList messages;
    QList<Conflict> wins;
    for (const Conflict &c : found) {
        messages << c.message;
        if (c.kind == Conflict::Kind::WinsOverOurs)
            wins << c;
    }
    const QByteArray all = messages.join(QLatin1Char('\n')).toUtf8();
    if (!line) {
        QVERIFY2(wins.isEmpty(), all.constData());
        // Only mentioned, and said not to win.
        QVERIFY2(std::any_of(found.cbegin(), found.cend(),
                     [&](const Conflict &c) {
                         return c.kind == Conflict::Kind::LosesToOurs && c.line == offset + 2;
                     }),
            all.constData());
        return;
    }
    QVERIFY2(!wins.isEmpty(), all.constData());
    const Conflict &c = wins.first();
    QCOMPARE(c.shell, QStringLiteral("bash"));
    QCOMPARE(c.file, bashrc);
    QCOMPARE(c.line, offset + line);
    QVERIFY2(c.message.contains(seen) && c.message.contains(dir)
            && c.message.contains(QStringLiteral("line %1").arg(offset + line)),
        qPrintable(c.message));
}

void TestEnvPersistence::probeReportsShellsAndSession()
{
    EnvPersistence p;
    const QString dir = m_root.filePath(QStringLiteral("probe \"dir\""));
    Changes c = setCacheDir(dir);
    c.insert(Variable::LoadFormat, QStringLiteral("AUTO"));
    // Only the session: every shell started after the next login inherits it.
    for (const TargetResult &r : p.apply({ Target::Session }, c))
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    // Startup files that print are not mistaken for the answer.
    QVERIFY(test::writeFile(home() + QStringLiteral("/.bashrc"), "echo hello from bashrc\n"));
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("TFHUB_CACHE_DIR"), QStringLiteral("/stale/in/this/process"));
    const QList<ProbeResult> results = probe::all(env, ShellTimeoutMs);
    QCOMPARE(results.size(), 5);
    for (const ProbeResult &r : results) {
        QVERIFY2(r.ok(), qPrintable(r.name + QStringLiteral(": ") + r.error));
        QCOMPARE(r.cacheDir, std::optional<QString>(dir));
        QCOMPARE(r.loadFormat, std::optional<QString>(QStringLiteral("AUTO")));
    }
    // A shell whose startup file hangs is stopped and reported.
    QVERIFY(test::writeFile(home() + QStringLiteral("/.bashrc"), "sleep 30\n"));
    const QList<ProbeResult> hung = probe::shells(env, 1000, ProbeResult());
    QVERIFY(!hung.at(0).ok());
    QVERIFY(hung.at(0).error.contains(QStringLiteral("did not finish")));
}

void TestEnvPersistence::unwritableRcReportedOthersApplied()
{
    const QString cli = qEnvironmentVariable("TFHUB_CLI");
    QVERIFY2(!cli.isEmpty(), "TFHUB_CLI is not set (run through ctest)");
    TFHUB_REQUIRE_ROOT("only root can run the tool as another user (nobody) for a real permission error");
    const QString h = home();
    // The home belongs to the unprivileged user; its .zshrc stays root's and read-only to it.
    QVERIFY(test::writeFile(h + QStringLiteral("/.bashrc"), "# bash\n"));
    QVERIFY(test::writeFile(h + QStringLiteral("/zdot/.zshrc"), "# zsh, not yours\n"));
    QProcess chown;
    chown.start(QStringLiteral("chown"), { QStringLiteral("-R"), QStringLiteral("65534:65534"), h });
    QVERIFY(chown.waitForFinished(10000) && chown.exitCode() == 0);
    QVERIFY(::chown(QFile::encodeName(h + QStringLiteral("/zdot/.zshrc")).constData(), 0, 0) == 0);
    QVERIFY(::chmod(QFile::encodeName(h + QStringLiteral("/zdot/.zshrc")).constData(), 0644) == 0);
    // Open the path down to the home to that user.
    for (QString d = h; d.startsWith(QDir::tempPath()) && d != QDir::tempPath();
         d = QFileInfo(d).absolutePath())
        QVERIFY(::chmod(QFile::encodeName(d).constData(), 0755) == 0 || d == h);

    const QString dir = m_root.filePath(QStringLiteral("unprivileged cache"));
    QProcess p;
    p.setProcessEnvironment(QProcessEnvironment::systemEnvironment());
    p.start(QStringLiteral("setpriv"),
        { QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"), QStringLiteral("--clear-groups"),
            cli, QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("cache-dir"), dir,
            QStringLiteral("--targets"), QStringLiteral("bash,zsh,session") });
    QVERIFY(p.waitForFinished(30000));
    const QString err = QString::fromUtf8(p.readAllStandardError());
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    QCOMPARE(p.exitCode(), 1);
    QVERIFY2(
        err.contains(h + QStringLiteral("/zdot/.zshrc")) && err.contains(QStringLiteral("ermission denied")),
        qPrintable(err));
    QCOMPARE(readAll(h + QStringLiteral("/zdot/.zshrc")), QByteArray("# zsh, not yours\n"));
    QVERIFY2(readAll(h + QStringLiteral("/.bashrc")).startsWith("# bash\n# >>> tfhub-cache-manager"),
        qPrintable(out));
    QCOMPARE(askShell(QStringLiteral("bash"), QStringLiteral("TFHUB_CACHE_DIR")).value,
        std::optional<QString>(dir));
    QCOMPARE(askGenerator(QStringLiteral("TFHUB_CACHE_DIR")), std::optional<QString>(dir));
    struct stat st
    {
    };
    QVERIFY(::stat(QFile::encodeName(h + QStringLiteral("/.bashrc")).constData(), &st) == 0);
    QCOMPARE(st.st_uid, uid_t(65534)); // really written by the unprivileged user
}

QTEST_GUILESS_MAIN(TestEnvPersistence)
#include "tst_envpersistence.moc"
