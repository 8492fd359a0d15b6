// The cache-location interface: the local folder and a gs:// prefix (against the Cloud Storage
// test double) answer the same questions the same way, and the model-format rule gives the same
// answer whether it reads a folder or goes through a reader.

#include "core/cache/cachelocation.h"
#include "core/cache/modelformat.h"
#include "core/gcs/gcslocation.h"
#include "core/hub/handle.h"
#include "core/util/fsutil.h"
#include "tests/support/gcsdouble.h"
#include "tests/support/testdata.h"

#include <QDirIterator>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace tfhub;
using tfhub::test::GcsDouble;

namespace {

const QString bucket = QStringLiteral("loc-bucket");

QByteArray streamed(CacheLocation &location, const QString &key, const QString &path, qint64 *count)
{
    QByteArray data;
    const Result<qint64> n = location.readEntryFile(key, path, [&data](const char *d, qint64 size) {
        data.append(d, size);
        return true;
    });
    *count = n ? *n : -1;
    return data;
}

} // namespace

class TestCacheLocation : public QObject
{
    Q_OBJECT

    GcsDouble m_double;
    QTemporaryDir m_tmp;

    std::unique_ptr<gcs::GcsLocation> gcsAt(const QString &prefix)
    {
        gcs::ClientOptions o;
        o.initialBackoffMs = 1;
        o.maxBackoffMs = 5;
        auto client = std::make_unique<gcs::GcsClient>(
            gcs::endpointFor(m_double.endpoint()), [] { return Result<QString>(QString()); }, o);
        return std::make_unique<gcs::GcsLocation>(gcs::GcsUrl { bucket, prefix }, std::move(client));
    }

