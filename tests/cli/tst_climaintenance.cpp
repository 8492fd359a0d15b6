#include "core/cache/lock.h"
#include "core/util/fsutil.h"
#include "tests/support/privilege.h"
#include "tests/support/testdata.h"

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

using namespace tfhub;

namespace {

const QString Handle = QStringLiteral("https://tfhub.dev/google/half_plus_two/1");
const QString OtherHandle = QStringLiteral("https://tfhub.dev/google/half_plus_two/2");

struct Run
{
    int code = -1;
    QString out;
    QString err;
};

} // namespace

/// Runs the built `tfhub-cache rm` as a user would, including through a terminal, as an
/// unprivileged user and on a read-only mount.
class TestCliMaintenance final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void usageErrors_data();
    void usageErrors();
    void dryRunRemovesNothing();
    void withoutTerminalRefusesUnlessYes();
    void yesDeletesEverythingOfTheEntry();
    void terminalAsks_data();
    void terminalAsks();
    void unknownEntryFails();
    void foreignItemRefused();
    void liveDownloadRefused();
    void trashSaysNothingIsFreed();
    void unwritableCacheAsUnprivilegedUser();
    void readOnlyMount();

private:
    Run cli(const QStringList &args, const QByteArray &input = {}) const;
    Run wrapped(const QString &program, const QStringList &prefix, const QStringList &args) const;

    QTemporaryDir m_home;
    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_root;
    QString m_key;
};

void TestCliMaintenance::initTestCase()
{
    QVERIFY2(!qEnvironmentVariable("TFHUB_CLI").isEmpty(), "TFHUB_CLI is not set (run through ctest)");
    QVERIFY(m_home.isValid());
}

void TestCliMaintenance::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_root = m_tmp->path() + QStringLiteral("/cache");
    QVERIFY(QDir().mkpath(m_root));
    m_key
        = test::makeEntry(m_root, Handle, test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
    QVERIFY(!m_key.isEmpty());
    QVERIFY(test::writeFile(m_root + u'/' + m_key + QStringLiteral(".manifest.json"), "{}"));
}

void TestCliMaintenance::cleanup()
{
    m_tmp.reset();
}

Run TestCliMaintenance::wrapped(
    const QString &program, const QStringList &prefix, const QStringList &args) const
{
    QProcess p;
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.insert(QStringLiteral("HOME"), m_home.path());
    e.insert(QStringLiteral("XDG_DATA_HOME"), m_home.path() + QStringLiteral("/.local/share"));
    e.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.path() + QStringLiteral("/.config"));
    e.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
    e.remove(QStringLiteral("TFHUB_CACHE_DIR"));
    p.setProcessEnvironment(e);
    p.start(program, prefix + args);
    Run r;
    if (!p.waitForStarted(10000) || !p.waitForFinished(60000))
        return r;
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

Run TestCliMaintenance::cli(const QStringList &args, const QByteArray &input) const
{
    QProcess p;
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.insert(QStringLiteral("HOME"), m_home.path());
    e.insert(QStringLiteral("XDG_DATA_HOME"), m_home.path() + QStringLiteral("/.local/share"));
    e.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.path() + QStringLiteral("/.config"));
    e.remove(QStringLiteral("TFHUB_CACHE_DIR"));
    p.setProcessEnvironment(e);
    p.start(qEnvironmentVariable("TFHUB_CLI"), QStringList { QStringLiteral("--cache-dir"), m_root } + args);
    Run r;
    if (!p.waitForStarted(10000))
        return r;
    p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(60000))
        return r;
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

void TestCliMaintenance::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("nothing") << QStringList { QStringLiteral("rm") };
    QTest::newRow("unknown option") << QStringList { QStringLiteral("rm"), QStringLiteral("--force"),
        Handle };
    QTest::newRow("options only") << QStringList { QStringLiteral("rm"), QStringLiteral("--yes") };
}

void TestCliMaintenance::usageErrors()
{
    QFETCH(QStringList, args);
    const Run r = cli(args);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(QStringLiteral("tfhub-cache rm --help")), qPrintable(r.err));
    QVERIFY(QFileInfo(m_root + u'/' + m_key).isDir());
}

