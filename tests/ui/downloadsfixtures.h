#pragma once

// Fixtures shared by the downloads suites (tst_downloads, tst_downloadswindow): a local hub serving
// the real half_plus_two module under two handles, a fresh cache folder per test, and a home of our
// own so that no test reads or writes the real settings.

#include "core/prefetch/downloadqueue.h"
#include "tests/support/testdata.h"
#include "tests/support/testhub.h"
#include "ui/downloads/downloadmodel.h"
#include "ui/downloads/downloadspage.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace tfhub::test::downloads {

using tfhub::ui::DownloadModel;
using tfhub::ui::DownloadsPage;

constexpr int JobTimeoutMs = 30000;

inline const QString ModulePath = QStringLiteral("/google/half_plus_two/1");
inline const QString SecondPath = QStringLiteral("/google/half_plus_two/2");
inline const QString MissingPath = QStringLiteral("/google/missing/1");
inline const QString Malformed = QStringLiteral("ftp://example.com/models/1");

inline QStringList namesIn(const QString &dir)
{
    return QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDir::Name);
}

// The first row whose job is `id`, as the model shows it.
inline QModelIndex indexOfJob(const DownloadModel &model, int id, int column = 0)
{
    const int row = model.rowOfJob(id);
    return row < 0 ? QModelIndex() : model.index(row, column);
}

inline PrefetchPhase phaseOf(const DownloadModel &model, int id)
{
    return static_cast<PrefetchPhase>(indexOfJob(model, id).data(DownloadModel::PhaseRole).toInt());
}

// The suites derive from this beside QObject and call setUpSuite, setUpTest and tearDownTest from
// initTestCase, init and cleanup.
class DownloadsFixture
{
protected:
    QTemporaryDir m_home;
    TestHub m_hub;
    QByteArray m_archive;
    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_root;
    std::unique_ptr<DownloadQueue> m_queue;
    std::unique_ptr<DownloadsPage> m_page;

    void setUpSuite(const QString &suiteName)
    {
        // Before anything reads QSettings or QStandardPaths: no test may touch the real home.
        QVERIFY(m_home.isValid());
        test::isolateHome(m_home.path());
        qunsetenv("TFHUB_CACHE_DIR");
        qunsetenv("TFHUB_MODEL_LOAD_FORMAT");
        QCoreApplication::setOrganizationName(QStringLiteral("tfhub-cache-manager-tests"));
        QCoreApplication::setApplicationName(suiteName);
        QVERIFY2(QSettings().fileName().startsWith(m_home.path()), qPrintable(QSettings().fileName()));

        QFile archive(test::savedModelsDir() + QStringLiteral("/half_plus_two_v1_hub_module.tar.gz"));
        QVERIFY(archive.open(QIODevice::ReadOnly));
        m_archive = archive.readAll();
        QVERIFY(m_archive.size() > 1000);
        QVERIFY(m_hub.start());
        m_hub.addArchive(ModulePath, m_archive);
        m_hub.addArchive(SecondPath, m_archive);
    }

    void setUpTest()
    {
        QSettings().clear();
        m_hub.clearFaults();
        m_hub.clearRequests();
        m_tmp = std::make_unique<QTemporaryDir>();
        QVERIFY(m_tmp->isValid());
        m_root = m_tmp->path() + QStringLiteral("/cache");
        QVERIFY(QDir().mkpath(m_root));
    }

    void tearDownTest()
    {
        m_page.reset();
        // Its destructor cancels what still runs, which a released stall lets finish quickly.
        m_hub.clearFaults();
        m_hub.releaseStalls();
        m_queue.reset();
        m_tmp.reset();
    }

    PrefetchOptions options() const
    {
        PrefetchOptions o;
        o.cacheRoot = m_root;
        o.lockPollMs = 100;
        o.graceSecs = 1;
        o.noProgressSecs = 2;
        o.stallSecs = 2;
        o.retries = 2;
        o.backoffMs = 50;
        return o;
    }

    QString handle(const QString &path) const { return m_hub.url(path).toString(); }

    void throttle(const QString &path, qint64 bytesPerSecond)
    {
        TestHub::Fault fault;
        fault.bytesPerSecond = bytesPerSecond;
        m_hub.setFault(path, fault);
    }

    /// A page on a fresh queue, shown and active so keyboard shortcuts reach it.
    bool makePage()
    {
        m_queue = std::make_unique<DownloadQueue>(options());
        m_page = std::make_unique<DownloadsPage>(m_queue.get());
        m_page->resize(900, 500);
        m_page->show();
        m_page->activateWindow();
        return QTest::qWaitForWindowActive(m_page.get());
    }
};

} // namespace tfhub::test::downloads
