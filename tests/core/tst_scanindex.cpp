#include "core/cache/cachescanner.h"
#include "core/cache/lock.h"
#include "core/cache/scanindex.h"
#include "core/hub/handle.h"
#include "core/util/fsutil.h"
#include "tests/core/scannerfixtures.h"
#include "tests/support/testdata.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>

using namespace tfhub;
using namespace tfhub::test::scanner;

namespace {

QString ms(const QDateTime &t)
{
    return t.isValid() ? QString::number(t.toMSecsSinceEpoch()) : QStringLiteral("-");
}

// Every field of an entry in one line, so that a difference shows where it is.
QString describe(const CacheEntry &e)
{
    QStringList parts { e.key, e.handle, e.handleSource, stateName(e.state), formatName(e.format),
        e.stateDetail, QString::number(e.diskBytes), QString::number(e.bytes), QString::number(e.files),
        QString::number(e.reclaimableBytes), ms(e.downloaded), e.downloaderHost,
        QString::number(e.downloaderPid), ms(e.lastModified), ms(e.lastAccessed),
        QStringLiteral("%1%2%3%4%5%6")
            .arg(e.hasFolder)
            .arg(e.folderNonEmpty)
            .arg(e.loadable)
            .arg(e.hasDescriptor)
            .arg(e.hasManifest)
            .arg(e.lock.valid),
        e.lock.raw, e.problems.join(u','), e.missingFiles.join(u',') };
    for (const Artifact &a : e.artifacts)
        parts << QStringLiteral("[%1 %2 %3 %4 %5 %6]")
                     .arg(int(a.kind))
                     .arg(a.name)
                     .arg(a.diskBytes)
                     .arg(a.bytes)
                     .arg(a.files)
                     .arg(ms(a.modified));
    return parts.join(u'|');
}

QStringList describeAll(const QList<CacheEntry> &entries)
{
    QStringList out;
    for (const CacheEntry &e : entries)
        out << describe(e);
    return out;
}

} // namespace

