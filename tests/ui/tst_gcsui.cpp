// The app on a gs:// cache, against the Cloud Storage test double reached through
// STORAGE_EMULATOR_HOST as a real emulator is: the Settings page's "Cloud Storage…" dialog, the
// Cache page's entries, badge and limits, the Usage page's cost estimate, and an unreachable
// endpoint.

#include "core/cache/manifest.h"
#include "core/hub/handle.h"
#include "core/maintenance/cleanpolicy.h"
#include "core/settings/appsettings.h"
#include "settingspagefixtures.h"
#include "tests/support/gcsdouble.h"
#include "tests/support/testdata.h"
#include "tests/support/testhub.h"
#include "ui/bundle/bundleactions.h"
#include "ui/cache/cacheactions.h"
#include "ui/cache/cachemodel.h"
#include "ui/cache/cachepage.h"
#include "ui/cache/gcsbadge.h"
#include "ui/cache/gcscachesource.h"
#include "ui/cache/livecache.h"
#include "ui/cleanup/cleanuppage.h"
#include "ui/cleanup/cleanupplanmodel.h"
#include "ui/cleanup/startupcleanup.h"
#include "ui/downloads/downloadspage.h"
#include "ui/settings/gcsfolderdialog.h"
#include "ui/usage/costestimate.h"
#include "ui/usage/usagepage.h"
#include "ui/widgets/messagebar.h"
#include "ui/window/mainwindow.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDirIterator>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QStackedWidget>
#include <QTableView>
#include <QTcpServer>
#include <QtTest>

using namespace tfhub;
using namespace tfhub::ui;
using tfhub::test::GcsDouble;

namespace {

constexpr int WaitMs = 15000;
const QString Bucket = QStringLiteral("team-cache");
const QString Uid = QStringLiteral("0123456789abcdef0123456789abcdef");
const QString Model = QStringLiteral("https://tfhub.dev/google/half_plus_two/1");
const QString Abandoned = QStringLiteral("https://tfhub.dev/google/yamnet/1");
const QString HubPath = QStringLiteral("/google/half_plus_two/1");

} // namespace

class TestGcsUi : public QObject, public test::settingspage::SettingsPageFixture
{
    Q_OBJECT

    GcsDouble m_double;
    test::TestHub m_hub;
    qint64 m_modelBytes = 0;

    QString root(const QString &prefix) const { return QStringLiteral("gs://%1/%2").arg(Bucket, prefix); }

    // Under `prefix`: a complete SavedModel with MakeDirs' folder placeholders and its descriptor, the
    // tmp objects of a download whose holder went long ago (no lock), and an object no cache wrote.
    qint64 putCache(const QString &prefix)
    {
        const QString key = Handle::cacheKeyOf(Model);
        const QString model = test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu");
        qint64 bytes = 0;
        m_double.put(Bucket, prefix + u'/' + key + u'/', QByteArray());
        QDirIterator it(model, QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            it.next();
            const QString name = prefix + u'/' + key + u'/' + QDir(model).relativeFilePath(it.filePath());
            if (it.fileInfo().isDir()) {
                m_double.put(Bucket, name + u'/', QByteArray());
                continue;
            }
            QFile f(it.filePath());
            if (!f.open(QIODevice::ReadOnly))
                return -1;
            const QByteArray data = f.readAll();
            m_double.put(Bucket, name, data);
            bytes += data.size();
        }
        const QByteArray descriptor = "Module: " + Model.toUtf8()
            + "\nDownload Time: 2024-01-29 17:51:07.123456\nDownloader Hostname: tpu-worker-3 (PID:4242)";
        m_double.put(Bucket, prefix + u'/' + key + QStringLiteral(".descriptor.txt"), descriptor);
        bytes += descriptor.size();
        const QDateTime longAgo = QDateTime::currentDateTimeUtc().addDays(-3);
        const QString tmp
            = prefix + u'/' + Handle::cacheKeyOf(Abandoned) + u'.' + Uid + QStringLiteral(".tmp/");
        m_double.put(Bucket, tmp + QStringLiteral("saved_model.pb"), QByteArray(4000, 'x'), longAgo);
        m_double.put(Bucket, prefix + QStringLiteral("/notes.txt"), "kept by a person", longAgo);
        return bytes + 4000 + 16;
    }

