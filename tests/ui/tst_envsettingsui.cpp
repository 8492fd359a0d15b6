#include "core/cache/lock.h"
#include "core/hub/hubsettings.h"
#include "core/shellenv/envpersistence.h"
#include "core/util/fsutil.h"
#include "tests/support/testdata.h"
#include "ui/settings/firstrunbar.h"
#include "ui/widgets/messagebar.h"

#include <QAction>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

using namespace tfhub;
using namespace tfhub::ui;

namespace {

QAction *actionNamed(MessageBar &bar, const QString &name)
{
    for (QToolButton *b : bar.findChildren<QToolButton *>()) {
        if (b->defaultAction() && b->defaultAction()->objectName() == name)
            return b->defaultAction();
    }
    return nullptr;
}

} // namespace

class TestEnvSettingsUi final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void temporaryCacheNotNowIsRemembered();
    void temporaryCacheMovedAndPersisted();
    void temporaryCacheMoveFailureSavesNothing();
    void temporaryCacheLiveDownloadRefusesMove();
    void invalidLoadFormatFixed();
    void persistentCacheShowsNothing();

private:
    HubSettings defaults() const;

    QTemporaryDir m_root;
    std::unique_ptr<QTemporaryDir> m_home;
};

void TestEnvSettingsUi::initTestCase()
{
    QVERIFY(m_root.isValid());
    qunsetenv("TFHUB_CACHE_DIR");
    qunsetenv("TFHUB_MODEL_LOAD_FORMAT");
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("tfhub-cache-manager-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_envsettingsui"));
}

void TestEnvSettingsUi::init()
{
    // One home for the whole run (QSettings keeps the path it found first), emptied for each test.
    if (!m_home) {
        m_home = std::make_unique<QTemporaryDir>(m_root.filePath(QStringLiteral("home XXXXXX")));
        QVERIFY(m_home->isValid());
    }
    const QString h = m_home->path();
    QDir home(h);
    for (const QString &name : home.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden)) {
        if (name != QLatin1String(".qttest"))
            QVERIFY(QFileInfo(home.filePath(name)).isDir() ? QDir(home.filePath(name)).removeRecursively()
                                                           : QFile::remove(home.filePath(name)));
    }
    qputenv("HOME", QFile::encodeName(h));
    qputenv("ZDOTDIR", QFile::encodeName(h));
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(h + QStringLiteral("/.config")));
    qputenv("XDG_DATA_HOME", QFile::encodeName(h + QStringLiteral("/.local/share")));
    qputenv("XDG_CACHE_HOME", QFile::encodeName(h + QStringLiteral("/.cache")));
    qputenv("TMPDIR", QFile::encodeName(h + QStringLiteral("/tmp")));
    QVERIFY(QDir().mkpath(h + QStringLiteral("/tmp")));
    QVERIFY2(QSettings().fileName().startsWith(h), qPrintable(QSettings().fileName()));
    QSettings().clear();
}

HubSettings TestEnvSettingsUi::defaults() const
{
    const HubSettings s = HubSettings::resolve(QProcessEnvironment::systemEnvironment());
    return s;
}

void TestEnvSettingsUi::temporaryCacheNotNowIsRemembered()
{
    const HubSettings s = defaults();
    QCOMPARE(s.cacheDir, m_home->path() + QStringLiteral("/tmp/tfhub_modules"));
    MessageBar bar;
    FirstRunBar first(&bar);
    QVERIFY(first.check(s));
    QVERIFY(!bar.isHidden());
    QCOMPARE(bar.kind(), MessageBar::Kind::Warning);
    QCOMPARE(bar.text(),
        QStringLiteral("Your models are cached in %1, which is cleared on restart.").arg(s.cacheDir));
    QAction *use = actionNamed(bar, QStringLiteral("usePersistentCacheAction"));
    QVERIFY(use);
    QCOMPARE(use->text(), QStringLiteral("Use ~/.cache/tfhub_modules"));
    QAction *later = actionNamed(bar, QStringLiteral("notNowAction"));
    QVERIFY(later);
    later->trigger();
    QVERIFY(QSettings().value(FirstRunBar::dismissedKey()).toBool());

    MessageBar again;
    FirstRunBar second(&again);
    QVERIFY(!second.check(s));
    QVERIFY(again.isHidden());
}

