#include "tests/support/testhub.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QtTest>

#include <memory>

using tfhub::test::TestHub;

namespace {

const QString kModel = QStringLiteral("/google/half_plus_two/1");

QByteArray archiveBytes(qsizetype size)
{
    QByteArray data(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        data[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
    return data;
}

struct Answer
{
    int status = 0;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QByteArray body;
    QNetworkReply *reply = nullptr; // owned by the manager, for headers
};

} // namespace

class TestTestHub final : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void compressedAndPlainArchive();
    void uncompressedAnswers303WithLocationInBody();
    void range_data();
    void range();
    void statusFaults_data();
    void statusFaults();
    void failFirstThenSucceed();
    void truncateAndReset_data();
    void truncateAndReset();
    void wrongContentLength_data();
    void wrongContentLength();
    void nonArchiveBody();
    void stallUntilReleased();
    void timedStall();
    void throttle();
    void chunked();
    void redirectChain();
    void redirectLoop();
    void recordsRequests();

private:
    Answer get(const QString &pathAndQuery, const QList<QPair<QByteArray, QByteArray>> &headers = {},
        QNetworkRequest::RedirectPolicy policy = QNetworkRequest::ManualRedirectPolicy);

    std::unique_ptr<TestHub> m_hub;
    std::unique_ptr<QNetworkAccessManager> m_manager;
    QByteArray m_archive;
};

void TestTestHub::init()
{
    m_hub = std::make_unique<TestHub>();
    QVERIFY(m_hub->start());
    m_manager = std::make_unique<QNetworkAccessManager>();
    m_archive = archiveBytes(100000);
    m_hub->addArchive(kModel, m_archive);
}

void TestTestHub::cleanup()
{
    m_manager.reset();
    m_hub.reset();
}

Answer TestTestHub::get(const QString &pathAndQuery, const QList<QPair<QByteArray, QByteArray>> &headers,
    QNetworkRequest::RedirectPolicy policy)
{
    QNetworkRequest request(m_hub->url(pathAndQuery));
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, policy);
    request.setRawHeader("Accept-Encoding", "identity");
    for (const auto &header : headers)
        request.setRawHeader(header.first, header.second);
    QNetworkReply *reply = m_manager->get(request);
    Answer answer;
    answer.reply = reply;
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!finished.wait(60000))
        return answer;
    answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    answer.error = reply->error();
    answer.body = reply->readAll();
    return answer;
}

void TestTestHub::compressedAndPlainArchive()
{
    QVERIFY(m_hub->baseUrl().toString().startsWith(QStringLiteral("http://127.0.0.1:")));
    const Answer compressed = get(kModel + QStringLiteral("?tf-hub-format=compressed"));
    QCOMPARE(compressed.status, 200);
    QCOMPARE(compressed.body, m_archive);
    QCOMPARE(compressed.reply->rawHeader("ETag"), m_hub->etag(kModel));
    QCOMPARE(compressed.reply->rawHeader("Last-Modified"), m_hub->lastModified(kModel));
    QCOMPARE(compressed.reply->rawHeader("Content-Length"), QByteArray::number(m_archive.size()));
    const Answer plain = get(kModel);
    QCOMPARE(plain.status, 200);
    QCOMPARE(plain.body, m_archive);
    QCOMPARE(get(QStringLiteral("/nothing/here")).status, 404);
    QCOMPARE(m_hub->requestCount(kModel), 2);

    // A re-published archive gets new validators.
    const QByteArray oldTag = m_hub->etag(kModel);
    m_hub->addArchive(kModel, archiveBytes(10));
    QVERIFY(m_hub->etag(kModel) != oldTag);
    QCOMPARE(get(kModel).body, archiveBytes(10));
}

void TestTestHub::uncompressedAnswers303WithLocationInBody()
{
    QCOMPARE(get(kModel + QStringLiteral("?tf-hub-format=uncompressed")).status, 404);
    m_hub->setUncompressedLocation(kModel, "gs://tfhub-modules/google/half_plus_two/1/uncompressed");
    const Answer answer = get(kModel + QStringLiteral("?tf-hub-format=uncompressed"));
    QCOMPARE(answer.status, 303);
    QCOMPARE(answer.body, QByteArray("gs://tfhub-modules/google/half_plus_two/1/uncompressed"));
    // The compressed form is unaffected.
    QCOMPARE(get(kModel + QStringLiteral("?tf-hub-format=compressed")).body, m_archive);
}

