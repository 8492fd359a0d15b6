#include "core/shellenv/envpersistence.h"
#include "core/shellenv/shellprobe.h"
#include "tests/support/privilege.h"
#include "tests/support/testdata.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>
#include <unistd.h>

using namespace tfhub;
using namespace tfhub::shellenv;

namespace {

constexpr int ShellTimeoutMs = 20000;

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<unreadable>");
}

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

Changes setCacheDir(const QString &dir)
{
    Changes c;
    c.insert(Variable::CacheDir, dir);
    return c;
}

} // namespace

class TestEnvPersistence final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void blockReplace_data();
    void blockReplace();
    void normalize_data();
    void normalize();
    void rawBytesMustSurviveDecoding();
    void realShellsSeeAwkwardValues_data();
    void realShellsSeeAwkwardValues();
    void applyingTwiceChangesNothing();
    void roundTripLeavesHomeAsFound();
    void existingContentPreservedExactly();
    void loadFormatSetAndUnset();
    void defaultTargetsAndLocations();
    void conflictsDetected();
    void conflictsFollowWhatShellsSee_data();
    void conflictsFollowWhatShellsSee();
    void probeReportsShellsAndSession();
    void unwritableRcReportedOthersApplied();
    void damagedBlockLeavesFileAlone_data();
    void damagedBlockLeavesFileAlone();
    void backupKeepsPrivatePermissions();

private:
    QString home() const { return m_home->path(); }
    QList<Target> everyTarget() const { return allTargets(); }

    QTemporaryDir m_root;
    std::unique_ptr<QTemporaryDir> m_home;
};

void TestEnvPersistence::initTestCase()
{
    QVERIFY(m_root.isValid());
    qunsetenv("TFHUB_CACHE_DIR");
    qunsetenv("TFHUB_MODEL_LOAD_FORMAT");
    // Shells must not find real startup files or a real history.
    qunsetenv("BASH_ENV");
    qunsetenv("ENV");
}

void TestEnvPersistence::init()
{
    // A fresh home per test, a path with a space: every shell and every child sees only it.
    m_home = std::make_unique<QTemporaryDir>(m_root.filePath(QStringLiteral("home XXXXXX")));
    QVERIFY(m_home->isValid());
    const QString h = home();
    qputenv("HOME", QFile::encodeName(h));
    qputenv("ZDOTDIR", QFile::encodeName(h + QStringLiteral("/zdot")));
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(h + QStringLiteral("/config")));
    qputenv("XDG_DATA_HOME", QFile::encodeName(h + QStringLiteral("/data")));
    qputenv("XDG_CACHE_HOME", QFile::encodeName(h + QStringLiteral("/cache")));
    QVERIFY(QDir().mkpath(h + QStringLiteral("/zdot")));
    QVERIFY(QDir().mkpath(h + QStringLiteral("/data")));
    const Locations l = Locations::fromEnvironment();
    QCOMPARE(l.home, h);
    QCOMPARE(l.fileFor(Target::Zsh), h + QStringLiteral("/zdot/.zshrc"));
    QCOMPARE(l.fileFor(Target::Fish), h + QStringLiteral("/config/fish/conf.d/tfhub-cache-manager.fish"));
    QCOMPARE(
        l.fileFor(Target::Session), h + QStringLiteral("/config/environment.d/tfhub-cache-manager.conf"));
}

void TestEnvPersistence::blockReplace_data()
{
    QTest::addColumn<QByteArray>("original");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("final newline") << QByteArray("alias ll='ls -l'\n");
    QTest::newRow("no final newline") << QByteArray("alias ll='ls -l'\nPS1='$ '");
    QTest::newRow("crlf") << QByteArray("alias ll='ls -l'\r\nexport A=1\r\n");
    QTest::newRow("crlf no final newline") << QByteArray("a=1\r\nb=2");
    QTest::newRow("latin-1 bytes") << QByteArray("# caf\xe9\n");
    QTest::newRow("bom and blank lines") << QByteArray("\xef\xbb\xbf\n\n\n");
}

