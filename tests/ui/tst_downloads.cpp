// The downloads model and page on their own: status texts, progress batching, queueing by paste,
// shortcut and drop, and cancel and retry of a selected row.
#include "core/prefetch/downloadqueue.h"
#include "tests/support/testdata.h"
#include "tests/support/testhub.h"
#include "tests/ui/downloadsfixtures.h"
#include "ui/downloads/downloadmodel.h"
#include "ui/downloads/downloadspage.h"
#include "ui/widgets/messagebar.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QBrush>
#include <QDir>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QtTest>

using namespace tfhub;
using namespace tfhub::ui;
using namespace tfhub::test::downloads;
using test::TestHub;

class TestDownloads final : public QObject, private DownloadsFixture
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { setUpSuite(QStringLiteral("tst_downloads")); }
    void init() { setUpTest(); }
    void cleanup() { tearDownTest(); }

    void statusText_data();
    void statusText();
    void modelFollowsQueue();
    void progressIsBatched();
    void pasteQueuesValidAndReportsMalformed();
    void shortcutQueuesFromTextBox();
    void dropQueuesUrlsAndText();
    void throttledJobShowsProgressThenDone();
    void cancelSelectedRow();
    void retryRerunsToDone();
    void barFill();
    void cutArchiveBarNotFull();
    void retryCountsDown();
    void nameResolutionRetryCountsDown();
};

void TestDownloads::statusText_data()
{
    QTest::addColumn<int>("phase");
    QTest::addColumn<QString>("detail");
    QTest::addColumn<int>("resultPhase");
    QTest::addColumn<bool>("alreadyCached");
    QTest::addColumn<bool>("finished");
    QTest::addColumn<QString>("expected");

    const auto p = [](PrefetchPhase phase) { return static_cast<int>(phase); };
    const QString waiting = QStringLiteral("waiting for another download: being downloaded by host pid 1234");
    QTest::newRow("queued") << p(PrefetchPhase::Queued) << QString() << p(PrefetchPhase::Failed) << false
                            << false << phaseName(PrefetchPhase::Queued);
    QTest::newRow("waiting for lock") << p(PrefetchPhase::WaitingForLock) << waiting
                                      << p(PrefetchPhase::Failed) << false << false << waiting;
    QTest::newRow("downloading") << p(PrefetchPhase::Downloading) << QString() << p(PrefetchPhase::Failed)
                                 << false << false << phaseName(PrefetchPhase::Downloading);
    QTest::newRow("finalising") << p(PrefetchPhase::Finalising) << QString() << p(PrefetchPhase::Failed)
                                << false << false << phaseName(PrefetchPhase::Finalising);
    QTest::newRow("done") << p(PrefetchPhase::Done) << QString() << p(PrefetchPhase::Done) << false << true
                          << DownloadModel::tr("done");
    QTest::newRow("already cached") << p(PrefetchPhase::Done) << QString() << p(PrefetchPhase::Done) << true
                                    << true << DownloadModel::tr("already cached");
    QTest::newRow("failed")
        << p(PrefetchPhase::Failed) << QStringLiteral("HTTP 404") << p(PrefetchPhase::Failed) << false << true
        << DownloadModel::tr("%1 (HTTP %2)").arg(DownloadModel::tr("Not found"), QStringLiteral("404"));
    QTest::newRow("cancelled") << p(PrefetchPhase::Cancelled) << QString() << p(PrefetchPhase::Cancelled)
                               << false << true << DownloadModel::tr("cancelled");
}

void TestDownloads::statusText()
{
    QFETCH(int, phase);
    QFETCH(QString, detail);
    QFETCH(int, resultPhase);
    QFETCH(bool, alreadyCached);
    QFETCH(bool, finished);
    QFETCH(QString, expected);
    PrefetchProgress progress;
    progress.phase = static_cast<PrefetchPhase>(phase);
    progress.detail = detail;
    PrefetchResult result;
    result.phase = static_cast<PrefetchPhase>(resultPhase);
    result.alreadyCached = alreadyCached;
    result.message = detail;
    QCOMPARE(DownloadModel::statusText(progress, result, finished), expected);
}

