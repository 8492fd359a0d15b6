// Writing the variables into startup files, without running a shell: the marked block, value
// checks, repeated and undone changes, default targets, damaged blocks and private backups.
#include "core/shellenv/envpersistence.h"
#include "tests/core/envfixtures.h"
#include "tests/support/testdata.h"

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QtTest>

using namespace tfhub;
using namespace tfhub::shellenv;
using namespace tfhub::test::envhome;

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

class TestEnvBlocks final : public FreshHomeSuite
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { setUpProcess(); }
    void init() { makeFreshHome(); }

    void blockReplace_data();
    void blockReplace();
    void normalize_data();
    void normalize();
    void rawBytesMustSurviveDecoding();
    void applyingTwiceChangesNothing();
    void roundTripLeavesHomeAsFound();
    void defaultTargetsAndLocations();
    void damagedBlockLeavesFileAlone_data();
    void damagedBlockLeavesFileAlone();
    void backupKeepsPrivatePermissions();
};

void TestEnvBlocks::blockReplace_data()
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

void TestEnvBlocks::blockReplace()
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

void TestEnvBlocks::normalize_data()
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

void TestEnvBlocks::normalize()
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

void TestEnvBlocks::rawBytesMustSurviveDecoding()
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

void TestEnvBlocks::applyingTwiceChangesNothing()
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

void TestEnvBlocks::roundTripLeavesHomeAsFound()
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

void TestEnvBlocks::defaultTargetsAndLocations()
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

void TestEnvBlocks::damagedBlockLeavesFileAlone_data()
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

void TestEnvBlocks::damagedBlockLeavesFileAlone()
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

void TestEnvBlocks::backupKeepsPrivatePermissions()
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

QTEST_GUILESS_MAIN(TestEnvBlocks)
#include "tst_envblocks.moc"