void TestEnvPersistence::blockReplace()
{
    QFETCH(QByteArray, original);
    QMap<Variable, QString> values { { Variable::CacheDir, QStringLiteral("/a b") } };
    const QByteArray block1 = block::render(Target::Bash, values, QString());
    const QByteArray with = block::replace(original, block1);
    QVERIFY(with.contains(block1));
    QVERIFY(with.startsWith(
        original.endsWith('\n') || original.isEmpty() ? original : QByteArray(original + '\n')));
    // Changed in place, not appended a second time.
    values.insert(Variable::CacheDir, QStringLiteral("/c"));
    const QByteArray block2 = block::render(Target::Bash, values, QString());
    const QByteArray changed = block::replace(with, block2);
    QCOMPARE(changed.count(block::beginMarker()), 1);
    QVERIFY(changed.contains(block2));
    QCOMPARE(block::replace(changed, block2), changed);
    // Removed: the original, byte for byte.
    QCOMPARE(block::replace(changed, QByteArray()), original);
    QCOMPARE(block::replace(original, QByteArray()), original);
    // Lines added by the user after our block survive its removal.
    const QByteArray extended = changed + QByteArray(changed.endsWith('\n') ? "" : "\n") + "echo mine\n";
    QVERIFY(block::replace(extended, QByteArray()).endsWith("echo mine\n"));
}

void TestEnvPersistence::normalize_data()
{
    QTest::addColumn<int>("variable");
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected"); // empty: an error
    const int dir = static_cast<int>(Variable::CacheDir);
    const int fmt = static_cast<int>(Variable::LoadFormat);
    QTest::newRow("tilde") << dir << QStringLiteral("~/m") << QStringLiteral("/h/m");
    QTest::newRow("tilde alone") << dir << QStringLiteral("~") << QStringLiteral("/h");
    QTest::newRow("trailing slash") << dir << QStringLiteral("/x/y/") << QStringLiteral("/x/y");
    QTest::newRow("relative") << dir << QStringLiteral("models") << QString();
    QTest::newRow("newline") << dir << QStringLiteral("/a\nb") << QString();
    QTest::newRow("empty") << dir << QString() << QString();
    QTest::newRow("COMPRESSED") << fmt << QStringLiteral("COMPRESSED") << QStringLiteral("COMPRESSED");
    QTest::newRow("AUTO") << fmt << QStringLiteral("AUTO") << QStringLiteral("AUTO");
    QTest::newRow("UNCOMPRESSED") << fmt << QStringLiteral("UNCOMPRESSED") << QStringLiteral("UNCOMPRESSED");
    QTest::newRow("lower case") << fmt << QStringLiteral("compressed") << QString();
    QTest::newRow("spaces") << fmt << QStringLiteral(" AUTO") << QString();
}

void TestEnvPersistence::normalize()
{
    QFETCH(int, variable);
    QFETCH(QString, input);
    QFETCH(QString, expected);
    const Result<QString> r = normalizeValue(static_cast<Variable>(variable), input, QStringLiteral("/h"));
    if (expected.isEmpty()) {
        QVERIFY(!r.ok());
        QVERIFY2(!r.error().isEmpty(), "an error names the cause");
    } else {
        QVERIFY2(r.ok(), r.ok() ? "" : qPrintable(r.error()));
        QCOMPARE(*r, expected);
    }
}

void TestEnvPersistence::rawBytesMustSurviveDecoding()
{
    // Latin-1 é in a UTF-8 locale: Qt decodes it to U+FFFD, which would be saved as another folder.
    const Result<QString> latin1 = pathFromLocalBytes(QByteArray("/tmp/lat\xe9n"));
    QVERIFY(!latin1.ok());
    QVERIFY2(latin1.error().contains(QStringLiteral("/tmp/lat\\xE9n"))
            && latin1.error().contains(QStringLiteral("UTF-8")),
        qPrintable(latin1.error()));
    // A name that really holds U+FFFD (its UTF-8 bytes) is a valid name like any other.
    const Result<QString> replacement = pathFromLocalBytes(QByteArray("/tmp/lat\xef\xbf\xbdn"));
    QVERIFY(replacement.ok());
    QCOMPARE(*replacement, QStringLiteral("/tmp/lat") + QChar(0xfffd) + QStringLiteral("n"));
    const Result<QString> accented = pathFromLocalBytes(QByteArray("/tmp/lat\xc3\xa9n"));
    QVERIFY(accented.ok());
    QCOMPARE(*accented, QStringLiteral("/tmp/lat") + QChar(0xe9) + QStringLiteral("n"));
}

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

