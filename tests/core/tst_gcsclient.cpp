// The Cloud Storage JSON API client against the test double, and gs:// locations.

#include "core/gcs/credentials.h"
#include "core/gcs/gcsclient.h"
#include "core/gcs/gcsscan.h"
#include "core/gcs/gcsurl.h"
#include "core/hub/handle.h"
#include "tests/support/gcsdouble.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QTest>

using namespace tfhub;
using tfhub::test::GcsDouble;

namespace {

const QString bucket = QStringLiteral("team-cache");

gcs::ClientOptions fastOptions()
{
    gcs::ClientOptions o;
    o.initialBackoffMs = 1; // retries in tests need no real backoff
    o.maxBackoffMs = 5;
    o.simpleUploadLimit = 256 * 1024;
    o.chunkBytes = 256 * 1024;
    return o;
}

// The error of a failed result for a message; a message argument is evaluated before the check.
template<class T> QByteArray why(const Result<T> &r)
{
    return r ? QByteArray() : r.error().toUtf8();
}

QByteArray pattern(qsizetype size)
{
    QByteArray data(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        data[i] = char((i * 7 + i / 251) & 0xff);
    return data;
}

} // namespace

class TestGcsClient : public QObject
{
    Q_OBJECT

    GcsDouble m_double;
    std::unique_ptr<gcs::GcsClient> m_client;

    qsizetype count(const QByteArray &method, const QByteArray &targetPart) const
    {
        qsizetype n = 0;
        for (const GcsDouble::Request &r : m_double.requests())
            n += r.method == method && r.target.contains(targetPart);
        return n;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_double.start());
        m_client = std::make_unique<gcs::GcsClient>(
            gcs::endpointFor(m_double.endpoint()), [] { return Result<QString>(QString()); }, fastOptions());
    }

    void init() { m_double.clearRequests(); }

    void listFollowsPagesAndTrimsFields()
    {
        for (int i = 0; i < 7; ++i)
            m_double.put(bucket, QStringLiteral("pages/obj%1").arg(i), QByteArray(i, 'x'));
        m_double.put(bucket, QStringLiteral("pagesnot/other"), "y");
        m_double.setPageLimit(3);
        const Result<QList<gcs::ObjectInfo>> listed = m_client->list(bucket, QStringLiteral("pages/"));
        m_double.setPageLimit(1000);
        QVERIFY2(listed, why(listed).constData());
        QCOMPARE(listed->size(), 7);
        QCOMPARE(listed->at(6).name, QStringLiteral("pages/obj6"));
        QCOMPARE(listed->at(6).size, 6);
        QVERIFY(listed->at(6).generation > 0);
        QVERIFY(listed->at(6).updated.isValid());
        QCOMPARE(
            listed->at(6).md5Base64, QCryptographicHash::hash("xxxxxx", QCryptographicHash::Md5).toBase64());
        QCOMPARE(count("GET", "/storage/v1/b/team-cache/o?"), 3);
        for (const GcsDouble::Request &r : m_double.requests()) {
            QVERIFY2(r.target.contains(
                         "fields=items%28name%2Csize%2Cupdated%2Cgeneration%2Cmd5Hash%29%2CnextPageToken"),
                r.target.constData());
            QVERIFY(r.authorization.isEmpty()); // an emulator gets no token
        }
    }

    void readsMediaWithSlashesEncoded()
    {
        const QString name = QStringLiteral("dir/sub dir/a+b é.txt");
        m_double.put(bucket, name, "content");
        const Result<QByteArray> data = m_client->read(bucket, name);
        QVERIFY2(data, why(data).constData());
        QCOMPARE(*data, QByteArray("content"));
        QVERIFY(m_double.requests().constLast().target.contains(
            "/o/dir%2Fsub%20dir%2Fa%2Bb%20%C3%A9.txt?alt=media"));
        const Result<QByteArray> missing = m_client->read(bucket, QStringLiteral("nope"));
        QVERIFY(!missing);
        QVERIFY2(missing.error().contains(QStringLiteral("gs://team-cache/nope")), why(missing).constData());
    }