void TestTestHub::range_data()
{
    QTest::addColumn<QByteArray>("range");
    QTest::addColumn<QString>("ifRange"); // "etag", "date", "stale", or empty
    QTest::addColumn<bool>("ignoreRange");
    QTest::addColumn<int>("status");
    QTest::addColumn<qint64>("from");
    QTest::newRow("open range") << QByteArray("bytes=1000-") << QString() << false << 206 << qint64(1000);
    QTest::newRow("last byte") << QByteArray("bytes=99999-") << QString() << false << 206 << qint64(99999);
    QTest::newRow("if-range etag") << QByteArray("bytes=5-") << QStringLiteral("etag") << false << 206
                                   << qint64(5);
    QTest::newRow("if-range date") << QByteArray("bytes=5-") << QStringLiteral("date") << false << 206
                                   << qint64(5);
    QTest::newRow("if-range stale") << QByteArray("bytes=5-") << QStringLiteral("stale") << false << 200
                                    << qint64(0);
    QTest::newRow("range ignored") << QByteArray("bytes=5-") << QString() << true << 200 << qint64(0);
    QTest::newRow("beyond the end") << QByteArray("bytes=100000-") << QString() << false << 416 << qint64(-1);
}

void TestTestHub::range()
{
    QFETCH(QByteArray, range);
    QFETCH(QString, ifRange);
    QFETCH(bool, ignoreRange);
    QFETCH(int, status);
    QFETCH(qint64, from);
    TestHub::Fault fault;
    fault.ignoreRange = ignoreRange;
    m_hub->setFault(kModel, fault);
    QList<QPair<QByteArray, QByteArray>> headers { { "Range", range } };
    if (ifRange == QLatin1String("etag"))
        headers.append({ "If-Range", m_hub->etag(kModel) });
    else if (ifRange == QLatin1String("date"))
        headers.append({ "If-Range", m_hub->lastModified(kModel) });
    else if (ifRange == QLatin1String("stale"))
        headers.append({ QByteArray("If-Range"), QByteArray("\"an-older-version\"") });
    const Answer answer = get(kModel + QStringLiteral("?tf-hub-format=compressed"), headers);
    QCOMPARE(answer.status, status);
    if (status == 416) {
        QCOMPARE(answer.reply->rawHeader("Content-Range"), QByteArray("bytes */100000"));
        return;
    }
    QCOMPARE(answer.body, m_archive.mid(from));
    if (status == 206) {
        QCOMPARE(
            answer.reply->rawHeader("Content-Range"), "bytes " + QByteArray::number(from) + "-99999/100000");
    } else {
        QVERIFY(answer.reply->rawHeader("Content-Range").isEmpty());
    }
    QCOMPARE(m_hub->requests().last().header("range"), range);
}

void TestTestHub::statusFaults_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("retryAfter");
    QTest::newRow("403") << 403 << -1;
    QTest::newRow("404") << 404 << -1;
    QTest::newRow("429 retry-after") << 429 << 7;
    QTest::newRow("500") << 500 << -1;
    QTest::newRow("503 retry-after") << 503 << 0;
}

void TestTestHub::statusFaults()
{
    QFETCH(int, status);
    QFETCH(int, retryAfter);
    TestHub::Fault fault;
    fault.status = status;
    fault.retryAfter = retryAfter;
    m_hub->setFault(kModel, fault);
    const Answer answer = get(kModel + QStringLiteral("?tf-hub-format=compressed"));
    QCOMPARE(answer.status, status);
    QVERIFY(answer.error != QNetworkReply::NoError);
    QCOMPARE(answer.reply->rawHeader("Retry-After"),
        retryAfter < 0 ? QByteArray() : QByteArray::number(retryAfter));
    m_hub->clearFaults();
    QCOMPARE(get(kModel).status, 200);
}

void TestTestHub::failFirstThenSucceed()
{
    TestHub::Fault fault;
    fault.failFirst = 2;
    fault.failStatus = 503;
    fault.retryAfter = 1;
    m_hub->setFault(kModel, fault);
    QCOMPARE(get(kModel).status, 503);
    QCOMPARE(get(kModel).status, 503);
    const Answer third = get(kModel);
    QCOMPARE(third.status, 200);
    QCOMPARE(third.body, m_archive);
    QCOMPARE(m_hub->requestCount(kModel), 3);
}