    // A live cache on `prefix` with its first scan done.
    std::unique_ptr<LiveCache> scanned(const QString &prefix, bool *complete = nullptr)
    {
        auto live = std::make_unique<LiveCache>(root(prefix));
        QSignalSpy finished(live.get(), &LiveCache::scanFinished);
        live->refresh();
        if (!finished.wait(WaitMs))
            return nullptr;
        if (complete)
            *complete = finished.first().at(0).toBool();
        return live;
    }

    // Every folder named "gs:" below `dir`: what a gs:// root taken for a local path would create.
    static QStringList gsFolders(const QString &dir)
    {
        QStringList found;
        QDirIterator it(dir, QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            it.next();
            if (it.fileName() == QLatin1String("gs:"))
                found << it.filePath();
        }
        return found;
    }

    static int rowOf(const CacheModel *model, EntryState state)
    {
        for (int row = 0; row < model->rowCount(); ++row) {
            if (model->entryAt(row).state == state)
                return row;
        }
        return -1;
    }

private Q_SLOTS:
    void initTestCase()
    {
        setUpSuite(QStringLiteral("tst_gcsui"));
        QVERIFY(m_double.start());
        QFile archive(test::savedModelsDir() + QStringLiteral("/half_plus_two_v1_hub_module.tar.gz"));
        QVERIFY(archive.open(QIODevice::ReadOnly));
        QVERIFY(m_hub.start());
        m_hub.addArchive(HubPath, archive.readAll());
        qputenv("STORAGE_EMULATOR_HOST", m_double.endpoint().toUtf8());
    }
    void init() { setUpTest(); }
    void cleanup() { tearDownTest(); }

    void dialogValidatesAndShowsCredentials();
    void dialogSetsLocationThatApplyPersists();
    void cachePageListsEntriesWithBadge();
    void disabledActionsSayWhy();
    void deleteRemovesOnlyTheEntrysObjects();
    void usageShowsCostFromSizesAndPrice();
    void listedAgainWhileShown();
    void unreachableEndpointNamesTheLocation();
    void prefetchFromTheAppLandsInTheBucket();
    void verifyComparesTheListing();
    void pinWritesThePinsObject();
    void pinWriteRefusedIsShown();
    void windowOnCloudImportsNothingAndSkipsPolicy();
    void cleanupPagePlansAndRunsOnCloud();
};

void TestGcsUi::dialogValidatesAndShowsCredentials()
{
    m_double.put(Bucket, QStringLiteral("dialog/a"), "12345");
    GcsFolderDialog dialog { QString() };
    auto *bucket = dialog.findChild<QLineEdit *>(QStringLiteral("gcsBucketEdit"));
    auto *prefix = dialog.findChild<QLineEdit *>(QStringLiteral("gcsPrefixEdit"));
    auto *ok = dialog.findChild<QPushButton *>(QStringLiteral("gcsOkButton"));
    QVERIFY(bucket && prefix && ok);
    QVERIFY(!ok->isEnabled()); // nothing typed yet, and no error shown for it
    QVERIFY(dialog.error().isEmpty());

    // Cloud Storage's naming rules: upper case, and "." / ".." parts of the prefix, are refused inline.
    bucket->setText(QStringLiteral("Team_Cache"));
    QVERIFY(!dialog.error().isEmpty());
    QVERIFY(!ok->isEnabled());
    bucket->setText(Bucket);
    prefix->setText(QStringLiteral("a/../b"));
    QVERIFY2(!dialog.error().isEmpty(), "a '..' part is refused");
    prefix->setText(QStringLiteral("dialog/"));
    QVERIFY(dialog.error().isEmpty());
    QVERIFY(ok->isEnabled());
    QCOMPARE(dialog.url(), root(QStringLiteral("dialog")));

    // The emulator is what the environment names: no credentials are used.
    QVERIFY2(dialog.credentialsText().contains(QStringLiteral("STORAGE_EMULATOR_HOST")),
        qPrintable(dialog.credentialsText()));
    dialog.findChild<QPushButton *>(QStringLiteral("gcsTestButton"))->click();
    QTRY_VERIFY_WITH_TIMEOUT(
        !dialog.isTesting() && dialog.testText().contains(QStringLiteral("1 object,")), WaitMs);
    QVERIFY2(dialog.testText().contains(root(QStringLiteral("dialog"))), qPrintable(dialog.testText()));
}

