// resolve, verify, export, pin and every clean rule on a gs:// cache, and `config set cache-dir
// gs://…`, through the real executable against the Cloud Storage test double (reached through
// STORAGE_EMULATOR_HOST exactly as a real emulator is).

#include "core/cache/manifest.h"
#include "core/hub/handle.h"
#include "core/util/sha256.h"
#include "gcsclifixture.h"
#include "tests/support/testdata.h"

#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QRegularExpression>

using namespace tfhub;
using namespace tfhub::test::cli;
using tfhub::test::GcsDouble;

namespace {

QString keyOf(const QString &handle)
{
    return Handle::cacheKeyOf(handle);
}

QString handleOf(const QString &name)
{
    return QStringLiteral("https://tfhub.dev/google/%1/1").arg(name);
}

} // namespace

class TestCliGcsVerbs : public QObject, public GcsCliFixture
{
    Q_OBJECT

    QString object(const QString &prefix, const QString &rel) const
    {
        return prefix + QLatin1Char('/') + rel;
    }

    // A SavedModel under prefix/K/ as tensorflow_hub leaves it on GCS (folder placeholders and
    // all), its descriptor downloaded `daysAgo`, and with `manifest` our manifest beside it.
    // Files whose path contains `leaveOut` are not uploaded.
    void putModel(const QString &prefix, const QString &handle, int daysAgo = 1, bool manifest = false,
        const QString &model = QStringLiteral("half_plus_two_tf2_cpu"), const QString &leaveOut = QString())
    {
        const QString key = keyOf(handle);
        const QString dir = test::savedModelsDir() + QLatin1Char('/') + model;
        const QDateTime when = QDateTime::currentDateTimeUtc().addDays(-daysAgo);
        m_double.put(bucket, object(prefix, key + QLatin1Char('/')), QByteArray(), when);
        Manifest m;
        m.handle = handle;
        m.key = key;
        QDirIterator it(dir, QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            it.next();
            const QString rel = QDir(dir).relativeFilePath(it.filePath());
            if (it.fileInfo().isDir()) {
                m_double.put(bucket, object(prefix, key + QLatin1Char('/') + rel + QLatin1Char('/')),
                    QByteArray(), when);
                continue;
            }
            if (!leaveOut.isEmpty() && rel.contains(leaveOut))
                continue;
            QFile f(it.filePath());
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray data = f.readAll();
            m_double.put(bucket, object(prefix, key + QLatin1Char('/') + rel), data, when);
            Sha256 sha;
            sha.addData(data);
            m.files.append({ rel, data.size(), sha.resultHex() });
        }
        m_double.put(bucket, object(prefix, key + QStringLiteral(".descriptor.txt")),
            "Module: " + handle.toUtf8()
                + "\nDownload Time: " + when.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz000")).toUtf8()
                + "\nDownloader Hostname: tpu-worker-3 (PID:4242)",
            when);
        if (manifest)
            m_double.put(bucket, object(prefix, key + QStringLiteral(".manifest.json")), m.toJson(), when);
    }

    QStringList namesUnder(const QString &prefix) const
    {
        return m_double.names(bucket).filter(
            QRegularExpression(QLatin1Char('^') + QRegularExpression::escape(prefix) + QLatin1Char('/')));
    }

    static QJsonObject entryOf(const QJsonObject &doc, const QString &key)
    {
        for (const QJsonValue &v : doc.value(QStringLiteral("entries")).toArray()) {
            if (v.toObject().value(QStringLiteral("key")).toString() == key)
                return v.toObject();
        }
        return {};
    }

    static QStringList plannedKeys(const QJsonObject &plan, const QString &rule)
    {
        QStringList keys;
        for (const QJsonValue &v : plan.value(QStringLiteral("items")).toArray()) {
            if (v.toObject().value(QStringLiteral("rule")).toString() == rule)
                keys << v.toObject().value(QStringLiteral("key")).toString();
        }
        return keys;
    }