    void simpleUpload()
    {
        const Result<gcs::ObjectInfo> up
            = m_client->upload(bucket, QStringLiteral("up/small.bin"), pattern(1000));
        QVERIFY2(up, why(up).constData());
        QCOMPARE(up->size, 1000);
        QCOMPARE(m_double.object(bucket, QStringLiteral("up/small.bin"))->data, pattern(1000));
        QCOMPARE(count("POST", "uploadType=media&name=up%2Fsmall.bin"), 1);
    }

    void resumableUploadInChunks()
    {
        const QByteArray data = pattern(600 * 1024 + 17);
        QBuffer source;
        source.setData(data);
        QVERIFY(source.open(QIODevice::ReadOnly));
        const Result<gcs::ObjectInfo> up
            = m_client->upload(bucket, QStringLiteral("up/large.bin"), &source, data.size());
        QVERIFY2(up, why(up).constData());
        QCOMPARE(up->size, data.size());
        QCOMPARE(m_double.object(bucket, QStringLiteral("up/large.bin"))->data, data);
        QCOMPARE(count("POST", "uploadType=resumable"), 1);
        QCOMPARE(count("PUT", "upload_id="), 3); // 256 KiB + 256 KiB + the rest
    }

    void rewriteLoopsOnToken()
    {
        m_double.put(bucket, QStringLiteral("k.tmp/saved_model.pb"), "graph");
        const Result<gcs::ObjectInfo> copy = m_client->rewrite(
            bucket, QStringLiteral("k.tmp/saved_model.pb"), bucket, QStringLiteral("k/saved_model.pb"));
        QVERIFY2(copy, why(copy).constData());
        QCOMPARE(copy->name, QStringLiteral("k/saved_model.pb"));
        QCOMPARE(m_double.object(bucket, QStringLiteral("k/saved_model.pb"))->data, QByteArray("graph"));
        QCOMPARE(count("POST", "/rewriteTo/b/team-cache/o/k%2Fsaved_model.pb"), 2);
        QCOMPARE(count("POST", "rewriteToken="), 1);
    }

    void deleteOneAndMany()
    {
        QStringList names;
        for (int i = 0; i < 9; ++i) {
            names << QStringLiteral("del/o%1").arg(i);
            m_double.put(bucket, names.last(), "z");
        }
        QVERIFY(m_client->remove(bucket, names.takeFirst()));
        QVERIFY(m_client->remove(bucket, QStringLiteral("del/never-there"))); // gone counts as deleted
        names << QStringLiteral("del/also-never-there");
        QCOMPARE(m_client->removeMany(bucket, names), QStringList());
        QVERIFY(m_double.names(bucket).filter(QStringLiteral("del/")).isEmpty());
    }

    void generationPreconditions()
    {
        const QString lock = QStringLiteral("pre/K.lock");
        const Result<std::optional<gcs::ObjectInfo>> first
            = m_client->createIfAbsent(bucket, lock, "host.1.uid");
        QVERIFY2(first, why(first).constData());
        QVERIFY(first->has_value());
        const Result<std::optional<gcs::ObjectInfo>> second
            = m_client->createIfAbsent(bucket, lock, "other.2.uid");
        QVERIFY2(second, why(second).constData());
        QVERIFY(!second->has_value()); // 412: somebody holds it
        QCOMPARE(m_double.object(bucket, lock)->data, QByteArray("host.1.uid"));

        const qint64 ours = (*first)->generation;
        m_double.put(bucket, lock, "thief.3.uid"); // taken over: a new generation
        const Result<bool> removed = m_client->removeIfGeneration(bucket, lock, ours);
        QVERIFY2(removed, why(removed).constData());
        QVERIFY(!*removed);
        QVERIFY(m_double.object(bucket, lock).has_value());
        const Result<bool> removedNow
            = m_client->removeIfGeneration(bucket, lock, m_double.object(bucket, lock)->generation);
        QVERIFY(removedNow && *removedNow);
        QVERIFY(!m_double.object(bucket, lock).has_value());
    }