void TestTestHub::truncateAndReset_data()
{
    QTest::addColumn<bool>("reset");
    QTest::newRow("truncate") << false;
    QTest::newRow("reset") << true;
}

void TestTestHub::truncateAndReset()
{
    QFETCH(bool, reset);
    TestHub::Fault fault;
    (reset ? fault.resetAt : fault.truncateAt) = 12345;
    m_hub->setFault(kModel, fault);
    const Answer answer = get(kModel);
    QVERIFY(answer.error != QNetworkReply::NoError);
    QVERIFY(answer.body.size() <= 12345);
    QCOMPARE(answer.body, m_archive.left(answer.body.size()));
    if (!reset)
        QCOMPARE(answer.body.size(), 12345); // a clean close delivers everything before it
}

void TestTestHub::wrongContentLength_data()
{
    QTest::addColumn<qint64>("announced");
    QTest::newRow("announces more") << qint64(150000);
    QTest::newRow("announces less") << qint64(60000);
}

void TestTestHub::wrongContentLength()
{
    QFETCH(qint64, announced);
    TestHub::Fault fault;
    fault.announcedLength = announced;
    m_hub->setFault(kModel, fault);
    const Answer answer = get(kModel);
    QCOMPARE(answer.reply->rawHeader("Content-Length"), QByteArray::number(announced));
    if (announced > m_archive.size()) {
        // Qt 6.4 may report NoError here: a client must compare what it got with Content-Length.
        QCOMPARE(answer.body, m_archive);
    } else {
        QCOMPARE(answer.body, m_archive.left(announced));
    }
}

void TestTestHub::nonArchiveBody()
{
    TestHub::Fault fault;
    fault.body = QByteArray("<html><body>Sign in to continue</body></html>");
    m_hub->setFault(kModel, fault);
    const Answer answer = get(kModel + QStringLiteral("?tf-hub-format=compressed"));
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.body, *fault.body);
    QCOMPARE(
        answer.reply->header(QNetworkRequest::ContentTypeHeader).toString(), QStringLiteral("text/html"));
}

void TestTestHub::stallUntilReleased()
{
    TestHub::Fault fault;
    fault.stallAt = 30000;
    fault.stallMs = -1;
    m_hub->setFault(kModel, fault);
    QNetworkRequest request(m_hub->url(kModel));
    QNetworkReply *reply = m_manager->get(request);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QTRY_COMPARE_WITH_TIMEOUT(m_hub->stalledConnections(), 1, 60000);
    QTRY_COMPARE_WITH_TIMEOUT(reply->bytesAvailable(), qint64(30000), 60000);
    QVERIFY(!reply->isFinished());
    QCOMPARE(reply->bytesAvailable(), qint64(30000)); // nothing more while stalled
    m_hub->releaseStalls();
    QVERIFY(finished.wait(60000));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->readAll(), m_archive);
    QCOMPARE(m_hub->stalledConnections(), 0);
}

void TestTestHub::timedStall()
{
    TestHub::Fault fault;
    fault.stallAt = 500;
    fault.stallMs = 200;
    m_hub->setFault(kModel, fault);
    const Answer answer = get(kModel);
    QCOMPARE(answer.error, QNetworkReply::NoError);
    QCOMPARE(answer.body, m_archive);
    QCOMPARE(m_hub->stallCount(), 1);
    QCOMPARE(m_hub->stalledConnections(), 0);
}

void TestTestHub::throttle()
{
    TestHub::Fault fault;
    fault.bytesPerSecond = 20000;
    m_hub->addArchive(QStringLiteral("/slow"), m_archive.left(10000));
    m_hub->setFault(QStringLiteral("/slow"), fault);
    QNetworkReply *reply = m_manager->get(QNetworkRequest(m_hub->url(QStringLiteral("/slow"))));
    QSignalSpy progress(reply, &QNetworkReply::downloadProgress);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(finished.wait(60000));
    QCOMPARE(reply->readAll(), m_archive.left(10000));
    // Half a second of data in 20 ms ticks cannot arrive as one piece.
    QSet<qint64> received;
    for (const auto &arguments : std::as_const(progress))
        received.insert(arguments.at(0).toLongLong());
    QVERIFY2(received.size() >= 3, qPrintable(QString::number(received.size())));
}

