// The bundle commands in the window, offscreen: export from the Cache page's selection and
// everything, import a bundle and an archive through BundleActions (as a drop does), progress and
// summary in the dialog, cancel, the handle question's validation and completion, and drops.

#include "tests/core/bundlefixtures.h"
#include "ui/bundle/adopthandledialog.h"
#include "ui/bundle/bundleactions.h"
#include "ui/bundle/bundledialog.h"
#include "ui/bundle/bundlerunner.h"
#include "ui/cache/cachepage.h"
#include "ui/window/mainwindow.h"

#include <QAction>
#include <QCompleter>
#include <QLineEdit>
#include <QMenuBar>
#include <QMimeData>
#include <QSignalSpy>
#include <QtTest>

using namespace tfhub;
using namespace tfhub::ui;
using namespace tfhub::test::bundlefixtures;

namespace {
constexpr int WaitMs = 30000;
}

class TestBundleUi final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_source;
    QStringList m_keys;

    QString path(const QString &name) const { return m_dir.filePath(name); }

    static bool finishedOk(BundleDialog *dialog)
    {
        if (!dialog)
            return false;
        QSignalSpy done(dialog, &BundleDialog::operationDone);
        if (!dialog->isDone() && !done.wait(WaitMs))
            return false;
        return dialog->runner()->outcome().ok;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        test::isolateHome(path(QStringLiteral("home")));
        m_source = path(QStringLiteral("source"));
        m_keys = makeSourceCache(m_source);
        QCOMPARE(m_keys.size(), 3);
    }

    void fileMenuHasTheCommands()
    {
        MainWindow window(m_source, QStringLiteral("test"));
        QStringList texts;
        for (QAction *a : window.menuBar()->actions().first()->menu()->actions())
            texts << a->text();
        QVERIFY(texts.contains(window.bundleActions()->importAction()->text()));
        QVERIFY(texts.contains(window.bundleActions()->exportAllAction()->text()));
        QVERIFY(!window.bundleActions()->exportSelectedAction()->isEnabled());
        QVERIFY(
            window.cachePage()->tableMenuActions().contains(window.bundleActions()->exportSelectedAction()));
        QVERIFY(window.cachePage()->tableMenuActions().contains(window.bundleActions()->exportAllAction()));
        QVERIFY(window.acceptDrops());
    }

    void exportSelectionThenImport()
    {
        MainWindow window(m_source, QStringLiteral("test"));
        QSignalSpy scanned(&window, &MainWindow::scanFinished);
        window.refresh();
        QVERIFY(scanned.wait(WaitMs));
        window.cachePage()->selectKeys({ m_keys.at(1) });
        QTRY_VERIFY_WITH_TIMEOUT(window.bundleActions()->exportSelectedAction()->isEnabled(), WaitMs);
        QCOMPARE(window.cachePage()->selectedKeys(), QStringList { m_keys.at(1) });
        const QString zip = path(QStringLiteral("selected.zip"));
        BundleDialog *dialog = window.bundleActions()->exportKeys(window.cachePage()->selectedKeys(), zip);
        QVERIFY(finishedOk(dialog));
        QVERIFY2(dialog->summaryText().contains(QStringLiteral("Exported 1 entries")),
            qPrintable(dialog->summaryText()));

        const QString target = path(QStringLiteral("gui-target"));
        QDir().mkpath(target);
        MainWindow other(target, QStringLiteral("test"));
        QSignalSpy changed(other.bundleActions(), &BundleActions::entriesChanged);
        dialog = other.bundleActions()->importFile(zip);
        QVERIFY(finishedOk(dialog));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.first().first().toStringList(), QStringList { m_keys.at(1) });
        QVERIFY(dialog->summaryText().contains(QStringLiteral("imported")));
        QCOMPARE(treeOf(target + QLatin1Char('/') + m_keys.at(1)),
            treeOf(m_source + QLatin1Char('/') + m_keys.at(1)));
    }

    void exportEverything()
    {
        MainWindow window(m_source, QStringLiteral("test"));
        BundleDialog *dialog = window.bundleActions()->exportKeys({}, path(QStringLiteral("all.zip")));
        QVERIFY(finishedOk(dialog));
        QVERIFY2(dialog->summaryText().contains(QStringLiteral("Exported 3 entries")),
            qPrintable(dialog->summaryText()));
    }

    void adoptArchiveWithAHandle()
    {
        const QString target = path(QStringLiteral("adopt-target"));
        QDir().mkpath(target);
        MainWindow window(target, QStringLiteral("test"));
        const QString handle = QStringLiteral("https://tfhub.dev/google/half-plus-two/1");
        BundleDialog *dialog = window.bundleActions()->importFile(
            test::savedModelsDir() + QStringLiteral("/half_plus_two_v1_hub_module.tar.gz"), handle);
        QVERIFY(finishedOk(dialog));
        QVERIFY(QFile::exists(
            target + QLatin1Char('/') + Handle::cacheKeyOf(handle) + QStringLiteral("/tfhub_module.pb")));
    }

    void failureIsShownInTheSummary()
    {
        const QString bad = path(QStringLiteral("bad.zip"));
        QVERIFY(test::writeFile(bad, "not a zip"));
        MainWindow window(path(QStringLiteral("bad-target")), QStringLiteral("test"));
        BundleDialog *dialog = window.bundleActions()->importFile(bad);
        QVERIFY(dialog);
        QSignalSpy done(dialog, &BundleDialog::operationDone);
        QVERIFY(done.wait(WaitMs));
        QCOMPARE(done.first().first().toBool(), false);
        QVERIFY(dialog->summaryText().contains(QStringLiteral("not a readable zip")));
    }

    void cancelStopsTheWork()
    {
        MainWindow window(m_source, QStringLiteral("test"));
        BundleDialog dialog(QStringLiteral("test"));
        dialog.setAttribute(Qt::WA_DeleteOnClose, false);
        QSignalSpy done(&dialog, &BundleDialog::operationDone);
        dialog.runner()->cancel(); // before it starts: the work sees the flag at its first block
        const QString zip = path(QStringLiteral("cancelled.zip"));
        dialog.runner()->startExport({ m_source, m_keys, zip, QStringLiteral("test") });
        QVERIFY(done.wait(WaitMs));
        QCOMPARE(done.first().first().toBool(), false);
        QVERIFY(dialog.runner()->outcome().cancelled);
        QVERIFY(!QFile::exists(zip));
        QVERIFY(dialog.summaryText().contains(QStringLiteral("Cancelled")));
    }

    void handleQuestionValidatesAndCompletes()
    {
        AdoptHandleDialog ask(QStringLiteral("m.tar.gz"),
            { QStringLiteral("https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/classification/5") });
        QVERIFY(!ask.isAcceptable());
        ask.handleEdit()->setText(QStringLiteral("/local/path"));
        QVERIFY(!ask.isAcceptable());
        ask.handleEdit()->setText(QStringLiteral("gs://bucket/folder"));
        QVERIFY(!ask.isAcceptable());
        ask.handleEdit()->setText(QStringLiteral("https://tfhub.dev/google/x/1"));
        QVERIFY(ask.isAcceptable());
        QCompleter *c = ask.handleEdit()->completer();
        QVERIFY(c);
        c->setCompletionPrefix(QStringLiteral("mobilenet"));
        QCOMPARE(c->completionCount(), 1);
    }

    void dropsAcceptBundlesAndArchivesOnly()
    {
        QVERIFY(BundleActions::isImportable(QStringLiteral("/x/b.zip")));
        QVERIFY(BundleActions::isImportable(QStringLiteral("/x/m.tar.gz")));
        QVERIFY(BundleActions::isImportable(QStringLiteral("/x/m.TGZ")));
        QVERIFY(BundleActions::isImportable(QStringLiteral("/x/m.tar")));
        QVERIFY(!BundleActions::isImportable(QStringLiteral("/x/notes.txt")));
        const QString target = path(QStringLiteral("drop-target"));
        QDir().mkpath(target);
        MainWindow window(target, QStringLiteral("test"));
        QVERIFY(exportKeys(m_source, { m_keys.at(0) }, path(QStringLiteral("drop.zip"))));
        QMimeData data;
        data.setUrls({ QUrl::fromLocalFile(path(QStringLiteral("drop.zip"))) });
        QMimeData text;
        text.setUrls({ QUrl::fromLocalFile(path(QStringLiteral("notes.txt"))) });
        QDragEnterEvent refused(QPoint(10, 10), Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&window, &refused);
        QVERIFY(!refused.isAccepted());
        // The enter makes the window the drag's target, to which Qt delivers the drop.
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&window, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
        QSignalSpy changed(window.bundleActions(), &BundleActions::entriesChanged);
        QApplication::sendEvent(&window, &drop);
        QVERIFY(drop.isAccepted());
        QVERIFY(changed.wait(WaitMs));
        QVERIFY(QFile::exists(target + QLatin1Char('/') + m_keys.at(0)));
    }
};

QTEST_MAIN(TestBundleUi)
#include "tst_bundleui.moc"