void TestGcsUi::dialogSetsLocationThatApplyPersists()
{
    SettingsPage page(m_queue.get(), HubSettings::resolve());
    checkOnly(page, { shellenv::Target::Session });
    QSignalSpy switched(&page, &SettingsPage::cacheDirChanged);
    bool dialogSeen = false;
    QTimer::singleShot(0, this, [&] {
        auto *dialog = qobject_cast<GcsFolderDialog *>(QApplication::activeModalWidget());
        QVERIFY(dialog);
        dialogSeen = true;
        dialog->findChild<QLineEdit *>(QStringLiteral("gcsBucketEdit"))->setText(Bucket);
        dialog->findChild<QLineEdit *>(QStringLiteral("gcsPrefixEdit"))->setText(QStringLiteral("shared"));
        dialog->findChild<QPushButton *>(QStringLiteral("gcsOkButton"))->click();
    });
    page.findChild<QPushButton *>(QStringLiteral("gcsButton"))->click();
    QVERIFY(dialogSeen);
    QCOMPARE(
        page.findChild<QLineEdit *>(QStringLiteral("cacheDirEdit"))->text(), root(QStringLiteral("shared")));
    // Nothing is moved to or from a bucket, and the page says why.
    QVERIFY(!page.findChild<QCheckBox *>(QStringLiteral("moveModelsCheck"))->isEnabled());
    QVERIFY(!page.findChild<QLabel *>(QStringLiteral("noMoveNote"))->isHidden());

    QVERIFY(apply(page));
    const shellenv::EnvPersistence persistence;
    QCOMPARE(persistence.read(shellenv::Target::Session).values.value(shellenv::Variable::CacheDir),
        root(QStringLiteral("shared")));
    QCOMPARE(switched.size(), 1);
    QCOMPARE(switched.first().at(0).toString(), root(QStringLiteral("shared")));
    SettingsPage again(m_queue.get(), HubSettings::resolve());
    QCOMPARE(
        again.findChild<QLineEdit *>(QStringLiteral("cacheDirEdit"))->text(), root(QStringLiteral("shared")));
}

void TestGcsUi::cachePageListsEntriesWithBadge()
{
    QVERIFY(putCache(QStringLiteral("page")) > 0);
    std::unique_ptr<LiveCache> live = scanned(QStringLiteral("page"));
    QVERIFY(live);
    QCOMPARE(live->root(), root(QStringLiteral("page")));
    CachePage page(live.get());
    const CacheModel *model = live->model();
    QCOMPARE(model->rowCount(), 3);
    const int complete = rowOf(model, EntryState::Complete);
    QVERIFY(complete >= 0);
    QCOMPARE(model->entryAt(complete).handle, Model);
    QVERIFY(rowOf(model, EntryState::AbandonedPartial) >= 0);
    QVERIFY(rowOf(model, EntryState::Foreign) >= 0);

    auto *badge = page.findChild<GcsBadge *>();
    QVERIFY(badge && !badge->isHidden());
    QCOMPARE(badge->location(), root(QStringLiteral("page")));
    QCOMPARE(badge->badgeText(), QStringLiteral("Cloud Storage"));

    const QModelIndex lastUsed = model->index(complete, CacheModel::LastUsedColumn);
    QCOMPARE(lastUsed.data().toString(), QStringLiteral("not available"));
    QVERIFY(lastUsed.data(Qt::ToolTipRole)
                .toString()
                .startsWith(QStringLiteral("Not available on Cloud Storage")));

    // Back on a local folder the badge goes and "Last used" speaks of the file system again.
    QTemporaryDir local;
    QSignalSpy finished(live.get(), &LiveCache::scanFinished);
    live->setRoot(local.path());
    QVERIFY(finished.wait(WaitMs));
    QVERIFY(badge->isHidden());
    QVERIFY(!model->isCloudStorage());
}