void TestTestHub::chunked()
{
    TestHub::Fault fault;
    fault.chunked = true;
    m_hub->setFault(kModel, fault);
    const Answer answer = get(kModel);
    QCOMPARE(answer.error, QNetworkReply::NoError);
    QCOMPARE(answer.reply->rawHeader("Transfer-Encoding"), QByteArray("chunked"));
    QVERIFY(answer.reply->rawHeader("Content-Length").isEmpty());
    QCOMPARE(answer.body, m_archive);

    fault.truncateAt = 7000;
    m_hub->setFault(kModel, fault);
    const Answer cut = get(kModel);
    // No terminating chunk was sent; Qt 6.4 may still report NoError, so check the bytes.
    QCOMPARE(cut.body, m_archive.left(7000));
}

void TestTestHub::redirectChain()
{
    m_hub->addRedirect(QStringLiteral("/tfhub/m/1"), QStringLiteral("/kaggle/m/1"), 301);
    m_hub->addRedirect(QStringLiteral("/kaggle/m/1"), QStringLiteral("/storage/m/1"), 308);
    m_hub->addRedirect(QStringLiteral("/storage/m/1"), m_hub->url(kModel).toString(), 303);
    const Answer manual = get(QStringLiteral("/tfhub/m/1?tf-hub-format=compressed"));
    QCOMPARE(manual.status, 301);
    QCOMPARE(manual.reply->rawHeader("Location"),
        m_hub->url(QStringLiteral("/kaggle/m/1?tf-hub-format=compressed")).toEncoded());
    m_hub->clearRequests();
    const Answer followed = get(
        QStringLiteral("/tfhub/m/1?tf-hub-format=compressed"), {}, QNetworkRequest::NoLessSafeRedirectPolicy);
    QCOMPARE(followed.status, 200);
    QCOMPARE(followed.body, m_archive);
    QStringList targets;
    for (const auto &request : m_hub->requests())
        targets << QString::fromLatin1(request.target);
    // Qt sometimes sends a request twice after a redirect over a closing connection: not ours.
    targets.removeDuplicates();
    QCOMPARE(targets,
        (QStringList { QStringLiteral("/tfhub/m/1?tf-hub-format=compressed"),
            QStringLiteral("/kaggle/m/1?tf-hub-format=compressed"),
            QStringLiteral("/storage/m/1?tf-hub-format=compressed"),
            kModel + QStringLiteral("?tf-hub-format=compressed") }));
    for (int code : { 302, 307 }) {
        m_hub->addRedirect(QStringLiteral("/moved"), kModel, code);
        QCOMPARE(get(QStringLiteral("/moved")).status, code);
    }
}

void TestTestHub::redirectLoop()
{
    m_hub->addRedirect(QStringLiteral("/a"), QStringLiteral("/b"), 302);
    m_hub->addRedirect(QStringLiteral("/b"), QStringLiteral("/a"), 302);
    const Answer answer = get(QStringLiteral("/a"), {}, QNetworkRequest::NoLessSafeRedirectPolicy);
    QCOMPARE(answer.error, QNetworkReply::TooManyRedirectsError);
    QVERIFY(m_hub->requestCount(QStringLiteral("/a")) > 1);
    QVERIFY(m_hub->requestCount(QStringLiteral("/b")) > 1);
}

void TestTestHub::recordsRequests()
{
    get(kModel + QStringLiteral("?tf-hub-format=compressed&x=1"), { { "X-Tfhub-Test", "yes" } });
    const auto requests = m_hub->requests();
    QCOMPARE(requests.size(), 1);
    QCOMPARE(requests[0].method, QByteArray("GET"));
    QCOMPARE(requests[0].path, kModel.toUtf8());
    QCOMPARE(requests[0].query, QByteArray("tf-hub-format=compressed&x=1"));
    QCOMPARE(requests[0].header("x-tfhub-test"), QByteArray("yes"));
    QCOMPARE(requests[0].header("Accept-Encoding"), QByteArray("identity"));
    QVERIFY(requests[0].header("Host").startsWith("127.0.0.1:"));
    m_hub->clearRequests();
    QCOMPARE(m_hub->requestCount(kModel), 0);
}

QTEST_GUILESS_MAIN(TestTestHub)
#include "tst_testhub.moc"
