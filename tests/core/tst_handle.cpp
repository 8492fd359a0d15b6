#include "core/hub/handle.h"

#include <QtTest>

using namespace tfhub;

class TestHandle final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void cacheKey_data()
    {
        QTest::addColumn<QString>("handle");
        QTest::addColumn<QString>("key");
        // The protocol's vectors, then exact-string cases: no normalisation of any kind.
        QTest::newRow("nnlm") << "https://tfhub.dev/google/nnlm-en-dim128/2"
                              << "29abffb443cb0a0ca9c72e8e3863b76d85028490";
        QTest::newRow("nnlm-slash") << "https://tfhub.dev/google/nnlm-en-dim128/2/"
                                    << "1c4dd9863c309d3554c5cbf345644e553dfc338f";
        QTest::newRow("use") << "https://tfhub.dev/google/universal-sentence-encoder/4"
                             << "063d866c06683311b44b4992fd46003be952409c";
        QTest::newRow("kaggle")
            << "https://www.kaggle.com/models/google/bert/TensorFlow2/en-uncased-l-12-h-768-a-12/3"
            << "e1910ffe3f90251f3d5599473118b93f5e8e0245";
        QTest::newRow("path-unicode")
            << QStringLiteral("/path/with space/\u00e9") << "562f503cdee746b5c2e64d3909fa0017798015b7";
        QTest::newRow("gs") << "gs://bucket/x.tar.gz"
                            << "dedd1b61541bf87c6339992d8373294ec0c73348";
    }
    void cacheKey()
    {
        QFETCH(QString, handle);
        QFETCH(QString, key);
        const Result<Handle> h = Handle::parse(handle);
        QVERIFY2(h.ok(), qPrintable(h.ok() ? QString() : h.error()));
        QCOMPARE(h->cacheKey(), key);
        QCOMPARE(h->text(), handle);
    }

    void hostCaseMakesAnotherKey()
    {
        const Result<Handle> a = Handle::parse(QStringLiteral("https://tfhub.dev/google/nnlm-en-dim128/2"));
        const Result<Handle> b = Handle::parse(QStringLiteral("https://TFHub.dev/google/nnlm-en-dim128/2"));
        QVERIFY(a && b);
        QVERIFY(a->cacheKey() != b->cacheKey());
        QCOMPARE(b->text(), QStringLiteral("https://TFHub.dev/google/nnlm-en-dim128/2"));
        QCOMPARE(b->kind(), Handle::Kind::Http); // host is case-sensitive for the tfhub.dev rule too
    }

    void classify_data()
    {
        QTest::addColumn<QString>("handle");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("publisher");
        QTest::newRow("tfhub") << "https://tfhub.dev/google/imagenet/mobilenet_v2_035_128/classification/1"
                               << int(Handle::Kind::TfHub) << "google";
        QTest::newRow("tfhub-http") << "http://tfhub.dev/google/x/1" << int(Handle::Kind::TfHub) << "google";
        QTest::newRow("kaggle-short") << "https://www.kaggle.com/models/google/bert/TensorFlow2/en/3"
                                      << int(Handle::Kind::Kaggle) << "google";
        QTest::newRow("kaggle-long") << "https://www.kaggle.com/models/tensorflow/mobilenet-v2/frameworks/"
                                        "TensorFlow2/variations/x/versions/1"
                                     << int(Handle::Kind::Kaggle) << "tensorflow";
        QTest::newRow("hub-cn") << "https://hub.tensorflow.google.cn/google/spice/2"
                                << int(Handle::Kind::HubCn) << "google";
        QTest::newRow("http") << "https://example.com/models/m.tar.gz" << int(Handle::Kind::Http) << "";
        QTest::newRow("gs-tgz") << "gs://bucket/m.tgz" << int(Handle::Kind::GcsTarball) << "";
        QTest::newRow("gs-tar") << "gs://bucket/dir/m.tar" << int(Handle::Kind::GcsTarball) << "";
        QTest::newRow("gs-folder") << "gs://tfhub-modules/google/spice/2/uncompressed"
                                   << int(Handle::Kind::GcsPath) << "";
        QTest::newRow("path") << "/home/me/my model" << int(Handle::Kind::LocalPath) << "";
        QTest::newRow("relative") << "models/x" << int(Handle::Kind::LocalPath) << "";
    }
    void classify()
    {
        QFETCH(QString, handle);
        QFETCH(int, kind);
        QFETCH(QString, publisher);
        const Result<Handle> h = Handle::parse(handle);
        QVERIFY2(h.ok(), qPrintable(h.ok() ? QString() : h.error()));
        QCOMPARE(int(h->kind()), kind);
        QCOMPARE(h->publisher(), publisher);
    }

    void malformed_data()
    {
        QTest::addColumn<QString>("handle");
        QTest::addColumn<QString>("messagePart");
        QTest::newRow("empty") << ""
                               << "empty";
        QTest::newRow("blank") << "   "
                               << "whitespace";
        QTest::newRow("leading-space") << " https://tfhub.dev/a/b/1"
                                       << "whitespace";
        QTest::newRow("trailing-newline") << "https://tfhub.dev/a/b/1\n"
                                          << "control character";
        QTest::newRow("tab") << "https://tfhub.dev/a\tb"
                             << "control character";
        QTest::newRow("nul") << QString(QStringLiteral("ab") + QChar(0) + QStringLiteral("c"))
                             << "control character";
        QTest::newRow("upper-scheme") << "HTTPS://tfhub.dev/a/b/1"
                                      << "HTTPS";
        QTest::newRow("ftp") << "ftp://host/x.tar.gz"
                             << "ftp";
        QTest::newRow("no-host") << "https:///x"
                                 << "no host";
        QTest::newRow("space-in-url") << "https://tfhub.dev/a b/1"
                                      << "space";
        QTest::newRow("gs-no-bucket") << "gs://"
                                      << "bucket";
        QTest::newRow("too-long") << QString(
            QStringLiteral("https://tfhub.dev/") + QString(5000, QLatin1Char('a')))
                                  << "characters long";
    }
    void malformed()
    {
        QFETCH(QString, handle);
        QFETCH(QString, messagePart);
        const Result<Handle> h = Handle::parse(handle);
        QVERIFY(!h.ok());
        QVERIFY2(h.error().contains(messagePart), qPrintable(h.error()));
    }

    void compressedUrl_data()
    {
        QTest::addColumn<QString>("handle");
        QTest::addColumn<QString>("url");
        // Expected values are what Python's urllib.parse produces for tensorflow_hub's query append.
        QTest::newRow("plain") << "https://tfhub.dev/google/nnlm-en-dim128/2"
                               << "https://tfhub.dev/google/nnlm-en-dim128/2?tf-hub-format=compressed";
        QTest::newRow("blank-dropped") << "https://example.com/m?a=1&b=&c"
                                       << "https://example.com/m?a=1&tf-hub-format=compressed";
        QTest::newRow("plus") << "https://example.com/m?q=a+b"
                              << "https://example.com/m?q=a+b&tf-hub-format=compressed";
        QTest::newRow("reencoded") << "https://example.com/m?q=a%20b&r=%7e"
                                   << "https://example.com/m?q=a+b&r=~&tf-hub-format=compressed";
        QTest::newRow("utf8") << "https://example.com/m?x=caf%C3%A9"
                              << "https://example.com/m?x=caf%C3%A9&tf-hub-format=compressed";
        QTest::newRow("raw-unicode") << QStringLiteral("https://example.com/m?x=\u00e9")
                                     << "https://example.com/m?x=%C3%A9&tf-hub-format=compressed";
        QTest::newRow("fragment") << "https://example.com/m#frag"
                                  << "https://example.com/m?tf-hub-format=compressed#frag";
        QTest::newRow("tar-gz") << "https://example.com/m.tar.gz"
                                << "https://example.com/m.tar.gz?tf-hub-format=compressed";
        QTest::newRow("semicolon-value") << "https://example.com/m?a=1;b=2"
                                         << "https://example.com/m?a=1%3Bb%3D2&tf-hub-format=compressed";
        QTest::newRow("slash-value") << "https://example.com/m?a=/x"
                                     << "https://example.com/m?a=%2Fx&tf-hub-format=compressed";
        QTest::newRow("empty-params") << "https://example.com/m;"
                                      << "https://example.com/m?tf-hub-format=compressed";
        QTest::newRow("params") << "https://example.com/m;p?a=1"
                                << "https://example.com/m;p?a=1&tf-hub-format=compressed";
        QTest::newRow("empty-query-fragment") << "https://example.com/m?#"
                                              << "https://example.com/m?tf-hub-format=compressed";
        QTest::newRow("no-path") << "https://example.com"
                                 << "https://example.com?tf-hub-format=compressed";
        QTest::newRow("bad-escapes") << "https://example.com/m?x=%zz&y=%FF"
                                     << "https://example.com/m?x=%25zz&y=%EF%BF%BD&tf-hub-format=compressed";
        QTest::newRow("truncated-utf8") << "https://e.com/m?a=%F0%9F%98A%C3"
                                        << "https://e.com/m?a=%EF%BF%BDA%EF%BF%BD&tf-hub-format=compressed";
        QTest::newRow("surrogate-utf8")
            << "https://e.com/m?a=%ED%A0%80x"
            << "https://e.com/m?a=%EF%BF%BD%EF%BF%BD%EF%BF%BDx&tf-hub-format=compressed";
        QTest::newRow("overlong-utf8")
            << "https://e.com/m?a=%C0%AF&b=%E2%82%AC"
            << "https://e.com/m?a=%EF%BF%BD%EF%BF%BD&b=%E2%82%AC&tf-hub-format=compressed";
        QTest::newRow("empty-name") << "https://example.com/m?=v&a=%2B"
                                    << "https://example.com/m?=v&a=%2B&tf-hub-format=compressed";
        QTest::newRow("hub-cn") << "https://hub.tensorflow.google.cn/google/spice/2"
                                << "https://gcs.tensorflow.google.cn/tfhub-modules/google/spice/2.tar.gz";
        QTest::newRow("gs") << "gs://my-bucket/dir/m odel.tar.gz"
                            << "https://storage.googleapis.com/my-bucket/dir/m%20odel.tar.gz";
        QTest::newRow("path") << "/models/x"
                              << "";
    }
    void compressedUrl()
    {
        QFETCH(QString, handle);
        QFETCH(QString, url);
        const Result<Handle> h = Handle::parse(handle);
        QVERIFY2(h.ok(), qPrintable(h.ok() ? QString() : h.error()));
        QCOMPARE(h->compressedUrl(), url);
    }

    void uncompressedUrlAndEmulator()
    {
        const Result<Handle> h = Handle::parse(QStringLiteral("https://h.com/a?tf-hub-format=uncompressed"));
        QVERIFY(h);
        QCOMPARE(h->uncompressedUrl(),
            QStringLiteral("https://h.com/a?tf-hub-format=uncompressed&tf-hub-format=uncompressed"));
        const Result<Handle> g = Handle::parse(QStringLiteral("gs://b/x.tgz"));
        QVERIFY(g);
        QCOMPARE(g->compressedUrl(QStringLiteral("127.0.0.1:9023")),
            QStringLiteral("http://127.0.0.1:9023/b/x.tgz"));
        QCOMPARE(g->compressedUrl(QStringLiteral("https://emu.local/")),
            QStringLiteral("https://emu.local/b/x.tgz"));
        QVERIFY(g->uncompressedUrl().isEmpty());
    }

    void isCached()
    {
        const Result<Handle> h = Handle::parse(QStringLiteral("https://tfhub.dev/a/b/1"));
        QVERIFY(h);
        QVERIFY(h->isCached(LoadFormat::Auto));
        QVERIFY(h->isCached(LoadFormat::Compressed));
        QVERIFY(!h->isCached(LoadFormat::Uncompressed));
        QVERIFY(!h->isCached(LoadFormat::Invalid));
        const Result<Handle> g = Handle::parse(QStringLiteral("gs://b/x.tar"));
        QVERIFY(g && g->isCached(LoadFormat::Uncompressed));
        const Result<Handle> p = Handle::parse(QStringLiteral("/x"));
        QVERIFY(p && !p->isCached(LoadFormat::Auto));
    }
};

QTEST_GUILESS_MAIN(TestHandle)
#include "tst_handle.moc"