void TestDownloads::modelFollowsQueue()
{
    throttle(ModulePath, 2000);
    DownloadQueue queue(options());
    DownloadModel model(&queue);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy finished(&queue, &DownloadQueue::jobFinished);

    const Result<int> first = queue.enqueue(handle(ModulePath));
    const Result<int> second = queue.enqueue(handle(MissingPath));
    QVERIFY(first && second);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, DownloadModel::HandleColumn).data(DownloadModel::HandleRole).toString(),
        handle(ModulePath));
    QCOMPARE(model.index(0, DownloadModel::HandleColumn).data().toString(),
        QStringLiteral("google/half_plus_two/1"));
    QCOMPARE(model.index(1, DownloadModel::HandleColumn).data(DownloadModel::HandleRole).toString(),
        handle(MissingPath));
    QCOMPARE(model.jobIdAt(1), *second);

    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, JobTimeoutMs);
    model.flush();
    QCOMPARE(phaseOf(model, *first), PrefetchPhase::Done);
    QCOMPARE(phaseOf(model, *second), PrefetchPhase::Failed);
    const QModelIndex failed = indexOfJob(model, *second, DownloadModel::StatusColumn);
    const QString message = queue.resultOf(*second).message;
    QVERIFY(!message.isEmpty());
    // A short reason, in red; the full message in the tooltip.
    QCOMPARE(failed.data().toString(), DownloadModel::shortReason(message));
    QVERIFY(failed.data().toString().size() < message.size());
    QCOMPARE(failed.data(Qt::ForegroundRole).value<QBrush>().color(), DownloadModel::failureColor());
    // The failed row is not dimmed like a finished one.
    QVERIFY(!indexOfJob(model, *second, DownloadModel::HandleColumn).data(Qt::ForegroundRole).isValid());
    QVERIFY2(failed.data(Qt::ToolTipRole).toString().contains(message),
        qPrintable(failed.data(Qt::ToolTipRole).toString()));
    // Finished rows stay, dimmed.
    QCOMPARE(model.rowCount(), 2);
    const auto dimmed = QGuiApplication::palette().brush(QPalette::Disabled, QPalette::Text);
    QCOMPARE(indexOfJob(model, *first).data(Qt::ForegroundRole).value<QBrush>(), dimmed);
    QCOMPARE(indexOfJob(model, *first).data(DownloadModel::PathRole).toString(),
        QDir(m_root).filePath(Handle::cacheKeyOf(handle(ModulePath))));

    // A retried row is live again, then finished again.
    finished.clear();
    QVERIFY(queue.retry(*second));
    QVERIFY(!indexOfJob(model, *second).data(DownloadModel::FinishedRole).toBool());
    QVERIFY(!indexOfJob(model, *second).data(Qt::ForegroundRole).isValid());
    QVERIFY(finished.wait(JobTimeoutMs));

    const Result<int> third = queue.enqueue(handle(SecondPath));
    QVERIFY(third);
    QCOMPARE(model.rowCount(), 3);
    QVERIFY(
        !indexOfJob(model, *third).data(DownloadModel::FinishedRole).toBool() || queue.isFinished(*third));
    QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), JobTimeoutMs);
    queue.clearFinished();
    QCOMPARE(model.rowCount(), 0);
}

void TestDownloads::progressIsBatched()
{
    // The first job hangs before its first byte, so both jobs stay put while we feed the model.
    TestHub::Fault stall;
    stall.stallAt = 0;
    m_hub.setFault(ModulePath, stall);
    DownloadQueue queue(options());
    queue.setConcurrency(1);
    DownloadModel model(&queue);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const Result<int> first = queue.enqueue(handle(ModulePath));
    const Result<int> second = queue.enqueue(handle(SecondPath));
    QVERIFY(first && second);

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    PrefetchProgress progress;
    progress.phase = PrefetchPhase::Downloading;
    progress.total = 1000;
    for (int i = 1; i <= 50; ++i) {
        progress.received = i * 10;
        Q_EMIT queue.jobProgress(*first, progress);
        Q_EMIT queue.jobProgress(*second, progress);
    }
    QCOMPARE(changed.size(), 0);
    model.flush();
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.constFirst().at(0).toModelIndex(), model.index(0, 0));
    QCOMPARE(changed.constFirst().at(1).toModelIndex(), model.index(1, DownloadModel::ColumnCount - 1));
    QCOMPARE(
        model.index(1, DownloadModel::ProgressColumn).data().toString(), DownloadModel::bytesText(500, 1000));
    queue.cancelAll();
    m_hub.releaseStalls();
}