void TestEnvPersistence::applyingTwiceChangesNothing()
{
    EnvPersistence p;
    Changes c = setCacheDir(home() + QStringLiteral("/models"));
    c.insert(Variable::LoadFormat, QStringLiteral("COMPRESSED"));
    for (const TargetResult &r : p.apply(everyTarget(), c)) {
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        QVERIFY(r.changed);
    }
    QMap<QString, QByteArray> before;
    QMap<QString, QDateTime> mtimes;
    for (const Target t : everyTarget()) {
        const QString f = p.locations().fileFor(t);
        before.insert(f, readAll(f));
        mtimes.insert(f, QFileInfo(f).lastModified());
    }
    QTest::qSleep(20); // only so that a rewrite would show in the nanosecond mtime; no threshold
    for (const TargetResult &r : p.apply(everyTarget(), c)) {
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        QVERIFY2(!r.changed, qPrintable(r.path));
        QVERIFY(r.backupPath.isEmpty());
    }
    for (auto it = before.cbegin(); it != before.cend(); ++it) {
        QCOMPARE(readAll(it.key()), it.value());
        QCOMPARE(QFileInfo(it.key()).lastModified(), mtimes.value(it.key()));
        QVERIFY(!QFileInfo::exists(it.key() + QStringLiteral(".tfhub-backup")));
    }
}

namespace {

// Relative path of every file under `dir`, hidden ones included.
QStringList filesUnder(const QString &dir)
{
    QStringList files;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext())
        files << QDir(dir).relativeFilePath(it.next());
    files.sort();
    return files;
}

} // namespace