    // A dry run plans `args`; executing it removes the planned keys' objects, and the foreign
    // object under the prefix survives both.
    void dryRunThenClean(
        const QString &prefix, const QStringList &args, const QString &rule, const QStringList &expected)
    {
        const Run dry = gs(prefix,
            QStringList { QStringLiteral("clean"), QStringLiteral("--dry-run"), QStringLiteral("--json") }
                + args);
        QVERIFY2(dry.code == 0, qPrintable(dry.out + dry.err));
        QStringList planned = plannedKeys(dry.json(), rule);
        planned.sort();
        QStringList wanted = expected;
        wanted.sort();
        QCOMPARE(planned, wanted);
        const QStringList before = namesUnder(prefix);
        for (const QString &key : expected)
            QVERIFY(!before.filter(key).isEmpty());
        const Run done = gs(prefix,
            QStringList { QStringLiteral("clean"), QStringLiteral("--yes"), QStringLiteral("--json") }
                + args);
        QVERIFY2(done.code == 0, qPrintable(done.out + done.err));
        qint64 plannedBytes = 0;
        for (const QJsonValue &v : done.json().value(QStringLiteral("items")).toArray())
            plannedBytes += v.toObject().value(QStringLiteral("bytes")).toInteger();
        QCOMPARE(done.json()
                     .value(QStringLiteral("report"))
                     .toObject()
                     .value(QStringLiteral("freedBytes"))
                     .toInteger(),
            plannedBytes);
        const QStringList after = namesUnder(prefix);
        for (const QString &key : expected)
            QVERIFY2(after.filter(key).isEmpty(), qPrintable(after.join(u' ')));
        QVERIFY(after.contains(object(prefix, QStringLiteral("notes.txt"))));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY2(!qEnvironmentVariable("TFHUB_CLI").isEmpty(), "TFHUB_CLI is not set (run through ctest)");
        QVERIFY(QDir().mkpath(m_tmp.filePath(QStringLiteral("home"))));
        QVERIFY(QDir().mkpath(m_tmp.filePath(QStringLiteral("tmp"))));
        QVERIFY(m_double.start());
    }

    void resolvePrintsTheEntryWhenComplete()
    {
        const QString prefix = QStringLiteral("resolve");
        putModel(prefix, handleOf(QStringLiteral("here")));
        const Run r = gs(prefix, { QStringLiteral("resolve"), handleOf(QStringLiteral("here")) });
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(r.out.trimmed(),
            QStringLiteral("gs://team-cache/resolve/") + keyOf(handleOf(QStringLiteral("here"))));
        const Run json = gs(prefix,
            { QStringLiteral("resolve"), QStringLiteral("--json"), handleOf(QStringLiteral("gone")) });
        QVERIFY2(json.code == 0, qPrintable(json.err));
        QCOMPARE(json.json().value(QStringLiteral("status")).toString(), QStringLiteral("not-cached"));
    }

    void formatIsReadFromTheGraphAsLocally()
    {
        const QString prefix = QStringLiteral("format");
        putModel(prefix, handleOf(QStringLiteral("two")));
        putModel(prefix, handleOf(QStringLiteral("one")), 1, false, QStringLiteral("half_plus_two_cpu"));
        const Run r = gs(prefix, { QStringLiteral("list"), QStringLiteral("--json") });
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(entryOf(r.json(), keyOf(handleOf(QStringLiteral("two"))))
                     .value(QStringLiteral("format"))
                     .toString(),
            QStringLiteral("tf2-saved-model"));
        QCOMPARE(entryOf(r.json(), keyOf(handleOf(QStringLiteral("one"))))
                     .value(QStringLiteral("format"))
                     .toString(),
            QStringLiteral("tf1-saved-model"));
    }

