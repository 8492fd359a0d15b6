#include "core/cache/lock.h"
#include "core/cache/manifest.h"
#include "core/hub/handle.h"
#include "core/maintenance/verifymarks.h"
#include "tests/support/testdata.h"
#include "ui/cache/cacheactions.h"
#include "ui/cache/cachemodel.h"
#include "ui/cache/cachepage.h"
#include "ui/cache/detailspane.h"
#include "ui/cache/livecache.h"

#include <QCryptographicHash>
#include <QDirIterator>
#include <QLabel>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace tfhub;
using namespace tfhub::ui;

namespace {

constexpr int WaitMs = 10000;
const QString HalfPlusTwo = QStringLiteral("https://tfhub.dev/google/half_plus_two/1");
const QString Weights = QStringLiteral("variables/variables.data-00000-of-00001");

// A manifest of the folder as it is, as a prefetch by this app leaves beside it.
bool writeManifest(const QString &root, const QString &key, const QString &handle)
{
    const EntryPaths paths { root, key };
    Manifest m;
    m.handle = handle;
    m.key = key;
    const QDir base(paths.folder());
    QDirIterator it(paths.folder(), QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile f(it.next());
        if (!f.open(QIODevice::ReadOnly))
            return false;
        const QByteArray data = f.readAll();
        m.files.append({ base.relativeFilePath(f.fileName()), data.size(),
            QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex() });
    }
    return test::writeFile(paths.manifest(), m.toJson());
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

/// A Verify that finds changes marks the entry in the Cache page until it is fixed, across
/// restarts (the result is kept in $XDG_STATE_HOME, outside the cache); the CLI's verify keeps
/// its results in the same place.
class TestVerifyMarks final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void recordsAndClears();
    void replacedFolderDropsMark();
    void pageMarksUntilFixed();
    void cliRecordsResults();

private:
    /// A LiveCache and a Cache page on m_root, scanned once.
    bool openPage();
    bool verifySelected(const QString &key);
    QString stateText(const QString &key) const;
    QString markOf(const QString &key) const;

    QTemporaryDir m_home;
    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_root;
    QString m_key;
    std::unique_ptr<CachePage> m_page;
    std::unique_ptr<LiveCache> m_live;
};

void TestVerifyMarks::initTestCase()
{
    QVERIFY(m_home.isValid());
    test::isolateHome(m_home.path());
    QCoreApplication::setOrganizationName(QStringLiteral("tfhub-cache-manager-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_verifymarks"));
    QCOMPARE(maintenance::verifyMarksPath(),
        m_home.path() + QStringLiteral("/.local/state/tfhub-cache-manager/verify-results.json"));
}

void TestVerifyMarks::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_root = m_tmp->filePath(QStringLiteral("cache"));
    m_key = test::makeEntry(
        m_root, HalfPlusTwo, test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
    QVERIFY(!m_key.isEmpty());
    QVERIFY(writeManifest(m_root, m_key, HalfPlusTwo));
}

void TestVerifyMarks::cleanup()
{
    m_page.reset();
    m_live.reset();
    m_tmp.reset();
    QFile::remove(maintenance::verifyMarksPath());
}

bool TestVerifyMarks::openPage()
{
    m_page.reset();
    m_live = std::make_unique<LiveCache>(m_root);
    m_page = std::make_unique<CachePage>(m_live.get());
    m_page->resize(1000, 600);
    m_page->show();
    QSignalSpy finished(m_live.get(), &LiveCache::scanFinished);
    m_live->refresh();
    return finished.wait(WaitMs) && m_page->model()->rowOfKey(m_key) >= 0;
}

bool TestVerifyMarks::verifySelected(const QString &key)
{
    m_page->selectKeys({ key });
    m_page->actions()->verifyAction()->trigger();
    QSignalSpy recorded(m_page->actions(), &CacheActions::verifyRecorded);
    return recorded.wait(WaitMs);
}

QString TestVerifyMarks::stateText(const QString &key) const
{
    return m_page->model()->index(m_page->model()->rowOfKey(key), CacheModel::StateColumn).data().toString();
}

QString TestVerifyMarks::markOf(const QString &key) const
{
    return m_page->model()
        ->index(m_page->model()->rowOfKey(key), CacheModel::StateColumn)
        .data(CacheModel::VerifyMarkRole)
        .toString();
}

void TestVerifyMarks::recordsAndClears()
{
    const QString file = m_tmp->filePath(QStringLiteral("marks.json"));
    const QString other = m_tmp->filePath(QStringLiteral("other"));
    QVERIFY(QDir().mkpath(other + u'/' + m_key));
    QVERIFY(maintenance::recordVerifyResults(
        m_root, { { m_key, HalfPlusTwo, true, QStringLiteral("changed: x") } }, file));
    QVERIFY(maintenance::recordVerifyResults(
        other, { { m_key, HalfPlusTwo, true, QStringLiteral("missing: y") } }, file));

    QHash<QString, VerifyMark> marks = maintenance::currentVerifyMarks(m_root, file);
    QCOMPARE(marks.size(), 1);
    QCOMPARE(marks.value(m_key).summary, QStringLiteral("changed: x"));
    QCOMPARE(marks.value(m_key).handle, HalfPlusTwo);
    QVERIFY(marks.value(m_key).checked.isValid());
    // The same folder by another spelling is the same cache.
    QCOMPARE(maintenance::currentVerifyMarks(m_root + u'/', file).size(), 1);
    QCOMPARE(maintenance::currentVerifyMarks(other, file).value(m_key).summary, QStringLiteral("missing: y"));

    // A pass clears the mark of this cache only.
    QVERIFY(maintenance::recordVerifyResults(m_root, { { m_key, HalfPlusTwo, false, QString() } }, file));
    QVERIFY(maintenance::currentVerifyMarks(m_root, file).isEmpty());
    QCOMPARE(maintenance::currentVerifyMarks(other, file).size(), 1);

    // A damaged file reads as no marks, and the next record starts it again.
    QVERIFY(test::writeFile(file, "{ not json"));
    QVERIFY(maintenance::currentVerifyMarks(other, file).isEmpty());
    QVERIFY(maintenance::recordVerifyResults(
        m_root, { { m_key, HalfPlusTwo, true, QStringLiteral("z") } }, file));
    QCOMPARE(maintenance::currentVerifyMarks(m_root, file).size(), 1);
}

void TestVerifyMarks::replacedFolderDropsMark()
{
    const QString file = m_tmp->filePath(QStringLiteral("marks.json"));
    QVERIFY(maintenance::recordVerifyResults(
        m_root, { { m_key, HalfPlusTwo, true, QStringLiteral("changed") } }, file));
    // Repairing a file inside keeps the folder, and the mark (only a Verify clears it).
    const QString weights = EntryPaths { m_root, m_key }.folder() + u'/' + Weights;
    const QByteArray original = readAll(weights);
    QVERIFY(test::writeFile(weights, original));
    QCOMPARE(maintenance::currentVerifyMarks(m_root, file).size(), 1);

    // A download again renames a new folder into place: the mark was about the old one.
    const QString folder = EntryPaths { m_root, m_key }.folder();
    QVERIFY(QDir().rename(folder, folder + QStringLiteral(".old")));
    QVERIFY(test::copyTree(folder + QStringLiteral(".old"), folder));
    QVERIFY(maintenance::currentVerifyMarks(m_root, file).isEmpty());
    // And a removed entry has no mark either; the next record drops both from the file.
    QVERIFY(QDir(folder).removeRecursively());
    QVERIFY(maintenance::recordVerifyResults(m_root, {}, file));
    QVERIFY2(!readAll(file).contains(m_key.toLatin1()), readAll(file).constData());
}

void TestVerifyMarks::pageMarksUntilFixed()
{
    const QString weights = EntryPaths { m_root, m_key }.folder() + u'/' + Weights;
    const QByteArray original = readAll(weights);
    QVERIFY(!original.isEmpty());
    QVERIFY(openPage());
    QCOMPARE(stateText(m_key), stateLabel(EntryState::Complete));

    // One changed byte: the scan still sees a complete model, only Verify can tell.
    QByteArray changed = original;
    changed[0] = char(changed.at(0) ^ 0x5a);
    QVERIFY(test::writeFile(weights, changed));
    QVERIFY(verifySelected(m_key));
    QTRY_VERIFY_WITH_TIMEOUT(markOf(m_key).contains(Weights), WaitMs);
    QCOMPARE(stateText(m_key), CacheModel::tr("Verify failed"));
    const QModelIndex state
        = m_page->model()->index(m_page->model()->rowOfKey(m_key), CacheModel::StateColumn);
    QVERIFY(state.data(Qt::ToolTipRole).toString().contains(Weights));
    QVERIFY(!state.data(Qt::DecorationRole).value<QIcon>().isNull());
    auto *verifyRow
        = m_page->findChild<DetailsPane *>()->findChild<QLabel *>(QStringLiteral("detailsVerify"));
    QVERIFY(verifyRow);
    QTRY_VERIFY_WITH_TIMEOUT(verifyRow->isVisible() && verifyRow->text().contains(Weights), WaitMs);

    // A new window on the same cache (the app started again) shows the mark from the start.
    m_page.reset();
    m_live.reset();
    QVERIFY(openPage());
    QTRY_VERIFY_WITH_TIMEOUT(markOf(m_key).contains(Weights), WaitMs);
    QCOMPARE(stateText(m_key), CacheModel::tr("Verify failed"));

    // Fixed: the file restored and verified again.
    QVERIFY(test::writeFile(weights, original));
    QVERIFY(verifySelected(m_key));
    QTRY_VERIFY_WITH_TIMEOUT(markOf(m_key).isEmpty(), WaitMs);
    verifyRow = m_page->findChild<DetailsPane *>()->findChild<QLabel *>(QStringLiteral("detailsVerify"));
    QCOMPARE(stateText(m_key), stateLabel(EntryState::Complete));
    QTRY_VERIFY_WITH_TIMEOUT(!verifyRow->isVisible(), WaitMs);
    QVERIFY(maintenance::currentVerifyMarks(m_root).isEmpty());
    m_page.reset();
    m_live.reset();
    QVERIFY(openPage());
    QCOMPARE(stateText(m_key), stateLabel(EntryState::Complete));
}

void TestVerifyMarks::cliRecordsResults()
{
    const QString cli = qEnvironmentVariable("TFHUB_CLI");
    QVERIFY2(QFileInfo(cli).isExecutable(), qPrintable(cli));
    const auto verify = [&] {
        QProcess p;
        p.start(cli, { QStringLiteral("--cache-dir"), m_root, QStringLiteral("verify"), m_key });
        p.waitForFinished(WaitMs * 3);
        return p.exitCode();
    };
    const QString weights = EntryPaths { m_root, m_key }.folder() + u'/' + Weights;
    const QByteArray original = readAll(weights);
    QVERIFY(test::writeFile(weights, original + "tail"));
    QCOMPARE(verify(), 1);
    const QHash<QString, VerifyMark> marks = maintenance::currentVerifyMarks(m_root);
    QVERIFY(marks.contains(m_key));
    QVERIFY2(marks.value(m_key).summary.contains(Weights), qPrintable(marks.value(m_key).summary));

    // The app shows what the CLI found.
    QVERIFY(openPage());
    QTRY_VERIFY_WITH_TIMEOUT(markOf(m_key).contains(Weights), WaitMs);

    QVERIFY(test::writeFile(weights, original));
    QCOMPARE(verify(), 0);
    QVERIFY(maintenance::currentVerifyMarks(m_root).isEmpty());
}

QTEST_MAIN(TestVerifyMarks)
#include "tst_verifymarks.moc"