void TestGcsUi::disabledActionsSayWhy()
{
    QVERIFY(putCache(QStringLiteral("actions")) > 0);
    std::unique_ptr<LiveCache> live = scanned(QStringLiteral("actions"));
    QVERIFY(live);
    CachePage page(live.get());
    page.selectKeys({ Handle::cacheKeyOf(Model) });
    QTRY_VERIFY(page.selectedKeys() == QStringList { Handle::cacheKeyOf(Model) });

    QVERIFY(!page.actions()->trashAction()->isEnabled());
    QVERIFY(page.actions()->trashAction()->toolTip().contains(QStringLiteral("no trash")));
    const QList<QAction *> actions = page.entryActions();
    const auto open = std::find_if(actions.cbegin(), actions.cend(),
        [](QAction *a) { return a->text().remove(u'&') == QStringLiteral("Open Folder"); });
    QVERIFY(open != actions.cend());
    QVERIFY(!(*open)->isEnabled());
    QVERIFY((*open)->toolTip().contains(QStringLiteral("no folder")));
    // What works on a bucket stays available.
    QVERIFY(page.actions()->verifyAction()->isEnabled());
    QVERIFY(page.findChild<QAction *>(QStringLiteral("prefetchAgainAction"))->isEnabled());
    QVERIFY(page.actions()->deleteAction()->isEnabled());
    QVERIFY(page.actions()->copyPathAction()->isEnabled());
}

void TestGcsUi::deleteRemovesOnlyTheEntrysObjects()
{
    QVERIFY(putCache(QStringLiteral("rm")) > 0);
    std::unique_ptr<LiveCache> live = scanned(QStringLiteral("rm"));
    QVERIFY(live);
    CachePage page(live.get());
    const QString key = Handle::cacheKeyOf(Model);
    page.selectKeys({ key });
    QTRY_VERIFY(page.actions()->deleteAction()->isEnabled());

    bool confirmed = false;
    // The confirmation is modal: answered from a timer inside its event loop.
    QTimer poll;
    connect(&poll, &QTimer::timeout, this, [&] {
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        if (!box)
            return;
        poll.stop();
        confirmed = box->text().contains(QStringLiteral("free"));
        box->findChild<QPushButton *>(QStringLiteral("confirmRemovalButton"))->click();
    });
    poll.start(20);
    QSignalSpy changed(page.actions(), &CacheActions::entriesChanged);
    page.actions()->deleteAction()->trigger();
    QVERIFY(changed.wait(WaitMs));
    QVERIFY(confirmed);

    const QStringList left = m_double.names(Bucket);
    for (const QString &name : left)
        QVERIFY2(!name.startsWith(QStringLiteral("rm/") + key), qPrintable(name));
    QVERIFY(left.contains(QStringLiteral("rm/notes.txt")));
    QVERIFY(left.contains(QStringLiteral("rm/") + Handle::cacheKeyOf(Abandoned) + u'.' + Uid
        + QStringLiteral(".tmp/saved_model.pb")));
    // The page lists the bucket again: the row goes.
    QTRY_COMPARE_WITH_TIMEOUT(live->model()->rowOfKey(key), -1, WaitMs);
}

