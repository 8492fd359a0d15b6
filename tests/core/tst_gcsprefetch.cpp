// Prefetching into a gs:// cache (GcsPrefetchJob, GcsArchiveUpload, GcsLock, gcs::publish) against
// the Cloud Storage test double and the local hub: the objects, the library's publish order, the
// lock protocol, faults, hostile archives and cancelling.

#include "core/cache/lock.h"
#include "core/gcs/gcsarchiveupload.h"
#include "core/gcs/gcsscan.h"
#include "core/hub/handle.h"
#include "core/prefetch/gcsprefetchjob.h"
#include "core/util/sha256.h"
#include "extractorfixtures.h"
#include "prefetchfixtures.h"
#include "tests/support/gcsdouble.h"

#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

using namespace tfhub;
using namespace tfhub::test::prefetchfixtures;
using tfhub::test::GcsDouble;
using tfhub::test::TestHub;

namespace {

const QString bucket = QStringLiteral("team-cache");

gcs::ClientOptions smallChunks()
{
    gcs::ClientOptions o;
    o.initialBackoffMs = 1;
    o.maxBackoffMs = 5;
    o.simpleUploadLimit = 256 * 1024;
    o.chunkBytes = 256 * 1024;
    return o;
}

gcs::ObjectSinkOptions smallSink()
{
    gcs::ObjectSinkOptions o;
    o.uploadsInFlight = 3;
    o.pipeBytes = 64 * 1024;
    o.memoryBudget = 1024 * 1024;
    return o;
}

} // namespace

class TestGcsPrefetch : public QObject, public PrefetchFixture
{
    Q_OBJECT

    GcsDouble m_double;

    QString root(const QString &prefix) const { return QStringLiteral("gs://%1/%2").arg(bucket, prefix); }
    QString keyOf(const QString &path) const { return Handle::cacheKeyOf(handle(path)); }

    std::unique_ptr<GcsPrefetchJob> makeJob(
        const QString &prefix, const QString &path, int noProgressSecs = 600)
    {
        PrefetchOptions o = options(root(prefix));
        o.storageHost = m_double.endpoint();
        o.noProgressSecs = noProgressSecs;
        auto job = std::make_unique<GcsPrefetchJob>(Handle::parse(handle(path)).value(), o);
        job->setUploadOptions(smallChunks(), smallSink());
        return job;
    }

    PrefetchResult runJob(GcsPrefetchJob &job, QStringList *warnings = nullptr)
    {
        QSignalSpy done(&job, &GcsPrefetchJob::finished);
        QSignalSpy warned(&job, &GcsPrefetchJob::warning);
        job.start();
        if (done.isEmpty() && !done.wait(60000))
            return PrefetchResult { PrefetchPhase::Failed, QStringLiteral("test: no result in time"), {},
                false, {}, {} };
        if (warnings) {
            for (const QList<QVariant> &w : std::as_const(warned))
                *warnings << w.at(0).toString();
        }
        return done.first().at(0).value<PrefetchResult>();
    }

    QStringList objects(const QString &prefix) const
    {
        return m_double.names(bucket).filter(
            QRegularExpression(QStringLiteral("^") + prefix + QStringLiteral("/")));
    }

    // Every object under K/ is one of the archive's files, byte for byte, and every file is there.
    void expectModel(const QString &prefix, const QString &key, const QMap<QString, QByteArray> &files)
    {
        QStringList model
            = objects(prefix).filter(QRegularExpression(QStringLiteral("/") + key + QStringLiteral("/")));
        QCOMPARE(model.size(), files.size());
        for (auto it = files.cbegin(); it != files.cend(); ++it) {
            const auto o
                = m_double.object(bucket, prefix + QLatin1Char('/') + key + QLatin1Char('/') + it.key());
            QVERIFY2(o.has_value(), qPrintable(it.key()));
            QVERIFY2(o->data == it.value(), qPrintable(it.key()));
        }
    }