void TestDownloads::pasteQueuesValidAndReportsMalformed()
{
    throttle(ModulePath, 100); // still running when it is pasted again
    QVERIFY(makePage());
    auto *input = m_page->findChild<QPlainTextEdit *>(QStringLiteral("handleInput"));
    auto *button = m_page->findChild<QPushButton *>(QStringLiteral("prefetchButton"));
    auto *bar = m_page->findChild<MessageBar *>(QStringLiteral("messageBar"));
    QVERIFY(input && button && bar);
    QVERIFY(!bar->isVisible());

    input->setPlainText(handle(ModulePath) + QStringLiteral("\n\n  ") + Malformed + QStringLiteral("\n")
        + handle(SecondPath) + QStringLiteral("  \n\n"));
    QTest::mouseClick(button, Qt::LeftButton);

    QCOMPARE(m_queue->ids().size(), 2);
    QCOMPARE(m_queue->handleOf(m_queue->ids().at(0)), handle(ModulePath));
    QCOMPARE(m_queue->handleOf(m_queue->ids().at(1)), handle(SecondPath));
    QCOMPARE(m_page->model()->rowCount(), 2);
    QVERIFY(bar->isVisible());
    QCOMPARE(bar->kind(), MessageBar::Kind::Error);
    QVERIFY2(bar->text().contains(Malformed), qPrintable(bar->text()));
    const QString cause = Handle::parse(Malformed).error();
    QVERIFY2(bar->text().contains(cause), qPrintable(bar->text()));
    // The malformed line stays in the box to be corrected; the queued ones left it.
    QCOMPARE(input->toPlainText(), Malformed);

    // Queueing the same handles again while they run fetches nothing twice.
    input->setPlainText(handle(ModulePath));
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(m_queue->ids().size(), 2);
    QVERIFY(!bar->isVisible());
}

void TestDownloads::shortcutQueuesFromTextBox()
{
    QVERIFY(makePage());
    auto *input = m_page->findChild<QPlainTextEdit *>(QStringLiteral("handleInput"));
    input->setFocus();
    QTRY_VERIFY(input->hasFocus());

    input->setPlainText(handle(ModulePath));
    QTest::keyClick(input, Qt::Key_D, Qt::ControlModifier);
    QCOMPARE(m_queue->ids().size(), 1);
    QVERIFY(input->toPlainText().isEmpty());

    input->setPlainText(handle(SecondPath));
    QTest::keyClick(input, Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(m_queue->ids().size(), 2);
    QCOMPARE(m_queue->handleOf(m_queue->ids().at(1)), handle(SecondPath));
    QVERIFY(input->toPlainText().isEmpty());
}

void TestDownloads::dropQueuesUrlsAndText()
{
    QVERIFY(makePage());
    QMimeData urls;
    urls.setUrls({ m_hub.url(ModulePath) });
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &urls, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_page.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &urls, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_page.get(), &drop);
    QVERIFY(drop.isAccepted());
    QCOMPARE(m_queue->ids().size(), 1);
    QCOMPARE(m_queue->handleOf(m_queue->ids().at(0)), handle(ModulePath));

    QMimeData text;
    text.setText(handle(SecondPath) + QStringLiteral("\n") + Malformed + QStringLiteral("\n"));
    QDragEnterEvent textEnter(QPoint(10, 10), Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_page.get(), &textEnter);
    QVERIFY(textEnter.isAccepted());
    QDropEvent textDrop(QPointF(10, 10), Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_page.get(), &textDrop);
    QCOMPARE(m_queue->ids().size(), 2);
    QCOMPARE(m_queue->handleOf(m_queue->ids().at(1)), handle(SecondPath));
    auto *bar = m_page->findChild<MessageBar *>(QStringLiteral("messageBar"));
    QVERIFY2(bar->isVisible() && bar->text().contains(Malformed), qPrintable(bar->text()));
}

