// The settings page moving the models to a new cache folder: done, refused while a download is
// live, cancelled or failed; a move that does not finish saves nothing.
#include "core/cache/lock.h"
#include "core/hub/hubsettings.h"
#include "core/shellenv/envpersistence.h"
#include "core/util/fsutil.h"
#include "tests/support/testdata.h"
#include "tests/ui/settingspagefixtures.h"
#include "ui/settings/settingspage.h"
#include "ui/widgets/messagebar.h"

#include <QCheckBox>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

using namespace tfhub;
using namespace tfhub::ui;
using namespace tfhub::test::settingspage;

namespace {

dev_t deviceOf(const QString &path)
{
    struct stat st
    {
    };
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? st.st_dev : 0;
}

} // namespace

class TestSettingsMove final : public QObject, private SettingsPageFixture
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { setUpSuite(QStringLiteral("tst_settingsmove")); }
    void init() { setUpTest(); }
    void cleanup() { tearDownTest(); }

    void moveExistingModels();
    void liveDownloadRefusesMove();
    void cancelledMoveSavesNothing();
    void failedMoveSavesNothing();

private:
    HubSettings settingsWithCache(const QString &dir) const;
    /// Adds to `from` an entry that this live process is downloading; returns its key.
    QString makeBusyEntry(const QString &from) const;
    /// Asks the page to save `to` as the cache folder and to move the models there.
    void startMove(SettingsPage &page, const QString &to) const;
    /// Nothing names `dir` in any file, and the page still uses `from`.
    void checkNothingSaved(const SettingsPage &page, const QString &from, const QString &dir) const;
};

HubSettings TestSettingsMove::settingsWithCache(const QString &dir) const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("TFHUB_CACHE_DIR"), dir);
    return HubSettings::resolve(env);
}

QString TestSettingsMove::makeBusyEntry(const QString &from) const
{
    const QString busy = test::makeEntry(from, QStringLiteral("https://tfhub.dev/test/busy/1"),
        test::savedModelsDir() + QStringLiteral("/half_plus_two_tflite"));
    // Locked by this very process, which is alive: the scanner judges the download live.
    const QString uid = QStringLiteral("0123456789abcdef0123456789abcdef");
    if (busy.isEmpty()
        || !test::writeFile(from + QLatin1Char('/') + busy + QStringLiteral(".lock"),
            cache::lockContent(util::hostName(), QCoreApplication::applicationPid(), uid))
        || !QDir().mkpath(from + QLatin1Char('/') + busy + QLatin1Char('.') + uid + QStringLiteral(".tmp")))
        return QString();
    return busy;
}

void TestSettingsMove::startMove(SettingsPage &page, const QString &to) const
{
    checkOnly(page, { shellenv::Target::Bash });
    page.findChild<QLineEdit *>(QStringLiteral("cacheDirEdit"))->setText(to);
    auto *move = page.findChild<QCheckBox *>(QStringLiteral("moveModelsCheck"));
    QVERIFY(move);
    move->setChecked(true);
    page.findChild<QPushButton *>(QStringLiteral("applyButton"))->click();
    QVERIFY(page.isBusy());
}

void TestSettingsMove::checkNothingSaved(
    const SettingsPage &page, const QString &from, const QString &dir) const
{
    for (const shellenv::TargetState &s : shellenv::EnvPersistence().readAll())
        QVERIFY2(!s.values.contains(shellenv::Variable::CacheDir), qPrintable(s.path));
    QVERIFY(!readAll(home() + QStringLiteral("/.bashrc")).contains(QFile::encodeName(dir)));
    QCOMPARE(page.current().cacheDir, from);
    QVERIFY(!page.findChild<QWidget *>(QStringLiteral("moveRow"))->isVisibleTo(&page));
}