void TestEnvPersistence::roundTripLeavesHomeAsFound()
{
    // An empty .bash_profile is the user's, even though it holds nothing: it decides which login
    // file bash reads, so it must survive; every file we create must go again.
    const QString h = home();
    QVERIFY(test::writeFile(h + QStringLiteral("/.bash_profile"), QByteArray()));
    const QStringList before = filesUnder(h);
    EnvPersistence p;
    for (const TargetResult &r : p.apply(everyTarget(), setCacheDir(h + QStringLiteral("/models")))) {
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        QVERIFY(r.changed);
        QVERIFY2(r.backupPath.isEmpty(), qPrintable(r.backupPath)); // nothing of the user's to keep
    }
    QCOMPARE(filesUnder(h).size(), before.size() + 4);
    QVERIFY(block::hasCreatedNote(readAll(h + QStringLiteral("/.bashrc"))));
    QVERIFY(!block::hasCreatedNote(readAll(h + QStringLiteral("/.bash_profile"))));
    // Changing the value keeps the note, and still makes no backup of a file that is only ours.
    for (const TargetResult &r : p.apply(everyTarget(), setCacheDir(h + QStringLiteral("/other"))))
        QVERIFY(r.backupPath.isEmpty());
    QVERIFY(block::hasCreatedNote(readAll(h + QStringLiteral("/.bashrc"))));

    Changes unset;
    unset.insert(Variable::CacheDir, std::nullopt);
    for (const TargetResult &r : p.apply(everyTarget(), unset)) {
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        QVERIFY(r.changed);
        QCOMPARE(r.removed, r.target != Target::Profile);
        QVERIFY(r.backupPath.isEmpty());
    }
    QCOMPARE(filesUnder(h), before);
    QCOMPARE(readAll(h + QStringLiteral("/.bash_profile")), QByteArray());

    // A file we created that the user has since added to is theirs as well: only the block goes.
    for (const TargetResult &r : p.apply({ Target::Bash }, setCacheDir(h + QStringLiteral("/models"))))
        QVERIFY(r.changed);
    const QString bashrc = h + QStringLiteral("/.bashrc");
    QVERIFY(test::writeFile(bashrc, readAll(bashrc) + "alias ll='ls -l'\n"));
    for (const TargetResult &r : p.apply({ Target::Bash }, unset)) {
        QVERIFY(!r.removed);
        QVERIFY(!r.backupPath.isEmpty());
    }
    QCOMPARE(readAll(bashrc), QByteArray("alias ll='ls -l'\n"));
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

void TestEnvPersistence::defaultTargetsAndLocations()
{
    const QString h = home();
    // bash as a login shell reads ~/.bash_profile when it exists, else ~/.bash_login, else ~/.profile.
    QCOMPARE(Locations::fromEnvironment().fileFor(Target::Profile), h + QStringLiteral("/.profile"));
    QVERIFY(test::writeFile(h + QStringLiteral("/.bash_login"), "# login\n"));
    QCOMPARE(Locations::fromEnvironment().fileFor(Target::Profile), h + QStringLiteral("/.bash_login"));
    QVERIFY(test::writeFile(h + QStringLiteral("/.bash_profile"), "# profile\n"));
    QCOMPARE(Locations::fromEnvironment().fileFor(Target::Profile), h + QStringLiteral("/.bash_profile"));

    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PATH"), m_root.filePath(QStringLiteral("nothing-here")));
    Locations bare = Locations::fromEnvironment(env);
    QList<Target> t = bare.defaultTargets();
    QVERIFY(!t.contains(Target::Bash));
    QVERIFY(!t.contains(Target::Fish));
    QVERIFY(t.contains(Target::Profile));
    QVERIFY(test::writeFile(h + QStringLiteral("/.bashrc"), "#\n"));
    QVERIFY(bare.defaultTargets().contains(Target::Bash));
    const QList<Target> all = Locations::fromEnvironment().defaultTargets();
    for (const Target x : allTargets())
        QVERIFY2(all.contains(x), qPrintable(targetName(x))); // every shell and systemd are installed here
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

void TestEnvPersistence::damagedBlockLeavesFileAlone_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("problem");
    const QByteArray b = block::beginMarker() + '\n';
    const QByteArray e = block::endMarker() + '\n';
    // A user who deleted half of our block: their lines after the start marker must never be
    // taken for part of it.
    QTest::newRow("start-without-end")
        << QByteArray("export A=1\n" + b + "export SECRET_TOKEN=abc\nalias ll='ls -l'\n")
        << "line 2 starts the block";
    QTest::newRow("end-without-start")
        << QByteArray("export A=1\n" + e + "export B=2\n") << "line 2 ends a block";
    QTest::newRow("end-before-start")
        << QByteArray(e + "export SECRET_TOKEN=abc\n" + b) << "comes before its start";
    QTest::newRow("two-blocks") << QByteArray(b + e + "x=1\n" + b + e) << "more than once";
}

void TestEnvPersistence::damagedBlockLeavesFileAlone()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, problem);
    EnvPersistence p;
    const QString bashrc = p.locations().fileFor(Target::Bash);
    QVERIFY(test::writeFile(bashrc, content));
    const QList<TargetResult> results
        = p.apply({ Target::Bash, Target::Fish }, setCacheDir(home() + QStringLiteral("/m")));
    QCOMPARE(results.size(), 2);
    QVERIFY2(results.at(0).error.contains(problem) && results.at(0).error.contains(bashrc),
        qPrintable(results.at(0).error));
    QVERIFY2(results.at(1).error.isEmpty(), qPrintable(results.at(1).error)); // the others still apply
    QCOMPARE(readAll(bashrc), content);
    QVERIFY(!QFileInfo::exists(bashrc + QStringLiteral(".tfhub-backup")));
}

void TestEnvPersistence::backupKeepsPrivatePermissions()
{
    EnvPersistence p;
    const QString bashrc = p.locations().fileFor(Target::Bash);
    QVERIFY(test::writeFile(bashrc, "export API_TOKEN=secret\n"));
    QVERIFY(QFile::setPermissions(bashrc, QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    for (const TargetResult &r : p.apply({ Target::Bash }, setCacheDir(home() + QStringLiteral("/m"))))
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    const QString backup = bashrc + QStringLiteral(".tfhub-backup");
    QCOMPARE(readAll(backup), QByteArray("export API_TOKEN=secret\n"));
    QCOMPARE(QFile::permissions(backup) & 0x7077, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    QCOMPARE(QFile::permissions(bashrc) & 0x7077, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}

QTEST_GUILESS_MAIN(TestEnvPersistence)
#include "tst_envpersistence.moc"
