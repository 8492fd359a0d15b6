// The transport units of a prefetch, with no cache at all: ResumableDownload into memory,
// UncompressedQuery, and the ProgressMeter.
#include "core/prefetch/resumabledownload.h"
#include "core/prefetch/uncompressedquery.h"
#include "core/util/progressmeter.h"
#include "tests/support/testdata.h"
#include "tests/support/testhub.h"

#include <QNetworkAccessManager>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
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

    void largeErrorBodyFailsAtOnce()
    {
        // A 404 whose HTML page is larger than the reply buffer fails like a short one: at once,
        // with the status, not as a stall retried until the attempts run out.
        m_hub.addPage(QStringLiteral("/big404"), 404, QByteArray(3 * 1024 * 1024, 'x'));
        MemorySink sink;
        const Outcome r = fetch(QStringLiteral("/big404"), sink);
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains(QStringLiteral("HTTP 404")), qPrintable(r.message));
        QCOMPARE(m_hub.requestCount(QStringLiteral("/big404")), 1);
        QVERIFY(sink.bytes.isEmpty());
    }

    void rangeNotSatisfiableAfterTheLastByteFinishes()
    {
        // Every byte arrives, but the response's chunked terminator never does: the stall ends
        // it, and the resume asks for bytes=<size>-, answered 416 with the size. That is a
        // complete download.
        m_hub.addArchive(QStringLiteral("/whole"), m_blob);
        TestHub::Fault f;
        f.chunked = true;
        f.stallAt = m_blob.size();
        f.stallMs = -1;
        m_hub.setFault(QStringLiteral("/whole"), f);
        MemorySink sink;
        const Outcome r = fetch(QStringLiteral("/whole"), sink);
        QVERIFY2(r.ok, qPrintable(r.message));
        QVERIFY(sink.bytes == m_blob);
        QCOMPARE(sink.restarts, 0);
        bool askedForTheEnd = false;
        for (const TestHub::Request &q : m_hub.requests())
            askedForTheEnd
                = askedForTheEnd || q.header("Range") == "bytes=" + QByteArray::number(m_blob.size()) + '-';
        QVERIFY(askedForTheEnd);
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

    void uncompressedFollowsRedirectsAsUrlopen()
    {
        // tfhub.dev now redirects to Kaggle first: 302, then the 303 with a gs:// Location (which
        // urlopen cannot follow) and the location as body.
        m_hub.addRedirect(QStringLiteral("/tfhub/m"), QStringLiteral("/kaggle/m"), 302);
        m_hub.addPage(QStringLiteral("/kaggle/m"), 303, "gs://kaggle-bucket/m", "text/plain",
            { { "Location", "gs://kaggle-bucket/m" } });
        Outcome r = ask(QStringLiteral("/tfhub/m?tf-hub-format=uncompressed"));
        QVERIFY2(r.ok, qPrintable(r.message));
        QCOMPARE(r.message, QStringLiteral("gs://kaggle-bucket/m"));

        // A 303 to an http(s) page is followed like any redirect: what counts is where it ends.
        m_hub.addPage(
            QStringLiteral("/see/plain"), 303, "gs://not-used/x", "text/plain", { { "Location", "/plain" } });
        m_hub.addPage(QStringLiteral("/plain"), 200, "a page");
        r = ask(QStringLiteral("/see/plain?tf-hub-format=uncompressed"));
        QVERIFY(!r.ok);
        QCOMPARE(r.message, QStringLiteral("Expected 303 See other HTTP response but received code 200"));

        // A chain through the hub: 301, 307, then the hub's own 303 without a Location.
        m_hub.addArchive(QStringLiteral("/chain/m"), m_blob);
        m_hub.setUncompressedLocation(QStringLiteral("/chain/m"), "gs://bucket/chain/m");
        m_hub.addRedirect(QStringLiteral("/chain/a"), QStringLiteral("/chain/b"), 301);
        m_hub.addRedirect(QStringLiteral("/chain/b"), QStringLiteral("/chain/m"), 307);
        r = ask(QStringLiteral("/chain/a?tf-hub-format=uncompressed"));
        QVERIFY2(r.ok, qPrintable(r.message));
        QCOMPARE(r.message, QStringLiteral("gs://bucket/chain/m"));

        // A 302 that urlopen cannot follow is the library's "received code 302".
        m_hub.addRedirect(QStringLiteral("/odd"), QStringLiteral("gs://bucket/odd"), 302);
        r = ask(QStringLiteral("/odd?tf-hub-format=uncompressed"));
        QVERIFY(!r.ok);
        QCOMPARE(r.message, QStringLiteral("Expected 303 See other HTTP response but received code 302"));

        // The redirect cap is the compressed path's: 10 followed, the 11th answer is the result.
        m_hub.clearRequests();
        m_hub.addRedirect(QStringLiteral("/uring/a"), QStringLiteral("/uring/b"), 302);
        m_hub.addRedirect(QStringLiteral("/uring/b"), QStringLiteral("/uring/a"), 302);
        r = ask(QStringLiteral("/uring/a?tf-hub-format=uncompressed"));
        QVERIFY(!r.ok);
        QCOMPARE(r.message, QStringLiteral("Expected 303 See other HTTP response but received code 302"));
        QCOMPARE(
            m_hub.requestCount(QStringLiteral("/uring/a")) + m_hub.requestCount(QStringLiteral("/uring/b")),
            11);
    }

    void corporateCertificateAuthority()
    {
        // A CA of our own signs the hub's certificate, as a corporate TLS proxy's would.
        QTemporaryDir tls;
        const auto openssl = [&](const QStringList &args) {
            QProcess p;
            p.setWorkingDirectory(tls.path());
            p.start(QStringLiteral("openssl"), args);
            return p.waitForFinished(60000) && p.exitCode() == 0;
        };
        QVERIFY(test::writeFile(tls.filePath(QStringLiteral("ext.cnf")),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"));
        QVERIFY(openssl({ QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
            QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-keyout"),
            QStringLiteral("ca.key"), QStringLiteral("-out"), QStringLiteral("ca.pem"),
            QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"),
            QStringLiteral("/CN=Example Corp Root CA") }));
        QVERIFY(openssl({ QStringLiteral("req"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
            QStringLiteral("-nodes"), QStringLiteral("-keyout"), QStringLiteral("server.key"),
            QStringLiteral("-out"), QStringLiteral("server.csr"), QStringLiteral("-subj"),
            QStringLiteral("/CN=127.0.0.1") }));
        QVERIFY(openssl({ QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
            QStringLiteral("server.csr"), QStringLiteral("-CA"), QStringLiteral("ca.pem"),
            QStringLiteral("-CAkey"), QStringLiteral("ca.key"), QStringLiteral("-CAcreateserial"),
            QStringLiteral("-out"), QStringLiteral("server.pem"), QStringLiteral("-days"),
            QStringLiteral("2"), QStringLiteral("-extfile"), QStringLiteral("ext.cnf") }));
        TestHub secure;
        QVERIFY(secure.startTls(
            tls.filePath(QStringLiteral("server.pem")), tls.filePath(QStringLiteral("server.key"))));
        secure.addArchive(QStringLiteral("/tls"), m_blob);
        const auto fetchTls = [&](TransportOptions o) {
            MemorySink sink;
            QNetworkAccessManager nam;
            ResumableDownload d(&nam, &sink, o);
            QSignalSpy ok(&d, &ResumableDownload::succeeded);
            QSignalSpy failed(&d, &ResumableDownload::failed);
            d.start(secure.url(QStringLiteral("/tls")), QStringLiteral("tls"));
            (void)QTest::qWaitFor([&] { return !ok.isEmpty() || !failed.isEmpty(); }, 30000);
            return Outcome { !ok.isEmpty() && sink.bytes == m_blob,
                failed.isEmpty() ? QString() : failed.first().first().toString() };
        };
        qunsetenv("SSL_CERT_FILE");
        qunsetenv("SSL_CERT_DIR");
        // Not trusted: the message names the host, the issuer and both remedies; no retries.
        Outcome r = fetchTls(fast());
        QVERIFY(!r.ok);
        for (const QString &part : { QStringLiteral("127.0.0.1"), QStringLiteral("Example Corp Root CA"),
                 QStringLiteral("certificate store"), QStringLiteral("SSL_CERT_FILE") })
            QVERIFY2(r.message.contains(part), qPrintable(r.message));
        QCOMPARE(secure.requestCount(QStringLiteral("/tls")), 0);
        // SSL_CERT_FILE names the CA: trusted.
        qputenv("SSL_CERT_FILE", QFile::encodeName(tls.filePath(QStringLiteral("ca.pem"))));
        r = fetchTls(fast());
        QVERIFY2(r.ok, qPrintable(r.message));
        qunsetenv("SSL_CERT_FILE");
        // So does SSL_CERT_DIR (a list of folders, as OpenSSL reads it).
        QVERIFY(QDir(tls.path()).mkdir(QStringLiteral("certs")));
        QVERIFY(QFile::copy(
            tls.filePath(QStringLiteral("ca.pem")), tls.filePath(QStringLiteral("certs/corp.pem"))));
        qputenv("SSL_CERT_DIR",
            QFile::encodeName(QStringLiteral("/nonexistent:") + tls.filePath(QStringLiteral("certs"))));
        r = fetchTls(fast());
        QVERIFY2(r.ok, qPrintable(r.message));
        qunsetenv("SSL_CERT_DIR");
        // TFHUB_DISABLE_CERT_VALIDATION=true still turns the check off.
        TransportOptions unchecked = fast();
        unchecked.disableTlsVerification = true;
        r = fetchTls(unchecked);
        QVERIFY2(r.ok, qPrintable(r.message));
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