    void verifyCatchesAChangedObject()
    {
        const QString prefix = QStringLiteral("verify");
        const QString handle = handleOf(QStringLiteral("checked"));
        const QString key = keyOf(handle);
        putModel(prefix, handle, 1, true);
        putModel(prefix, handleOf(QStringLiteral("bare")));

        const Run ok = gs(prefix, { QStringLiteral("verify"), handle });
        QVERIFY2(ok.code == 0 && ok.out.contains(QStringLiteral("sizes")), qPrintable(ok.out + ok.err));

        // The same size, other content: only reading it tells.
        const QString pb = object(prefix, key + QStringLiteral("/saved_model.pb"));
        QByteArray data = m_double.object(bucket, pb)->data;
        data[data.size() / 2] = char(data.at(data.size() / 2) ^ 0x5a);
        m_double.put(bucket, pb, data);
        QCOMPARE(gs(prefix, { QStringLiteral("verify"), handle }).code, 0);
        const Run rehash = gs(prefix,
            { QStringLiteral("verify"), QStringLiteral("--rehash"), QStringLiteral("--json"), handle });
        QCOMPARE(rehash.code, 1);
        const QJsonObject e = rehash.json().value(QStringLiteral("entries")).toArray().first().toObject();
        QCOMPARE(e.value(QStringLiteral("status")).toString(), QStringLiteral("changed"));
        QCOMPARE(e.value(QStringLiteral("modified")).toArray().first().toString(),
            QStringLiteral("saved_model.pb"));

        // Another size: the listing alone tells.
        m_double.put(bucket, pb, data + "x");
        const Run sized = gs(prefix, { QStringLiteral("verify"), handle });
        QCOMPARE(sized.code, 1);
        QVERIFY2(sized.out.contains(QStringLiteral("modified: saved_model.pb")), qPrintable(sized.out));

        // No manifest: not verifiable until --rehash records one as an object beside the entry.
        const QString bare = keyOf(handleOf(QStringLiteral("bare")));
        const Run none = gs(prefix, { QStringLiteral("verify"), QStringLiteral("--json"), bare });
        QCOMPARE(none.json()
                     .value(QStringLiteral("summary"))
                     .toObject()
                     .value(QStringLiteral("unverifiable"))
                     .toInt(),
            1);
        QCOMPARE(gs(prefix, { QStringLiteral("verify"), QStringLiteral("--rehash"), bare }).code, 0);
        QVERIFY(m_double.object(bucket, object(prefix, bare + QStringLiteral(".manifest.json"))).has_value());
        const Run again = gs(prefix, { QStringLiteral("verify"), QStringLiteral("--rehash"), bare });
        QVERIFY2(
            again.code == 0 && again.out.contains(QStringLiteral("ok")), qPrintable(again.out + again.err));
    }

    void exportFromBucketImportsIntoALocalCache()
    {
        const QString prefix = QStringLiteral("export");
        const QString handle = handleOf(QStringLiteral("carried"));
        putModel(prefix, handle);
        const QString zip = m_tmp.filePath(QStringLiteral("carried.zip"));
        const Run exported = gs(prefix, { QStringLiteral("export"), QStringLiteral("-o"), zip, handle });
        QVERIFY2(exported.code == 0, qPrintable(exported.out + exported.err));
        const QString local = m_tmp.filePath(QStringLiteral("imported"));
        QVERIFY(QDir().mkpath(local));
        const Run imported = run({ QStringLiteral("--cache-dir"), local, QStringLiteral("import"), zip });
        QVERIFY2(imported.code == 0, qPrintable(imported.out + imported.err));
        const Run verified = run({ QStringLiteral("--cache-dir"), local, QStringLiteral("verify"),
            QStringLiteral("--json"), handle });
        QVERIFY2(verified.code == 0, qPrintable(verified.out + verified.err));
        QCOMPARE(
            verified.json().value(QStringLiteral("summary")).toObject().value(QStringLiteral("ok")).toInt(),
            1);
        const Run list
            = run({ QStringLiteral("--cache-dir"), local, QStringLiteral("list"), QStringLiteral("--json") });
        QCOMPARE(entryOf(list.json(), keyOf(handle)).value(QStringLiteral("state")).toString(),
            QStringLiteral("complete"));
    }