void TestEnvSettingsUi::temporaryCacheMovedAndPersisted()
{
    const HubSettings s = defaults();
    const QString sm = test::savedModelsDir();
    const QString key = test::makeEntry(s.cacheDir, QStringLiteral("https://tfhub.dev/test/a/1"),
        sm + QStringLiteral("/half_plus_two_tf2_cpu"));
    MessageBar bar;
    FirstRunBar first(&bar);
    QSignalSpy changed(&first, &FirstRunBar::cacheDirChanged);
    QSignalSpy finished(&first, &FirstRunBar::finished);
    QVERIFY(first.check(s));
    actionNamed(bar, QStringLiteral("usePersistentCacheAction"))->trigger();
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.first().at(0).toBool(), true);
    const QString target = m_home->path() + QStringLiteral("/.cache/tfhub_modules");
    QCOMPARE(changed.first().at(0).toString(), target);
    QVERIFY(QFileInfo::exists(target + QLatin1Char('/') + key + QStringLiteral("/saved_model.pb")));
    QVERIFY(!QFileInfo::exists(s.cacheDir + QLatin1Char('/') + key));
    QCOMPARE(bar.kind(), MessageBar::Kind::Positive);
    const shellenv::EnvPersistence p;
    QCOMPARE(p.read(shellenv::Target::Bash).values.value(shellenv::Variable::CacheDir), target);
    QCOMPARE(p.read(shellenv::Target::Session).values.value(shellenv::Variable::CacheDir), target);
    // Next start, still with the old environment: nothing more to say.
    MessageBar next;
    FirstRunBar later(&next);
    QVERIFY(!later.check(s));
}

void TestEnvSettingsUi::temporaryCacheMoveFailureSavesNothing()
{
    const HubSettings s = defaults();
    const QString key = test::makeEntry(s.cacheDir, QStringLiteral("https://tfhub.dev/test/a/1"),
        test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
    // A file where the suggested folder would be: the move cannot start there.
    const QString target = m_home->path() + QStringLiteral("/.cache/tfhub_modules");
    QVERIFY(test::writeFile(target, "not a folder"));
    MessageBar bar;
    FirstRunBar first(&bar);
    QSignalSpy changed(&first, &FirstRunBar::cacheDirChanged);
    QSignalSpy finished(&first, &FirstRunBar::finished);
    QVERIFY(first.check(s));
    actionNamed(bar, QStringLiteral("usePersistentCacheAction"))->trigger();
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.first().at(0).toBool(), false);
    QCOMPARE(changed.size(), 0);
    QCOMPARE(bar.kind(), MessageBar::Kind::Error);
    QVERIFY2(bar.text().contains(QStringLiteral("No model was moved; they are all in %1").arg(s.cacheDir)),
        qPrintable(bar.text()));
    QVERIFY(QFileInfo::exists(s.cacheDir + QLatin1Char('/') + key + QStringLiteral("/saved_model.pb")));
    for (const shellenv::TargetState &state : shellenv::EnvPersistence().readAll())
        QVERIFY2(!state.values.contains(shellenv::Variable::CacheDir), qPrintable(state.path));
}