void TestGcsUi::usageShowsCostFromSizesAndPrice()
{
    const qint64 bytes = putCache(QStringLiteral("usage"));
    QVERIFY(bytes > 0);
    std::unique_ptr<LiveCache> live = scanned(QStringLiteral("usage"));
    QVERIFY(live);
    UsagePage page(live.get());
    page.recompute();
    CostEstimate *cost = page.costEstimate();
    QVERIFY(!cost->isHidden());
    QVERIFY(page.findChild<QLabel *>(QStringLiteral("freeFigure"))->parentWidget()->isHidden());
    QCOMPARE(cost->bytes(), bytes);
    QCOMPARE(cost->price(), settings::GcsPricePerGibMonth.defaultValue);
    QCOMPARE(cost->cost(), double(bytes) / (1024.0 * 1024 * 1024) * 0.020);

    const QString before = cost->text();
    cost->setPrice(7.5);
    QCOMPARE(cost->cost(), double(bytes) / (1024.0 * 1024 * 1024) * 7.5);
    QVERIFY(cost->text() != before);
    QCOMPARE(cost->text(), CostEstimate::costText(cost->cost()));
    // The edited price is kept for the next time.
    QCOMPARE(QSettings().value(settings::GcsPricePerGibMonth.name()).toDouble(), 7.5);
    UsagePage again(live.get());
    QCOMPARE(again.costEstimate()->price(), 7.5);
    QCOMPARE(CostEstimate::costText(1.234), QStringLiteral("US$1.23"));
    QCOMPARE(CostEstimate::costText(0.00123), QStringLiteral("US$0.0012"));
}

void TestGcsUi::listedAgainWhileShown()
{
    QVERIFY(putCache(QStringLiteral("timer")) > 0);
    std::unique_ptr<LiveCache> live = scanned(QStringLiteral("timer"));
    QVERIFY(live);
    CachePage page(live.get());
    QCOMPARE(page.autoRefresh()->interval(), GcsAutoRefresh::DefaultIntervalMs);
    page.autoRefresh()->setInterval(50);
    QVERIFY(!page.autoRefresh()->isActive()); // not shown yet
    page.show();
    QVERIFY(page.autoRefresh()->isActive());
    m_double.put(Bucket, QStringLiteral("timer/other-notes.txt"), "another machine wrote this");
    QTRY_COMPARE_WITH_TIMEOUT(live->model()->rowCount(), 4, WaitMs);
    page.hide();
    QVERIFY(!page.autoRefresh()->isActive());
}

void TestGcsUi::unreachableEndpointNamesTheLocation()
{
    // A port that was just free: nothing answers there.
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    const quint16 port = server.serverPort();
    server.close();
    auto live = std::make_unique<LiveCache>(root(QStringLiteral("gone")));
    auto *source = live->findChild<GcsCacheSource *>();
    QVERIFY(source);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("STORAGE_EMULATOR_HOST"), QStringLiteral("127.0.0.1:%1").arg(port));
    source->setEnvironment(env);
    gcs::ClientOptions quick = gcscache::appClientOptions();
    quick.maxAttempts = 1;
    source->setClientOptions(quick);
    CachePage page(live.get());
    QSignalSpy finished(live.get(), &LiveCache::scanFinished);
    live->refresh();
    QVERIFY(finished.wait(WaitMs));
    QCOMPARE(finished.first().at(0).toBool(), false);
    auto *bar = page.findChild<MessageBar *>();
    QVERIFY(bar && !bar->isHidden());
    QCOMPARE(bar->kind(), MessageBar::Kind::Error);
    QVERIFY2(bar->text().contains(root(QStringLiteral("gone"))), qPrintable(bar->text()));
    // Not an empty table: the page says the location could not be read.
    auto *stack = page.findChild<QStackedWidget *>();
    QVERIFY(stack && stack->currentWidget()->objectName() == QStringLiteral("emptyState"));
    QVERIFY(page.findChild<QLabel *>(QStringLiteral("emptyText"))
                ->text()
                .contains(QStringLiteral("could not be read")));
}

