#include "core/cache/scanindex.h"
#include "core/hub/handle.h"
#include "core/util/fsutil.h"
#include "tests/support/testdata.h"
#include "ui/cache/cachemodel.h"
#include "ui/cache/cachepage.h"
#include "ui/cache/livecache.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QDir>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <ctime>

using namespace tfhub;
using namespace tfhub::ui;

namespace {

constexpr int WaitMs = 10000;

QString addModel(const QString &root, const QString &handle)
{
    return test::makeEntry(root, handle, test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
}

// Lets the coarse clock that stamps files move on, so that what exists now may be indexed.
void settle()
{
    const auto now = [] {
        timespec t {};
        ::clock_gettime(CLOCK_REALTIME_COARSE, &t);
        return util::toNs(t);
    };
    const qint64 mark = now();
    QTRY_VERIFY_WITH_TIMEOUT(now() > mark, 1000);
}

qint64 bytesOf(const CacheModel *model, const QString &key)
{
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->entryAt(row).key == key)
            return model->entryAt(row).bytes;
    }
    return -1;
}

bool appendTo(const QString &path, qint64 bytes)
{
    QFile f(path);
    return f.open(QIODevice::Append) && f.write(QByteArray(bytes, 'x')) == bytes;
}

} // namespace

/// The live cache with its scan index: the indexed view first, the quick check after it, and
/// "Scan Again", which reads every file.
class TestScanAgain final : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_tmp;
    QString m_root;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        test::isolateHome(m_tmp.filePath(QStringLiteral("home")));
        m_root = m_tmp.filePath(QStringLiteral("cache"));
        QVERIFY(!addModel(m_root, QStringLiteral("https://tfhub.dev/google/a/1")).isEmpty());
        QVERIFY(!addModel(m_root, QStringLiteral("https://tfhub.dev/google/b/1")).isEmpty());
    }

    void indexViewThenCheck()
    {
        LiveCache live(m_root);
        QAbstractItemModelTester tester(live.model());
        ScanOptions options;
        options.indexSettleMs = 0;
        live.setScanOptions(options);
        QCOMPARE(live.scanOptions().index, ScanIndexUse::None); // what cleanup gets: no index
        QSignalSpy shown(&live, &LiveCache::indexViewShown);
        QSignalSpy finished(&live, &LiveCache::scanFinished);
        settle();
        live.refresh();
        QVERIFY(finished.wait(WaitMs));
        QCOMPARE(shown.size(), 0); // nothing indexed yet
        QCOMPARE(live.model()->rowCount(), 2);
        QVERIFY(QFile::exists(cache::ScanIndex::pathFor(m_root)));

        // The next start shows the index at once, then the check confirms it.
        LiveCache again(m_root);
        again.setScanOptions(options);
        QSignalSpy shownAgain(&again, &LiveCache::indexViewShown);
        QSignalSpy finishedAgain(&again, &LiveCache::scanFinished);
        QStringList order;
        connect(&again, &LiveCache::indexViewShown, this, [&order, &again](int n) {
            order << QStringLiteral("view %1 rows %2").arg(n).arg(again.model()->rowCount());
        });
        connect(&again, &LiveCache::scanFinished, this, [&order] { order << QStringLiteral("finished"); });
        again.refresh();
        QVERIFY(finishedAgain.wait(WaitMs));
        QCOMPARE(order, QStringList({ QStringLiteral("view 2 rows 2"), QStringLiteral("finished") }));
        QCOMPARE(again.model()->rowCount(), 2);

        // A model gone since: shown from the index, removed by the check.
        const QString gone = addModel(m_root, QStringLiteral("https://tfhub.dev/google/gone/1"));
        settle();
        again.refresh();
        QVERIFY(finishedAgain.wait(WaitMs));
        QCOMPARE(again.model()->rowCount(), 3);
        again.stop();
        QVERIFY(QDir(m_root + u'/' + gone).removeRecursively());
        QVERIFY(QFile::remove(m_root + u'/' + gone + QStringLiteral(".descriptor.txt")));
        order.clear();
        again.refresh();
        QVERIFY(finishedAgain.wait(WaitMs));
        QCOMPARE(order, QStringList({ QStringLiteral("view 2 rows 3"), QStringLiteral("finished") }));
        QCOMPARE(again.model()->rowCount(), 2);
    }

    // Only Scan Again finds a file edited in place (no folder time moves); the page's action does it.
    void scanAgainReadsEveryFile()
    {
        LiveCache live(m_root);
        ScanOptions options;
        options.indexSettleMs = 0;
        live.setScanOptions(options);
        CachePage page(&live);
        QSignalSpy finished(&live, &LiveCache::scanFinished);
        QSignalSpy shown(&live, &LiveCache::indexViewShown);
        settle();
        live.refresh();
        QVERIFY(finished.wait(WaitMs));
        live.refresh(); // from the index now
        QVERIFY(finished.wait(WaitMs));
        QVERIFY(shown.size() >= 1);
        const QString key = Handle::cacheKeyOf(QStringLiteral("https://tfhub.dev/google/a/1"));
        const qint64 before = bytesOf(live.model(), key);
        QVERIFY(before > 0);

        live.stop(); // the watcher would rescan the entry itself
        QVERIFY(appendTo(m_root + u'/' + key + QStringLiteral("/assets/foo.txt"), 5000));
        live.refresh();
        QVERIFY(finished.wait(WaitMs));
        QCOMPARE(bytesOf(live.model(), key), before);

        QVERIFY(page.scanAgainAction());
        shown.clear();
        page.scanAgainAction()->trigger();
        QVERIFY(finished.wait(WaitMs));
        QCOMPARE(shown.size(), 0); // a full walk shows no index view
        QCOMPARE(bytesOf(live.model(), key), before + 5000);
    }
};

QTEST_MAIN(TestScanAgain)
#include "tst_scanagain.moc"