void TestDownloads::throttledJobShowsProgressThenDone()
{
    // About three seconds for the whole archive: several progress updates on the way.
    throttle(ModulePath, m_archive.size() / 3);
    QVERIFY(makePage());
    DownloadModel *model = m_page->model();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy finished(m_queue.get(), &DownloadQueue::jobFinished);
    QCOMPARE(m_page->queueHandles({ handle(ModulePath) }), 1);
    const int id = m_queue->ids().constFirst();

    // A live row part-way: bytes received, the size known, not finished.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const QModelIndex index = indexOfJob(*model, id);
            const qint64 received = index.data(DownloadModel::ReceivedRole).toLongLong();
            return phaseOf(*model, id) == PrefetchPhase::Downloading && received > 0
                && received < m_archive.size() && !index.data(DownloadModel::FinishedRole).toBool();
        }(),
        JobTimeoutMs);
    const QModelIndex progress = indexOfJob(*model, id, DownloadModel::ProgressColumn);
    QCOMPARE(progress.data(DownloadModel::TotalRole).toLongLong(), m_archive.size());
    QVERIFY2(progress.data().toString().endsWith(
                 QStringLiteral(" / ") + QLocale().formattedDataSize(m_archive.size())),
        qPrintable(progress.data().toString()));
    QCOMPARE(indexOfJob(*model, id, DownloadModel::StatusColumn).data().toString(),
        phaseName(PrefetchPhase::Downloading));

    QVERIFY(finished.wait(JobTimeoutMs));
    QCOMPARE(finished.constFirst().at(1).value<PrefetchResult>().phase, PrefetchPhase::Done);
    QCOMPARE(phaseOf(*model, id), PrefetchPhase::Done);
    QCOMPARE(
        indexOfJob(*model, id, DownloadModel::StatusColumn).data().toString(), DownloadModel::tr("done"));
    QVERIFY(indexOfJob(*model, id, DownloadModel::RateColumn).data().toString().isEmpty());
    QVERIFY(QFileInfo::exists(
        QDir(m_root).filePath(Handle::cacheKeyOf(handle(ModulePath)) + QStringLiteral("/saved_model.pb"))));

    // Only a successful download can be opened; Clear Finished removes it.
    auto *table = m_page->findChild<QTableView *>(QStringLiteral("downloadsTable"));
    auto *open = m_page->findChild<QAction *>(QStringLiteral("openDownloadFolderAction"));
    auto *clear = m_page->findChild<QAction *>(QStringLiteral("clearFinishedAction"));
    table->selectRow(0);
    QVERIFY(open->isEnabled());
    QVERIFY(clear->isEnabled());
    clear->trigger();
    QCOMPARE(model->rowCount(), 0);
    QVERIFY(!clear->isEnabled());
}

void TestDownloads::cancelSelectedRow()
{
    throttle(ModulePath, 100); // far slower than the test waits
    QVERIFY(makePage());
    DownloadModel *model = m_page->model();
    QSignalSpy finished(m_queue.get(), &DownloadQueue::jobFinished);
    QCOMPARE(m_page->queueHandles({ handle(ModulePath) }), 1);
    const int id = m_queue->ids().constFirst();
    QTRY_VERIFY_WITH_TIMEOUT(
        indexOfJob(*model, id).data(DownloadModel::ReceivedRole).toLongLong() > 0, JobTimeoutMs);

    auto *table = m_page->findChild<QTableView *>(QStringLiteral("downloadsTable"));
    auto *cancel = m_page->findChild<QAction *>(QStringLiteral("cancelAction"));
    auto *retry = m_page->findChild<QAction *>(QStringLiteral("retryAction"));
    table->setFocus();
    table->selectRow(0);
    QVERIFY(cancel->isEnabled());
    QVERIFY(!retry->isEnabled());
    QTest::keyClick(table, Qt::Key_Delete);

    QVERIFY(finished.wait(JobTimeoutMs));
    QCOMPARE(finished.constFirst().at(1).value<PrefetchResult>().phase, PrefetchPhase::Cancelled);
    QCOMPARE(phaseOf(*model, id), PrefetchPhase::Cancelled);
    QCOMPARE(indexOfJob(*model, id, DownloadModel::StatusColumn).data().toString(),
        DownloadModel::tr("cancelled"));
    QVERIFY(!cancel->isEnabled());
    QVERIFY(retry->isEnabled());
    // Nothing of it stays: no folder, no tmp folder, no lock, no descriptor.
    QVERIFY2(namesIn(m_root).isEmpty(), qPrintable(namesIn(m_root).join(u' ')));
}