void TestCliMaintenance::dryRunRemovesNothing()
{
    const QStringList before = QDir(m_root).entryList(QDir::AllEntries | QDir::NoDotAndDotDot);
    const Run r = cli({ QStringLiteral("rm"), Handle, QStringLiteral("--dry-run") });
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains(QStringLiteral("Would remove ") + Handle), qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("Would free ")), qPrintable(r.out));
    QVERIFY(r.out.contains(m_root + u'/' + m_key + QStringLiteral(".manifest.json")));
    QCOMPARE(QDir(m_root).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), before);
}

void TestCliMaintenance::withoutTerminalRefusesUnlessYes()
{
    const Run r = cli({ QStringLiteral("rm"), Handle }, "y\n");
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(QStringLiteral("--yes")), qPrintable(r.err));
    QVERIFY(QFileInfo(m_root + u'/' + m_key).isDir());
}

void TestCliMaintenance::yesDeletesEverythingOfTheEntry()
{
    const QString other
        = test::makeEntry(m_root, OtherHandle, test::savedModelsDir() + QStringLiteral("/half_plus_two_cpu"));
    const Run r = cli({ QStringLiteral("rm"), QStringLiteral("--yes"), m_key });
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains(QStringLiteral("Deleted ") + Handle), qPrintable(r.out));
    QVERIFY(r.out.contains(QStringLiteral("freed")));
    QCOMPARE(QDir(m_root).entryList(QDir::AllEntries | QDir::NoDotAndDotDot, QDir::Name),
        QStringList({ other, other + QStringLiteral(".descriptor.txt") }));
}

void TestCliMaintenance::terminalAsks_data()
{
    QTest::addColumn<QByteArray>("answer");
    QTest::addColumn<int>("code");
    QTest::addColumn<bool>("removed");
    QTest::newRow("yes") << QByteArray("y\n") << 0 << true;
    QTest::newRow("no") << QByteArray("n\n") << 1 << false;
    QTest::newRow("enter") << QByteArray("\n") << 1 << false;
}

void TestCliMaintenance::terminalAsks()
{
    QFETCH(QByteArray, answer);
    QFETCH(int, code);
    QFETCH(bool, removed);
    // script(1) gives the tool a pseudo-terminal as its standard input.
    QStringList command { qEnvironmentVariable("TFHUB_CLI"), QStringLiteral("--cache-dir"), m_root,
        QStringLiteral("rm"), Handle };
    for (QString &part : command)
        part = u'\'' + part + u'\'';
    QProcess p;
    p.start(QStringLiteral("script"),
        { QStringLiteral("-qec"), command.join(u' '), QStringLiteral("/dev/null") });
    QVERIFY(p.waitForStarted(10000));
    QVERIFY(p.waitForReadyRead(20000));
    QByteArray shown = p.readAllStandardOutput();
    while (!shown.contains("[y/N]") && p.waitForReadyRead(20000))
        shown += p.readAllStandardOutput();
    QVERIFY2(shown.contains("Delete 1 entry, freeing"), shown.constData());
    p.write(answer);
    QVERIFY(p.waitForFinished(20000));
    QCOMPARE(p.exitCode(), code);
    QCOMPARE(!QFileInfo::exists(m_root + u'/' + m_key), removed);
    QCOMPARE(!QFileInfo::exists(m_root + u'/' + m_key + QStringLiteral(".descriptor.txt")), removed);
}

void TestCliMaintenance::unknownEntryFails()
{
    const Run r = cli({ QStringLiteral("rm"), QStringLiteral("--yes"), OtherHandle });
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(QStringLiteral("no cache entry for ") + OtherHandle), qPrintable(r.err));
    // One bad argument does not stop the good one.
    const Run both = cli({ QStringLiteral("rm"), QStringLiteral("--yes"), OtherHandle, Handle });
    QCOMPARE(both.code, 1);
    QVERIFY(!QFileInfo::exists(m_root + u'/' + m_key));
}

void TestCliMaintenance::foreignItemRefused()
{
    QVERIFY(test::writeFile(m_root + QStringLiteral("/notes.txt"), "mine"));
    const Run r = cli({ QStringLiteral("rm"), QStringLiteral("--yes"), QStringLiteral("notes.txt") });
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(QStringLiteral("never removed")), qPrintable(r.err));
    QVERIFY(QFileInfo::exists(m_root + QStringLiteral("/notes.txt")));
}

