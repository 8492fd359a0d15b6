// Offline bundles with the real models of ../shared/data: export, import into an empty cache,
// the zip as a cache for unzip, Python's zipfile and unzip -t, hash reuse, cancel, and the lock.

#include "core/bundle/bundleexport.h"
#include "core/bundle/bundleimport.h"
#include "core/cache/cachescanner.h"
#include "core/cache/lock.h"
#include "core/cache/manifest.h"
#include "core/util/fsutil.h"
#include "tests/core/bundlefixtures.h"

#include <QSignalSpy>
#include <QThread>
#include <QtConcurrent>

#include <atomic>

using namespace tfhub;
using namespace tfhub::test::bundlefixtures;

class TestBundle : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_source;
    QStringList m_keys;
    QString m_zip;

    QString path(const QString &name) const { return m_dir.filePath(name); }

    QMap<QString, EntryState> statesOf(const QString &root)
    {
        QString error;
        QMap<QString, EntryState> out;
        for (const CacheEntry &e : cache::scanAll(root, ScanOptions(), &error))
            out.insert(e.key, e.state);
        return out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        test::isolateHome(path(QStringLiteral("home")));
        m_source = path(QStringLiteral("source"));
        m_keys = makeSourceCache(m_source);
        QCOMPARE(m_keys.size(), 3);
        m_zip = path(QStringLiteral("bundle.zip"));
        const Result<BundleExportSummary> exported = exportKeys(m_source, m_keys, m_zip);
        QVERIFY2(exported, qPrintable(errorOf(exported)));
        QCOMPARE(exported->entries, 3);
        QVERIFY(exported->zipBytes > 0);
    }

    void manifestDescribesEveryEntry()
    {
        const Result<BundleExportSummary> s = exportKeys(m_source, m_keys, path(QStringLiteral("again.zip")));
        QVERIFY(s);
        const BundleManifest &m = s->manifest;
        QCOMPARE(m.entries.size(), 3);
        QCOMPARE(m.entries.at(0).handle, kTf1Handle);
        QCOMPARE(m.entries.at(0).format, QStringLiteral("tf1-hub-module"));
        QCOMPARE(m.entries.at(1).format, QStringLiteral("tf2-saved-model"));
        QVERIFY(m.entries.at(2).handle.isEmpty()); // unknown handle: carried by key
        QVERIFY(m.entries.at(0).folders.contains(QStringLiteral("assets"))); // empty folder kept
        const Result<BundleManifest> parsed = BundleManifest::fromJson(m.toJson());
        QVERIFY2(parsed, qPrintable(errorOf(parsed)));
        QCOMPARE(parsed->entries.at(1).files.size(), m.entries.at(1).files.size());
    }

    void pythonAndUnzipAcceptTheZip()
    {
        QByteArray out;
        QCOMPARE(runTool(QStringLiteral("python3"),
                     { QStringLiteral("-c"),
                         QStringLiteral(
                             "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\n"
                             "bad = z.testzip()\nassert bad is None, bad\n"
                             "f = open(sys.argv[1], 'rb')\n"
                             "for i in z.infolist():\n"
                             "    f.seek(i.header_offset + 4)\n"
                             "    local = int.from_bytes(f.read(2), 'little')\n"
                             "    assert i.extract_version <= 45 and local <= 45, (i.filename, local)\n"),
                         m_zip },
                     &out),
            0);
        QCOMPARE(runTool(QStringLiteral("unzip"), { QStringLiteral("-t"), m_zip }, &out), 0);
        QVERIFY2(!out.toLower().contains("warning"), out.constData());
        QVERIFY2(out.contains("No errors detected"), out.constData());
    }

    void roundTripIntoAnEmptyCache()
    {
        const QString target = path(QStringLiteral("target"));
        const Result<BundleImportSummary> s = bundle::importBundle(importRequest(m_zip, target));
        QVERIFY2(s, qPrintable(errorOf(s)));
        QCOMPARE(s->entries.size(), 3);
        for (const BundleEntryOutcome &o : s->entries)
            QCOMPARE(o.kind, BundleEntryOutcome::Kind::Imported);
        const QMap<QString, EntryState> states = statesOf(target);
        for (const QString &key : std::as_const(m_keys)) {
            QCOMPARE(treeOf(target + QLatin1Char('/') + key), treeOf(m_source + QLatin1Char('/') + key));
            QCOMPARE(states.value(key, EntryState::Foreign), EntryState::Complete);
            QVERIFY(QFile::exists(target + QLatin1Char('/') + key + QStringLiteral(".manifest.json")));
        }
        for (int i = 0; i < 2; ++i) {
            QFile a(m_source + QLatin1Char('/') + m_keys.at(i) + QStringLiteral(".descriptor.txt"));
            QFile b(target + QLatin1Char('/') + m_keys.at(i) + QStringLiteral(".descriptor.txt"));
            QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
            QCOMPARE(b.readAll(), a.readAll());
        }
        QVERIFY(!QFile::exists(target + QLatin1Char('/') + m_keys.at(2) + QStringLiteral(".descriptor.txt")));
        // Nothing else: no tmp folder, no lock, no bundle manifest.
        QCOMPARE(namesIn(target).size(), 3 + 3 + 2);
    }

    void existingEntriesAreSkippedOrReported()
    {
        const QString target = path(QStringLiteral("existing"));
        QVERIFY(bundle::importBundle(importRequest(m_zip, target)));
        Result<BundleImportSummary> again = bundle::importBundle(importRequest(m_zip, target));
        QVERIFY2(again, qPrintable(errorOf(again)));
        for (const BundleEntryOutcome &o : again->entries)
            QCOMPARE(o.kind, BundleEntryOutcome::Kind::Skipped);
        const QString changed = target + QLatin1Char('/') + m_keys.at(1) + QStringLiteral("/assets/foo.txt");
        QVERIFY(test::writeFile(changed, "changed"));
        again = bundle::importBundle(importRequest(m_zip, target));
        QVERIFY(again);
        QCOMPARE(again->entries.at(1).kind, BundleEntryOutcome::Kind::Differs);
        QVERIFY(again->entries.at(1).detail.contains(QStringLiteral("1 modified")));
        QFile f(changed);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("changed")); // left alone
        f.close();
        again = bundle::importBundle(importRequest(m_zip, target, true));
        QVERIFY2(again, qPrintable(errorOf(again)));
        QCOMPARE(again->entries.at(1).kind, BundleEntryOutcome::Kind::Replaced);
        QCOMPARE(treeOf(target + QLatin1Char('/') + m_keys.at(1)),
            treeOf(m_source + QLatin1Char('/') + m_keys.at(1)));
        QCOMPARE(namesIn(target).size(), 3 + 3 + 2);
    }

    void unzipGivesAWorkingCache()
    {
        const QString target = path(QStringLiteral("unzipped"));
        QByteArray out;
        QCOMPARE(runTool(QStringLiteral("unzip"),
                     { QStringLiteral("-q"), QStringLiteral("-d"), target, m_zip }, &out),
            0);
        const QMap<QString, EntryState> states = statesOf(target);
        for (const QString &key : std::as_const(m_keys)) {
            QCOMPARE(states.value(key, EntryState::Foreign), EntryState::Complete);
            QCOMPARE(treeOf(target + QLatin1Char('/') + key), treeOf(m_source + QLatin1Char('/') + key));
        }
    }

    void prefetchManifestHashesAreReused()
    {
        const QString root = path(QStringLiteral("reuse"));
        const QStringList keys = makeSourceCache(root);
        const QString folder = root + QLatin1Char('/') + keys.at(1);
        Result<BundleExportSummary> first = exportKeys(root, { keys.at(1) }, path(QStringLiteral("r1.zip")));
        QVERIFY(first);
        QCOMPARE(first->reusedHashes, 0);
        // A manifest written after the files: its digests are trusted (a wrong one shows it was used).
        Manifest m;
        m.key = keys.at(1);
        for (const BundleManifest::File &f : first->manifest.entries.at(0).files)
            m.files.append({ f.path, f.size,
                f.path == QStringLiteral("saved_model.pb") ? QByteArray(64, 'a') : f.sha256 });
        QThread::msleep(20); // ctime resolution: the manifest must be strictly newer
        QVERIFY(test::writeFile(
            root + QLatin1Char('/') + keys.at(1) + QStringLiteral(".manifest.json"), m.toJson()));
        Result<BundleExportSummary> second = exportKeys(root, { keys.at(1) }, path(QStringLiteral("r2.zip")));
        QVERIFY(second);
        QCOMPARE(second->reusedHashes, first->manifest.entries.at(0).files.size());
        // A file changed after the manifest is hashed again.
        QVERIFY(test::writeFile(folder + QStringLiteral("/saved_model.pb"),
            treeOf(folder).value(QStringLiteral("saved_model.pb"))));
        Result<BundleExportSummary> third = exportKeys(root, { keys.at(1) }, path(QStringLiteral("r3.zip")));
        QVERIFY(third);
        QCOMPARE(third->reusedHashes, second->reusedHashes - 1);
        for (const BundleManifest::File &f : third->manifest.entries.at(0).files)
            QVERIFY(f.sha256 != QByteArray(64, 'a'));
    }

    void deflatesOnlyWhatCompresses()
    {
        QVERIFY(bundle::worthDeflating(QByteArray(1 << 20, 'a')));
        QByteArray noise(1 << 20, Qt::Uninitialized);
        for (qsizetype i = 0; i < noise.size(); ++i)
            noise[i] = char(QRandomGenerator::global()->generate());
        QVERIFY(!bundle::worthDeflating(noise));
        QVERIFY(!bundle::worthDeflating(QByteArray()));
    }

    void cancelledExportLeavesNothing()
    {
        const QString zip = path(QStringLiteral("cancel/out.zip"));
        QDir().mkpath(path(QStringLiteral("cancel")));
        int calls = 0;
        const Result<BundleExportSummary> s = bundle::exportBundle(
            { m_source, m_keys, zip, QStringLiteral("test") }, [&](const BundleProgress &) { ++calls; },
            [&] { return calls > 0; });
        QVERIFY(!s);
        QVERIFY(namesIn(path(QStringLiteral("cancel"))).isEmpty());
    }

    void cancelledImportLeavesNothing()
    {
        const QString target = path(QStringLiteral("cancelimport"));
        int calls = 0;
        const Result<BundleImportSummary> s = bundle::importBundle(
            importRequest(m_zip, target), [&](const BundleProgress &) { ++calls; },
            [&] { return calls > 1; });
        QVERIFY(!s);
        QCOMPARE(s.error(), QStringLiteral("Cancelled."));
        QVERIFY2(namesIn(target).isEmpty(), qPrintable(namesIn(target).join(QLatin1Char(' '))));
    }

    void progressCountsBytesAndFiles()
    {
        BundleProgress last;
        QVERIFY(bundle::importBundle(importRequest(m_zip, path(QStringLiteral("progress"))),
            [&](const BundleProgress &p) { last = p; }));
        QVERIFY(last.bytesTotal > 0);
        QCOMPARE(last.bytesDone, last.bytesTotal);
        QCOMPARE(last.filesDone, last.filesTotal);
    }

    void waitsForALiveHolderThenSkips()
    {
        const QString target = path(QStringLiteral("locked"));
        QDir().mkpath(target);
        QProcess holder;
        holder.start(QStringLiteral("sleep"), { QStringLiteral("60") });
        QVERIFY(holder.waitForStarted());
        const EntryPaths paths { target, m_keys.at(0) };
        QVERIFY(cache::tryAcquireLock(
            paths, cache::lockContent(util::hostName(), holder.processId(), QString(32, QLatin1Char('b'))))
                    .value());
        std::atomic<bool> waited { false };
        QFuture<Result<BundleImportSummary>> future = QtConcurrent::run([&] {
            BundleImportRequest r = importRequest(m_zip, target);
            return bundle::importBundle(r, {}, {}, [&](const QString &) { waited = true; });
        });
        QTRY_VERIFY_WITH_TIMEOUT(waited.load(), 20000);
        // The holder publishes its copy, then lets go.
        QVERIFY(test::copyTree(m_source + QLatin1Char('/') + m_keys.at(0), paths.folder()));
        QFile::remove(paths.lock());
        QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), 20000);
        const Result<BundleImportSummary> s = future.result();
        QVERIFY2(s, qPrintable(errorOf(s)));
        QCOMPARE(s->entries.at(0).kind, BundleEntryOutcome::Kind::Skipped);
        QCOMPARE(s->entries.at(1).kind, BundleEntryOutcome::Kind::Imported);
        QCOMPARE(holder.state(), QProcess::Running);
        holder.kill();
        holder.waitForFinished();
    }
};

QTEST_GUILESS_MAIN(TestBundle)
#include "tst_bundle.moc"
