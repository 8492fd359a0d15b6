// `tfhub-cache prefetch` into a gs:// cache through the real executable: the local hub serves the
// archive, the Cloud Storage test double is reached through STORAGE_EMULATOR_HOST as a real
// emulator would be.

#include "core/hub/handle.h"
#include "tests/core/prefetchfixtures.h"
#include "tests/support/gcsdouble.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <memory>

using namespace tfhub;
using namespace tfhub::test::prefetchfixtures;
using tfhub::test::GcsDouble;
using tfhub::test::TestHub;

namespace {

const QString bucket = QStringLiteral("team-cache");

struct Ran
{
    int code = -1;
    bool crashed = false;
    QString out;
    QString err;
    QJsonObject json() const { return QJsonDocument::fromJson(out.toUtf8()).object(); }
};

} // namespace

class TestCliGcsPrefetch final : public QObject, private PrefetchFixture
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    GcsDouble m_double;
    QMap<QString, QByteArray> m_hugeFiles;

    QString gs(const QString &prefix) const { return QStringLiteral("gs://%1/%2").arg(bucket, prefix); }

    std::unique_ptr<QProcess> startCli(
        const QStringList &args, const QList<std::pair<QString, QString>> &env = {})
    {
        auto p = std::make_unique<QProcess>();
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert(QStringLiteral("HOME"), m_tmp.filePath(QStringLiteral("home")));
        e.insert(QStringLiteral("XDG_CACHE_HOME"), m_tmp.filePath(QStringLiteral("home/.cache")));
        e.insert(QStringLiteral("STORAGE_EMULATOR_HOST"), m_double.endpoint());
        e.remove(QStringLiteral("TFHUB_CACHE_DIR"));
        e.remove(QStringLiteral("TFHUB_MODEL_LOAD_FORMAT"));
        for (const auto &[k, v] : env)
            e.insert(k, v);
        p->setProcessEnvironment(e);
        p->start(qEnvironmentVariable("TFHUB_CLI"), args);
        return p;
    }

    static Ran waitFor(QProcess &p, QString out = {})
    {
        Ran r;
        if (!p.waitForFinished(60000))
            return r;
        r.crashed = p.exitStatus() == QProcess::CrashExit;
        r.code = p.exitCode();
        r.out = out + QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }

    Ran cli(const QStringList &args, const QList<std::pair<QString, QString>> &env = {})
    {
        auto p = startCli(args, env);
        return waitFor(*p);
    }

    QStringList objects(const QString &prefix) const
    {
        return m_double.names(bucket).filter(
            QRegularExpression(QStringLiteral("^") + prefix + QStringLiteral("/")));
    }

    // The archive stops near its end until releaseStalls(): the download holds the lock meanwhile.
    void stallBigArchive()
    {
        TestHub::Fault stall;
        stall.stallAt = m_bigArchive.size() - 2000;
        m_hub.setFault(QStringLiteral("/google/big/1"), stall);
    }

    void unstall()
    {
        m_hub.clearFaults();
        m_hub.releaseStalls();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY2(!qEnvironmentVariable("TFHUB_CLI").isEmpty(), "TFHUB_CLI is not set (run through ctest)");
        QVERIFY(QDir().mkpath(m_tmp.filePath(QStringLiteral("home"))));
        QVERIFY(m_double.start());
        QVERIFY(startHub());
        // Over the 8 MiB simple-upload limit: one member goes as a resumable upload in chunks.
        m_hugeFiles = m_bigFiles;
        m_hugeFiles.insert(
            QStringLiteral("variables/variables.data-00000-of-00001"), randomBytes(9 * 1024 * 1024 + 5, 7));
        m_hub.addArchive(QStringLiteral("/google/huge/1"), makeTarGz(m_hugeFiles));
    }

    void init() { unstall(); }

    void prefetchThenListShowsItComplete()
    {
        const QString h = handle(QStringLiteral("/google/huge/1"));
        const QString key = Handle::cacheKeyOf(h);
        m_double.clearRequests();
        const Ran r = cli({ QStringLiteral("prefetch"), h, QStringLiteral("--json"),
            QStringLiteral("--cache-dir"), gs(QStringLiteral("p")) });
        QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
        const QJsonObject result = r.json().value(QStringLiteral("results")).toArray().at(0).toObject();
        QCOMPARE(result.value(QStringLiteral("status")).toString(), QStringLiteral("done"));
        QCOMPARE(result.value(QStringLiteral("path")).toString(),
            gs(QStringLiteral("p")) + QLatin1Char('/') + key);
        QCOMPARE(result.value(QStringLiteral("files")).toInt(), m_hugeFiles.size());
        bool resumable = false;
        for (const GcsDouble::Request &q : m_double.requests())
            resumable = resumable || q.target.contains("uploadType=resumable");
        QVERIFY(resumable);

        qint64 bytes = 0;
        for (const QString &name : objects(QStringLiteral("p")))
            bytes += m_double.object(bucket, name)->data.size();
        for (auto it = m_hugeFiles.cbegin(); it != m_hugeFiles.cend(); ++it) {
            const auto o = m_double.object(bucket, QStringLiteral("p/%1/%2").arg(key, it.key()));
            QVERIFY2(o && o->data == it.value(), qPrintable(it.key()));
        }
        QCOMPARE(objects(QStringLiteral("p")).size(), m_hugeFiles.size() + 2); // + descriptor, manifest

        const Ran list = cli({ QStringLiteral("list"), QStringLiteral("--json"),
            QStringLiteral("--cache-dir"), gs(QStringLiteral("p")) });
        QVERIFY2(list.code == 0, qPrintable(list.err));
        const QJsonArray entries = list.json().value(QStringLiteral("entries")).toArray();
        QCOMPARE(entries.size(), 1);
        const QJsonObject e = entries.at(0).toObject();
        QCOMPARE(e.value(QStringLiteral("key")).toString(), key);
        QCOMPARE(e.value(QStringLiteral("state")).toString(), QStringLiteral("complete"));
        QCOMPARE(e.value(QStringLiteral("handle")).toString(), h);
        QCOMPARE(e.value(QStringLiteral("bytes")).toInteger(), bytes);
        QCOMPARE(e.value(QStringLiteral("files")).toInteger(), m_hugeFiles.size());

        // TFHUB_CACHE_DIR names the same cache: nothing to do.
        const Ran again = cli({ QStringLiteral("prefetch"), h },
            { { QStringLiteral("TFHUB_CACHE_DIR"), gs(QStringLiteral("p")) } });
        QVERIFY2(again.code == 0 && again.out.contains(QStringLiteral("already cached")),
            qPrintable(again.out + again.err));
    }

    void secondProcessWaitsThenFindsItCached()
    {
        const QString h = handle(QStringLiteral("/google/big/1"));
        const QString key = Handle::cacheKeyOf(h);
        const QString args = gs(QStringLiteral("w"));
        stallBigArchive();
        auto first = startCli({ QStringLiteral("prefetch"), h, QStringLiteral("--cache-dir"), args });
        QTRY_VERIFY_WITH_TIMEOUT(
            m_double.object(bucket, QStringLiteral("w/%1.lock").arg(key)).has_value(), 20000);
        auto second = startCli({ QStringLiteral("prefetch"), h, QStringLiteral("--cache-dir"), args });
        QString secondOut;
        QTRY_VERIFY_WITH_TIMEOUT((secondOut += QString::fromUtf8(second->readAllStandardOutput()))
                                     .contains(QStringLiteral("waiting for another download of this model")),
            20000);
        QVERIFY(objects(QStringLiteral("w"))
                    .filter(QRegularExpression(QStringLiteral("/") + key + QStringLiteral("/")))
                    .isEmpty());
        unstall();
        const Ran a = waitFor(*first);
        const Ran b = waitFor(*second, secondOut);
        QVERIFY2(a.code == 0 && a.out.contains(QStringLiteral("done")), qPrintable(a.out + a.err));
        QVERIFY2(b.code == 0 && b.out.contains(QStringLiteral("already cached")), qPrintable(b.out + b.err));
        QVERIFY(!m_double.object(bucket, QStringLiteral("w/%1.lock").arg(key)));
    }

    void killedPrefetchLeavesTmpAndLockThatCleanStaleRemoves()
    {
        const QString h = handle(QStringLiteral("/google/big/1"));
        const QString key = Handle::cacheKeyOf(h);
        stallBigArchive();
        auto p = startCli(
            { QStringLiteral("prefetch"), h, QStringLiteral("--cache-dir"), gs(QStringLiteral("k")) });
        QTRY_VERIFY_WITH_TIMEOUT(
            !objects(QStringLiteral("k")).filter(QStringLiteral(".tmp/")).isEmpty(), 20000);
        p->kill(); // SIGKILL: no cleanup at all
        QVERIFY(p->waitForFinished(10000));
        unstall();
        const QRegularExpression leftover(
            QStringLiteral("^k/%1(\\.lock|\\.[0-9a-f]{32}\\.tmp/.+)$").arg(key));
        const QStringList left = objects(QStringLiteral("k"));
        QVERIFY(left.contains(QStringLiteral("k/%1.lock").arg(key)));
        for (const QString &name : left)
            QVERIFY2(leftover.match(name).hasMatch(), qPrintable(name));

        const Ran listed = cli({ QStringLiteral("list"), QStringLiteral("--json"),
            QStringLiteral("--cache-dir"), gs(QStringLiteral("k")) });
        QCOMPARE(listed.json()
                     .value(QStringLiteral("entries"))
                     .toArray()
                     .at(0)
                     .toObject()
                     .value(QStringLiteral("state"))
                     .toString(),
            QStringLiteral("downloading"));
        // The no-progress time passes (shrunk: the objects are made older).
        m_double.age(bucket, QStringLiteral("k/"), 2 * 3600);
        const Ran cleaned = cli({ QStringLiteral("clean"), QStringLiteral("--stale"), QStringLiteral("--yes"),
            QStringLiteral("--cache-dir"), gs(QStringLiteral("k")) });
        QVERIFY2(cleaned.code == 0, qPrintable(cleaned.out + cleaned.err));
        QVERIFY2(objects(QStringLiteral("k")).isEmpty(),
            qPrintable(objects(QStringLiteral("k")).join(QLatin1Char(' '))));
    }

    void interruptLeavesNoModelAndCleansUp()
    {
        const QString h = handle(QStringLiteral("/google/big/1"));
        stallBigArchive();
        auto p = startCli(
            { QStringLiteral("prefetch"), h, QStringLiteral("--cache-dir"), gs(QStringLiteral("c")) });
        QTRY_VERIFY_WITH_TIMEOUT(
            !objects(QStringLiteral("c")).filter(QStringLiteral(".tmp/")).isEmpty(), 20000);
        ::kill(static_cast<pid_t>(p->processId()), SIGINT);
        const Ran r = waitFor(*p);
        unstall();
        QVERIFY2(r.crashed, "prefetch ends as killed by the signal, as a shell expects");
        QVERIFY2(r.err.contains(QStringLiteral("interrupted")), qPrintable(r.err));
        QVERIFY2(objects(QStringLiteral("c")).isEmpty(),
            qPrintable(objects(QStringLiteral("c")).join(QLatin1Char(' '))));
    }
};

QTEST_GUILESS_MAIN(TestCliGcsPrefetch)
#include "tst_cligcsprefetch.moc"