void TestEnvSettingsUi::temporaryCacheLiveDownloadRefusesMove()
{
    const HubSettings s = defaults();
    const QString key = test::makeEntry(s.cacheDir, QStringLiteral("https://tfhub.dev/test/a/1"),
        test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
    const QString busy = test::makeEntry(s.cacheDir, QStringLiteral("https://tfhub.dev/test/busy/1"),
        test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
    QVERIFY(!key.isEmpty() && !busy.isEmpty());
    // Locked by this very process, which is alive: a live download that must not be left behind.
    const QString uid = QStringLiteral("0123456789abcdef0123456789abcdef");
    QVERIFY(test::writeFile(s.cacheDir + QLatin1Char('/') + busy + QStringLiteral(".lock"),
        cache::lockContent(util::hostName(), QCoreApplication::applicationPid(), uid)));
    QVERIFY(QDir().mkpath(
        s.cacheDir + QLatin1Char('/') + busy + QLatin1Char('.') + uid + QStringLiteral(".tmp")));
    MessageBar bar;
    FirstRunBar first(&bar);
    QSignalSpy changed(&first, &FirstRunBar::cacheDirChanged);
    QSignalSpy finished(&first, &FirstRunBar::finished);
    QVERIFY(first.check(s));
    actionNamed(bar, QStringLiteral("usePersistentCacheAction"))->trigger();
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.first().at(0).toBool(), false);
    QCOMPARE(changed.size(), 0);
    const QString text = bar.text();
    QVERIFY2(
        text.contains(QStringLiteral("https://tfhub.dev/test/busy/1: being downloaded")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("nothing was changed in your settings")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Try again once the downloads finish")), qPrintable(text));
    const QString target = m_home->path() + QStringLiteral("/.cache/tfhub_modules");
    QVERIFY(QFileInfo::exists(s.cacheDir + QLatin1Char('/') + key + QStringLiteral("/saved_model.pb")));
    QVERIFY(!QFileInfo::exists(target + QLatin1Char('/') + key));
    for (const shellenv::TargetState &state : shellenv::EnvPersistence().readAll())
        QVERIFY2(!state.values.contains(shellenv::Variable::CacheDir), qPrintable(state.path));
    QVERIFY(!QFileInfo::exists(m_home->path() + QStringLiteral("/.bashrc")));
}

void TestEnvSettingsUi::invalidLoadFormatFixed()
{
    qputenv("TFHUB_MODEL_LOAD_FORMAT", "compressed");
    const HubSettings s = defaults();
    qunsetenv("TFHUB_MODEL_LOAD_FORMAT");
    QCOMPARE(s.loadFormat, LoadFormat::Invalid);
    MessageBar bar;
    FirstRunBar first(&bar);
    QSignalSpy finished(&first, &FirstRunBar::finished);
    QVERIFY(first.check(s));
    QCOMPARE(bar.kind(), MessageBar::Kind::Warning);
    QVERIFY2(bar.text().contains(QStringLiteral("\"compressed\"")), qPrintable(bar.text()));
    QAction *fix = actionNamed(bar, QStringLiteral("fixLoadFormatAction"));
    QVERIFY(fix);
    QCOMPARE(fix->text(), QStringLiteral("Set it to COMPRESSED"));
    fix->trigger();
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.first().at(0).toBool(), true);
    const shellenv::EnvPersistence p;
    QCOMPARE(p.read(shellenv::Target::Bash).values.value(shellenv::Variable::LoadFormat),
        QStringLiteral("COMPRESSED"));
    QCOMPARE(p.read(shellenv::Target::Zsh).values.value(shellenv::Variable::LoadFormat),
        QStringLiteral("COMPRESSED"));
}

void TestEnvSettingsUi::persistentCacheShowsNothing()
{
    qputenv("TFHUB_CACHE_DIR", QFile::encodeName(m_home->path() + QStringLiteral("/models")));
    const HubSettings s = defaults();
    qunsetenv("TFHUB_CACHE_DIR");
    MessageBar bar;
    FirstRunBar first(&bar);
    QVERIFY(!first.check(s));
    QVERIFY(bar.isHidden());
}

QTEST_MAIN(TestEnvSettingsUi)
#include "tst_envsettingsui.moc"
