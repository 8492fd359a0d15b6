#pragma once

// Fixtures shared by the settings page suites (tst_settingspage, tst_settingsmove): one home of our
// own for the whole run, emptied before each test, and the steps every test takes on the page.

#include "core/prefetch/downloadqueue.h"
#include "core/shellenv/envpersistence.h"
#include "ui/settings/settingspage.h"

#include <QCheckBox>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>

#include <memory>

namespace tfhub::test::settingspage {

using tfhub::ui::SettingsPage;

constexpr int ApplyTimeoutMs = 60000;
constexpr int ProbeTimeoutMs = 90000;

inline QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<unreadable>");
}

// The suites derive from this beside QObject and call setUpSuite, setUpTest and tearDownTest from
// initTestCase, init and cleanup.
class SettingsPageFixture
{
protected:
    QTemporaryDir m_root;
    std::unique_ptr<QTemporaryDir> m_home;
    std::unique_ptr<DownloadQueue> m_queue;

    QString home() const { return m_home->path(); }

    void setUpSuite(const QString &suiteName)
    {
        QVERIFY(m_root.isValid());
        qunsetenv("TFHUB_CACHE_DIR");
        qunsetenv("TFHUB_MODEL_LOAD_FORMAT");
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("tfhub-cache-manager-tests"));
        QCoreApplication::setApplicationName(suiteName);
    }

    void setUpTest()
    {
        // One home for the whole run (QSettings keeps the path it found first), emptied for each test.
        // Its name has a space, as many real ones do not, to catch missing quotes.
        if (!m_home) {
            m_home = std::make_unique<QTemporaryDir>(m_root.filePath(QStringLiteral("home XXXXXX")));
            QVERIFY(m_home->isValid());
        }
        QDir dir(home());
        for (const QString &name : dir.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden)) {
            if (name != QLatin1String(".qttest"))
                QVERIFY(QFileInfo(dir.filePath(name)).isDir() ? QDir(dir.filePath(name)).removeRecursively()
                                                              : QFile::remove(dir.filePath(name)));
        }
        qputenv("HOME", QFile::encodeName(home()));
        qputenv("ZDOTDIR", QFile::encodeName(home()));
        qputenv("XDG_CONFIG_HOME", QFile::encodeName(home() + QStringLiteral("/.config")));
        qputenv("XDG_DATA_HOME", QFile::encodeName(home() + QStringLiteral("/.local/share")));
        qputenv("XDG_CACHE_HOME", QFile::encodeName(home() + QStringLiteral("/.cache")));
        qputenv("TMPDIR", QFile::encodeName(home() + QStringLiteral("/tmp")));
        QVERIFY(QDir().mkpath(home() + QStringLiteral("/tmp")));
        QVERIFY2(QSettings().fileName().startsWith(home()), qPrintable(QSettings().fileName()));
        QSettings().clear();
        PrefetchOptions options;
        options.cacheRoot = home() + QStringLiteral("/tmp/tfhub_modules");
        m_queue = std::make_unique<DownloadQueue>(options);
    }

    void tearDownTest()
    {
        // The pages' shell probes run on the pool: none may outlive its test and read the next one's home.
        QVERIFY(QThreadPool::globalInstance()->waitForDone(ProbeTimeoutMs));
        m_queue.reset();
    }

    void checkOnly(SettingsPage &page, const QList<shellenv::Target> &targets) const
    {
        for (const shellenv::Target t : shellenv::allTargets()) {
            auto *check = page.findChild<QCheckBox *>(QStringLiteral("target_") + shellenv::targetName(t));
            QVERIFY(check);
            check->setChecked(targets.contains(t));
        }
    }

    bool apply(SettingsPage &page, const QString &button = QStringLiteral("applyButton")) const
    {
        QSignalSpy finished(&page, &SettingsPage::applyFinished);
        auto *b = page.findChild<QPushButton *>(button);
        if (!b || !b->isEnabled())
            return false;
        b->click();
        return finished.wait(ApplyTimeoutMs) && finished.first().at(0).toBool();
    }
};

} // namespace tfhub::test::settingspage