class TestScanIndex final : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_tmp;
    QString m_root;
    QString m_tf2;
    QString m_tf1;

    ScanOptions options(ScanIndexUse use) const
    {
        ScanOptions o;
        o.index = use;
        o.indexSettleMs = 0; // the tests wait for the clock instead (settle())
        return o;
    }

    QList<CacheEntry> walk() const
    {
        QString error;
        const QList<CacheEntry> entries = cache::scanAll(m_root, options(ScanIndexUse::None), &error);
        [&] { QCOMPARE(error, QString()); }();
        return entries;
    }

    QList<CacheEntry> indexed(ScanIndexUse use = ScanIndexUse::Use) const
    {
        QString error;
        const QList<CacheEntry> entries = cache::scanAll(m_root, options(use), &error);
        [&] { QCOMPARE(error, QString()); }();
        return entries;
    }

    QString indexPath() const { return cache::ScanIndex::pathFor(m_root); }

    QStringList indexedKeys() const
    {
        struct stat st
        {
        };
        if (::stat(QFile::encodeName(m_root).constData(), &st) != 0)
            return {};
        return cache::ScanIndex::read(indexPath(), m_root, st.st_dev, st.st_ino).entries.keys();
    }

    // The index, filled after everything settled; then the check: indexed scans agree with a walk.
    void buildIndex()
    {
        settle();
        QCOMPARE(describeAll(indexed()), describeAll(walk()));
    }

    void verifyAgrees()
    {
        const QStringList fromIndex = describeAll(indexed());
        QCOMPARE(fromIndex, describeAll(walk()));
        // And once more, now that the index holds what the first scan wrote.
        QCOMPARE(describeAll(indexed()), fromIndex);
    }

    QString folder(const QString &key) const { return m_root + QLatin1Char('/') + key; }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        test::isolateHome(m_tmp.filePath(QStringLiteral("home")));
    }

    void init()
    {
        m_root = m_tmp.filePath(
            QStringLiteral("cache-%1").arg(QString::fromLatin1(QTest::currentTestFunction())));
        QVERIFY(QDir().mkpath(m_root));
        const QString sm = test::savedModelsDir();
        m_tf2 = test::makeEntry(m_root, QStringLiteral("https://tfhub.dev/google/tf2/1"),
            sm + QStringLiteral("/half_plus_two_tf2_cpu"));
        m_tf1 = test::makeEntry(m_root, QStringLiteral("https://tfhub.dev/google/tf1/1"),
            sm + QStringLiteral("/half_plus_two_cpu"));
        QVERIFY(!m_tf2.isEmpty() && !m_tf1.isEmpty());
        QVERIFY(test::makeEntry(m_root, QStringLiteral("https://example.com/lite.tar.gz"),
                    sm + QStringLiteral("/half_plus_two_tflite"))
                    .size()
            == 40);
        QVERIFY(
            QDir().mkpath(folder(Handle::cacheKeyOf(QStringLiteral("https://tfhub.dev/google/empty/1")))));
        QVERIFY(test::writeFile(m_root + QStringLiteral("/notes.txt"), "not a cache item"));
    }

    void cleanup()
    {
        QFile::remove(indexPath());
        QDir(m_root).removeRecursively();
    }

    void indexLivesInXdgCacheHome()
    {
        const QString path = indexPath();
        QVERIFY2(path.startsWith(m_tmp.filePath(QStringLiteral("home/.cache/tfhub-cache-manager/scan-"))),
            qPrintable(path));
        QVERIFY(!QFile::exists(path));
        buildIndex();
        QVERIFY(QFile::exists(path));
        // Every published entry; never the foreign item.
        QCOMPARE(indexedKeys().size(), 4);
        QVERIFY(indexedKeys().contains(m_tf2));
    }

    // The proof that indexed entries are reused, not walked: an edit in place changes no folder
    // time, so only a forced full walk sees it (the README says so).
    void editInPlaceNeedsRescan()
    {
        buildIndex();
        const QString asset = folder(m_tf2) + QStringLiteral("/assets/foo.txt");
        const CacheEntry before = cache::scanKey(m_root, m_tf2, options(ScanIndexUse::Use));
        QFile f(asset);
        QVERIFY(f.open(QIODevice::Append));
        QVERIFY(f.write(QByteArray(100000, 'x')) == 100000);
        f.close();
        QCOMPARE(cache::scanKey(m_root, m_tf2, options(ScanIndexUse::Use)).bytes, before.bytes);
        QCOMPARE(describeAll(indexed(ScanIndexUse::Rebuild)), describeAll(walk()));
        QCOMPARE(cache::scanKey(m_root, m_tf2, options(ScanIndexUse::Use)).bytes, before.bytes + 100000);
    }

    void addAndRemoveEntry()
    {
        buildIndex();
        const QString added = test::makeEntry(m_root, QStringLiteral("https://tfhub.dev/google/added/1"),
            test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
        QVERIFY(!added.isEmpty());
        verifyAgrees();
        settle();
        verifyAgrees();
        QVERIFY(indexedKeys().contains(added));
        QVERIFY(QDir(folder(m_tf1)).removeRecursively());
        QVERIFY(QFile::remove(folder(m_tf1) + QStringLiteral(".descriptor.txt")));
        verifyAgrees();
        QVERIFY(!indexedKeys().contains(m_tf1));
    }

    void fileAddedAndRemovedInSubfolder()
    {
        buildIndex();
        QVERIFY(
            test::writeFile(folder(m_tf2) + QStringLiteral("/variables/extra.bin"), QByteArray(5000, 'v')));
        verifyAgrees();
        settle();
        verifyAgrees();
        // A missing shard makes the entry broken: the index must not keep it complete.
        QVERIFY(QFile::remove(folder(m_tf2) + QStringLiteral("/variables/variables.data-00000-of-00001")));
        verifyAgrees();
        QCOMPARE(cache::scanKey(m_root, m_tf2, options(ScanIndexUse::Use)).state, EntryState::Broken);
        // Deeper down too.
        settle();
        verifyAgrees();
        QVERIFY(test::writeFile(folder(m_tf1) + QStringLiteral("/assets/deep/er/file.txt"), "deep"));
        verifyAgrees();
    }

    void readingARequiredFileMovesLastUse()
    {
        buildIndex();
        const qint64 later = QDateTime::currentSecsSinceEpoch() + 3600;
        // What hub.load() leaves behind: a newer access time on the graph, no folder time moved.
        QVERIFY(setATime(folder(m_tf2) + QStringLiteral("/saved_model.pb"), later));
        const QList<CacheEntry> entries = indexed();
        QCOMPARE(describeAll(entries), describeAll(walk()));
        QVERIFY(indexedKeys().contains(m_tf2));
        if (util::recordsAccessTimes(m_root)) {
            const auto it = std::find_if(
                entries.cbegin(), entries.cend(), [this](const CacheEntry &e) { return e.key == m_tf2; });
            QVERIFY(it != entries.cend());
            QCOMPARE(it->lastAccessed.toSecsSinceEpoch(), later);
        }
    }

    void descriptorRewritten()
    {
        buildIndex();
        const QString path = folder(m_tf2) + QStringLiteral(".descriptor.txt");
        QVERIFY(QFile::remove(path));
        QVERIFY(test::writeFile(path,
            "Module: https://tfhub.dev/google/renamed/1\nDownload Time: 2025-02-03 04:05:06\n"
            "Downloader Hostname: other (PID:7)"));
        verifyAgrees();
    }

    // A descriptor is only ever replaced by a rename into the root, which moves the root's stamp:
    // while that stamp holds, an indexed scan does not stat descriptors again, so one edited in
    // place shows only after a forced full walk, as an edit in place inside an entry does.
    void descriptorEditedInPlaceNeedsRescan()
    {
        buildIndex();
        const QString path = folder(m_tf2) + QStringLiteral(".descriptor.txt");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("Module: https://tfhub.dev/google/edited/1\nDownload Time: 2025-02-03 04:05:06\n");
        f.close();
        const QString before = QStringLiteral("https://tfhub.dev/google/tf2/1");
        QCOMPARE(cache::scanKey(m_root, m_tf2, options(ScanIndexUse::Use)).handle, before);
        QCOMPARE(describeAll(indexed(ScanIndexUse::Rebuild)), describeAll(walk()));
        QCOMPARE(cache::scanKey(m_root, m_tf2, options(ScanIndexUse::Use)).handle,
            QStringLiteral("https://tfhub.dev/google/edited/1"));
    }

    // A scan of some items keeps the others as they were read; after a rename in the root it must
    // not let the new root stamp vouch for their descriptors.
    void partialScanDoesNotVouchForOthers()
    {
        buildIndex();
        const QString swap = m_root + QStringLiteral("/swap.tmp");
        QVERIFY(test::writeFile(swap, "Module: https://tfhub.dev/google/swapped/1\n"));
        const QString descriptor = folder(m_tf1) + QStringLiteral(".descriptor.txt");
        QCOMPARE(::rename(QFile::encodeName(swap).constData(), QFile::encodeName(descriptor).constData()), 0);
        settle();
        QCOMPARE(cache::scanKey(m_root, m_tf2, options(ScanIndexUse::Use)).key, m_tf2);
        settle();
        verifyAgrees();
        QCOMPARE(cache::scanKey(m_root, m_tf1, options(ScanIndexUse::Use)).handle,
            QStringLiteral("https://tfhub.dev/google/swapped/1"));
    }

    void leftoversAreWalkedFresh()
    {
        buildIndex();
        const QString uid = QStringLiteral("0123456789abcdef0123456789abcdef");
        QVERIFY(
            test::writeFile(folder(m_tf2) + QLatin1Char('.') + uid + QStringLiteral(".tmp/x"), "partial"));
        QVERIFY(test::writeFile(folder(m_tf2) + QStringLiteral(".lock"),
            cache::lockContent(util::hostName(), test::deadPid(), uid)));
        verifyAgrees();
        QVERIFY(!indexedKeys().contains(m_tf2));
        QVERIFY(indexedKeys().contains(m_tf1));
    }

    void damagedIndexIsRebuilt_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::newRow("truncated") << QStringLiteral("truncated");
        QTest::newRow("garbage") << QStringLiteral("garbage");
        QTest::newRow("empty") << QStringLiteral("empty");
        QTest::newRow("foreign version") << QStringLiteral("version");
        QTest::newRow("flipped byte") << QStringLiteral("flipped");
        QTest::newRow("another folder's") << QStringLiteral("other root");
    }

    void damagedIndexIsRebuilt()
    {
        QFETCH(QString, damage);
        buildIndex();
        QFile f(indexPath());
        QVERIFY(f.open(QIODevice::ReadOnly));
        QByteArray data = f.readAll();
        f.close();
        QVERIFY(data.size() > 100);
        if (damage == QLatin1String("truncated")) {
            data.chop(data.size() / 2);
        } else if (damage == QLatin1String("garbage")) {
            for (qsizetype i = 0; i < data.size(); ++i)
                data[i] = char((i * 7919 + 13) & 0xff);
        } else if (damage == QLatin1String("empty")) {
            data.clear();
        } else if (damage == QLatin1String("version")) {
            QCOMPARE(data.mid(8, 4), QByteArray::fromHex("00000002"));
            data.replace(
                8, 4, QByteArray::fromHex("00000063")); // checksum still right: only the version says no
        } else if (damage == QLatin1String("flipped")) {
            data[data.size() - 10] = char(data.at(data.size() - 10) ^ 0x40);
        }
        if (damage == QLatin1String("other root")) {
            // A valid index of another folder, under this folder's name: its stamps could even match.
            const QString other = m_tmp.filePath(QStringLiteral("other-cache"));
            QVERIFY(QDir().mkpath(other));
            QVERIFY(test::copyTree(m_root, other));
            settle();
            QString error;
            ScanOptions o = options(ScanIndexUse::Use);
            cache::scanAll(other, o, &error);
            QFile o2(cache::ScanIndex::pathFor(other));
            QVERIFY(o2.open(QIODevice::ReadOnly));
            data = o2.readAll();
        }
        // An edit that no stamp shows: an index trusted in spite of the damage would miss it.
        QFile asset(folder(m_tf2) + QStringLiteral("/assets/foo.txt"));
        QVERIFY(asset.open(QIODevice::Append));
        QCOMPARE(asset.write(QByteArray(8192, 'm')), qint64(8192));
        asset.close();
        QVERIFY(QFile::remove(indexPath()));
        QVERIFY(test::writeFile(indexPath(), data));
        verifyAgrees();
        QVERIFY(indexedKeys().contains(m_tf1)); // rebuilt
    }

    void unwritableIndexFolderStillScans()
    {
        // A file where the folder should be: not even root can create the index there.
        const QByteArray saved = qgetenv("XDG_CACHE_HOME");
        const QString blocker = m_tmp.filePath(QStringLiteral("blocker"));
        QVERIFY(test::writeFile(blocker, "a file"));
        qputenv("XDG_CACHE_HOME", QFile::encodeName(blocker + QStringLiteral("/cache")));
        settle();
        const QStringList a = describeAll(indexed());
        const QStringList b = describeAll(indexed(ScanIndexUse::Rebuild));
        qputenv("XDG_CACHE_HOME", saved);
        QCOMPARE(a, describeAll(walk()));
        QCOMPARE(b, a);
        QVERIFY(QFileInfo(blocker).isFile());
    }

    void neverInsideTheCache()
    {
        const QByteArray saved = qgetenv("XDG_CACHE_HOME");
        qputenv("XDG_CACHE_HOME", QFile::encodeName(m_root));
        QCOMPARE(cache::ScanIndex::pathFor(m_root), QString());
        settle();
        const QStringList a = describeAll(indexed());
        qputenv("XDG_CACHE_HOME", saved);
        QCOMPARE(a, describeAll(walk()));
        QVERIFY(!QFileInfo::exists(m_root + QStringLiteral("/tfhub-cache-manager")));
    }

    void scanItemsKeepsOtherEntries()
    {
        buildIndex();
        QVERIFY(test::writeFile(folder(m_tf1) + QStringLiteral("/variables/new.bin"), "n"));
        const QList<CacheEntry> one = cache::scanItems(m_root, { m_tf1 }, options(ScanIndexUse::Use));
        QCOMPARE(
            describe(one.constFirst()), describe(cache::scanKey(m_root, m_tf1, options(ScanIndexUse::None))));
        QVERIFY(indexedKeys().contains(m_tf2));
        verifyAgrees();
    }

    void cliRescanAgrees()
    {
        const QString cli = qEnvironmentVariable("TFHUB_CLI");
        if (cli.isEmpty())
            QSKIP("TFHUB_CLI is not set (run through ctest)");
        const auto run = [&](const QStringList &args) {
            QProcess p;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("HOME"), m_tmp.filePath(QStringLiteral("cli-home")));
            env.insert(QStringLiteral("XDG_CACHE_HOME"), m_tmp.filePath(QStringLiteral("cli-home/.cache")));
            env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_tmp.filePath(QStringLiteral("cli-home/.config")));
            env.remove(QStringLiteral("TFHUB_CACHE_DIR"));
            p.setProcessEnvironment(env);
            p.start(cli, QStringList { QStringLiteral("--cache-dir"), m_root } + args);
            [&] {
                QVERIFY(p.waitForFinished(30000));
                QCOMPARE(p.exitCode(), 0);
            }();
            return p.readAllStandardOutput();
        };
        const QByteArray full
            = run({ QStringLiteral("list"), QStringLiteral("--json"), QStringLiteral("--rescan") });
        QVERIFY(
            QJsonDocument::fromJson(full).object().value(QStringLiteral("entries")).toArray().size() >= 5);
        QVERIFY(QDir(m_tmp.filePath(QStringLiteral("cli-home/.cache/tfhub-cache-manager"))).exists());
        QCOMPARE(run({ QStringLiteral("list"), QStringLiteral("--json") }), full);
        // Free space moves between two runs on a shared disk: everything else must agree.
        const auto du = [&](const QStringList &args) {
            QJsonObject o = QJsonDocument::fromJson(run(args)).object();
            o.remove(QStringLiteral("freeBytes"));
            return o;
        };
        QCOMPARE(du({ QStringLiteral("du"), QStringLiteral("--json"), QStringLiteral("--rescan") }),
            du({ QStringLiteral("du"), QStringLiteral("--json") }));
        QCOMPARE(run({ QStringLiteral("info"), m_tf2, QStringLiteral("--json"), QStringLiteral("--rescan") }),
            run({ QStringLiteral("info"), m_tf2, QStringLiteral("--json") }));
        QVERIFY(run({ QStringLiteral("list"), QStringLiteral("--help") }).contains("--rescan"));
    }
};

QTEST_GUILESS_MAIN(TestScanIndex)
#include "tst_scanindex.moc"