void TestDownloads::retryRerunsToDone()
{
    TestHub::Fault notFound;
    notFound.status = 404;
    m_hub.setFault(ModulePath, notFound);
    QVERIFY(makePage());
    DownloadModel *model = m_page->model();
    QSignalSpy finished(m_queue.get(), &DownloadQueue::jobFinished);
    QCOMPARE(m_page->queueHandles({ handle(ModulePath) }), 1);
    const int id = m_queue->ids().constFirst();
    QVERIFY(finished.wait(JobTimeoutMs));
    QCOMPARE(phaseOf(*model, id), PrefetchPhase::Failed);
    const QString status = indexOfJob(*model, id, DownloadModel::StatusColumn).data().toString();
    QCOMPARE(
        status, DownloadModel::tr("%1 (HTTP %2)").arg(DownloadModel::tr("Not found"), QStringLiteral("404")));

    m_hub.clearFaults();
    auto *table = m_page->findChild<QTableView *>(QStringLiteral("downloadsTable"));
    table->setFocus();
    table->selectRow(0);
    finished.clear();
    QTest::keyClick(table, Qt::Key_R, Qt::ControlModifier);
    QVERIFY(finished.wait(JobTimeoutMs));
    QCOMPARE(finished.constFirst().at(1).value<PrefetchResult>().phase, PrefetchPhase::Done);
    QCOMPARE(model->rowCount(), 1);
    QCOMPARE(phaseOf(*model, id), PrefetchPhase::Done);
    QVERIFY(QFileInfo::exists(QDir(m_root).filePath(Handle::cacheKeyOf(handle(ModulePath)))));
}

void TestDownloads::barFill()
{
    constexpr qint64 Total = 4000;
    QCOMPARE(DownloadModel::barFill(PrefetchPhase::Queued, false, 0, Total), -1);
    QCOMPARE(DownloadModel::barFill(PrefetchPhase::Downloading, false, 1000, Total), 250);
    QCOMPARE(DownloadModel::barFill(PrefetchPhase::Downloading, false, 0, -1), 0);
    // Every byte in is not yet a model: the bar is full only once the job is done.
    QCOMPARE(DownloadModel::barFill(PrefetchPhase::Finalising, false, Total, Total), 999);
    QCOMPARE(DownloadModel::barFill(PrefetchPhase::Done, true, Total, Total), 1000);
    QCOMPARE(DownloadModel::barFill(PrefetchPhase::Failed, true, Total, Total), -1);
    QCOMPARE(DownloadModel::barFill(PrefetchPhase::Cancelled, true, 1000, Total), -1);
}

void TestDownloads::cutArchiveBarNotFull()
{
    // The server sends all it has, which is half an archive: every byte arrives, the model does not.
    const QString cutPath = QStringLiteral("/google/cut/1");
    m_hub.addArchive(cutPath, m_archive.left(m_archive.size() / 2));
    QVERIFY(makePage());
    DownloadModel *model = m_page->model();
    QSignalSpy finished(m_queue.get(), &DownloadQueue::jobFinished);
    QCOMPARE(m_page->queueHandles({ handle(cutPath) }), 1);
    const int id = m_queue->ids().constFirst();
    QVERIFY(finished.wait(JobTimeoutMs));
    QCOMPARE(phaseOf(*model, id), PrefetchPhase::Failed);
    const QModelIndex progress = indexOfJob(*model, id, DownloadModel::ProgressColumn);
    QCOMPARE(progress.data(DownloadModel::ReceivedRole).toLongLong(), m_archive.size() / 2);
    QCOMPARE(progress.data(DownloadModel::BarRole).toInt(), -1);
    const QModelIndex status = indexOfJob(*model, id, DownloadModel::StatusColumn);
    QVERIFY2(status.data().toString().startsWith(DownloadModel::tr("Archive damaged")),
        qPrintable(status.data().toString()));
    QCOMPARE(status.data(Qt::ForegroundRole).value<QBrush>().color(), DownloadModel::failureColor());
    const QString message = finished.constFirst().at(1).value<PrefetchResult>().message;
    QVERIFY(status.data(Qt::ToolTipRole).toString().contains(message));
}

