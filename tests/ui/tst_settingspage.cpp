// The settings page writing the shell files: the exact lines previewed and written, only the
// checked files touched, unset, the load format, and the effective values new shells will see.
#include "core/hub/hubsettings.h"
#include "core/shellenv/envpersistence.h"
#include "tests/support/testdata.h"
#include "tests/ui/settingspagefixtures.h"
#include "ui/settings/effectivevalues.h"
#include "ui/settings/settingspage.h"
#include "ui/widgets/messagebar.h"

#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QRadioButton>
#include <QScrollArea>
#include <QSettings>
#include <QSignalSpy>
#include <QTreeWidget>
#include <QtTest>

using namespace tfhub;
using namespace tfhub::ui;
using namespace tfhub::test::settingspage;

namespace {

// What a real new shell prints for the variable, asked independently of the page's probe.
QString askShell(const QString &shell, const QStringList &args)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("TFHUB_CACHE_DIR"));
    env.remove(QStringLiteral("TFHUB_MODEL_LOAD_FORMAT"));
    QProcess p;
    p.setProcessEnvironment(env);
    p.setStandardInputFile(QProcess::nullDevice());
    p.start(shell, args);
    if (!p.waitForFinished(30000))
        return QStringLiteral("<%1 did not finish>").arg(shell);
    return QString::fromUtf8(p.readAllStandardOutput());
}

QTreeWidgetItem *rowNamed(const SettingsPage &page, const QString &name)
{
    auto *table = page.findChild<QTreeWidget *>(QStringLiteral("effectiveTable"));
    for (int i = 0; table && i < table->topLevelItemCount(); ++i) {
        if (table->topLevelItem(i)->text(0) == name)
            return table->topLevelItem(i);
    }
    return nullptr;
}

} // namespace

class TestSettingsPage final : public QObject, private SettingsPageFixture
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { setUpSuite(QStringLiteral("tst_settingspage")); }
    void init() { setUpTest(); }
    void cleanup() { tearDownTest(); }

    void previewShowsExactLines();
    void defaultTargetsAreExistingFiles();
    void applyWritesCheckedTargetsOnly();
    void failingTargetDoesNotStopOthers();
    void unsetRemovesBlock();
    void loadFormatWritesExactValue_data();
    void loadFormatWritesExactValue();
    void temporaryFolderWarning();
    void invalidFolderDisablesApply();
    void effectiveValuesFollowApply();
    void effectiveValuesStartEachShellOnce();
    void applyButtonsAtTheBottom();
    void autoRemovesSavedLine();
};