void TestGcsUi::prefetchFromTheAppLandsInTheBucket()
{
    MainWindow window(root(QStringLiteral("fetch")), QStringLiteral("test"));
    const QString handle = m_hub.url(HubPath).toString();
    const QString key = Handle::cacheKeyOf(handle);
    QCOMPARE(window.downloadsPage()->queueHandles({ handle }), 1);
    // The Cache page lists the bucket again after the download: the entry is there, complete.
    const CacheModel *model = window.liveCache()->model();
    QTRY_VERIFY_WITH_TIMEOUT(
        model->rowOfKey(key) >= 0 && model->entryAt(model->rowOfKey(key)).state == EntryState::Complete,
        WaitMs * 2);
    QCOMPARE(model->entryAt(model->rowOfKey(key)).handle, handle);
    const QStringList names = m_double.names(Bucket);
    QVERIFY(names.contains(QStringLiteral("fetch/") + key + QStringLiteral(".descriptor.txt")));
    // Published: no tmp objects and no lock of ours left under the prefix.
    for (const QString &name : names)
        QVERIFY2(!name.startsWith(QStringLiteral("fetch/"))
                || (!name.contains(QStringLiteral(".tmp/")) && !name.endsWith(QStringLiteral(".lock"))),
            qPrintable(name));
}

void TestGcsUi::verifyComparesTheListing()
{
    QVERIFY(putCache(QStringLiteral("verify")) > 0);
    const QString key = Handle::cacheKeyOf(Model);
    const QString manifest = QStringLiteral("verify/") + key + QStringLiteral(".manifest.json");
    std::unique_ptr<LiveCache> live = scanned(QStringLiteral("verify"));
    QVERIFY(live);
    CachePage page(live.get());
    auto *bar = page.findChild<MessageBar *>();
    QVERIFY(bar);
    page.selectKeys({ key });
    QTRY_VERIFY(page.actions()->verifyAction()->isEnabled());

    // Without a manifest the scan's verdict stands; the text says the content was not read.
    page.actions()->verifyAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(page.actions()->verifyJob().isFinished() && !bar->isHidden(), WaitMs);
    QVERIFY2(bar->text().contains(QStringLiteral("the content was not read")), qPrintable(bar->text()));
    QCOMPARE(bar->kind(), MessageBar::Kind::Positive);

    // A manifest naming a file the bucket lacks: the listing is compared with it.
    Manifest wrong;
    wrong.handle = Model;
    wrong.key = key;
    wrong.files.append({ QStringLiteral("saved_model.pb"), 1, QByteArray(64, '0') });
    m_double.put(Bucket, manifest, wrong.toJson());
    bar->dismiss();
    QSignalSpy finished(live.get(), &LiveCache::scanFinished);
    live->refresh();
    QVERIFY(finished.wait(WaitMs));
    page.selectKeys({ key });
    QTRY_VERIFY(page.actions()->verifyAction()->isEnabled());
    page.actions()->verifyAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(page.actions()->verifyJob().isFinished() && !bar->isHidden(), WaitMs);
    QVERIFY2(bar->text().contains(QStringLiteral("differs from its manifest")), qPrintable(bar->text()));
    QVERIFY(bar->kind() != MessageBar::Kind::Positive);
}