    int indexOf(const QList<GcsDouble::Request> &log, const QByteArray &method, const QByteArray &part,
        bool last = false) const
    {
        int found = -1;
        for (int i = 0; i < log.size(); ++i) {
            if (log[i].method == method && log[i].target.contains(part)) {
                found = i;
                if (!last)
                    break;
            }
        }
        return found;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_double.start());
        QVERIFY(startHub());
    }

    void publishesEveryFileInTheLibrarysOrder()
    {
        const QString key = keyOf(QStringLiteral("/google/big/1"));
        m_double.clearRequests();
        auto job = makeJob(QStringLiteral("order"), QStringLiteral("/google/big/1"));
        const PrefetchResult r = runJob(*job);
        QVERIFY2(r.phase == PrefetchPhase::Done, qPrintable(r.message));
        QVERIFY(!r.alreadyCached);
        QCOMPARE(r.path, root(QStringLiteral("order")) + QLatin1Char('/') + key);
        expectModel(QStringLiteral("order"), key, m_bigFiles);
        // Beside the model only the descriptor and our manifest: no tmp object, no lock.
        QCOMPARE(objects(QStringLiteral("order")).size(), m_bigFiles.size() + 2);
        const auto descriptor = m_double.object(bucket, QStringLiteral("order/%1.descriptor.txt").arg(key));
        QVERIFY(descriptor && descriptor->data.contains(handle(QStringLiteral("/google/big/1")).toUtf8()));
        const auto manifest = m_double.object(bucket, QStringLiteral("order/%1.manifest.json").arg(key));
        QVERIFY(manifest);
        const Result<Manifest> m = Manifest::fromJson(manifest->data, QStringLiteral("manifest"));
        QVERIFY2(m, qPrintable(m ? QString() : m.error()));
        QCOMPARE(m->files.size(), m_bigFiles.size());
        QCOMPARE(m->archiveBytes, m_bigArchive.size());
        QCOMPARE(m->archiveSha256, Sha256::hashHex(m_bigArchive));

        const QList<GcsDouble::Request> log = m_double.requests();
        // The large weights went as a resumable upload in chunks, the rest as simple uploads.
        QVERIFY(indexOf(log, "POST", "uploadType=resumable") >= 0);
        QVERIFY(indexOf(log, "PUT", "upload_id=") >= 0);
        const int lock = indexOf(log, "POST", "ifGenerationMatch=0");
        const int descriptorWrite = indexOf(log, "POST", "descriptor.txt");
        const int firstCopy = indexOf(log, "POST", "/rewriteTo/");
        const int lastCopy = indexOf(log, "POST", "/rewriteTo/", true);
        const int firstTmpDelete = indexOf(log, "DELETE", ".tmp%2F");
        const int lockDelete = indexOf(log, "DELETE", ".lock");
        QVERIFY(lock >= 0 && lock < descriptorWrite);
        QVERIFY(descriptorWrite < firstCopy);
        QVERIFY2(
            log[lastCopy].target.contains("%2Fsaved_model.pb/rewriteTo/"), log[lastCopy].target.constData());
        QVERIFY(lastCopy < firstTmpDelete);
        QVERIFY(firstTmpDelete < lockDelete);
        QCOMPARE(lockDelete, indexOf(log, "DELETE", "", true)); // the lock goes last

        // The scan names the entry and calls it complete.
        gcs::GcsClient client(gcs::endpointFor(m_double.endpoint()), {}, smallChunks());
        const Result<QList<CacheEntry>> scanned
            = gcs::scanAll(client, gcs::parseGcsUrl(root(QStringLiteral("order"))).value(), ScanOptions());
        QVERIFY(scanned && scanned->size() == 1);
        QCOMPARE(scanned->first().state, EntryState::Complete);
        QCOMPARE(scanned->first().handle, handle(QStringLiteral("/google/big/1")));

        // Again: the library's fast path, no lock and no upload.
        m_double.clearRequests();
        auto again = makeJob(QStringLiteral("order"), QStringLiteral("/google/big/1"));
        const PrefetchResult second = runJob(*again);
        QVERIFY2(second.phase == PrefetchPhase::Done && second.alreadyCached, qPrintable(second.message));
        QCOMPARE(indexOf(m_double.requests(), "POST", ""), -1);
    }

    void faultsDuringUploadAreRetried_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("status"); // 0: a dropped connection
        QTest::addColumn<bool>("afterServing");
        QTest::newRow("503 on a simple upload") << QByteArray("uploadType=media") << 503 << false;
        QTest::newRow("429 on a chunk") << QByteArray("PUT /upload") << 429 << false;
        QTest::newRow("503 on a copy") << QByteArray("rewriteTo") << 503 << false;
        QTest::newRow("dropped chunk") << QByteArray("PUT /upload") << 0 << false;
        QTest::newRow("lost answer to a chunk") << QByteArray("PUT /upload") << 0 << true;
        QTest::newRow("lost answer to the lock") << QByteArray("ifGenerationMatch=0") << 0 << true;
        QTest::newRow("dropped simple upload") << QByteArray("uploadType=media") << 0 << false;
    }

    void faultsDuringUploadAreRetried()
    {
        QFETCH(QByteArray, target);
        QFETCH(int, status);
        QFETCH(bool, afterServing);
        const QString prefix = QStringLiteral("faults-%1")
                                   .arg(QString::fromLatin1(QTest::currentDataTag()))
                                   .replace(QLatin1Char(' '), QLatin1Char('-'));
        if (status == 0)
            m_double.dropNext(2, target, afterServing);
        else
            m_double.failNext(2, status, target);
        auto job = makeJob(prefix, QStringLiteral("/google/big/1"));
        const PrefetchResult r = runJob(*job);
        m_double.failNext(0, 503);
        m_double.dropNext(0);
        QVERIFY2(r.phase == PrefetchPhase::Done, qPrintable(r.message));
        expectModel(prefix, keyOf(QStringLiteral("/google/big/1")), m_bigFiles);
        QCOMPARE(objects(prefix).size(), m_bigFiles.size() + 2);
    }

    void aFailedCopyLeavesNoPartialModel()
    {
        // Every other object is copied before saved_model.pb, whose copy is refused for good.
        const QString prefix = QStringLiteral("copyfail");
        const QString key = keyOf(QStringLiteral("/google/big/1"));
        m_double.clearRequests();
        m_double.failNext(1000, 403, "saved_model.pb/rewriteTo");
        auto job = makeJob(prefix, QStringLiteral("/google/big/1"));
        const PrefetchResult r = runJob(*job);
        m_double.failNext(0, 503);
        QCOMPARE(r.phase, PrefetchPhase::Failed);
        QVERIFY2(r.message.contains(QStringLiteral("403")), qPrintable(r.message));
        // The copies made before the failure were deleted again.
        QVERIFY(indexOf(m_double.requests(), "DELETE", (key + QStringLiteral("%2Fvariables")).toUtf8()) >= 0);
        // Only the descriptor, written before the copy as the library does, remains.
        QCOMPARE(objects(prefix),
            QStringList { prefix + QLatin1Char('/') + key + QStringLiteral(".descriptor.txt") });
    }

    void waitsForAnothersLockThenFindsItCached()
    {
        const QString prefix = QStringLiteral("wait");
        const QString key = keyOf(QStringLiteral("/google/big/1"));
        const QString lock = prefix + QLatin1Char('/') + key + QStringLiteral(".lock");
        m_double.put(bucket, lock, "tpu-worker-3.4242.0123456789abcdef0123456789abcdef");
        auto job = makeJob(prefix, QStringLiteral("/google/big/1"));
        QSignalSpy done(job.get(), &GcsPrefetchJob::finished);
        job->start();
        QTRY_COMPARE_WITH_TIMEOUT(job->progress().phase, PrefetchPhase::WaitingForLock, 10000);
        QVERIFY2(job->progress().detail.contains(QStringLiteral("waiting for another download of this model"))
                && job->progress().detail.contains(QStringLiteral("tpu-worker-3")),
            qPrintable(job->progress().detail));
        // The other download publishes and lets go.
        m_double.put(bucket, prefix + QLatin1Char('/') + key + QStringLiteral("/saved_model.pb"), "graph");
        m_double.put(
            bucket, prefix + QLatin1Char('/') + key + QStringLiteral(".descriptor.txt"), "Module: x");
        QVERIFY(m_double.object(bucket, lock));
        {
            gcs::GcsClient client(gcs::endpointFor(m_double.endpoint()), {}, smallChunks());
            QVERIFY(client.remove(bucket, lock));
        }
        QVERIFY(done.wait(20000));
        const PrefetchResult r = done.first().at(0).value<PrefetchResult>();
        QVERIFY2(r.phase == PrefetchPhase::Done && r.alreadyCached, qPrintable(r.message));
        QVERIFY2(!m_double.object(bucket, lock), "our lock stays after finding the model");
        QCOMPARE(objects(prefix).size(), 2);
    }

    void takesOverAStaleLock()
    {
        const QString prefix = QStringLiteral("stale");
        const QString key = keyOf(QStringLiteral("/google/big/1"));
        const QString otherUid = QStringLiteral("0123456789abcdef0123456789abcdef");
        m_double.put(bucket, prefix + QLatin1Char('/') + key + QStringLiteral(".lock"),
            "tpu-worker-3.4242." + otherUid.toUtf8());
        m_double.put(bucket, prefix + QStringLiteral("/%1.%2.tmp/saved_model.pb").arg(key, otherUid), "half");
        m_double.age(bucket, prefix + QLatin1Char('/'), 5); // no progress for 5 s, the rule says 2
        auto job = makeJob(prefix, QStringLiteral("/google/big/1"), 2);
        QStringList warnings;
        const PrefetchResult r = runJob(*job, &warnings);
        QVERIFY2(r.phase == PrefetchPhase::Done && !r.alreadyCached, qPrintable(r.message));
        QVERIFY2(warnings.join(QLatin1Char(' ')).contains(QStringLiteral("Taking over")),
            qPrintable(warnings.join(QLatin1Char(' '))));
        expectModel(prefix, key, m_bigFiles);
        QVERIFY(!m_double.object(bucket, prefix + QLatin1Char('/') + key + QStringLiteral(".lock")));
        // The other's leftovers are its own: the stale rule cleans them, not the prefetch.
        QVERIFY(
            m_double.object(bucket, prefix + QStringLiteral("/%1.%2.tmp/saved_model.pb").arg(key, otherUid)));
    }

    void hostileArchivePublishesNothing_data()
    {
        using test::extraction::TarBuilder;
        QTest::addColumn<QByteArray>("archive");
        QTest::addColumn<QString>("expected");
        QTest::newRow("path traversal")
            << TarBuilder().file("saved_model.pb", "g").file("../evil", "x").build() << QStringLiteral("..");
        QTest::newRow("deep traversal")
            << TarBuilder().file("a/saved_model.pb", "g").file("a/../../evil", "x").build()
            << QStringLiteral("..");
        QTest::newRow("symlink")
            << TarBuilder().file("saved_model.pb", "g").add("link", '2', {}, "/etc/passwd").build()
            << QStringLiteral("Unexpected object type");
        QTest::newRow("hard link")
            << TarBuilder().file("saved_model.pb", "g").add("h", '1', {}, "saved_model.pb").build()
            << QStringLiteral("Unexpected object type");
        QTest::newRow("file then folder")
            << TarBuilder().file("v", "x").file("v/w", "y").build() << QStringLiteral("file of that name");
        QTest::newRow("folder then file")
            << TarBuilder().dir("v").file("v", "y").build() << QStringLiteral("folder of that name");
        QTest::newRow("line break in a name")
            << TarBuilder().file("a\nb", "y").build() << QStringLiteral("line breaks");
    }

    void hostileArchivePublishesNothing()
    {
        QFETCH(QByteArray, archive);
        QFETCH(QString, expected);
        const QString path = QStringLiteral("/hostile/%1/1")
                                 .arg(QString::fromLatin1(QTest::currentDataTag())
                                          .replace(QLatin1Char(' '), QLatin1Char('-')));
        m_hub.addArchive(path, archive);
        const QString prefix = QStringLiteral("hostile");
        auto job = makeJob(prefix, path);
        const PrefetchResult r = runJob(*job);
        QCOMPARE(r.phase, PrefetchPhase::Failed);
        QVERIFY2(r.message.contains(expected), qPrintable(r.message));
        QVERIFY2(objects(prefix).isEmpty(), qPrintable(objects(prefix).join(QLatin1Char(' '))));
    }

    void cancelLeavesNoModelObject()
    {
        const QString prefix = QStringLiteral("cancel");
        const QString key = keyOf(QStringLiteral("/google/big/1"));
        TestHub::Fault stall;
        stall.stallAt = m_bigArchive.size() * 3 / 4;
        m_hub.setFault(QStringLiteral("/google/big/1"), stall);
        auto job = makeJob(prefix, QStringLiteral("/google/big/1"));
        QSignalSpy done(job.get(), &GcsPrefetchJob::finished);
        job->start();
        // Some member is stored under our tmp prefix while the rest is still coming.
        QTRY_VERIFY_WITH_TIMEOUT(!objects(prefix).filter(QStringLiteral(".tmp/")).isEmpty(), 20000);
        QVERIFY(m_double.object(bucket, prefix + QLatin1Char('/') + key + QStringLiteral(".lock")));
        job->cancel();
        QVERIFY(done.wait(20000));
        m_hub.clearFaults();
        m_hub.releaseStalls();
        QCOMPARE(done.first().at(0).value<PrefetchResult>().phase, PrefetchPhase::Cancelled);
        QVERIFY2(objects(prefix).isEmpty(), qPrintable(objects(prefix).join(QLatin1Char(' '))));
    }

    void memoryStaysWithinTheBudget()
    {
        // 24 MiB of zeros (a tiny archive) and a few small files: the held bytes stay bounded.
        const QByteArray zeros(24 * 1024 * 1024, '\0');
        QMap<QString, QByteArray> files { { QStringLiteral("variables/big.data"), zeros },
            { QStringLiteral("saved_model.pb"), randomBytes(3000, 9) } };
        for (int i = 0; i < 20; ++i)
            files.insert(QStringLiteral("assets/f%1").arg(i), randomBytes(100000, quint32(i + 10)));
        const QByteArray archive = makeTarGz(files);
        QProcessEnvironment env;
        env.insert(QStringLiteral("STORAGE_EMULATOR_HOST"), m_double.endpoint());
        const Result<gcs::ClientFactory> clients = gcs::clientFactoryFromEnvironment(env, smallChunks());
        QVERIFY(clients);
        gcs::ObjectSinkOptions sink = smallSink();
        sink.simpleUploadLimit = smallChunks().simpleUploadLimit;
        sink.chunkBytes = smallChunks().chunkBytes;
        gcs::GcsArchiveUpload upload(
            *clients, bucket, QStringLiteral("memory/K.u.tmp/"), QStringLiteral("memory"), sink);
        for (qsizetype at = 0; at < archive.size(); at += 65536)
            QVERIFY(upload.feed(archive.mid(at, 65536)));
        const Status s = upload.finish();
        QVERIFY2(s, qPrintable(s ? QString() : s.error()));
        QCOMPARE(upload.files().size(), files.size());
        QCOMPARE(m_double.object(bucket, QStringLiteral("memory/K.u.tmp/variables/big.data"))->data, zeros);
        const gcs::GcsArchiveUpload::Stats stats = upload.stats();
        QVERIFY2(stats.peakBufferedBytes <= gcs::GcsArchiveUpload::kMaxQueuedInput + sink.memoryBudget,
            qPrintable(QString::number(stats.peakBufferedBytes)));
    }
};

QTEST_GUILESS_MAIN(TestGcsPrefetch)
#include "tst_gcsprefetch.moc"