void TestSettingsPage::previewShowsExactLines()
{
    SettingsPage page(m_queue.get(), HubSettings::resolve());
    checkOnly(page, { shellenv::Target::Bash, shellenv::Target::Fish, shellenv::Target::Session });
    const QString dir = home() + QStringLiteral("/my models/Bob's \"best\"");
    page.findChild<QLineEdit *>(QStringLiteral("cacheDirEdit"))->setText(dir);
    page.findChild<QRadioButton *>(QStringLiteral("loadFormatCOMPRESSED"))->click();

    const auto preview = [&](const char *name) {
        return page.findChild<QLabel *>(QStringLiteral("preview_") + QLatin1String(name))->text();
    };
    const QString begin = QStringLiteral("# >>> tfhub-cache-manager >>>\n# Managed by TF Hub Cache Manager "
                                         "(tfhub-cache config); this block is replaced on change.\n");
    const QString end = QStringLiteral("# <<< tfhub-cache-manager <<<");
    QCOMPARE(preview("bash"),
        begin
            + QStringLiteral("export TFHUB_CACHE_DIR=\"$HOME/my models/Bob's \\\"best\\\"\"\n"
                             "export TFHUB_MODEL_LOAD_FORMAT=\"COMPRESSED\"\n")
            + end);
    QCOMPARE(preview("fish"),
        begin
            + QStringLiteral("set -gx TFHUB_CACHE_DIR \"$HOME/my models/Bob's \\\"best\\\"\"\n"
                             "set -gx TFHUB_MODEL_LOAD_FORMAT \"COMPRESSED\"\n")
            + end);
    QCOMPARE(preview("session"),
        begin
            + QStringLiteral("TFHUB_CACHE_DIR=\"${HOME}/my models/Bob's \\\"best\\\"\"\n"
                             "TFHUB_MODEL_LOAD_FORMAT=\"COMPRESSED\"\n")
            + end);
    // Only the checked files get a preview, and their titles name the exact file.
    QVERIFY(!page.findChild<QLabel *>(QStringLiteral("preview_zsh"))->isVisibleTo(&page));
    QVERIFY(page.findChild<QLabel *>(QStringLiteral("preview_bash"))->isVisibleTo(&page));
    QCOMPARE(page.findChild<QLabel *>(QStringLiteral("previewTitle_bash"))->text(),
        QStringLiteral("%1/.bashrc (a new file):").arg(home()));

    // Live: editing the form changes the lines at once, and nothing is written yet.
    page.findChild<QLineEdit *>(QStringLiteral("cacheDirEdit"))->setText(QStringLiteral("/srv/models"));
    page.findChild<QRadioButton *>(QStringLiteral("loadFormatUNCOMPRESSED"))->click();
    QVERIFY2(preview("bash").contains(QStringLiteral("\nexport TFHUB_CACHE_DIR=\"/srv/models\"\n"
                                                     "export TFHUB_MODEL_LOAD_FORMAT=\"UNCOMPRESSED\"\n")),
        qPrintable(preview("bash")));
    page.findChild<QCheckBox *>(QStringLiteral("target_zsh"))->setChecked(true);
    QVERIFY(page.findChild<QLabel *>(QStringLiteral("preview_zsh"))->isVisibleTo(&page));
    QVERIFY(!QFileInfo::exists(home() + QStringLiteral("/.bashrc")));
}

void TestSettingsPage::applyWritesCheckedTargetsOnly()
{
    const QByteArray profile = "# my login settings\nexport EDITOR=vi\n";
    QVERIFY(test::writeFile(home() + QStringLiteral("/.profile"), profile));
    SettingsPage page(m_queue.get(), HubSettings::resolve());
    checkOnly(page,
        { shellenv::Target::Bash, shellenv::Target::Zsh, shellenv::Target::Fish, shellenv::Target::Session });
    const QString dir = home() + QStringLiteral("/my models/Bob's \"best\"");
    page.findChild<QLineEdit *>(QStringLiteral("cacheDirEdit"))->setText(dir);
    QVERIFY(apply(page));
    QCOMPARE(page.messageBar()->kind(), MessageBar::Kind::Positive);

    // Real shells, started the way a new terminal would be, see exactly the chosen folder.
    QCOMPARE(askShell(QStringLiteral("bash"),
                 { QStringLiteral("-ic"), QStringLiteral("printf %s \"$TFHUB_CACHE_DIR\"") }),
        dir);
    QCOMPARE(askShell(QStringLiteral("zsh"),
                 { QStringLiteral("-ic"), QStringLiteral("printf %s \"$TFHUB_CACHE_DIR\"") }),
        dir);
    QCOMPARE(askShell(QStringLiteral("fish"),
                 { QStringLiteral("-c"), QStringLiteral("printf %s \"$TFHUB_CACHE_DIR\"") }),
        dir);
    const shellenv::EnvPersistence persistence;
    QCOMPARE(persistence.read(shellenv::Target::Session).values.value(shellenv::Variable::CacheDir), dir);
    // The unchecked file is byte for byte what it was, and got no backup either.
    QCOMPARE(readAll(home() + QStringLiteral("/.profile")), profile);
    QCOMPARE(QDir(home()).entryList({ QStringLiteral(".profile*") }, QDir::Files | QDir::Hidden),
        QStringList { QStringLiteral(".profile") });
    QVERIFY(!persistence.read(shellenv::Target::Profile).hasBlock);
    // The choice of files is remembered for the next time.
    QCOMPARE(QSettings().value(SettingsPage::targetsKey()).toStringList(),
        QStringList({ QStringLiteral("bash"), QStringLiteral("zsh"), QStringLiteral("fish"),
            QStringLiteral("session") }));
    SettingsPage again(m_queue.get(), HubSettings::resolve());
    QVERIFY(!again.findChild<QCheckBox *>(QStringLiteral("target_profile"))->isChecked());
    QCOMPARE(again.findChild<QLineEdit *>(QStringLiteral("cacheDirEdit"))->text(), dir);
}

