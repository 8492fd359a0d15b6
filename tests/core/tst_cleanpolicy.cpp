#include "core/cache/cachescanner.h"
#include "core/maintenance/cleanpolicy.h"
#include "core/maintenance/cleanpolicyrun.h"
#include "core/maintenance/cleanpolicytimer.h"
#include "core/settings/appsettings.h"
#include "core/util/fsutil.h"
#include "core/util/humanize.h"
#include "tests/support/testdata.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <fcntl.h>
#include <sys/stat.h>

using namespace tfhub;

namespace {

// Sets the access time of every file of a tree, leaving modification times alone (UTIME_OMIT).
bool setATimes(const QString &dir, const QDateTime &when)
{
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const timespec times[2] = { { time_t(when.toSecsSinceEpoch()), 0 }, { 0, UTIME_OMIT } };
        if (::utimensat(AT_FDCWD, QFile::encodeName(it.next()).constData(), times, AT_SYMLINK_NOFOLLOW) != 0)
            return false;
    }
    return true;
}

QString keyFor(const QString &root, const QString &handle)
{
    return test::makeEntry(root, handle, test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
}

} // namespace

class TestCleanPolicy final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void policyIsOffByDefault();
    void policyRoundTripsAndClamps();
    void describesPolicy();
    void findsEntriesHeldOpenByAChild();
    void readsFdsAndMapsOfProcRoot();
    void keepsRecentlyReadEntries_data();
    void keepsRecentlyReadEntries();
    void reportRoundTripsInStateHome();
    void missingReportIsAnError();
    void summarisesReports();
    void quotesSystemdWords_data();
    void quotesSystemdWords();
    void quotesShellWordsForCron();
    void unitsPassSystemdAnalyzeVerify_data();
    void unitsPassSystemdAnalyzeVerify();
    void installsAndRemovesUnitsWithoutAManager();
    void policyOffDoesNothing();
    void policyRunKeepsOpenAndRecentEntries();
    void servicesCommandLineRuns();

private:
    QTemporaryDir m_home;
    QString m_root;
};

void TestCleanPolicy::initTestCase()
{
    QVERIFY(m_home.isValid());
    test::isolateHome(m_home.path());
    qputenv("XDG_STATE_HOME", QFile::encodeName(m_home.path() + QStringLiteral("/state")));
    qunsetenv("XDG_RUNTIME_DIR");
}

void TestCleanPolicy::init()
{
    m_root = m_home.path() + QStringLiteral("/cache");
    QDir(m_root).removeRecursively();
    QVERIFY(QDir().mkpath(m_root));
    settings::openShared()->clear();
}

void TestCleanPolicy::policyIsOffByDefault()
{
    const CleanPolicy p = maintenance::sharedCleanPolicy();
    QVERIFY(!p.enabled);
    QVERIFY(!p.unusedEnabled);
    QVERIFY(!p.budgetEnabled);
    QCOMPARE(p.unusedDays, 90);
}

void TestCleanPolicy::policyRoundTripsAndClamps()
{
    CleanPolicy p;
    p.enabled = true;
    p.unusedEnabled = true;
    p.unusedDays = 30;
    p.budgetEnabled = true;
    p.maxBytes = 20'000'000'000LL;
    maintenance::writeCleanPolicy(*settings::openShared(), p);
    QCOMPARE(maintenance::sharedCleanPolicy(), p);

    auto s = settings::openShared();
    s->setValue(settings::CleanPolicyUnusedDays.name(), 0);
    s->setValue(settings::CleanPolicyMaxBytes.name(), QStringLiteral("lots"));
    const CleanPolicy read = maintenance::readCleanPolicy(*s);
    QCOMPARE(read.unusedDays, 1);
    QCOMPARE(read.maxBytes, settings::CleanPolicyMaxBytes.defaultValue);
}

void TestCleanPolicy::describesPolicy()
{
    CleanPolicy p;
    QCOMPARE(maintenance::describePolicy(p), QStringLiteral("Off"));
    p.enabled = true;
    QCOMPARE(maintenance::describePolicy(p), QStringLiteral("stale leftovers"));
    p.unusedEnabled = true;
    p.unusedDays = 30;
    QVERIFY(maintenance::describePolicy(p).contains(QStringLiteral("unused for 30 day")));
}