void TestGcsUi::pinWritesThePinsObject()
{
    QVERIFY(putCache(QStringLiteral("pins")) > 0);
    const QString key = Handle::cacheKeyOf(Model);
    const QString pinsObject = QStringLiteral("pins/.tfhub-cache-manager-pins.json");
    std::unique_ptr<LiveCache> live = scanned(QStringLiteral("pins"));
    QVERIFY(live);
    CachePage page(live.get());
    page.selectKeys({ key });
    auto *pin = page.findChild<QAction *>(QStringLiteral("pinAction"));
    QVERIFY(pin);
    QTRY_VERIFY(pin->isEnabled());
    pin->trigger();
    // Written on a worker: the window answers meanwhile, and the action waits for the write.
    QVERIFY(live->isWritingPins());
    QVERIFY(!pin->isEnabled());
    QTRY_VERIFY(live->pinnedKeys().contains(key));
    QVERIFY(m_double.names(Bucket).contains(pinsObject));
    QTRY_VERIFY(pin->isEnabled());
    // Another listing reads it back from the bucket.
    std::unique_ptr<LiveCache> again = scanned(QStringLiteral("pins"));
    QVERIFY(again);
    QCOMPARE(again->pinnedKeys(), QSet<QString> { key });
    // Unpinned: the last pin goes, and with it the object.
    page.selectKeys({ key });
    QTRY_VERIFY(pin->isChecked());
    pin->trigger();
    QTRY_VERIFY(!live->pinnedKeys().contains(key));
    QVERIFY(!m_double.names(Bucket).contains(pinsObject));
}

// A bucket that refuses the pins write: the message names the cause, nothing is pinned, and the
// action is there again for another try.
void TestGcsUi::pinWriteRefusedIsShown()
{
    QVERIFY(putCache(QStringLiteral("pinsno")) > 0);
    const QString key = Handle::cacheKeyOf(Model);
    std::unique_ptr<LiveCache> live = scanned(QStringLiteral("pinsno"));
    QVERIFY(live);
    CachePage page(live.get());
    auto *bar = page.findChild<MessageBar *>();
    QVERIFY(bar);
    page.selectKeys({ key });
    auto *pin = page.findChild<QAction *>(QStringLiteral("pinAction"));
    QVERIFY(pin);
    QTRY_VERIFY(pin->isEnabled());
    QSignalSpy failed(live.get(), &LiveCache::pinsFailed);
    m_double.failNext(100, 403, QByteArrayLiteral("pins"));
    pin->trigger();
    QVERIFY(failed.wait(WaitMs));
    m_double.failNext(0, 403);
    QVERIFY(!live->pinnedKeys().contains(key));
    QVERIFY(!bar->isHidden());
    QCOMPARE(bar->kind(), MessageBar::Kind::Error);
    QVERIFY2(bar->text().contains(QStringLiteral("403")) || bar->text().contains(QStringLiteral("denied"))
            || bar->text().contains(QStringLiteral("orbidden")),
        qPrintable(bar->text()));
    QTRY_VERIFY(pin->isEnabled());
    QVERIFY(!live->isWritingPins());
}