void TestSettingsPage::failingTargetDoesNotStopOthers()
{
    // A folder where ~/.zshrc should be: that file cannot be written.
    QVERIFY(QDir().mkpath(home() + QStringLiteral("/.zshrc")));
    SettingsPage page(m_queue.get(), HubSettings::resolve());
    checkOnly(page, { shellenv::Target::Bash, shellenv::Target::Zsh });
    page.findChild<QLineEdit *>(QStringLiteral("cacheDirEdit"))->setText(QStringLiteral("/srv/models"));
    QSignalSpy changed(&page, &SettingsPage::cacheDirChanged);
    QVERIFY(!apply(page));
    QCOMPARE(page.messageBar()->kind(), MessageBar::Kind::Error);
    QVERIFY2(page.messageBar()->text().contains(home() + QStringLiteral("/.zshrc")),
        qPrintable(page.messageBar()->text()));
    QVERIFY2(page.messageBar()->text().contains(QStringLiteral("Saved in %1/.bashrc").arg(home())),
        qPrintable(page.messageBar()->text()));
    QCOMPARE(
        shellenv::EnvPersistence().read(shellenv::Target::Bash).values.value(shellenv::Variable::CacheDir),
        QStringLiteral("/srv/models"));
    // One file has it, so the program follows.
    QCOMPARE(changed.size(), 1);
}

void TestSettingsPage::unsetRemovesBlock()
{
    const QByteArray bashrc = "alias ll='ls -l'\n";
    QVERIFY(test::writeFile(home() + QStringLiteral("/.bashrc"), bashrc));
    SettingsPage page(m_queue.get(), HubSettings::resolve());
    checkOnly(page, { shellenv::Target::Bash, shellenv::Target::Session });
    page.findChild<QLineEdit *>(QStringLiteral("cacheDirEdit"))->setText(QStringLiteral("/srv/models"));
    QVERIFY(apply(page));
    QVERIFY(readAll(home() + QStringLiteral("/.bashrc")).contains("export TFHUB_CACHE_DIR=\"/srv/models\""));
    const QString session = home() + QStringLiteral("/.config/environment.d/tfhub-cache-manager.conf");
    QVERIFY(QFileInfo::exists(session));

    QSignalSpy changed(&page, &SettingsPage::cacheDirChanged);
    QVERIFY(apply(page, QStringLiteral("unsetButton")));
    QCOMPARE(readAll(home() + QStringLiteral("/.bashrc")), bashrc);
    QVERIFY(!QFileInfo::exists(session));
    QCOMPARE(askShell(QStringLiteral("bash"),
                 { QStringLiteral("-ic"), QStringLiteral("printf %s \"${TFHUB_CACHE_DIR-unset}\"") }),
        QStringLiteral("unset"));
    QVERIFY2(page.messageBar()->text().startsWith(QStringLiteral("Removed the settings from")),
        qPrintable(page.messageBar()->text()));
    // Unset changes what new programs get; this one keeps its folder.
    QCOMPARE(changed.size(), 0);
}

void TestSettingsPage::defaultTargetsAreExistingFiles()
{
    // bash with its file: ticked. zsh, fish and the login profile have no file here: not ticked,
    // even where the shell is installed. The desktop session always is.
    QVERIFY(test::writeFile(home() + QStringLiteral("/.bashrc"), "alias ll='ls -l'\n"));
    SettingsPage page(m_queue.get(), HubSettings::resolve());
    const auto ticked = [&page](const char *name) {
        return page.findChild<QCheckBox *>(QStringLiteral("target_") + QLatin1String(name))->isChecked();
    };
    QVERIFY(ticked("bash"));
    QVERIFY(!ticked("zsh"));
    QVERIFY(!ticked("fish"));
    QVERIFY(!ticked("profile"));
    QVERIFY(ticked("session"));
    // The checkbox reads ~/.bashrc; the tooltip has the whole path.
    QCheckBox *bash = page.findChild<QCheckBox *>(QStringLiteral("target_bash"));
    QVERIFY2(bash->text().startsWith(QStringLiteral("~/.bashrc")), qPrintable(bash->text()));
    QCOMPARE(bash->toolTip(), home() + QStringLiteral("/.bashrc"));
}

