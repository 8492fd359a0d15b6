// tfhub-cache on a gs:// cache, through the real executable, reaching the Cloud Storage test
// double through STORAGE_EMULATOR_HOST exactly as a real emulator is reached.

#include "core/hub/handle.h"
#include "gcsclifixture.h"
#include "tests/support/testdata.h"

#include <QDirIterator>
#include <QJsonArray>
#include <QRegularExpression>

using namespace tfhub;
using namespace tfhub::test::cli;
using tfhub::test::GcsDouble;

namespace {

const QString uid = QStringLiteral("0123456789abcdef0123456789abcdef");

QString keyOf(const QString &handle)
{
    return Handle::cacheKeyOf(handle);
}

} // namespace

class TestCliGcs : public QObject, public GcsCliFixture
{
    Q_OBJECT

    // A real SavedModel under prefix/K/ as tensorflow_hub leaves it on GCS (with MakeDirs'
    // zero-byte folder placeholders) and its descriptor. Returns the model's byte count.
    qint64 putModel(const QString &prefix, const QString &handle, int *files)
    {
        const QString key = keyOf(handle);
        const QString model = test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu");
        m_double.put(bucket, prefix + QLatin1Char('/') + key + QLatin1Char('/'), QByteArray());
        qint64 bytes = 0;
        *files = 0;
        QDirIterator it(model, QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            it.next();
            const QString rel = QDir(model).relativeFilePath(it.filePath());
            const QString name = prefix + QLatin1Char('/') + key + QLatin1Char('/') + rel;
            if (it.fileInfo().isDir()) {
                m_double.put(bucket, name + QLatin1Char('/'), QByteArray());
                continue;
            }
            QFile f(it.filePath());
            if (!f.open(QIODevice::ReadOnly))
                return -1;
            const QByteArray data = f.readAll();
            m_double.put(bucket, name, data);
            bytes += data.size();
            ++*files;
        }
        m_double.put(bucket, prefix + QLatin1Char('/') + key + QStringLiteral(".descriptor.txt"),
            "Module: " + handle.toUtf8()
                + "\nDownload Time: 2024-01-29 17:51:07.123456\nDownloader Hostname: tpu-worker-3 "
                  "(PID:4242)");
        return bytes;
    }

    static QJsonObject entryOf(const QJsonObject &doc, const QString &key)
    {
        for (const QJsonValue &v : doc.value(QStringLiteral("entries")).toArray()) {
            if (v.toObject().value(QStringLiteral("key")).toString() == key)
                return v.toObject();
        }
        return {};
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY2(!qEnvironmentVariable("TFHUB_CLI").isEmpty(), "TFHUB_CLI is not set (run through ctest)");
        QVERIFY(QDir().mkpath(m_tmp.filePath(QStringLiteral("home"))));
        QVERIFY(QDir().mkpath(m_tmp.filePath(QStringLiteral("tmp"))));
        QVERIFY(m_double.start());
    }