    void brokenEntriesAreCleaned()
    {
        const QString prefix = QStringLiteral("broken");
        putModel(prefix, handleOf(QStringLiteral("fine")), 1, true);
        putModel(prefix, handleOf(QStringLiteral("shardless")), 1, false,
            QStringLiteral("half_plus_two_tf2_cpu"), QStringLiteral("variables.data"));
        putModel(prefix, handleOf(QStringLiteral("tampered")), 1, true);
        const QString shardless = keyOf(handleOf(QStringLiteral("shardless")));
        const QString tampered = keyOf(handleOf(QStringLiteral("tampered")));
        // The same size, other content: only --verify (reading the objects) finds it.
        const QString pb = object(prefix, tampered + QStringLiteral("/saved_model.pb"));
        QByteArray data = m_double.object(bucket, pb)->data;
        data[10] = char(data.at(10) ^ 0x21);
        m_double.put(bucket, pb, data);
        m_double.put(bucket, object(prefix, QStringLiteral("notes.txt")), "mine");

        const Run listed = gs(prefix,
            { QStringLiteral("clean"), QStringLiteral("--broken"), QStringLiteral("--dry-run"),
                QStringLiteral("--json") });
        QCOMPARE(plannedKeys(listed.json(), QStringLiteral("broken")), QStringList { shardless });
        dryRunThenClean(prefix, { QStringLiteral("--broken"), QStringLiteral("--verify") },
            QStringLiteral("broken"), { shardless, tampered });
        QVERIFY(!namesUnder(prefix).filter(keyOf(handleOf(QStringLiteral("fine")))).isEmpty());
    }

    void duplicatesKeepTheNewestDownload()
    {
        const QString prefix = QStringLiteral("dups");
        putModel(prefix, handleOf(QStringLiteral("older")), 5);
        putModel(prefix, handleOf(QStringLiteral("newer")), 1);
        putModel(prefix, handleOf(QStringLiteral("other")), 9, false, QStringLiteral("half_plus_two_cpu"));
        m_double.put(bucket, object(prefix, QStringLiteral("notes.txt")), "mine");
        dryRunThenClean(prefix, { QStringLiteral("--duplicates") }, QStringLiteral("duplicate"),
            { keyOf(handleOf(QStringLiteral("older"))) });
    }

    void budgetGoesByDownloadTimeAndKeepsPins()
    {
        const QString prefix = QStringLiteral("budget");
        putModel(prefix, handleOf(QStringLiteral("oldest")), 30);
        putModel(prefix, handleOf(QStringLiteral("pinned")), 20, false, QStringLiteral("half_plus_two_cpu"));
        putModel(prefix, handleOf(QStringLiteral("middle")), 10, false, QStringLiteral("half_plus_two_cpu"));
        putModel(prefix, handleOf(QStringLiteral("newest")), 1);
        m_double.put(bucket, object(prefix, QStringLiteral("notes.txt")), "mine");
        const Run pin = gs(prefix, { QStringLiteral("pin"), handleOf(QStringLiteral("pinned")) });
        QVERIFY2(pin.code == 0, qPrintable(pin.out + pin.err));
        const Run pins
            = gs(prefix, { QStringLiteral("pin"), QStringLiteral("--list"), QStringLiteral("--json") });
        QCOMPARE(pins.json().value(QStringLiteral("pins")).toArray().size(), 1);

        const Run du = gs(prefix, { QStringLiteral("du"), QStringLiteral("--json") });
        const qint64 total = du.json()
                                 .value(QStringLiteral("total"))
                                 .toObject()
                                 .value(QStringLiteral("diskBytes"))
                                 .toInteger();
        // Room for all but about two models: the two oldest unpinned go, oldest first.
        const QString budget = QString::number(total * 55 / 100);
        const Run dry = gs(prefix,
            { QStringLiteral("clean"), QStringLiteral("--max-size"), budget, QStringLiteral("--dry-run"),
                QStringLiteral("--json") });
        QVERIFY2(dry.code == 0, qPrintable(dry.out + dry.err));
        const QStringList planned = plannedKeys(dry.json(), QStringLiteral("budget"));
        QVERIFY2(planned.size() >= 1, qPrintable(dry.out));
        QCOMPARE(planned.first(), keyOf(handleOf(QStringLiteral("oldest"))));
        QVERIFY(!planned.contains(keyOf(handleOf(QStringLiteral("pinned")))));
        QVERIFY(!planned.contains(keyOf(handleOf(QStringLiteral("newest")))));
        QVERIFY2(dry.out.contains(QStringLiteral("downloaded longest ago")), qPrintable(dry.out));
        dryRunThenClean(prefix, { QStringLiteral("--max-size"), budget }, QStringLiteral("budget"), planned);
        QVERIFY(!namesUnder(prefix).filter(keyOf(handleOf(QStringLiteral("pinned")))).isEmpty());

        const Run unpin = gs(prefix, { QStringLiteral("unpin"), handleOf(QStringLiteral("pinned")) });
        QVERIFY2(unpin.code == 0 && unpin.out.contains(QStringLiteral("Unpinned")),
            qPrintable(unpin.out + unpin.err));
        QVERIFY(!m_double.object(bucket, object(prefix, QStringLiteral(".tfhub-cache-manager-pins.json")))
                     .has_value());
    }