void TestCliMaintenance::liveDownloadRefused()
{
    // This test process holds the lock: alive for as long as the CLI runs.
    const qint64 pid = QCoreApplication::applicationPid();
    QVERIFY(test::writeFile(m_root + u'/' + m_key + QStringLiteral(".lock"),
        cache::lockContent(util::hostName(), pid, QStringLiteral("0123456789abcdef0123456789abcdef"))));
    const Run r = cli({ QStringLiteral("rm"), QStringLiteral("--yes"), Handle });
    QCOMPARE(r.code, 1);
    QVERIFY2(
        r.err.contains(QStringLiteral("is being downloaded by %1 pid %2").arg(util::hostName()).arg(pid)),
        qPrintable(r.err));
    QVERIFY(QFileInfo(m_root + u'/' + m_key).isDir());
    QVERIFY(QFileInfo::exists(m_root + u'/' + m_key + QStringLiteral(".lock")));
}

void TestCliMaintenance::trashSaysNothingIsFreed()
{
    const Run r = cli({ QStringLiteral("rm"), QStringLiteral("--trash"), QStringLiteral("--yes"), Handle });
    QCOMPARE(r.code, 0);
    QVERIFY2(
        r.out.contains(QStringLiteral("Nothing is freed until the trash is emptied")), qPrintable(r.out));
    QVERIFY(!QFileInfo::exists(m_root + u'/' + m_key));
    const QString trash = m_home.path() + QStringLiteral("/.local/share/Trash");
    QVERIFY(QFileInfo::exists(trash + QStringLiteral("/files/") + m_key + QStringLiteral("/saved_model.pb")));
    QVERIFY(QFileInfo::exists(trash + QStringLiteral("/files/") + m_key + QStringLiteral(".descriptor.txt")));
    QVERIFY(QFileInfo::exists(
        trash + QStringLiteral("/info/") + m_key + QStringLiteral(".manifest.json.trashinfo")));
}

void TestCliMaintenance::unwritableCacheAsUnprivilegedUser()
{
    // We run as root, who may write anywhere: run the tool as "nobody", who may read the cache
    // (so it sees the entry) but not change it.
    TFHUB_REQUIRE_ROOT("only root can run the tool as another user (nobody)");
    QVERIFY(QFile::exists(QStringLiteral("/usr/bin/setpriv")));
    QVERIFY(::chmod(QFile::encodeName(m_tmp->path()).constData(), 0755) == 0);
    const Run r = wrapped(QStringLiteral("setpriv"),
        { QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"), QStringLiteral("--clear-groups"),
            qEnvironmentVariable("TFHUB_CLI"), QStringLiteral("--cache-dir"), m_root },
        { QStringLiteral("rm"), QStringLiteral("--yes"), Handle });
    QCOMPARE(r.code, 1);
    const QString expected = QStringLiteral("Cannot delete %1: permission denied").arg(m_root + u'/' + m_key);
    QVERIFY2(r.err.contains(expected, Qt::CaseInsensitive), qPrintable(r.err));
    QVERIFY(QFileInfo(m_root + u'/' + m_key).isDir());
    QVERIFY(QFileInfo::exists(m_root + u'/' + m_key + QStringLiteral(".descriptor.txt")));
}

void TestCliMaintenance::readOnlyMount()
{
    // A private mount namespace: the read-only bind mount is gone when the shell exits.
    const QString script = QStringLiteral("mount --bind -o ro \"$1\" \"$1\" && shift && exec \"$@\"");
    TFHUB_REQUIRE_PRIVATE_MOUNT();
    const QStringList ns = test::privateMountPrefix();
    const Run r = wrapped(ns.first(),
        ns.mid(1)
            + QStringList { QStringLiteral("sh"), QStringLiteral("-c"), script, QStringLiteral("sh"), m_root,
                qEnvironmentVariable("TFHUB_CLI"), QStringLiteral("--cache-dir"), m_root },
        { QStringLiteral("rm"), QStringLiteral("--yes"), Handle });
    QCOMPARE(r.code, 1);
    const QString expected
        = QStringLiteral("Cannot delete %1: read-only file system").arg(m_root + u'/' + m_key);
    QVERIFY2(r.err.contains(expected, Qt::CaseInsensitive), qPrintable(r.err));
    QVERIFY(QFileInfo(m_root + u'/' + m_key).isDir());
}

QTEST_GUILESS_MAIN(TestCliMaintenance)
#include "tst_climaintenance.moc"