void TestDownloads::retryCountsDown()
{
    // The first answer is 503 with Retry-After: 3; the row says how long until the next try.
    TestHub::Fault busy;
    busy.failFirst = 1;
    busy.failStatus = 503;
    busy.retryAfter = 3;
    m_hub.setFault(ModulePath, busy);
    QVERIFY(makePage());
    DownloadModel *model = m_page->model();
    QSignalSpy finished(m_queue.get(), &DownloadQueue::jobFinished);
    QCOMPARE(m_page->queueHandles({ handle(ModulePath) }), 1);
    const int id = m_queue->ids().constFirst();
    const auto status = [&] { return indexOfJob(*model, id, DownloadModel::StatusColumn).data().toString(); };
    QTRY_COMPARE_WITH_TIMEOUT(status(), DownloadModel::tr("retrying in %1 s").arg(3), JobTimeoutMs);
    QVERIFY(indexOfJob(*model, id, DownloadModel::StatusColumn)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(QStringLiteral("retrying in 3 s: ")));
    // It counts down while it waits.
    QTRY_COMPARE_WITH_TIMEOUT(status(), DownloadModel::tr("retrying in %1 s").arg(2), JobTimeoutMs);
    QVERIFY(finished.wait(JobTimeoutMs));
    QVERIFY2(finished.constFirst().at(1).value<PrefetchResult>().phase == PrefetchPhase::Done,
        qPrintable(finished.constFirst().at(1).value<PrefetchResult>().message));
    QCOMPARE(phaseOf(*model, id), PrefetchPhase::Done);
    QCOMPARE(status(), DownloadModel::tr("done"));
}

void TestDownloads::nameResolutionRetryCountsDown()
{
    // One job at a time: the second waits in the queue, and its row shows what the engine says
    // of a retry after a failed name lookup.
    throttle(ModulePath, 100);
    QVERIFY(makePage());
    m_queue->setConcurrency(1);
    DownloadModel *model = m_page->model();
    QCOMPARE(m_page->queueHandles({ handle(ModulePath), handle(SecondPath) }), 2);
    const int id = m_queue->ids().constLast();
    PrefetchProgress retrying;
    retrying.phase = PrefetchPhase::Connecting;
    retrying.attempt = 2;
    retrying.detail
        = QStringLiteral("retrying in 4 s: cannot resolve tfhub.dev (https://tfhub.dev/google/x/1)");
    Q_EMIT m_queue->jobProgress(id, retrying);
    const QModelIndex status = indexOfJob(*model, id, DownloadModel::StatusColumn);
    QTRY_COMPARE_WITH_TIMEOUT(
        status.data().toString(), DownloadModel::tr("retrying in %1 s").arg(4), JobTimeoutMs);
    QVERIFY(status.data(Qt::ToolTipRole).toString().contains(QStringLiteral("cannot resolve tfhub.dev")));
    QCOMPARE(status.data(DownloadModel::BarRole).toInt(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(
        status.data().toString(), DownloadModel::tr("retrying in %1 s").arg(3), JobTimeoutMs);
    // Once it connects again the countdown ends.
    retrying.detail.clear();
    Q_EMIT m_queue->jobProgress(id, retrying);
    QTRY_COMPARE_WITH_TIMEOUT(status.data().toString(), phaseName(PrefetchPhase::Connecting), JobTimeoutMs);
}

QTEST_MAIN(TestDownloads)
#include "tst_downloads.moc"
