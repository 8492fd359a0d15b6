#include "core/util/humanize.h"
#include "ui/settings/envapplier.h"
#include "ui/settings/outcomemessage.h"

#include <QtTest>

using namespace tfhub;
using namespace tfhub::ui;

Q_DECLARE_METATYPE(tfhub::ui::ApplyOutcome)

namespace {

const QString Bashrc = QStringLiteral("/home/u/.bashrc");
const QString Zshrc = QStringLiteral("/home/u/.zshrc");
const QString From = QStringLiteral("/tmp/tfhub_modules");
const QString To = QStringLiteral("/home/u/.cache/tfhub_modules");

const QString SavedBash
    = QStringLiteral("Saved in /home/u/.bashrc. New terminals get the values now; programs "
                     "started from the desktop after your next login.");

shellenv::TargetResult written(const QString &path)
{
    shellenv::TargetResult r;
    r.path = path;
    r.writtenPath = path;
    r.changed = true;
    return r;
}

shellenv::TargetResult failed(const QString &path, const QString &error)
{
    shellenv::TargetResult r = written(path);
    r.changed = false;
    r.error = error;
    return r;
}

ApplyOutcome withMove(const QStringList &moved, bool writtenToo)
{
    ApplyOutcome o;
    o.moveAttempted = true;
    o.moveReport.from = From;
    o.moveReport.to = To;
    o.moveReport.moved = moved;
    o.moveReport.bytes = 2048;
    if (writtenToo)
        o.results = { written(Bashrc) };
    return o;
}

} // namespace

/// settingsOutcomeMessage(): every way an Apply or Unset can end, and what the page says.
class TestSettingsOutcome final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void message_data();
    void message();
};