    // The model's files as objects under prefix/K/ (with a folder placeholder), as on GCS.
    void upload(const QString &prefix, const QString &key, const QString &dir)
    {
        m_double.put(bucket, prefix + QLatin1Char('/') + key + QLatin1Char('/'), QByteArray());
        QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadOnly));
            m_double.put(bucket,
                prefix + QLatin1Char('/') + key + QLatin1Char('/') + QDir(dir).relativeFilePath(path),
                f.readAll());
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY(m_double.start());
    }

    // The same rule whatever reads the files: a folder, or a reader over its listing.
    void formatRuleIsTheSameThroughAReader()
    {
        // Copies: the local rule reads only files the user owns (O_NOATIME), and the shared data
        // belongs to whoever installed it.
        QTemporaryDir copies;
        for (const char *model : { "half_plus_two_tf2_cpu", "half_plus_two_cpu", "half_plus_two_tflite" }) {
            const QString dir = copies.filePath(QLatin1String(model));
            QVERIFY(test::copyTree(test::savedModelsDir() + QLatin1Char('/') + QLatin1String(model), dir));
            const QList<util::ListedName> listing = util::measure(dir, 1).listed;
            const cache::ModelInfo local = cache::inspect(dir, listing);
            int reads = 0;
            const cache::ModelInfo read = cache::inspect(
                listing, [&](const QString &relative, qint64 cap) -> std::optional<QByteArray> {
                    ++reads;
                    QFile f(dir + QLatin1Char('/') + relative);
                    if (!f.open(QIODevice::ReadOnly))
                        return std::nullopt;
                    return f.read(cap);
                });
            QVERIFY2(local.format != ModelFormat::Unknown, model);
            QCOMPARE(read.format, local.format);
            QCOMPARE(read.loadable, local.loadable);
            QCOMPARE(read.missingFiles, local.missingFiles);
            QCOMPARE(read.loadFiles, local.loadFiles);
            QVERIFY(!read.formatUnread);
            QVERIFY2(reads <= 1 || QLatin1String(model) == QLatin1String("half_plus_two_tflite"), model);
        }
        // A reader that cannot read leaves the format unread, as an unreadable local file does.
        const QString dir = copies.filePath(QStringLiteral("half_plus_two_tf2_cpu"));
        const cache::ModelInfo none = cache::inspect(util::measure(dir, 1).listed,
            [](const QString &, qint64) { return std::optional<QByteArray>(); });
        QCOMPARE(none.format, ModelFormat::Unknown);
        QVERIFY(none.formatUnread && none.loadable);
    }

    // Small files, an entry's files and their bytes, from a local folder and from a bucket alike.
    void localAndGcsAnswerAlike()
    {
        const QString handle = QStringLiteral("https://tfhub.dev/google/alike/1");
        const QString key = Handle::cacheKeyOf(handle);
        const QString model = test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu");
        const QString root = m_tmp.filePath(QStringLiteral("local"));
        test::makeEntry(root, handle, model);
        upload(QStringLiteral("alike"), key, model);
        LocalCacheLocation local(root);
        const std::unique_ptr<gcs::GcsLocation> remote = gcsAt(QStringLiteral("alike"));
        QVERIFY(local.capabilities().volumeFreeSpace);
        QVERIFY(!remote->capabilities().accessTimes && !remote->capabilities().trash);
        QCOMPARE(remote->entryPath(key), QStringLiteral("gs://loc-bucket/alike/") + key);

        for (CacheLocation *loc :
            { static_cast<CacheLocation *>(&local), static_cast<CacheLocation *>(remote.get()) }) {
            const QString where = loc->displayName();
            const Result<std::optional<QByteArray>> missing
                = loc->readSmall(QStringLiteral("nothing.json"), 1024);
            QVERIFY2(missing && !missing->has_value(), qPrintable(where));
            QVERIFY(loc->writeSmall(QStringLiteral("small.json"), "{\"a\":1}"));
            const Result<std::optional<QByteArray>> back = loc->readSmall(QStringLiteral("small.json"), 1024);
            QVERIFY2(back && back->value_or(QByteArray()) == "{\"a\":1}", qPrintable(where));
            QVERIFY(!loc->readSmall(QStringLiteral("small.json"), 2)); // over the cap: an error
            QVERIFY(loc->removeSmall(QStringLiteral("small.json")));
            QVERIFY(!loc->readSmall(QStringLiteral("small.json"), 1024)->has_value());

            const Result<QList<LocationFile>> files = loc->entryFiles(key);
            QVERIFY2(files, qPrintable(where));
            QStringList paths;
            for (const LocationFile &f : *files) {
                paths << f.path;
                qint64 count = 0;
                const QByteArray data = streamed(*loc, key, f.path, &count);
                QFile original(model + QLatin1Char('/') + f.path);
                QVERIFY(original.open(QIODevice::ReadOnly));
                QCOMPARE(data, original.readAll());
                QCOMPARE(count, f.size);
            }
            QVERIFY2(
                paths.contains(QStringLiteral("variables/variables.index")), qPrintable(paths.join(u' ')));
            QVERIFY(!paths.contains(QString())); // placeholders are folders, never files

            const Result<CacheEntry> e = loc->scanKey(key, ScanOptions());
            QVERIFY2(e && e->state == EntryState::Complete, qPrintable(where));
            QCOMPARE(e->format, ModelFormat::Tf2SavedModel);
            const QString other = Handle::cacheKeyOf(QStringLiteral("https://tfhub.dev/google/none/1"));
            QVERIFY(loc->scanKey(other, ScanOptions())->artifacts.isEmpty());
            QVERIFY(!loc->entryFiles(other));
        }
    }

    // Removal on Cloud Storage deletes the named artifacts' objects only, counts their sizes, and
    // leaves a lock whose generation changed since the scan.
    void gcsRemovalFreesTheObjectsSizes()
    {
        const QString prefix = QStringLiteral("rm");
        const QString key = Handle::cacheKeyOf(QStringLiteral("https://tfhub.dev/google/rm/1"));
        upload(prefix, key, test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
        const QString lock = prefix + QLatin1Char('/') + key + QStringLiteral(".lock");
        m_double.put(bucket, lock, "h.1.0123456789abcdef0123456789abcdef",
            QDateTime::currentDateTimeUtc().addDays(-1));
        m_double.put(bucket, prefix + QStringLiteral("/readme"), "foreign");
        const std::unique_ptr<gcs::GcsLocation> loc = gcsAt(prefix);
        const Result<CacheEntry> e = loc->scanKey(key, ScanOptions());
        QVERIFY(e);
        m_double.put(bucket, lock, "other.2.0123456789abcdef0123456789abcdef"); // taken over since
        qint64 freed = 0;
        const QStringList errors = loc->removeArtifacts(*e, { key, key + QStringLiteral(".lock") }, &freed);
        QCOMPARE(errors.size(), 1);
        QVERIFY2(errors.first().contains(QStringLiteral("changed since")), qPrintable(errors.first()));
        qint64 folderBytes = 0;
        for (const Artifact &a : e->artifacts)
            folderBytes += a.name == key ? a.bytes : 0;
        QCOMPARE(freed, folderBytes);
        const QStringList left = m_double.names(bucket).filter(QRegularExpression(QStringLiteral("^rm/")));
        QCOMPARE(left, (QStringList { lock, prefix + QStringLiteral("/readme") }));
    }
};

QTEST_GUILESS_MAIN(TestCacheLocation)
#include "tst_cachelocation.moc"