void TestSettingsMove::moveExistingModels()
{
    const QString from = home() + QStringLiteral("/old cache");
    const QString to = home() + QStringLiteral("/new cache");
    const QString key = test::makeEntry(from, QStringLiteral("https://tfhub.dev/test/tflite/1"),
        test::savedModelsDir() + QStringLiteral("/half_plus_two_tflite"));
    QVERIFY(!key.isEmpty());
    // A second entry being downloaded by this (live) process must stay where it is.
    const QString busy = makeBusyEntry(from);
    QVERIFY(!busy.isEmpty());

    SettingsPage page(m_queue.get(), settingsWithCache(from));
    checkOnly(page, { shellenv::Target::Bash });
    QCOMPARE(page.findChild<QLineEdit *>(QStringLiteral("cacheDirEdit"))->text(), from);
    page.findChild<QLineEdit *>(QStringLiteral("cacheDirEdit"))->setText(to);
    auto *move = page.findChild<QCheckBox *>(QStringLiteral("moveModelsCheck"));
    QVERIFY(move);
    move->setChecked(true);
    // The user agrees to leave the live download behind; the option only makes sense with a move.
    auto *leaveBehind = page.findChild<QCheckBox *>(QStringLiteral("leaveBehindCheck"));
    QVERIFY(leaveBehind);
    QVERIFY(!leaveBehind->isChecked());
    move->setChecked(false);
    QVERIFY(!leaveBehind->isEnabled());
    move->setChecked(true);
    QVERIFY(leaveBehind->isEnabled());
    leaveBehind->setChecked(true);
    QSignalSpy changed(&page, &SettingsPage::cacheDirChanged);
    QSignalSpy finished(&page, &SettingsPage::applyFinished);
    page.findChild<QPushButton *>(QStringLiteral("applyButton"))->click();
    QVERIFY(page.isBusy());
    QVERIFY(finished.wait(ApplyTimeoutMs));
    QCOMPARE(finished.first().at(0).toBool(), true);

    QVERIFY(QFileInfo::exists(to + QLatin1Char('/') + key));
    QVERIFY(QFileInfo::exists(to + QLatin1Char('/') + key + QStringLiteral(".descriptor.txt")));
    QVERIFY(!QFileInfo::exists(from + QLatin1Char('/') + key));
    QVERIFY(QFileInfo::exists(from + QLatin1Char('/') + busy));
    QVERIFY(!QFileInfo::exists(to + QLatin1Char('/') + busy));
    const QString text = page.messageBar()->text();
    QVERIFY2(text.contains(QStringLiteral("1 model(s) moved to %1").arg(to)), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Left in place: https://tfhub.dev/test/busy/1: being downloaded")),
        qPrintable(text));
    QCOMPARE(page.messageBar()->kind(), MessageBar::Kind::Warning);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.first().at(0).toString(), to);
    QCOMPARE(page.current().cacheDir, to);
    QVERIFY(!page.findChild<QWidget *>(QStringLiteral("moveRow"))->isVisibleTo(&page));
}

void TestSettingsMove::liveDownloadRefusesMove()
{
    const QString from = home() + QStringLiteral("/old cache");
    const QString to = home() + QStringLiteral("/new cache");
    const QString key = test::makeEntry(from, QStringLiteral("https://tfhub.dev/test/tflite/1"),
        test::savedModelsDir() + QStringLiteral("/half_plus_two_tflite"));
    QVERIFY(!key.isEmpty());
    const QString busy = makeBusyEntry(from);
    QVERIFY(!busy.isEmpty());

    SettingsPage page(m_queue.get(), settingsWithCache(from));
    QSignalSpy changed(&page, &SettingsPage::cacheDirChanged);
    QSignalSpy finished(&page, &SettingsPage::applyFinished);
    // Without "Move even if models are being downloaded": the default.
    startMove(page, to);
    QVERIFY(finished.wait(ApplyTimeoutMs));
    QCOMPARE(finished.first().at(0).toBool(), false);

    QCOMPARE(changed.size(), 0);
    checkNothingSaved(page, from, to);
    for (const char *rc : { "/.bashrc", "/.bash_profile", "/.profile", "/.zshrc" })
        QVERIFY2(!QFileInfo::exists(home() + QLatin1String(rc)), rc);
    QVERIFY(QFileInfo::exists(from + QLatin1Char('/') + key));
    QVERIFY(QFileInfo::exists(from + QLatin1Char('/') + busy));
    QVERIFY(!QFileInfo::exists(to + QLatin1Char('/') + key));
    QVERIFY(!QFileInfo::exists(to + QLatin1Char('/') + busy));
    const QString text = page.messageBar()->text();
    QVERIFY2(
        text.contains(QStringLiteral("https://tfhub.dev/test/busy/1: being downloaded")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("No model was moved")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Nothing was saved")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Move even if models are being downloaded")), qPrintable(text));
}