void TestGcsUi::windowOnCloudImportsNothingAndSkipsPolicy()
{
    QVERIFY(putCache(QStringLiteral("win")) > 0);
    const QStringList before = m_double.names(Bucket);
    // A relative "gs:/…" folder would land in the working directory: make it one the test can see.
    QTemporaryDir work;
    const QString oldCurrent = QDir::currentPath();
    QVERIFY(QDir::setCurrent(work.path()));
    CleanPolicy policy;
    policy.enabled = true;
    maintenance::writeCleanPolicy(*settings::openShared(), policy);
    {
        MainWindow window(root(QStringLiteral("win")), QStringLiteral("test"));
        auto *statusBadge = window.findChild<GcsBadge *>(QStringLiteral("statusCloudBadge"));
        QVERIFY(statusBadge && !statusBadge->isHidden());
        QCOMPARE(statusBadge->badgeText(), QStringLiteral("Cloud Storage"));
        QAction *import = window.bundleActions()->importAction();
        QVERIFY(!import->isEnabled());
        QVERIFY2(import->toolTip().contains(QStringLiteral("not supported")), qPrintable(import->toolTip()));
        // A drop imports through importFile: refused, and the window says why.
        QVERIFY(!window.bundleActions()->importFile(home() + QStringLiteral("/models.zip")));
        QVERIFY2(window.windowMessageBar()->text().contains(QStringLiteral("Cloud Storage")),
            qPrintable(window.windowMessageBar()->text()));

        QSignalSpy done(window.startupCleanup(), &StartupCleanup::finished);
        window.refresh();
        QVERIFY(done.wait(WaitMs));
        const PolicyReport report = done.first().first().value<PolicyReport>();
        QVERIFY(report.removed.isEmpty());
        QVERIFY2(report.error.contains(QStringLiteral("skipped"))
                && report.error.contains(root(QStringLiteral("win"))),
            qPrintable(report.error));
        const Result<PolicyReport> written = maintenance::readCleanReport();
        QVERIFY(written.ok());
        QCOMPARE(written->error, report.error);
        QCOMPARE(m_double.names(Bucket), before); // the policy removed nothing in the bucket

        // Back on a local folder, Import is offered again.
        QTemporaryDir local;
        QSignalSpy scanned(window.liveCache(), &LiveCache::scanFinished);
        window.liveCache()->setRoot(local.path());
        QVERIFY(import->isEnabled());
        QVERIFY(scanned.wait(WaitMs));
        QVERIFY(statusBadge->isHidden());
    }
    QVERIFY(QDir::setCurrent(oldCurrent));
    QVERIFY2(gsFolders(work.path()).isEmpty(), qPrintable(gsFolders(work.path()).join(u' ')));
    QVERIFY2(gsFolders(home()).isEmpty(), qPrintable(gsFolders(home()).join(u' ')));
}

void TestGcsUi::cleanupPagePlansAndRunsOnCloud()
{
    QVERIFY(putCache(QStringLiteral("clean")) > 0);
    std::unique_ptr<LiveCache> live = scanned(QStringLiteral("clean"));
    QVERIFY(live);
    CleanupPage page(live.get());
    QSignalSpy planned(&page, &CleanupPage::planned);
    page.replan();
    QVERIFY(planned.wait(WaitMs));
    // The abandoned download is the only leftover; the complete model and the person's file stay.
    const CleanupPlan plan = page.model()->checkedPlan();
    QCOMPARE(plan.items.size(), 1);
    QCOMPARE(plan.items.first().key, Handle::cacheKeyOf(Abandoned));
    QVERIFY(!page.findChild<QCheckBox *>(QStringLiteral("cleanupTrash"))->isEnabled());

    QSignalSpy finished(&page, &CleanupPage::runFinished);
    page.run();
    QVERIFY(finished.wait(WaitMs));
    const CleanupReport report = finished.first().first().value<CleanupReport>();
    QVERIFY2(report.errors.isEmpty(), qPrintable(report.errors.join(u'\n')));
    QCOMPARE(report.removed.size(), 1);
    const QStringList left = m_double.names(Bucket);
    for (const QString &name : left)
        QVERIFY2(
            !name.startsWith(QStringLiteral("clean/") + Handle::cacheKeyOf(Abandoned)), qPrintable(name));
    QVERIFY(left.contains(QStringLiteral("clean/notes.txt")));
    QVERIFY(left.contains(
        QStringLiteral("clean/") + Handle::cacheKeyOf(Model) + QStringLiteral(".descriptor.txt")));

    // "Last used" is unknown in a bucket: the unused rule is refused and the page says so.
    planned.clear();
    page.findChild<QCheckBox *>(QStringLiteral("ruleUnused"))->setChecked(true);
    page.replan();
    QVERIFY(planned.wait(WaitMs) || !planned.isEmpty());
    auto *notes = page.findChild<QLabel *>(QStringLiteral("cleanupNotes"));
    QTRY_VERIFY2_WITH_TIMEOUT(
        notes->text().contains(QStringLiteral("records no access times")), qPrintable(notes->text()), WaitMs);
}

QTEST_MAIN(TestGcsUi)
#include "tst_gcsui.moc"