void TestSettingsPage::loadFormatWritesExactValue_data()
{
    QTest::addColumn<QString>("format");
    QTest::addColumn<int>("expected");
    QTest::newRow("COMPRESSED") << QStringLiteral("COMPRESSED") << static_cast<int>(LoadFormat::Compressed);
    QTest::newRow("UNCOMPRESSED") << QStringLiteral("UNCOMPRESSED")
                                  << static_cast<int>(LoadFormat::Uncompressed);
    QTest::newRow("AUTO") << QStringLiteral("AUTO") << static_cast<int>(LoadFormat::Auto);
}

void TestSettingsPage::loadFormatWritesExactValue()
{
    QFETCH(QString, format);
    QFETCH(int, expected);
    // Start from another value, so every row has something to change.
    qputenv("TFHUB_MODEL_LOAD_FORMAT", format == QLatin1String("COMPRESSED") ? "UNCOMPRESSED" : "COMPRESSED");
    const HubSettings current = HubSettings::resolve();
    qunsetenv("TFHUB_MODEL_LOAD_FORMAT");
    SettingsPage page(m_queue.get(), current);
    checkOnly(page, { shellenv::Target::Bash });
    QSignalSpy changed(&page, &SettingsPage::loadFormatChanged);
    auto *radio = page.findChild<QRadioButton *>(QStringLiteral("loadFormat") + format);
    QVERIFY(radio);
    QCOMPARE(radio->text(), format);
    QVERIFY(!radio->isChecked());
    radio->click();
    page.findChild<QLineEdit *>(QStringLiteral("cacheDirEdit"))->setText(QStringLiteral("/srv/models"));
    QVERIFY(apply(page));
    // AUTO is tensorflow_hub's default: it removes the line instead of writing one.
    const bool isAuto = format == QLatin1String("AUTO");
    const QByteArray line = "\nexport TFHUB_MODEL_LOAD_FORMAT=\"" + format.toLatin1() + "\"\n";
    const QByteArray bashrc = readAll(home() + QStringLiteral("/.bashrc"));
    QVERIFY2(
        isAuto ? !bashrc.contains("TFHUB_MODEL_LOAD_FORMAT") : bashrc.contains(line), bashrc.constData());
    QCOMPARE(askShell(QStringLiteral("bash"),
                 { QStringLiteral("-ic"), QStringLiteral("printf %s \"$TFHUB_MODEL_LOAD_FORMAT\"") }),
        isAuto ? QString() : format);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.first().at(0).toString(), format);
    QCOMPARE(static_cast<int>(m_queue->options().loadFormat), expected);
}

void TestSettingsPage::temporaryFolderWarning()
{
    SettingsPage page(m_queue.get(), HubSettings::resolve());
    auto *edit = page.findChild<QLineEdit *>(QStringLiteral("cacheDirEdit"));
    auto *warning = page.findChild<QWidget *>(QStringLiteral("tempDirWarning"));
    QVERIFY(edit && warning);
    // The library's default lies in the temporary folder (TMPDIR here).
    QCOMPARE(edit->text(), home() + QStringLiteral("/tmp/tfhub_modules"));
    QVERIFY(warning->isVisibleTo(&page));
    edit->setText(home() + QStringLiteral("/models"));
    QVERIFY(!warning->isVisibleTo(&page));
    edit->setText(QStringLiteral("/dev/shm/models"));
    QVERIFY(warning->isVisibleTo(&page));
    page.findChild<QPushButton *>(QStringLiteral("usePersistentButton"))->click();
    QCOMPARE(edit->text(), home() + QStringLiteral("/.cache/tfhub_modules"));
    QVERIFY(!warning->isVisibleTo(&page));
}