void TestSettingsMove::cancelledMoveSavesNothing()
{
    const QString from = home() + QStringLiteral("/old cache");
    const QString to = home() + QStringLiteral("/new cache");
    const QString key = test::makeEntry(from, QStringLiteral("https://tfhub.dev/test/tflite/1"),
        test::savedModelsDir() + QStringLiteral("/half_plus_two_tflite"));
    QVERIFY(!key.isEmpty());
    SettingsPage page(m_queue.get(), settingsWithCache(from));
    QSignalSpy changed(&page, &SettingsPage::cacheDirChanged);
    QSignalSpy finished(&page, &SettingsPage::applyFinished);
    startMove(page, to);
    // Cancel is there from the start; pressed before the move begins, no model moves.
    auto *cancel = page.findChild<QPushButton *>(QStringLiteral("cancelMoveButton"));
    QVERIFY(cancel->isVisibleTo(&page));
    QVERIFY(cancel->isEnabled());
    cancel->click();
    QVERIFY(finished.wait(ApplyTimeoutMs));
    QCOMPARE(finished.first().at(0).toBool(), false);

    QCOMPARE(changed.size(), 0);
    checkNothingSaved(page, from, to);
    QVERIFY(QFileInfo::exists(from + QLatin1Char('/') + key));
    QVERIFY(!QFileInfo::exists(to + QLatin1Char('/') + key));
    const QString text = page.messageBar()->text();
    QVERIFY2(text.contains(QStringLiteral("Moving was cancelled")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Nothing was saved")), qPrintable(text));
    QCOMPARE(page.messageBar()->kind(), MessageBar::Kind::Warning);
}

void TestSettingsMove::failedMoveSavesNothing()
{
    // A FIFO cannot be copied, and a move to another volume copies: that entry's move fails.
    // /dev/shm is a tmpfs of its own on Linux; where it is not, there is no second volume here.
    QTemporaryDir other(QStringLiteral("/dev/shm/tst_settingspage-XXXXXX"));
    if (!other.isValid() || deviceOf(other.path()) == deviceOf(home()))
        QSKIP("No second volume (a writable /dev/shm on another device) to move across.");
    const QString from = home() + QStringLiteral("/old cache");
    const QString to = other.path() + QStringLiteral("/new cache");
    const QString key = test::makeEntry(from, QStringLiteral("https://tfhub.dev/test/tflite/1"),
        test::savedModelsDir() + QStringLiteral("/half_plus_two_tflite"));
    QVERIFY(!key.isEmpty());
    const QString fifo = from + QLatin1Char('/') + key + QStringLiteral("/pipe");
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);

    SettingsPage page(m_queue.get(), settingsWithCache(from));
    QSignalSpy changed(&page, &SettingsPage::cacheDirChanged);
    QSignalSpy finished(&page, &SettingsPage::applyFinished);
    startMove(page, to);
    QVERIFY(finished.wait(ApplyTimeoutMs));
    QCOMPARE(finished.first().at(0).toBool(), false);

    QCOMPARE(changed.size(), 0);
    checkNothingSaved(page, from, to);
    QVERIFY(QFileInfo::exists(fifo));
    QVERIFY(!QFileInfo::exists(to + QLatin1Char('/') + key));
    const QString text = page.messageBar()->text();
    QVERIFY2(text.contains(QStringLiteral("Moving the models failed")), qPrintable(text));
    QVERIFY2(text.contains(fifo), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Nothing was saved")), qPrintable(text));
    QCOMPARE(page.messageBar()->kind(), MessageBar::Kind::Error);
}

QTEST_MAIN(TestSettingsMove)
#include "tst_settingsmove.moc"