    void unusedIsRefusedWithTheReason()
    {
        const QString prefix = QStringLiteral("unused");
        putModel(prefix, handleOf(QStringLiteral("kept")), 400);
        const Run r = gs(prefix,
            { QStringLiteral("clean"), QStringLiteral("--unused-days"), QStringLiteral("30"),
                QStringLiteral("--yes") });
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("no access times")), qPrintable(r.err));
        QVERIFY(!namesUnder(prefix).filter(keyOf(handleOf(QStringLiteral("kept")))).isEmpty());
        const Run trash = gs(prefix,
            { QStringLiteral("rm"), QStringLiteral("--trash"), QStringLiteral("--yes"),
                handleOf(QStringLiteral("kept")) });
        QCOMPARE(trash.code, 1);
        QVERIFY2(trash.err.contains(QStringLiteral("no trash")), qPrintable(trash.err));
    }

    void configSetPersistsAGcsLocationAndRefusesAMalformedOne()
    {
        const QString home = m_tmp.filePath(QStringLiteral("home"));
        const Run set = run({ QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("cache-dir"),
            QStringLiteral("gs://team-cache/shared/") });
        QVERIFY2(set.code == 0, qPrintable(set.out + set.err));
        QVERIFY2(set.out.contains(QStringLiteral("Nothing was moved")), qPrintable(set.out));
        QStringList persisted;
        QDirIterator it(home, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile f(it.next());
            if (f.open(QIODevice::ReadOnly) && f.readAll().contains("gs://team-cache/shared"))
                persisted << it.filePath();
        }
        QVERIFY2(!persisted.isEmpty(), "no shell or session file holds the gs:// location");
        QVERIFY(!QFileInfo::exists(QStringLiteral("gs:")));

        const Run bad = run({ QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("cache-dir"),
            QStringLiteral("gs://Bad_Bucket/x") });
        QCOMPARE(bad.code, 2);
        QVERIFY2(bad.err.contains(QStringLiteral("bucket name")), qPrintable(bad.err));
        const Run move = run({ QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("cache-dir"),
            QStringLiteral("gs://team-cache/shared"), QStringLiteral("--move") });
        QCOMPARE(move.code, 2);
        QVERIFY2(move.err.contains(QStringLiteral("nothing is moved")), qPrintable(move.err));
    }
};

QTEST_GUILESS_MAIN(TestCliGcsVerbs)
#include "tst_cligcsverbs.moc"