namespace {

// Saving or removing the settings, without a move.
void addSaveRows()
{
    const int error = int(MessageBar::Kind::Error);
    const int positive = int(MessageBar::Kind::Positive);
    ApplyOutcome o;
    o.checkError = QStringLiteral("Cannot create /x: permission denied");
    QTest::newRow("destination refused")
        << o << error << false << QStringLiteral("Cannot create /x: permission denied Nothing was saved.")
        << QString() << QStringList();

    o = ApplyOutcome();
    o.results = { written(Bashrc) };
    QTest::newRow("saved") << o << positive << true << SavedBash << QString() << QStringList { Bashrc };

    o = ApplyOutcome();
    o.unset = true;
    o.results = { written(Bashrc), written(Zshrc) };
    QTest::newRow("unset") << o << positive << true
                           << QStringLiteral(
                                  "Removed the settings from /home/u/.bashrc, /home/u/.zshrc. New "
                                  "terminals use tensorflow_hub's defaults; programs started from the "
                                  "desktop after your next login.")
                           << QString() << QStringList { Bashrc, Zshrc };

    o = ApplyOutcome();
    o.results
        = { written(Bashrc), failed(Zshrc, QStringLiteral("Cannot write /home/u/.zshrc: is a folder")) };
    QTest::newRow("one file failed") << o << error << false
                                     << QStringLiteral("Cannot write /home/u/.zshrc: is a folder ")
            + SavedBash << QString() << QStringList { Bashrc };

    o = ApplyOutcome();
    o.results = { failed(Bashrc, QStringLiteral("Cannot write /home/u/.bashrc: read-only file system")) };
    QTest::newRow("every file failed")
        << o << error << false << QStringLiteral("Cannot write /home/u/.bashrc: read-only file system")
        << QString() << QStringList();
}

// A move that went through, wholly or in part, or failed.
void addMoveRows()
{
    const int error = int(MessageBar::Kind::Error);
    const int warning = int(MessageBar::Kind::Warning);
    const int positive = int(MessageBar::Kind::Positive);
    ApplyOutcome o = withMove({ QStringLiteral("k1"), QStringLiteral("k2") }, true);
    QTest::newRow("moved and saved") << o << positive << true
                                     << SavedBash
            + QStringLiteral(" 2 model(s) moved to %1 (%2).").arg(To, util::humanSize(2048))
                                     << QString() << QStringList { Bashrc };

    o = withMove({ QStringLiteral("k1") }, true);
    o.moveReport.skipped = { QStringLiteral("k2: being downloaded.") };
    o.moveReport.leftBehind = { QStringLiteral("notes.txt: not a cache entry, left in place."),
        QStringLiteral("k3: only leftovers of a failed download, left in place.") };
    QTest::newRow("moved, some left in place")
        << o << warning << true
        << SavedBash
            + QStringLiteral(" 1 model(s) moved to %1 (%2). Left in place: k2: being downloaded.")
                  .arg(To, util::humanSize(2048))
        << QStringLiteral(
               "notes.txt: not a cache entry, left in place.\nk3: only leftovers of a failed download, "
               "left in place.")
        << QStringList { Bashrc };

    o = withMove({}, false);
    o.moveError
        = QStringLiteral("Cannot copy /tmp/tfhub_modules/k1/pipe: it is not a regular file, folder or link.");
    QTest::newRow("move failed") << o << error << false
                                 << QStringLiteral(
                                        "Moving the models failed: Cannot copy /tmp/tfhub_modules/k1/pipe: "
                                        "it is not a regular file, folder or link. No model was moved; they "
                                        "are all in /tmp/tfhub_modules. Nothing was saved.")
                                 << QString() << QStringList();
}

// A move that nothing came of: refused, undone or cancelled.
void addMoveUndoneRows()
{
    const int error = int(MessageBar::Kind::Error);
    const int warning = int(MessageBar::Kind::Warning);
    // A model being downloaded refuses the move unless the user agreed to leave it behind: the
    // message names it, says nothing changed, and how to go on.
    ApplyOutcome o = withMove({}, false);
    o.moveReport.skipped = { QStringLiteral("k2: being downloaded (process 42 on host).") };
    o.moveReport.skippedKeys = { QStringLiteral("k2") };
    o.moveError = QStringLiteral("Nothing was moved: 1 model(s) cannot move now and would be missing from "
                                 "%1: k2: being downloaded (process 42 on host).")
                      .arg(To);
    QTest::newRow("move refused, model being downloaded")
        << o << warning << false
        << QStringLiteral("1 model(s) cannot move now: k2: being downloaded (process 42 on host). No model "
                          "was moved; they are all in %1. Nothing was saved. Try again once the downloads "
                          "finish, or tick \"Move even if models are being downloaded\" to leave them in %1.")
               .arg(From)
        << QString() << QStringList();

    // No file could name the new folder: the copies were undone, and the message says so.
    o = withMove({ QStringLiteral("k1") }, false);
    o.results = { failed(Bashrc, QStringLiteral("Cannot write /home/u/.bashrc: read-only file system")) };
    o.finishAttempted = true;
    o.finishReport.undone = true;
    QTest::newRow("nothing saved, move undone")
        << o << error << false
        << QStringLiteral("Cannot write /home/u/.bashrc: read-only file system 1 model(s) were copied to %1, "
                          "then put back. No file could be saved, so the models were put back in %2.")
               .arg(To, From)
        << QString() << QStringList();

    // The engine undoes a cancelled move: nothing moved, whatever was copied before the cancel.
    o = withMove({}, false);
    o.moveReport.cancelled = true;
    QTest::newRow("move cancelled")
        << o << warning << false
        << QStringLiteral("Moving was cancelled: no model was moved; they are all in %1. Nothing was saved.")
               .arg(From)
        << QString() << QStringList();
}

} // namespace

void TestSettingsOutcome::message_data()
{
    QTest::addColumn<ApplyOutcome>("outcome");
    QTest::addColumn<int>("kind");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("details");
    QTest::addColumn<QStringList>("savedIn");
    addSaveRows();
    addMoveRows();
    addMoveUndoneRows();
}

void TestSettingsOutcome::message()
{
    QFETCH(ApplyOutcome, outcome);
    QFETCH(int, kind);
    QFETCH(bool, ok);
    QFETCH(QString, text);
    QFETCH(QString, details);
    QFETCH(QStringList, savedIn);
    const OutcomeMessage m = settingsOutcomeMessage(outcome);
    QCOMPARE(m.text, text);
    QCOMPARE(int(m.kind), kind);
    QCOMPARE(m.ok, ok);
    QCOMPARE(m.details, details);
    QCOMPARE(m.savedIn, savedIn);
}

QTEST_GUILESS_MAIN(TestSettingsOutcome)
#include "tst_settingsoutcome.moc"
