// The transport units of a prefetch, with no cache at all: ResumableDownload into memory,
// UncompressedQuery, and the ProgressMeter.
#include "core/prefetch/resumabledownload.h"
#include "core/prefetch/uncompressedquery.h"
#include "core/util/progressmeter.h"
#include "tests/support/testhub.h"

#include <QNetworkAccessManager>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QtTest>

using namespace tfhub;
using test::TestHub;

namespace {

QByteArray randomBytes(qsizetype n, quint32 seed)
{
    QByteArray b(n, Qt::Uninitialized);
    QRandomGenerator gen(seed);
    gen.fillRange(reinterpret_cast<quint32 *>(b.data()), n / 4);
    return b;
}

// Collects the stream; counts restarts; can refuse bytes after a limit.
class MemorySink final : public DownloadSink
{
public:
    Status restart() override
    {
        ++restarts;
        bytes.clear();
        return {};
    }
    Status write(const QByteArray &chunk) override
    {
        if (refuseAfter >= 0 && bytes.size() + chunk.size() > refuseAfter)
            return Error { QStringLiteral("sink is full") };
        bytes += chunk;
        return {};
    }
    QByteArray bytes;
    int restarts = 0;
    qint64 refuseAfter = -1;
};

struct Outcome
{
    bool ok = false;
    QString message;
};

} // namespace

class TestDownload final : public QObject
{
    Q_OBJECT
private:
    TestHub m_hub;
    QByteArray m_blob;

    static TransportOptions fast()
    {
        TransportOptions o;
        o.stallSecs = 1;
        o.retries = 3;
        o.backoffMs = 50;
        return o;
    }

    Outcome fetch(const QString &path, MemorySink &sink, TransportOptions o = fast())
    {
        QNetworkAccessManager nam;
        ResumableDownload d(&nam, &sink, o);
        QSignalSpy ok(&d, &ResumableDownload::succeeded);
        QSignalSpy failed(&d, &ResumableDownload::failed);
        d.start(m_hub.url(path), path);
        if (!QTest::qWaitFor([&] { return !ok.isEmpty() || !failed.isEmpty(); }, 60000))
            return { false, QStringLiteral("test: no outcome in time") };
        return { !ok.isEmpty(), failed.isEmpty() ? QString() : failed.first().first().toString() };
    }

    Outcome ask(const QString &pathAndQuery, TransportOptions o = fast())
    {
        QNetworkAccessManager nam;
        UncompressedQuery q(&nam, o);
        QSignalSpy resolved(&q, &UncompressedQuery::resolved);
        QSignalSpy failed(&q, &UncompressedQuery::failed);
        q.start(m_hub.url(pathAndQuery));
        if (!QTest::qWaitFor([&] { return !resolved.isEmpty() || !failed.isEmpty(); }, 30000))
            return { false, QStringLiteral("test: no outcome in time") };
        if (!resolved.isEmpty())
            return { true, resolved.first().first().toString() };
        return { false, failed.first().first().toString() };
    }