void TestCleanPolicy::findsEntriesHeldOpenByAChild()
{
    const QString held = keyFor(m_root, QStringLiteral("https://tfhub.dev/google/held/1"));
    const QString free = keyFor(m_root, QStringLiteral("https://tfhub.dev/google/free/1"));
    QProcess child;
    // The shell's redirection is inherited by sleep through exec: fd 3 stays open on the file.
    child.start(QStringLiteral("sh"),
        { QStringLiteral("-c"), QStringLiteral("exec 3< \"$1\"; exec sleep 600"), QStringLiteral("sh"),
            m_root + QLatin1Char('/') + held + QStringLiteral("/saved_model.pb") });
    QVERIFY(child.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(maintenance::openEntries(m_root).contains(held), 10000);
    const QHash<QString, OpenFileHolder> open = maintenance::openEntries(m_root);
    QVERIFY(!open.contains(free));
    QCOMPARE(open.value(held).pid, child.processId());
    QCOMPARE(open.value(held).command, QStringLiteral("sleep"));

    const CacheEntry entry = cache::scanKey(m_root, held, ScanOptions());
    const QString reason = PolicyGuard(m_root).keepReason(entry);
    QVERIFY2(reason.contains(QStringLiteral("open by sleep")), qPrintable(reason));
    child.kill();
    QVERIFY(child.waitForFinished());
    QTRY_VERIFY_WITH_TIMEOUT(!maintenance::openEntries(m_root).contains(held), 10000);
}

void TestCleanPolicy::readsFdsAndMapsOfProcRoot()
{
    const QString key = QString(40, QLatin1Char('a'));
    const QString other = QString(40, QLatin1Char('b'));
    const QString proc = m_home.path() + QStringLiteral("/proc");
    QDir(proc).removeRecursively();
    QVERIFY(QDir().mkpath(proc + QStringLiteral("/41/fd")));
    QVERIFY(QDir().mkpath(proc + QStringLiteral("/42/fd")));
    QVERIFY(QDir().mkpath(proc + QStringLiteral("/self/fd")));
    QVERIFY(QFile::link(
        m_root + QLatin1Char('/') + key + QStringLiteral(".0123456789abcdef0123456789abcdef.tmp/x"),
        proc + QStringLiteral("/41/fd/5")));
    QVERIFY(QFile::link(m_root + QStringLiteral("/not-a-key/x"), proc + QStringLiteral("/41/fd/6")));
    QVERIFY(test::writeFile(proc + QStringLiteral("/41/comm"), "python3\n"));
    QVERIFY(test::writeFile(proc + QStringLiteral("/42/maps"),
        "7f00-7f01 r--s 00000000 08:01 1234 " + QFile::encodeName(m_root) + '/' + other.toLatin1()
            + "/model.tflite\n7f02-7f03 r-xp 00000000 08:01 99 /usr/lib/libc.so.6\n"));

    const QHash<QString, OpenFileHolder> open = maintenance::openEntries(m_root, proc);
    QCOMPARE(open.size(), 2);
    QCOMPARE(open.value(key).pid, 41);
    QCOMPARE(open.value(key).command, QStringLiteral("python3"));
    QCOMPARE(open.value(other).pid, 42);
}

void TestCleanPolicy::keepsRecentlyReadEntries_data()
{
    QTest::addColumn<int>("hoursAgo");
    QTest::addColumn<bool>("kept");
    QTest::newRow("read an hour ago") << 1 << true;
    QTest::newRow("read 23 hours ago") << 23 << true;
    QTest::newRow("read 25 hours ago") << 25 << false;
    QTest::newRow("read 40 days ago") << 40 * 24 << false;
}

void TestCleanPolicy::keepsRecentlyReadEntries()
{
    QFETCH(int, hoursAgo);
    QFETCH(bool, kept);
    if (!util::recordsAccessTimes(m_root))
        QSKIP("the test folder's mount records no access times");
    const QString key = keyFor(m_root, QStringLiteral("https://tfhub.dev/google/old/1"));
    const QDateTime now = QDateTime::currentDateTime();
    QVERIFY(setATimes(m_root + QLatin1Char('/') + key, now.addSecs(-qint64(hoursAgo) * 3600)));
    const CacheEntry entry = cache::scanKey(m_root, key, ScanOptions());
    QVERIFY(entry.lastAccessed.isValid());
    const QString reason = PolicyGuard(m_root, now).keepReason(entry);
    QCOMPARE(!reason.isEmpty(), kept);
    if (kept)
        QVERIFY2(reason.contains(QStringLiteral("24 hours")), qPrintable(reason));
}

void TestCleanPolicy::reportRoundTripsInStateHome()
{
    const QString path = maintenance::cleanReportPath();
    QCOMPARE(path, m_home.path() + QStringLiteral("/state/tfhub-cache-manager/clean-report.json"));
    PolicyReport r;
    r.started = QDateTime::fromSecsSinceEpoch(1'700'000'000);
    r.finished = r.started.addSecs(3);
    r.trigger = QStringLiteral("timer");
    r.cacheRoot = m_root;
    r.policy.enabled = true;
    r.policy.budgetEnabled = true;
    r.policy.maxBytes = 5'000'000'000LL;
    r.freedBytes = 6'000'000'000LL;
    r.removed << PolicyReport::Item { QString(40, QLatin1Char('c')),
        QStringLiteral("https://tfhub.dev/a/b/1"), QStringLiteral("budget"),
        QStringLiteral("least recently used"), 6'000'000'000LL };
    r.kept << PolicyReport::Item { QString(40, QLatin1Char('d')), QString(), QStringLiteral("stale"),
        QStringLiteral("open by python3 (PID 7) on this host"), 10 };
    QVERIFY(maintenance::writeCleanReport(r));
    const Result<PolicyReport> back = maintenance::readCleanReport();
    QVERIFY2(back.ok(), back.ok() ? "" : qPrintable(back.error()));
    QCOMPARE(back->started, r.started);
    QCOMPARE(back->trigger, r.trigger);
    QCOMPARE(back->policy, r.policy);
    QCOMPARE(back->freedBytes, r.freedBytes);
    QCOMPARE(back->removed.size(), 1);
    QCOMPARE(back->removed.first().bytes, 6'000'000'000LL);
    QCOMPARE(back->kept.first().reason, r.kept.first().reason);
}

void TestCleanPolicy::missingReportIsAnError()
{
    const Result<PolicyReport> none
        = maintenance::readCleanReport(m_home.path() + QStringLiteral("/none.json"));
    QVERIFY(!none.ok());
    QVERIFY(none.error().contains(QStringLiteral("none.json")));
    QVERIFY(test::writeFile(m_home.path() + QStringLiteral("/bad.json"), "{\"schema\": 7}"));
    QVERIFY(!maintenance::readCleanReport(m_home.path() + QStringLiteral("/bad.json")).ok());
}

void TestCleanPolicy::summarisesReports()
{
    PolicyReport r;
    QVERIFY(maintenance::reportSummary(r).contains(QStringLiteral("nothing to remove")));
    r.removed << PolicyReport::Item {};
    r.freedBytes = 1024 * 1024;
    QVERIFY(maintenance::reportSummary(r).contains(util::humanSize(1024 * 1024)));
    r.error = QStringLiteral("the cache folder is a home folder");
    QVERIFY(maintenance::reportSummary(r).contains(r.error));
}

void TestCleanPolicy::quotesSystemdWords_data()
{
    QTest::addColumn<QString>("word");
    QTest::addColumn<QString>("quoted");
    QTest::newRow("plain") << QStringLiteral("/usr/bin/tfhub-cache")
                           << QStringLiteral("/usr/bin/tfhub-cache");
    QTest::newRow("space") << QStringLiteral("/a b/c") << QStringLiteral("\"/a b/c\"");
    QTest::newRow("quotes") << QStringLiteral("/x\"y'z") << QStringLiteral("\"/x\\\"y'z\"");
    QTest::newRow("backslash") << QStringLiteral("/a\\b") << QStringLiteral("\"/a\\\\b\"");
    QTest::newRow("specifier") << QStringLiteral("/50%h") << QStringLiteral("/50%%h");
    QTest::newRow("variable") << QStringLiteral("/$HOME x") << QStringLiteral("\"/$$HOME x\"");
}

void TestCleanPolicy::quotesSystemdWords()
{
    QFETCH(QString, word);
    QFETCH(QString, quoted);
    QCOMPARE(maintenance::systemdWord(word), quoted);
    QCOMPARE(maintenance::splitExecLine(quoted + QStringLiteral("  --yes")),
        QStringList({ word, QStringLiteral("--yes") }));
}

void TestCleanPolicy::quotesShellWordsForCron()
{
    const QString line
        = maintenance::cronLine(QStringLiteral("/opt/tf hub/tfhub-cache"), QStringLiteral("/data/it's 100%"));
    QCOMPARE(line,
        QStringLiteral("17 3 * * * '/opt/tf hub/tfhub-cache' clean --policy --yes --cache-dir "
                       "'/data/it'\\''s 100\\%'"));
}

void TestCleanPolicy::unitsPassSystemdAnalyzeVerify_data()
{
    QTest::addColumn<QString>("folder");
    QTest::addColumn<bool>("throughEnv");
    QTest::newRow("space, specifier, variable") << QStringLiteral("my bin 100% $HOME") << false;
    // systemd refuses these in an executable path: the unit runs the CLI through env.
    QTest::newRow("quotes, backslash") << QStringLiteral("my \"bin\" 'dir' a\\b $X") << true;
}

void TestCleanPolicy::unitsPassSystemdAnalyzeVerify()
{
    QFETCH(QString, folder);
    QFETCH(bool, throughEnv);
    if (QStandardPaths::findExecutable(QStringLiteral("systemd-analyze")).isEmpty())
        QSKIP("systemd-analyze is not installed");
    // A folder name with characters systemd and shells treat specially, and the real CLI in it.
    const QString bin = m_home.path() + QLatin1Char('/') + folder;
    QVERIFY(QDir().mkpath(bin));
    const QString cli = bin + QStringLiteral("/tfhub-cache");
    QFile::remove(cli);
    QVERIFY(QFile::link(qEnvironmentVariable("TFHUB_CLI"), cli));
    const QString cache = m_home.path() + QStringLiteral("/the \"cache\" 50% $HOME");
    QVERIFY(QDir().mkpath(cache));

    const QString units = m_home.path() + QStringLiteral("/units");
    QVERIFY(QDir().mkpath(units));
    QVERIFY(test::writeFile(units + QLatin1Char('/') + maintenance::serviceUnitName(),
        maintenance::serviceUnitText(cli, cache).toUtf8()));
    QVERIFY(test::writeFile(
        units + QLatin1Char('/') + maintenance::timerUnitName(), maintenance::timerUnitText().toUtf8()));
    QTemporaryDir runtime;
    QVERIFY(runtime.isValid());
    QProcess verify;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), runtime.path());
    verify.setProcessEnvironment(env);
    verify.setProcessChannelMode(QProcess::MergedChannels);
    verify.start(QStringLiteral("systemd-analyze"),
        { QStringLiteral("--user"), QStringLiteral("verify"),
            units + QLatin1Char('/') + maintenance::serviceUnitName(),
            units + QLatin1Char('/') + maintenance::timerUnitName() });
    QVERIFY(verify.waitForFinished(60000));
    const QString output = QString::fromLocal8Bit(verify.readAll());
    QVERIFY2(verify.exitCode() == 0 && output.trimmed().isEmpty(), qPrintable(output));

    // The command line, as systemd splits it, names this executable and this folder.
    const QString service = maintenance::serviceUnitText(cli, cache);
    const int at = service.indexOf(QStringLiteral("ExecStart="));
    const QString exec = service.mid(at + 10, service.indexOf(QLatin1Char('\n'), at) - at - 10);
    QStringList expected = maintenance::policyCommand(cli, cache);
    if (throughEnv)
        expected.prepend(QStringLiteral("/usr/bin/env"));
    QCOMPARE(maintenance::splitExecLine(exec), expected);
}

void TestCleanPolicy::installsAndRemovesUnitsWithoutAManager()
{
    const QString cli = qEnvironmentVariable("TFHUB_CLI");
    QString note;
    QVERIFY(maintenance::installTimer(cli, m_root, &note));
    QVERIFY(note.contains(QStringLiteral("cron")));
    QCOMPARE(maintenance::userUnitDir(), m_home.path() + QStringLiteral("/.config/systemd/user"));
    maintenance::TimerState s = maintenance::timerState(cli, m_root);
    QVERIFY(s.installed);
    QVERIFY(s.current);
    QVERIFY(!s.managerRunning);
    QCOMPARE(s.installedCacheRoot, m_root);
    QVERIFY(!maintenance::timerState(cli, m_home.path()).current);

    QVERIFY(maintenance::removeTimer());
    s = maintenance::timerState(cli, m_root);
    QVERIFY(!s.installed);
    QVERIFY(!QFile::exists(maintenance::userUnitDir() + QLatin1Char('/') + maintenance::serviceUnitName()));
    QVERIFY(!maintenance::installTimer(QString(), m_root));
}

void TestCleanPolicy::policyOffDoesNothing()
{
    const QString orphan
        = m_root + QLatin1Char('/') + QString(40, QLatin1Char('a')) + QStringLiteral(".descriptor.txt");
    QVERIFY(test::writeFile(orphan, "Module: https://tfhub.dev/a/b/1\n"));
    const PolicyReport r = maintenance::applyCleanPolicy(m_root, CleanPolicy(), QStringLiteral("cli"));
    QVERIFY(!r.ok());
    QVERIFY(r.error.contains(QStringLiteral("off")));
    QVERIFY(QFile::exists(orphan));
}

void TestCleanPolicy::policyRunKeepsOpenAndRecentEntries()
{
    if (!util::recordsAccessTimes(m_root))
        QSKIP("the test folder's mount records no access times");
    const QDateTime now = QDateTime::currentDateTime();
    const QString orphan = QString(40, QLatin1Char('a'));
    QVERIFY(test::writeFile(
        m_root + QLatin1Char('/') + orphan + QStringLiteral(".descriptor.txt"), "Module: x\n"));
    const QString old = keyFor(m_root, QStringLiteral("https://tfhub.dev/google/old/1"));
    const QString recent = keyFor(m_root, QStringLiteral("https://tfhub.dev/google/recent/1"));
    const QString held = keyFor(m_root, QStringLiteral("https://tfhub.dev/google/held/1"));
    for (const QString &key : { old, held })
        QVERIFY(setATimes(m_root + QLatin1Char('/') + key, now.addDays(-200)));
    QVERIFY(setATimes(m_root + QLatin1Char('/') + recent, now.addSecs(-3600)));
    QProcess child;
    child.start(QStringLiteral("sh"),
        { QStringLiteral("-c"), QStringLiteral("exec 3< \"$1\"; exec sleep 600"), QStringLiteral("sh"),
            m_root + QLatin1Char('/') + held + QStringLiteral("/saved_model.pb") });
    QVERIFY(child.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(maintenance::openEntries(m_root).contains(held), 10000);

    CleanPolicy policy;
    policy.enabled = true;
    policy.unusedEnabled = true;
    policy.unusedDays = 30;
    const QString reportPath = m_home.path() + QStringLiteral("/report.json");
    const PolicyReport r = maintenance::runCleanPolicy(m_root, policy, QStringLiteral("timer"), reportPath);
    child.kill();
    QVERIFY(child.waitForFinished());
    QVERIFY2(r.ok(), qPrintable(r.error));
    QStringList removed;
    for (const PolicyReport::Item &i : r.removed)
        removed << i.key;
    removed.sort();
    QStringList expected { orphan, old };
    expected.sort();
    QCOMPARE(removed, expected);
    QVERIFY(QFileInfo::exists(m_root + QLatin1Char('/') + recent));
    QVERIFY(QFileInfo::exists(m_root + QLatin1Char('/') + held));
    QVERIFY(!QFileInfo::exists(m_root + QLatin1Char('/') + old));
    QVERIFY(r.freedBytes > 0);
    const Result<PolicyReport> back = maintenance::readCleanReport(reportPath);
    QVERIFY(back.ok());
    QCOMPARE(back->removed.size(), 2);
    QCOMPARE(back->trigger, QStringLiteral("timer"));
}

void TestCleanPolicy::servicesCommandLineRuns()
{
    // The service's command line, split as systemd splits it, run as the user manager would.
    const QString orphan
        = m_root + QLatin1Char('/') + QString(40, QLatin1Char('a')) + QStringLiteral(".descriptor.txt");
    QVERIFY(test::writeFile(orphan, "Module: https://tfhub.dev/a/b/1\n"));
    CleanPolicy policy;
    policy.enabled = true;
    maintenance::writeCleanPolicy(*settings::openShared(), policy);
    const QString service = maintenance::serviceUnitText(qEnvironmentVariable("TFHUB_CLI"), m_root);
    const int at = service.indexOf(QStringLiteral("ExecStart="));
    QStringList words
        = maintenance::splitExecLine(service.mid(at + 10, service.indexOf(QLatin1Char('\n'), at) - at - 10));
    QProcess run;
    // The test process's QSettings live in QStandardPaths' test-mode folder: the child reads those.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_CONFIG_HOME"),
        QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation));
    run.setProcessEnvironment(env);
    run.setProcessChannelMode(QProcess::MergedChannels);
    run.start(words.takeFirst(), words);
    QVERIFY(run.waitForFinished(60000));
    const QString output = QString::fromLocal8Bit(run.readAll());
    QVERIFY2(run.exitStatus() == QProcess::NormalExit && run.exitCode() == 0, qPrintable(output));
    QVERIFY2(!QFile::exists(orphan), qPrintable(output));
    // The run's report, where the app reads it.
    const Result<PolicyReport> report = maintenance::readCleanReport();
    QVERIFY(report.ok());
    QCOMPARE(report->removed.size(), 1);
}

QTEST_GUILESS_MAIN(TestCleanPolicy)
#include "tst_cleanpolicy.moc"
