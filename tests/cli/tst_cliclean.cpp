#include "core/hub/handle.h"
#include "core/maintenance/cleanpolicy.h"
#include "core/maintenance/pins.h"
#include "core/settings/appsettings.h"
#include "core/util/fsutil.h"
#include "tests/support/testdata.h"

#include <QDir>
#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <fcntl.h>
#include <sys/stat.h>

using namespace tfhub;

namespace {

const QString Old = QStringLiteral("https://tfhub.dev/google/old/1");
const QString Recent = QStringLiteral("https://tfhub.dev/google/recent/1");
const QString Uid = QStringLiteral("0123456789abcdef0123456789abcdef");

struct Run
{
    int code = -1;
    QString out;
    QString err;
    QJsonObject json() const { return QJsonDocument::fromJson(out.toUtf8()).object(); }
};

bool setTreeATime(const QString &root, qint64 secs)
{
    const auto set = [](const QString &path, qint64 t) {
        const struct timespec times[2] = { { static_cast<time_t>(t), 0 }, { 0, UTIME_OMIT } };
        return ::utimensat(AT_FDCWD, QFile::encodeName(path).constData(), times, AT_SYMLINK_NOFOLLOW) == 0;
    };
    bool ok = set(root, secs);
    QDirIterator it(
        root, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext())
        ok = set(it.next(), secs) && ok;
    return ok;
}

} // namespace