    void retriesOnInjectedFailures_data()
    {
        QTest::addColumn<int>("status"); // 0: a dropped connection
        QTest::newRow("429") << 429;
        QTest::newRow("503") << 503;
        QTest::newRow("dropped") << 0;
    }

    void retriesOnInjectedFailures()
    {
        QFETCH(int, status);
        m_double.put(bucket, QStringLiteral("retry/a"), "payload");
        if (status)
            m_double.failNext(2, status);
        else
            m_double.dropNext(2);
        const Result<QByteArray> data = m_client->read(bucket, QStringLiteral("retry/a"));
        QVERIFY2(data, why(data).constData());
        QCOMPARE(*data, QByteArray("payload"));
        QVERIFY(count("GET", "/o/retry%2Fa?alt=media") >= 3);

        // An upload retried after a failure is stored once.
        if (status)
            m_double.failNext(1, status);
        else
            m_double.dropNext(1);
        QVERIFY(m_client->upload(bucket, QStringLiteral("retry/b"), "b"));
        QCOMPARE(m_double.object(bucket, QStringLiteral("retry/b"))->data, QByteArray("b"));
    }

    void givesUpWithTheCause()
    {
        m_double.failNext(100, 503);
        const Result<QList<gcs::ObjectInfo>> listed = m_client->list(bucket, QString());
        m_double.failNext(0, 503);
        QVERIFY(!listed);
        QVERIFY2(listed.error().contains(QStringLiteral("503"))
                && listed.error().contains(QStringLiteral("5 attempts")),
            why(listed).constData());

        gcs::GcsClient unreachable(QUrl(QStringLiteral("http://127.0.0.1:9")), {}, fastOptions());
        const Result<QByteArray> none = unreachable.read(bucket, QStringLiteral("x"));
        QVERIFY(!none);
        QVERIFY2(none.error().contains(QStringLiteral("no answer")), why(none).constData());
    }

    void bearerTokenIsSent()
    {
        gcs::GcsClient authed(
            gcs::endpointFor(m_double.endpoint()),
            [] { return Result<QString>(QStringLiteral("ya29.token")); }, fastOptions());
        m_double.clearRequests();
        QVERIFY(authed.list(bucket, QStringLiteral("none/")));
        QCOMPARE(m_double.requests().constLast().authorization, QByteArray("Bearer ya29.token"));
        gcs::GcsClient failing(
            gcs::endpointFor(m_double.endpoint()),
            [] { return Result<QString>(Error { QStringLiteral("no ADC") }); }, fastOptions());
        const Result<QList<gcs::ObjectInfo>> refused = failing.list(bucket, QString());
        QVERIFY(!refused);
        QVERIFY2(refused.error().contains(QStringLiteral("no ADC")), why(refused).constData());
    }

    void credentialChainFeedsTheBearer()
    {
        QProcessEnvironment env;
        env.insert(QStringLiteral("HOME"), QDir::tempPath() + QStringLiteral("/no-such-home"));
        env.insert(QStringLiteral("GOOGLE_OAUTH_ACCESS_TOKEN"), QStringLiteral("from-the-environment"));
        gcs::GcsClient authed(gcs::endpointFor(m_double.endpoint()),
            gcs::bearerFrom(std::make_shared<gcs::TokenSource>(env)), fastOptions());
        m_double.clearRequests();
        QVERIFY(authed.list(bucket, QStringLiteral("none/")));
        QCOMPARE(m_double.requests().constLast().authorization, QByteArray("Bearer from-the-environment"));
        // An emulator needs no credentials: an empty token sends no Authorization header.
        env.insert(QStringLiteral("STORAGE_EMULATOR_HOST"), m_double.endpoint());
        gcs::GcsClient emulated(gcs::endpointFor(m_double.endpoint()),
            gcs::bearerFrom(std::make_shared<gcs::TokenSource>(env)), fastOptions());
        QVERIFY(emulated.list(bucket, QStringLiteral("none/")));
        QVERIFY(m_double.requests().constLast().authorization.isEmpty());
    }