void TestSettingsPage::invalidFolderDisablesApply()
{
    SettingsPage page(m_queue.get(), HubSettings::resolve());
    auto *edit = page.findChild<QLineEdit *>(QStringLiteral("cacheDirEdit"));
    auto *applyButton = page.findChild<QPushButton *>(QStringLiteral("applyButton"));
    auto *error = page.findChild<QLabel *>(QStringLiteral("cacheDirError"));
    edit->setText(QStringLiteral("models"));
    QVERIFY(!applyButton->isEnabled());
    QVERIFY(error->isVisibleTo(&page));
    QVERIFY2(error->text().contains(QStringLiteral("not an absolute path")), qPrintable(error->text()));
    edit->setText(QStringLiteral("~/models"));
    QVERIFY(applyButton->isEnabled());
    QVERIFY(!error->isVisibleTo(&page));
    checkOnly(page, {});
    QVERIFY(!applyButton->isEnabled());
    QVERIFY(!page.findChild<QPushButton *>(QStringLiteral("unsetButton"))->isEnabled());
}

void TestSettingsPage::effectiveValuesFollowApply()
{
    SettingsPage page(m_queue.get(), HubSettings::resolve());
    checkOnly(page, { shellenv::Target::Bash });
    const QString dir = home() + QStringLiteral("/models \"v2\"");
    page.findChild<QLineEdit *>(QStringLiteral("cacheDirEdit"))->setText(dir);
    QVERIFY(apply(page));
    // The probe starts real shells off the GUI thread; the row follows once they answer.
    QTRY_VERIFY_WITH_TIMEOUT(
        rowNamed(page, QStringLiteral("bash")) && rowNamed(page, QStringLiteral("bash"))->text(1) == dir,
        ProbeTimeoutMs);
    QTreeWidgetItem *bash = rowNamed(page, QStringLiteral("bash"));
    QCOMPARE(bash->data(0, EffectiveValuesBox::StatusRole).toString(), QStringLiteral("ok"));
    // zsh was not written, so it does not see the folder: neither a tick nor a warning, a neutral
    // mark, and "not set" in grey.
    QTreeWidgetItem *zsh = rowNamed(page, QStringLiteral("zsh"));
    QVERIFY(zsh);
    QCOMPARE(zsh->text(1), QStringLiteral("not set"));
    QCOMPARE(zsh->data(0, EffectiveValuesBox::StatusRole).toString(), QStringLiteral("notset"));
    QCOMPARE(zsh->icon(0).pixmap(16).toImage(),
        QIcon(QStringLiteral(":/icons/state-empty.svg")).pixmap(16).toImage());
    QVERIFY(zsh->icon(0).pixmap(16).toImage()
        != QIcon(QStringLiteral(":/icons/state-warning.svg")).pixmap(16).toImage());
    QCOMPARE(zsh->foreground(1).color(), page.palette().color(QPalette::Disabled, QPalette::Text));
    QVERIFY2(zsh->toolTip(0).contains(QStringLiteral("Does not set TFHUB_CACHE_DIR")),
        qPrintable(zsh->toolTip(0)));
    // A shell that sets another folder than the saved one is a warning.
    QVERIFY(test::writeFile(home() + QStringLiteral("/.zshrc"), "export TFHUB_CACHE_DIR=/elsewhere\n"));
    page.findChild<QPushButton *>(QStringLiteral("checkAgainButton"))->click();
    QTRY_VERIFY_WITH_TIMEOUT(rowNamed(page, QStringLiteral("zsh"))
            && rowNamed(page, QStringLiteral("zsh"))->text(1) == QStringLiteral("/elsewhere"),
        ProbeTimeoutMs);
    QCOMPARE(rowNamed(page, QStringLiteral("zsh"))->data(0, EffectiveValuesBox::StatusRole).toString(),
        QStringLiteral("warning"));
    QTreeWidgetItem *program = rowNamed(page, QStringLiteral("this program"));
    QVERIFY(program);
    QCOMPARE(program->text(1), dir);
    // The page says plainly that this process's environment predates the change.
    auto *conflicts = page.findChild<QLabel *>(QStringLiteral("conflictsLabel"));
    QVERIFY2(conflicts->text().contains(
                 QStringLiteral("TFHUB_CACHE_DIR is not set in this program's environment")),
        qPrintable(conflicts->text()));
}