/// Runs the built `tfhub-cache clean`, `pin` and `unpin` against a small real cache.
class TestCliClean final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_home;
    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_root;
    QString m_old, m_recent, m_stale;

    Run cli(const QStringList &args) const
    {
        QProcess p;
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert(QStringLiteral("HOME"), m_home.path());
        e.insert(QStringLiteral("XDG_DATA_HOME"), m_home.path() + QStringLiteral("/.local/share"));
        e.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.path() + QStringLiteral("/.config"));
        e.insert(QStringLiteral("XDG_STATE_HOME"), m_home.path() + QStringLiteral("/.local/state"));
        e.remove(QStringLiteral("TFHUB_CACHE_DIR"));
        e.remove(QStringLiteral("INVOCATION_ID"));
        p.setProcessEnvironment(e);
        p.setStandardInputFile(QProcess::nullDevice());
        p.start(
            qEnvironmentVariable("TFHUB_CLI"), QStringList { QStringLiteral("--cache-dir"), m_root } + args);
        Run r;
        if (!p.waitForFinished(60000))
            return r;
        r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }

    bool exists(const QString &name) const { return util::stat(m_root + u'/' + name).exists; }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!qEnvironmentVariable("TFHUB_CLI").isEmpty(), "TFHUB_CLI is not set (run through ctest)");
        QVERIFY(m_home.isValid());
        // This process writes the policy where the tool reads it.
        qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_home.path() + QStringLiteral("/.config")));
        qputenv("XDG_STATE_HOME", QFile::encodeName(m_home.path() + QStringLiteral("/.local/state")));
    }

    void init()
    {
        m_tmp = std::make_unique<QTemporaryDir>();
        QVERIFY(m_tmp->isValid());
        m_root = m_tmp->path() + QStringLiteral("/cache");
        const QString model = test::savedModelsDir() + QStringLiteral("/half_plus_two_cpu");
        m_old = test::makeEntry(m_root, Old, model);
        m_recent = test::makeEntry(m_root, Recent, model + QStringLiteral("/../half_plus_two_tf2_cpu"));
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        QVERIFY(setTreeATime(m_root + u'/' + m_old, now - 100 * 86400));
        QVERIFY(setTreeATime(m_root + u'/' + m_recent, now - 86400));
        m_stale = Handle::cacheKeyOf(QStringLiteral("https://tfhub.dev/google/gone/1"));
        const QString tmp = m_root + u'/' + m_stale + u'.' + Uid + QStringLiteral(".tmp");
        QVERIFY(test::writeFile(tmp + QStringLiteral("/saved_model.pb"), QByteArray(9000, 'p')));
        QVERIFY(test::setMTime(tmp + QStringLiteral("/saved_model.pb"), now - 3600));
        QVERIFY(test::setMTime(tmp, now - 3600));
    }

    void cleanup() { m_tmp.reset(); }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("no rule") << QStringList { QStringLiteral("clean") }
                                 << QStringLiteral("Name what to clean");
        QTest::newRow("bad size") << QStringList { QStringLiteral("clean"), QStringLiteral("--max-size"),
            QStringLiteral("1.5x") }
                                  << QStringLiteral("'1.5x' is not a size");
        QTest::newRow("bad days") << QStringList { QStringLiteral("clean"), QStringLiteral("--unused-days"),
            QStringLiteral("many") }
                                  << QStringLiteral("--unused-days needs a number");
        QTest::newRow("pin nothing") << QStringList { QStringLiteral("pin") } << QStringLiteral("--list");
    }

    void usageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const Run r = cli(args);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QVERIFY(exists(m_old) && exists(m_recent));
    }

    void dryRunShowsThePlanGroupedByRule()
    {
        const Run r = cli({ QStringLiteral("clean"), QStringLiteral("--stale"),
            QStringLiteral("--unused-days"), QStringLiteral("30"), QStringLiteral("--dry-run") });
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains(QStringLiteral("Stale leftovers (1,")), qPrintable(r.out));
        QVERIFY(r.out.contains(QStringLiteral("Unused (1,")));
        QVERIFY(r.out.contains(QStringLiteral("not used for 100 days")));
        QVERIFY(r.out.contains(m_stale.left(12)));
        QVERIFY(r.out.contains(Old));
        QVERIFY(!r.out.contains(Recent));
        QVERIFY(r.out.contains(QStringLiteral("Total: ")));
        QVERIFY(exists(m_old) && exists(m_stale + u'.' + Uid + QStringLiteral(".tmp")));
    }

    void withoutTerminalNeedsYes()
    {
        const Run r = cli({ QStringLiteral("clean"), QStringLiteral("--stale") });
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QStringLiteral("--yes")), qPrintable(r.err));
        QVERIFY(exists(m_stale + u'.' + Uid + QStringLiteral(".tmp")));
    }

    void terminalAsks_data()
    {
        QTest::addColumn<QByteArray>("answer");
        QTest::addColumn<int>("code");
        QTest::addColumn<bool>("removed");
        QTest::newRow("yes") << QByteArray("y\n") << 0 << true;
        QTest::newRow("no") << QByteArray("n\n") << 1 << false;
    }

    // On a terminal the plan is shown grouped by rule, then a question; only "y" removes.
    void terminalAsks()
    {
        QFETCH(QByteArray, answer);
        QFETCH(int, code);
        QFETCH(bool, removed);
        // script(1) gives the tool a pseudo-terminal as its standard input.
        QStringList command { qEnvironmentVariable("TFHUB_CLI"), QStringLiteral("--cache-dir"), m_root,
            QStringLiteral("clean"), QStringLiteral("--unused-days"), QStringLiteral("30") };
        for (QString &part : command)
            part = u'\'' + part + u'\'';
        QProcess p;
        p.start(QStringLiteral("script"),
            { QStringLiteral("-qec"), command.join(u' '), QStringLiteral("/dev/null") });
        QVERIFY(p.waitForStarted(10000));
        QByteArray shown;
        while (!shown.contains("[y/N]") && p.waitForReadyRead(20000))
            shown += p.readAllStandardOutput();
        QVERIFY2(shown.contains("Unused (1,") && shown.contains("Delete these, freeing"), shown.constData());
        p.write(answer);
        QVERIFY(p.waitForFinished(20000));
        QCOMPARE(p.exitCode(), code);
        QCOMPARE(!exists(m_old), removed);
        QVERIFY(exists(m_recent));
    }

    void yesRemovesThePlanAndReportsJson()
    {
        const Run r
            = cli({ QStringLiteral("clean"), QStringLiteral("--stale"), QStringLiteral("--unused-days"),
                QStringLiteral("30"), QStringLiteral("--yes"), QStringLiteral("--json") });
        QCOMPARE(r.code, 0);
        const QJsonObject o = r.json();
        QCOMPARE(o.value(QStringLiteral("schema")).toInt(), 1);
        const QJsonArray items = o.value(QStringLiteral("items")).toArray();
        QCOMPARE(items.size(), 2);
        QCOMPARE(items.at(0).toObject().value(QStringLiteral("rule")).toString(), QStringLiteral("stale"));
        QCOMPARE(items.at(0).toObject().value(QStringLiteral("key")).toString(), m_stale);
        QCOMPARE(items.at(1).toObject().value(QStringLiteral("rule")).toString(), QStringLiteral("unused"));
        QCOMPARE(items.at(1).toObject().value(QStringLiteral("handle")).toString(), Old);
        const QJsonObject report = o.value(QStringLiteral("report")).toObject();
        QCOMPARE(report.value(QStringLiteral("freedBytes")).toInteger(),
            o.value(QStringLiteral("totalBytes")).toInteger());
        QCOMPARE(report.value(QStringLiteral("removed")).toArray().size(), 2);
        QVERIFY(!exists(m_old) && !exists(m_old + QStringLiteral(".descriptor.txt")));
        QVERIFY(!exists(m_stale + u'.' + Uid + QStringLiteral(".tmp")));
        QVERIFY(exists(m_recent));
    }

    void pinKeepsAnEntryFromEveryRule()
    {
        Run r = cli({ QStringLiteral("pin"), Old });
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains(QStringLiteral("Pinned ") + Old), qPrintable(r.out));
        QVERIFY(QFileInfo::exists(maintenance::pinsPath(m_root)));
        r = cli({ QStringLiteral("pin"), QStringLiteral("--list"), QStringLiteral("--json") });
        QCOMPARE(r.code, 0);
        const QJsonObject pin = r.json().value(QStringLiteral("pins")).toArray().at(0).toObject();
        QCOMPARE(pin.value(QStringLiteral("key")).toString(), m_old);
        QCOMPARE(pin.value(QStringLiteral("handle")).toString(), Old);
        QVERIFY(pin.value(QStringLiteral("cached")).toBool());

        r = cli({ QStringLiteral("clean"), QStringLiteral("--unused-days"), QStringLiteral("30"),
            QStringLiteral("--max-size"), QStringLiteral("0"), QStringLiteral("--yes"),
            QStringLiteral("--json") });
        QCOMPARE(r.code, 0);
        QVERIFY(exists(m_old));
        QVERIFY(!exists(m_recent)); // over the budget of 0 bytes
        QCOMPARE(r.json()
                     .value(QStringLiteral("kept"))
                     .toArray()
                     .at(0)
                     .toObject()
                     .value(QStringLiteral("reason"))
                     .toString(),
            QStringLiteral("pinned"));
        QVERIFY(QFileInfo::exists(maintenance::pinsPath(m_root))); // never an item

        r = cli({ QStringLiteral("unpin"), m_old.left(8) });
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains(QStringLiteral("Unpinned ") + Old), qPrintable(r.out));
        r = cli({ QStringLiteral("clean"), QStringLiteral("--unused-days"), QStringLiteral("30"),
            QStringLiteral("--yes") });
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains(QStringLiteral("Removed 1 item(s), freed ")), qPrintable(r.out));
        QVERIFY(!exists(m_old));
    }

    // --policy applies the app's policy (off by default) and writes the run's report for the app.
    void policyFromTheAppSettings()
    {
        maintenance::writeCleanPolicy(*settings::openShared(), CleanPolicy());
        Run r = cli({ QStringLiteral("clean"), QStringLiteral("--policy"), QStringLiteral("--yes") });
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains(QStringLiteral("policy is off")), qPrintable(r.out));
        QVERIFY(exists(m_stale + u'.' + Uid + QStringLiteral(".tmp")));

        CleanPolicy policy;
        policy.enabled = true;
        policy.unusedEnabled = true;
        policy.unusedDays = 30;
        maintenance::writeCleanPolicy(*settings::openShared(), policy);
        r = cli({ QStringLiteral("clean"), QStringLiteral("--policy"), QStringLiteral("--yes"),
            QStringLiteral("--json") });
        QCOMPARE(r.code, 0);
        QStringList rules;
        for (const QJsonValue &v : r.json().value(QStringLiteral("items")).toArray())
            rules << v.toObject().value(QStringLiteral("rule")).toString();
        QCOMPARE(rules, (QStringList { QStringLiteral("stale"), QStringLiteral("unused") }));
        QVERIFY(!exists(m_old) && exists(m_recent));
        const Result<PolicyReport> report = maintenance::readCleanReport();
        QVERIFY2(report.ok(), qPrintable(report.ok() ? QString() : report.error()));
        QCOMPARE(report->trigger, QStringLiteral("cli"));
        QCOMPARE(report->removed.size(), 2);
        QVERIFY(report->freedBytes > 0);
        QVERIFY(report->policy.enabled);
        maintenance::writeCleanPolicy(*settings::openShared(), CleanPolicy());
    }

    void homeLikeFolderIsRefusedUnlessForced()
    {
        QVERIFY(test::writeFile(m_root + QStringLiteral("/.profile"), "export A=1\n"));
        Run r = cli({ QStringLiteral("clean"), QStringLiteral("--stale"), QStringLiteral("--dry-run") });
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("home folder")) && r.err.contains(QStringLiteral("--force")),
            qPrintable(r.err));
        QVERIFY(r.out.contains(QStringLiteral("Nothing to clean.")));
        r = cli({ QStringLiteral("clean"), QStringLiteral("--stale"), QStringLiteral("--force"),
            QStringLiteral("--yes") });
        QCOMPARE(r.code, 0);
        QVERIFY(!exists(m_stale + u'.' + Uid + QStringLiteral(".tmp")));
        QVERIFY(exists(QStringLiteral(".profile")));
    }
};

QTEST_GUILESS_MAIN(TestCliClean)
#include "tst_cliclean.moc"