    void parsesGsUrls()
    {
        const Result<gcs::GcsUrl> u = gcs::parseGcsUrl(QStringLiteral("gs://my-bucket/tfhub/cache/"));
        QVERIFY2(u, why(u).constData());
        QCOMPARE(u->bucket, QStringLiteral("my-bucket"));
        QCOMPARE(u->prefix, QStringLiteral("tfhub/cache"));
        QCOMPARE(u->objectName(QStringLiteral("K.lock")), QStringLiteral("tfhub/cache/K.lock"));
        QCOMPARE(u->url(), QStringLiteral("gs://my-bucket/tfhub/cache"));
        const Result<gcs::GcsUrl> root = gcs::parseGcsUrl(QStringLiteral("gs://my-bucket"));
        QVERIFY(root);
        QCOMPARE(root->objectPrefix(), QString());
        for (const char *bad : { "gs://", "gs://ab", "gs://My-Bucket/x", "gs://-bucket/x", "gs://bucket//x",
                 "gs://bucket/a/../b", "s3://bucket/x", "gs://bucket/x?y" }) {
            const Result<gcs::GcsUrl> r = gcs::parseGcsUrl(QString::fromLatin1(bad));
            QVERIFY2(!r, bad);
            QVERIFY2(r.error().contains(QString::fromLatin1(bad)), why(r).constData());
        }
    }

    // The scan's folder rules on a listing alone: placeholders are folders, never files.
    void placeholdersAreFoldersNotFiles()
    {
        const gcs::GcsUrl root { QStringLiteral("b-1"), QStringLiteral("c") };
        const QString key = Handle::cacheKeyOf(QStringLiteral("https://tfhub.dev/google/x/1"));
        const auto obj = [&](const QString &rel, qint64 size) {
            gcs::ObjectInfo o;
            o.name = root.objectName(rel);
            o.size = size;
            o.updated = QDateTime::currentDateTimeUtc();
            return o;
        };
        QList<gcs::ObjectInfo> objects { obj(key + QStringLiteral("/"), 0),
            obj(key + QStringLiteral("/variables/"), 0), obj(key + QStringLiteral("/saved_model.pb"), 10),
            obj(key + QStringLiteral("/variables/variables.index"), 5),
            obj(key + QStringLiteral("/variables/variables.data-00000-of-00001"), 20) };
        const QHash<QString, gcs::EntryObjects> groups = gcs::groupListing(root, objects);
        QCOMPARE(groups.size(), 1);
        const CacheEntry e = gcs::entryFromObjects(
            root, groups.value(key), [](const QString &) { return QByteArray(); }, ScanOptions(),
            QDateTime::currentDateTimeUtc());
        QCOMPARE(e.state, EntryState::Complete);
        QCOMPARE(e.files, 3);
        QCOMPARE(e.bytes, 35);
        QVERIFY(!e.lastAccessed.isValid()); // Cloud Storage has no access times

        // Only placeholders: an empty folder, as tensorflow_hub sees it.
        const QHash<QString, gcs::EntryObjects> empty
            = gcs::groupListing(root, { obj(key + QStringLiteral("/"), 0) });
        const CacheEntry e2 = gcs::entryFromObjects(
            root, empty.value(key), [](const QString &) { return QByteArray(); }, ScanOptions(),
            QDateTime::currentDateTimeUtc());
        QCOMPARE(e2.state, EntryState::EmptyFolder);
        QCOMPARE(e2.files, 0);
    }
};

QTEST_GUILESS_MAIN(TestGcsClient)
#include "tst_gcsclient.moc"