    void listShowsACompleteEntryWithItsHandleAndSize()
    {
        const QString handle = QStringLiteral("https://tfhub.dev/google/tf2/1");
        int files = 0;
        const qint64 bytes = putModel(QStringLiteral("list"), handle, &files);
        QVERIFY(bytes > 0);
        m_double.put(bucket, QStringLiteral("list/notes.txt"), "mine");
        m_double.put(bucket, QStringLiteral("listed-elsewhere/x"), "not under the prefix");

        m_double.setPageLimit(3); // the entry's objects span several pages
        m_double.clearRequests();
        const Run r = gs(QStringLiteral("list"), { QStringLiteral("list"), QStringLiteral("--json") });
        m_double.setPageLimit(1000);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(m_double.requests().size() > 3);
        const QJsonObject doc = r.json();
        QCOMPARE(doc.value(QStringLiteral("cacheDir")).toString(), QStringLiteral("gs://team-cache/list"));
        QCOMPARE(doc.value(QStringLiteral("entries")).toArray().size(), 2); // the entry and notes.txt
        const QJsonObject e = entryOf(doc, keyOf(handle));
        QCOMPARE(e.value(QStringLiteral("state")).toString(), QStringLiteral("complete"));
        QCOMPARE(e.value(QStringLiteral("handle")).toString(), handle);
        QCOMPARE(e.value(QStringLiteral("handleSource")).toString(), QStringLiteral("descriptor"));
        QCOMPARE(e.value(QStringLiteral("files")).toInteger(), files); // placeholders are not files
        QVERIFY(e.value(QStringLiteral("bytes")).toInteger() > bytes); // the descriptor adds a little
        QCOMPARE(e.value(QStringLiteral("path")).toString(),
            QStringLiteral("gs://team-cache/list/") + keyOf(handle));
        QVERIFY(e.value(QStringLiteral("lastAccessed")).isNull());
        QCOMPARE(entryOf(doc, QStringLiteral("notes.txt")).value(QStringLiteral("state")).toString(),
            QStringLiteral("foreign"));

        const Run text = gs(QStringLiteral("list"), { QStringLiteral("list"), QStringLiteral("--wide") });
        QVERIFY2(text.code == 0 && text.out.contains(handle), qPrintable(text.out + text.err));

        const Run du = gs(QStringLiteral("list"), { QStringLiteral("du"), QStringLiteral("--json") });
        QVERIFY2(du.code == 0, qPrintable(du.err));
        QCOMPARE(du.json()
                     .value(QStringLiteral("byState"))
                     .toObject()
                     .value(QStringLiteral("complete"))
                     .toObject()
                     .value(QStringLiteral("count"))
                     .toInt(),
            1);
        QVERIFY(du.json().value(QStringLiteral("freeBytes")).isNull());

        const Run info = gs(QStringLiteral("list"), { QStringLiteral("info"), handle });
        QVERIFY2(info.code == 0, qPrintable(info.err));
        QVERIFY2(info.out.contains(QStringLiteral("present saved_model.pb"))
                && info.out.contains(QStringLiteral("no access times")),
            qPrintable(info.out));
    }

    void staleTmpAndOldLockAreCleaned()
    {
        const QString prefix = QStringLiteral("stale");
        int files = 0;
        const QString kept = QStringLiteral("https://tfhub.dev/google/kept/1");
        QVERIFY(putModel(prefix, kept, &files) > 0);
        const QString dead = keyOf(QStringLiteral("https://tfhub.dev/google/dead/1"));
        const QString live = keyOf(QStringLiteral("https://tfhub.dev/google/live/1"));
        // Two hours without progress: past the library's no-progress time (20 minutes).
        const QDateTime old = QDateTime::currentDateTimeUtc().addSecs(-2 * 3600);
        m_double.put(bucket, prefix + QLatin1Char('/') + dead + QStringLiteral(".lock"),
            "tpu-worker-1.99." + uid.toLatin1(), old);
        const QString tmp
            = prefix + QLatin1Char('/') + dead + QLatin1Char('.') + uid + QStringLiteral(".tmp/");
        m_double.put(bucket, tmp, QByteArray(), old);
        m_double.put(bucket, tmp + QStringLiteral("saved_model.pb"), "partial", old);
        m_double.put(bucket, prefix + QLatin1Char('/') + live + QStringLiteral(".lock"),
            "tpu-worker-2.7." + uid.toLatin1());
        m_double.put(bucket,
            prefix + QLatin1Char('/') + live + QLatin1Char('.') + uid + QStringLiteral(".tmp/a"), "growing");

        const Run before = gs(prefix, { QStringLiteral("list"), QStringLiteral("--json") });
        QVERIFY2(before.code == 0, qPrintable(before.err));
        QCOMPARE(entryOf(before.json(), dead).value(QStringLiteral("state")).toString(),
            QStringLiteral("stale-lock"));
        QCOMPARE(entryOf(before.json(), live).value(QStringLiteral("state")).toString(),
            QStringLiteral("downloading"));

        const Run dry
            = gs(prefix, { QStringLiteral("clean"), QStringLiteral("--stale"), QStringLiteral("--dry-run") });
        QVERIFY2(dry.code == 0 && dry.out.contains(dead.left(12)), qPrintable(dry.out + dry.err));
        QVERIFY(m_double.object(bucket, tmp + QStringLiteral("saved_model.pb")).has_value());

        const Run clean
            = gs(prefix, { QStringLiteral("clean"), QStringLiteral("--stale"), QStringLiteral("--yes") });
        QVERIFY2(clean.code == 0, qPrintable(clean.out + clean.err));
        const QStringList left = m_double.names(bucket).filter(QRegularExpression(QStringLiteral("^stale/")));
        QVERIFY2(left.filter(dead).isEmpty(), qPrintable(left.join(u' ')));
        QCOMPARE(left.filter(live).size(), 2); // a download in progress is never touched
        QVERIFY(left.contains(prefix + QLatin1Char('/') + keyOf(kept) + QStringLiteral("/saved_model.pb")));

        const Run refused
            = gs(prefix, { QStringLiteral("clean"), QStringLiteral("--unused-days"), QStringLiteral("3") });
        QCOMPARE(refused.code, 1);
        QVERIFY2(refused.err.contains(QStringLiteral("access times")), qPrintable(refused.err));
    }

