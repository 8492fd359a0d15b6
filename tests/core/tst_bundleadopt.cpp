// Adopting a hand-downloaded archive: the shared TF1 hub module archive adopted under a handle
// gives the same entry as a prefetch of that archive from the local hub; bad handles are refused.

#include "core/bundle/archiveadopt.h"
#include "core/cache/cachescanner.h"
#include "core/cache/manifest.h"
#include "core/hub/descriptor.h"
#include "core/hub/handle.h"
#include "tests/core/prefetchfixtures.h"

using namespace tfhub;
using namespace tfhub::test::prefetchfixtures;

namespace {
template<class T> QString errorOf(const Result<T> &r)
{
    return r ? QString() : r.error();
}
} // namespace

class TestBundleAdopt : public QObject, private PrefetchFixture
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_archive;

    AdoptRequest request(const QString &root, const QString &handle, const QString &archive = QString()) const
    {
        AdoptRequest r;
        r.archivePath = archive.isEmpty() ? m_archive : archive;
        r.handle = handle;
        r.options = options(root);
        return r;
    }

    static QByteArray readAll(const QString &path)
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        test::isolateHome(m_dir.filePath(QStringLiteral("home")));
        QVERIFY(m_hub.start());
        m_archive = test::savedModelsDir() + QStringLiteral("/half_plus_two_v1_hub_module.tar.gz");
        m_hub.addArchive(QStringLiteral("/test/half-plus-two/1"), readAll(m_archive));
    }

    void adoptedEqualsPrefetched()
    {
        const QString h = handle(QStringLiteral("/test/half-plus-two/1"));
        const QString prefetched = m_dir.filePath(QStringLiteral("prefetched"));
        const QString adopted = m_dir.filePath(QStringLiteral("adopted"));
        const PrefetchResult p = run(prefetched, h);
        QCOMPARE(p.phase, PrefetchPhase::Done);
        const Result<AdoptSummary> a = bundle::adoptArchive(request(adopted, h));
        QVERIFY2(a, qPrintable(errorOf(a)));
        QVERIFY(!a->alreadyCached);
        const QString key = Handle::cacheKeyOf(h);
        QCOMPARE(a->key, key);
        QCOMPARE(treeOf(adopted + QLatin1Char('/') + key), treeOf(prefetched + QLatin1Char('/') + key));
        QVERIFY(QDir(adopted + QLatin1Char('/') + key + QStringLiteral("/assets")).exists());
        QCOMPARE(namesIn(adopted), namesIn(prefetched));
        const Descriptor da = Descriptor::parse(
            readAll(adopted + QLatin1Char('/') + key + QStringLiteral(".descriptor.txt")));
        const Descriptor dp = Descriptor::parse(
            readAll(prefetched + QLatin1Char('/') + key + QStringLiteral(".descriptor.txt")));
        QCOMPARE(da.handle, h);
        QCOMPARE(da.host, dp.host);
        const Result<Manifest> ma
            = Manifest::load(adopted + QLatin1Char('/') + key + QStringLiteral(".manifest.json"));
        const Result<Manifest> mp
            = Manifest::load(prefetched + QLatin1Char('/') + key + QStringLiteral(".manifest.json"));
        QVERIFY(ma && mp);
        QCOMPARE(ma->handle, mp->handle);
        QCOMPARE(ma->format, mp->format);
        QCOMPARE(ma->archiveSha256, mp->archiveSha256);
        QCOMPARE(ma->archiveBytes, mp->archiveBytes);
        QCOMPARE(ma->files.size(), mp->files.size());
        for (qsizetype i = 0; i < ma->files.size(); ++i)
            QCOMPARE(ma->files.at(i).sha256, mp->files.at(i).sha256);
        QString error;
        for (const CacheEntry &e : cache::scanAll(adopted, ScanOptions(), &error))
            QCOMPARE(e.state, EntryState::Complete);
        // Again: the library's fast path, nothing changes.
        const Result<AdoptSummary> again = bundle::adoptArchive(request(adopted, h));
        QVERIFY(again && again->alreadyCached);
    }

    void refusesHandlesTheLibraryDoesNotCache_data()
    {
        QTest::addColumn<QString>("handle");
        QTest::newRow("local path") << QStringLiteral("/models/half_plus_two");
        QTest::newRow("gcs folder") << QStringLiteral("gs://bucket/models/half_plus_two");
        QTest::newRow("not a handle") << QStringLiteral(" https://tfhub.dev/x/1");
        QTest::newRow("ftp") << QStringLiteral("ftp://example.com/m.tar.gz");
    }

    void refusesHandlesTheLibraryDoesNotCache()
    {
        QFETCH(QString, handle);
        const QString root = m_dir.filePath(QStringLiteral("refused"));
        const Result<AdoptSummary> a = bundle::adoptArchive(request(root, handle));
        QVERIFY(!a);
        QVERIFY(namesIn(root).isEmpty());
    }

    void refusesAnArchiveTheMemberPolicyRejects()
    {
        const QString root = m_dir.filePath(QStringLiteral("hostile"));
        QTemporaryDir src;
        QVERIFY(test::writeFile(src.filePath(QStringLiteral("m/saved_model.pb")), "x"));
        QVERIFY(QFile::link(QStringLiteral("/etc/passwd"), src.filePath(QStringLiteral("m/link"))));
        const QString tar = m_dir.filePath(QStringLiteral("link.tar"));
        QProcess p;
        p.start(QStringLiteral("tar"),
            { QStringLiteral("-cf"), tar, QStringLiteral("-C"), src.filePath(QStringLiteral("m")),
                QStringLiteral(".") });
        QVERIFY(p.waitForFinished());
        const Result<AdoptSummary> a
            = bundle::adoptArchive(request(root, QStringLiteral("https://tfhub.dev/x/y/1"), tar));
        QVERIFY(!a);
        QVERIFY2(namesIn(root).isEmpty(), qPrintable(namesIn(root).join(QLatin1Char(' '))));
    }
};

QTEST_GUILESS_MAIN(TestBundleAdopt)
#include "tst_bundleadopt.moc"