    int rangedRequests(const QString &path) const
    {
        int n = 0;
        for (const TestHub::Request &q : m_hub.requests())
            n += q.path == path.toUtf8() && !q.header("Range").isEmpty() ? 1 : 0;
        return n;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_hub.start());
        m_blob = randomBytes(900000, 11);
        m_hub.addArchive(QStringLiteral("/blob"), m_blob);
    }

    void init()
    {
        m_hub.clearFaults();
        m_hub.clearRequests();
    }

    void wholeBodyInOneRequest()
    {
        MemorySink sink;
        const Outcome r = fetch(QStringLiteral("/blob"), sink);
        QVERIFY2(r.ok, qPrintable(r.message));
        QVERIFY(sink.bytes == m_blob);
        QCOMPARE(sink.restarts, 0);
        QCOMPARE(m_hub.requestCount(QStringLiteral("/blob")), 1);
        QCOMPARE(m_hub.requests().first().header("Accept-Encoding"), QByteArray("identity"));
    }

    void resumesWithRangeAndValidator_data()
    {
        QTest::addColumn<int>("kind");
        QTest::newRow("truncate") << 0;
        QTest::newRow("stall") << 2;
    }
    void resumesWithRangeAndValidator()
    {
        QFETCH(int, kind);
        TestHub::Fault f;
        if (kind == 0)
            f.truncateAt = 300000;
        else if (kind == 1)
            f.resetAt = 250000;
        else {
            f.stallAt = 200000;
            f.stallMs = 5000;
        }
        m_hub.setFault(QStringLiteral("/blob"), f);
        MemorySink sink;
        TransportOptions o = fast();
        o.retries = 6;
        const Outcome r = fetch(QStringLiteral("/blob"), sink, o);
        QVERIFY2(r.ok, qPrintable(r.message));
        QVERIFY(sink.bytes == m_blob);
        QCOMPARE(sink.restarts, 0);
        QVERIFY(rangedRequests(QStringLiteral("/blob")) >= 1);
        for (const TestHub::Request &q : m_hub.requests()) {
            if (!q.header("Range").isEmpty())
                QCOMPARE(q.header("If-Range"), m_hub.etag(QStringLiteral("/blob")));
        }
    }

    void ignoredRangeRestartsTheSink()
    {
        TestHub::Fault f;
        f.truncateAt = 300000;
        f.ignoreRange = true;
        m_hub.setFault(QStringLiteral("/blob"), f);
        MemorySink sink;
        QNetworkAccessManager nam;
        TransportOptions o = fast();
        o.retries = 6;
        ResumableDownload d(&nam, &sink, o);
        QSignalSpy ok(&d, &ResumableDownload::succeeded);
        d.start(m_hub.url(QStringLiteral("/blob")), QStringLiteral("blob"));
        // A resume that got the whole file again (Qt may also resend a request by itself).
        QTRY_VERIFY_WITH_TIMEOUT(sink.restarts >= 1, 20000);
        m_hub.clearFaults();
        QVERIFY(ok.wait(30000));
        QVERIFY(sink.restarts >= 1);
        QVERIFY(sink.bytes == m_blob);
    }

    void redirectsAreFollowedAndCapped()
    {
        m_hub.addRedirect(QStringLiteral("/hop/1"), QStringLiteral("/hop/2"), 301);
        m_hub.addRedirect(QStringLiteral("/hop/2"), QStringLiteral("/blob"), 307);
        MemorySink sink;
        QNetworkAccessManager nam;
        ResumableDownload d(&nam, &sink, fast());
        QSignalSpy ok(&d, &ResumableDownload::succeeded);
        d.start(m_hub.url(QStringLiteral("/hop/1")), QStringLiteral("hop"));
        QVERIFY(ok.wait(30000));
        QVERIFY(sink.bytes == m_blob);
        QCOMPARE(d.finalUrl().path(), QStringLiteral("/blob"));

        m_hub.addRedirect(QStringLiteral("/ring/a"), QStringLiteral("/ring/b"), 302);
        m_hub.addRedirect(QStringLiteral("/ring/b"), QStringLiteral("/ring/a"), 308);
        MemorySink loop;
        const Outcome r = fetch(QStringLiteral("/ring/a"), loop);
        QVERIFY(!r.ok);
        QVERIFY2(
            r.message.contains(QStringLiteral("Too many redirects (more than 10)")), qPrintable(r.message));

        m_hub.addRedirect(QStringLiteral("/to-gs"), QStringLiteral("gs://bucket/x"), 302);
        MemorySink gs;
        const Outcome g = fetch(QStringLiteral("/to-gs"), gs);
        QVERIFY(!g.ok);
        QVERIFY2(g.message.contains(QStringLiteral("not an http(s) URL")), qPrintable(g.message));
    }

    void clientErrorsFailAtOnceServerErrorsAreRetried()
    {
        TestHub::Fault gone;
        gone.status = 404;
        m_hub.setFault(QStringLiteral("/blob"), gone);
        MemorySink a;
        Outcome r = fetch(QStringLiteral("/blob"), a);
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains(QStringLiteral("HTTP 404")), qPrintable(r.message));
        QCOMPARE(m_hub.requestCount(QStringLiteral("/blob")), 1);

        m_hub.clearRequests();
        TestHub::Fault busy;
        busy.failFirst = 2;
        busy.failStatus = 503;
        busy.retryAfter = 1;
        m_hub.setFault(QStringLiteral("/blob"), busy);
        MemorySink b;
        r = fetch(QStringLiteral("/blob"), b);
        QVERIFY2(r.ok, qPrintable(r.message));
        QVERIFY(b.bytes == m_blob);
        QCOMPARE(m_hub.requestCount(QStringLiteral("/blob")), 3);
    }

    void aRefusingSinkEndsTheDownload()
    {
        MemorySink sink;
        sink.refuseAfter = 100000;
        const Outcome r = fetch(QStringLiteral("/blob"), sink);
        QVERIFY(!r.ok);
        QCOMPARE(r.message, QStringLiteral("sink is full"));
        QCOMPARE(m_hub.requestCount(QStringLiteral("/blob")), 1);
    }

    void uncompressedLocation()
    {
        m_hub.addArchive(QStringLiteral("/m/u"), m_blob);
        m_hub.setUncompressedLocation(QStringLiteral("/m/u"), "gs://bucket/m/u");
        Outcome r = ask(QStringLiteral("/m/u?tf-hub-format=uncompressed"));
        QVERIFY2(r.ok, qPrintable(r.message));
        QCOMPARE(r.message, QStringLiteral("gs://bucket/m/u"));

        r = ask(QStringLiteral("/blob?tf-hub-format=uncompressed"));
        QVERIFY(!r.ok);
        QCOMPARE(r.message, QStringLiteral("Expected 303 See other HTTP response but received code 404"));

        m_hub.addPage(QStringLiteral("/notgs"), 303, "https://example.org/x");
        r = ask(QStringLiteral("/notgs"));
        QVERIFY(!r.ok);
        QCOMPARE(r.message,
            QStringLiteral("Expected server to return a GCS location but received https://example.org/x"));
    }

    void progressMeterThrottlesAndEstimates()
    {
        qint64 now = 0;
        util::ProgressMeter meter(100);
        meter.setClock([&] { return now; });
        meter.start(10000);
        QVERIFY(meter.claimReport()); // the first report always goes out
        QVERIFY(!meter.claimReport());
        now = 50;
        meter.advance(500);
        QVERIFY(!meter.claimReport());
        QVERIFY(meter.claimReport(true));
        QCOMPARE(meter.rate(), 0.0); // no rate window closed yet
        QCOMPARE(meter.etaSecs(), -1);
        now = 1000;
        meter.advance(500); // 1000 units in the first second
        QVERIFY(meter.claimReport());
        QCOMPARE(meter.rate(), 1000.0);
        QCOMPARE(meter.etaSecs(), 9);
        QCOMPARE(meter.done(), 1000);
        // Work thrown away starts the window afresh and leaves the rate as it was.
        meter.setDone(0);
        QCOMPARE(meter.done(), 0);
        QCOMPARE(meter.rate(), 1000.0);
        now = 1100;
        QVERIFY(meter.claimReport());
        QCOMPARE(meter.etaSecs(), 10);
    }
};

QTEST_GUILESS_MAIN(TestDownload)
#include "tst_download.moc"