void TestSettingsPage::effectiveValuesStartEachShellOnce()
{
    // A bash on PATH that counts its starts, then runs the real one.
    const QString realBash = QStandardPaths::findExecutable(QStringLiteral("bash"));
    if (realBash.isEmpty())
        QSKIP("No bash to probe.");
    const QString bin = home() + QStringLiteral("/bin");
    const QString counter = home() + QStringLiteral("/bash-starts");
    QVERIFY(QDir().mkpath(bin));
    const QString wrapper = bin + QStringLiteral("/bash");
    QVERIFY(test::writeFile(wrapper,
        QByteArray("#!/bin/sh\necho start >> '") + QFile::encodeName(counter) + "'\nexec '"
            + QFile::encodeName(realBash) + "' \"$@\"\n"));
    QVERIFY(QFile::setPermissions(wrapper, QFile::permissions(wrapper) | QFileDevice::ExeOwner));
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PATH"), bin + QLatin1Char(':') + env.value(QStringLiteral("PATH")));

    // One probe starts bash more than once (interactive, login): count one probe's starts first.
    QVERIFY(!shellenv::probe::all(env).isEmpty());
    const qsizetype oneProbe = readAll(counter).count("start");
    QVERIFY(oneProbe > 0);
    QVERIFY(QFile::remove(counter));

    EffectiveValuesBox box;
    QSignalSpy refreshed(&box, &EffectiveValuesBox::refreshed);
    box.refresh(env, {}, {});
    QVERIFY(refreshed.wait(ProbeTimeoutMs));
    QTRY_VERIFY_WITH_TIMEOUT(!box.isRefreshing(), ProbeTimeoutMs);
    // The rows and the conflicts come from the same answers: the shells start once.
    QCOMPARE(readAll(counter).count("start"), oneProbe);
}

void TestSettingsPage::applyButtonsAtTheBottom()
{
    // Apply and Unset stay in view below the scrolling sections, whatever the page's height.
    SettingsPage page(m_queue.get(), HubSettings::resolve());
    page.resize(1000, 600);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    auto *scroll = page.findChild<QScrollArea *>();
    QVERIFY(scroll);
    for (const char *name : { "applyButton", "unsetButton" }) {
        auto *button = page.findChild<QPushButton *>(QLatin1String(name));
        QVERIFY(button);
        QVERIFY2(!scroll->widget()->isAncestorOf(button), name);
        QVERIFY2(button->isVisible(), name);
        QVERIFY2(button->mapTo(&page, QPoint(0, 0)).y() >= scroll->geometry().bottom(), name);
    }
    // Every other section scrolls above them.
    QVERIFY(scroll->widget()->isAncestorOf(page.findChild<QWidget *>(QStringLiteral("effectiveGroup"))));
}

void TestSettingsPage::autoRemovesSavedLine()
{
    // A saved COMPRESSED, then AUTO: the line goes (AUTO is tensorflow_hub's default), the
    // folder's line stays, and no shell is told "AUTO".
    SettingsPage page(m_queue.get(), HubSettings::resolve());
    checkOnly(page, { shellenv::Target::Bash });
    page.findChild<QLineEdit *>(QStringLiteral("cacheDirEdit"))->setText(home() + QStringLiteral("/models"));
    page.findChild<QRadioButton *>(QStringLiteral("loadFormatCOMPRESSED"))->click();
    QVERIFY(apply(page));
    QVERIFY(readAll(home() + QStringLiteral("/.bashrc")).contains("TFHUB_MODEL_LOAD_FORMAT=\"COMPRESSED\""));
    page.findChild<QRadioButton *>(QStringLiteral("loadFormatAUTO"))->click();
    QVERIFY(apply(page));
    const QByteArray bashrc = readAll(home() + QStringLiteral("/.bashrc"));
    QVERIFY2(!bashrc.contains("TFHUB_MODEL_LOAD_FORMAT"), bashrc.constData());
    QVERIFY2(bashrc.contains("TFHUB_CACHE_DIR"), bashrc.constData());
}

QTEST_MAIN(TestSettingsPage)
#include "tst_settingspage.moc"