    void rmDeletesEveryObjectOfTheEntryAndNothingElse()
    {
        const QString prefix = QStringLiteral("rm");
        int files = 0;
        const QString gone = QStringLiteral("https://tfhub.dev/google/gone/1");
        const QString stays = QStringLiteral("https://tfhub.dev/google/stays/1");
        QVERIFY(putModel(prefix, gone, &files) > 0);
        QVERIFY(putModel(prefix, stays, &files) > 0);
        m_double.put(bucket, QStringLiteral("rm/") + keyOf(gone) + QStringLiteral("-notes.txt"), "foreign");
        m_double.put(bucket, QStringLiteral("rm/readme"), "foreign");
        const QString live = keyOf(QStringLiteral("https://tfhub.dev/google/live/1"));
        m_double.put(bucket, QStringLiteral("rm/") + live + QStringLiteral(".lock"), "h.1." + uid.toLatin1());

        const Run r = gs(prefix, { QStringLiteral("rm"), QStringLiteral("--yes"), keyOf(gone).left(10) });
        QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
        const QStringList left = m_double.names(bucket).filter(QRegularExpression(QStringLiteral("^rm/")));
        QCOMPARE(left.filter(keyOf(gone)),
            QStringList { QStringLiteral("rm/") + keyOf(gone) + QStringLiteral("-notes.txt") });
        QVERIFY(left.contains(QStringLiteral("rm/readme")));
        QVERIFY(left.contains(QStringLiteral("rm/") + keyOf(stays) + QStringLiteral(".descriptor.txt")));
        QVERIFY(left.contains(QStringLiteral("rm/") + keyOf(stays) + QStringLiteral("/saved_model.pb")));

        const Run busy = gs(prefix, { QStringLiteral("rm"), QStringLiteral("--yes"), live });
        QCOMPARE(busy.code, 1);
        QVERIFY2(busy.err.contains(QStringLiteral("being downloaded")), qPrintable(busy.err));
        QVERIFY(m_double.object(bucket, QStringLiteral("rm/") + live + QStringLiteral(".lock")).has_value());
    }

    void unreachableEmulatorIsAClearFailure()
    {
        const Run r = run(
            { QStringLiteral("--cache-dir"), QStringLiteral("gs://team-cache/x"), QStringLiteral("list") },
            { { QStringLiteral("STORAGE_EMULATOR_HOST"), QStringLiteral("http://127.0.0.1:9") } });
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("gs://team-cache/x"))
                && r.err.contains(QStringLiteral("127.0.0.1:9")),
            qPrintable(r.err));
        QVERIFY(r.out.isEmpty());
    }

    void otherVerbsAndSchemesSayWhatWorks()
    {
        const Run import = gs(QStringLiteral("x"), { QStringLiteral("import"), QStringLiteral("x.zip") });
        QCOMPARE(import.code, 1);
        QVERIFY2(
            import.err.contains(QStringLiteral("gs:// caches work with list, du, info, resolve, verify")),
            qPrintable(import.err));
        const Run s3 = run(
            { QStringLiteral("--cache-dir"), QStringLiteral("s3://b/c"), QStringLiteral("list") }, env());
        QCOMPARE(s3.code, 1);
        QVERIFY2(s3.err.contains(QStringLiteral("s3://")) && s3.err.contains(QStringLiteral("gs://")),
            qPrintable(s3.err));
        const Run bad = run(
            { QStringLiteral("--cache-dir"), QStringLiteral("gs://Bad_Bucket/c"), QStringLiteral("du") },
            env());
        QCOMPARE(bad.code, 1);
        QVERIFY2(bad.err.contains(QStringLiteral("bucket name")), qPrintable(bad.err));
    }
};

QTEST_GUILESS_MAIN(TestCliGcs)
#include "tst_cligcs.moc"
