#include "core/cache/lock.h"
#include "core/hub/hubsettings.h"
#include "core/prefetch/downloadqueue.h"
#include "core/shellenv/envpersistence.h"
#include "core/util/fsutil.h"
#include "tests/support/testdata.h"
#include "ui/settings/effectivevalues.h"
#include "ui/settings/settingspage.h"
#include "ui/widgets/messagebar.h"

#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QTreeWidget>
#include <QtTest>

#include <sys/stat.h>

using namespace tfhub;
using namespace tfhub::ui;

namespace {

constexpr int ApplyTimeoutMs = 60000;
constexpr int ProbeTimeoutMs = 90000;

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<unreadable>");
}

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

dev_t deviceOf(const QString &path)
{
    struct stat st
    {
    };
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? st.st_dev : 0;
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

class TestSettingsPage final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void previewShowsExactLines();
    void applyWritesCheckedTargetsOnly();
    void failingTargetDoesNotStopOthers();
    void unsetRemovesBlock();
    void loadFormatWritesExactValue_data();
    void loadFormatWritesExactValue();
    void temporaryFolderWarning();
    void invalidFolderDisablesApply();
    void moveExistingModels();
    void liveDownloadRefusesMove();
    void cancelledMoveSavesNothing();
    void failedMoveSavesNothing();
    void effectiveValuesFollowApply();
    void effectiveValuesStartEachShellOnce();

private:
    HubSettings settingsWithCache(const QString &dir) const;
    /// Adds to `from` an entry that this live process is downloading; returns its key.
    QString makeBusyEntry(const QString &from) const;
    /// Asks the page to save `to` as the cache folder and to move the models there.
    void startMove(SettingsPage &page, const QString &to) const;
    /// Nothing names `dir` in any file, and the page still uses `from`.
    void checkNothingSaved(const SettingsPage &page, const QString &from, const QString &dir) const;
    void checkOnly(SettingsPage &page, const QList<shellenv::Target> &targets) const;
    bool apply(SettingsPage &page, const QString &button = QStringLiteral("applyButton")) const;
    QString home() const { return m_home->path(); }

    QTemporaryDir m_root;
    std::unique_ptr<QTemporaryDir> m_home;
    std::unique_ptr<DownloadQueue> m_queue;
};

void TestSettingsPage::initTestCase()
{
    QVERIFY(m_root.isValid());
    qunsetenv("TFHUB_CACHE_DIR");
    qunsetenv("TFHUB_MODEL_LOAD_FORMAT");
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("tfhub-cache-manager-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_settingspage"));
}

void TestSettingsPage::init()
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

void TestSettingsPage::cleanup()
{
    // The pages' shell probes run on the pool: none may outlive its test and read the next one's home.
    QVERIFY(QThreadPool::globalInstance()->waitForDone(ProbeTimeoutMs));
    m_queue.reset();
}

HubSettings TestSettingsPage::settingsWithCache(const QString &dir) const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("TFHUB_CACHE_DIR"), dir);
    return HubSettings::resolve(env);
}

void TestSettingsPage::checkOnly(SettingsPage &page, const QList<shellenv::Target> &targets) const
{
    for (const shellenv::Target t : shellenv::allTargets()) {
        auto *check = page.findChild<QCheckBox *>(QStringLiteral("target_") + shellenv::targetName(t));
        QVERIFY(check);
        check->setChecked(targets.contains(t));
    }
}

bool TestSettingsPage::apply(SettingsPage &page, const QString &button) const
{
    QSignalSpy finished(&page, &SettingsPage::applyFinished);
    auto *b = page.findChild<QPushButton *>(button);
    if (!b || !b->isEnabled())
        return false;
    b->click();
    return finished.wait(ApplyTimeoutMs) && finished.first().at(0).toBool();
}

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
    const QByteArray line = "\nexport TFHUB_MODEL_LOAD_FORMAT=\"" + format.toLatin1() + "\"\n";
    QVERIFY2(readAll(home() + QStringLiteral("/.bashrc")).contains(line),
        readAll(home() + QStringLiteral("/.bashrc")).constData());
    QCOMPARE(askShell(QStringLiteral("bash"),
                 { QStringLiteral("-ic"), QStringLiteral("printf %s \"$TFHUB_MODEL_LOAD_FORMAT\"") }),
        format);
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

void TestSettingsPage::moveExistingModels()
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

void TestSettingsPage::liveDownloadRefusesMove()
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

QString TestSettingsPage::makeBusyEntry(const QString &from) const
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

void TestSettingsPage::startMove(SettingsPage &page, const QString &to) const
{
    checkOnly(page, { shellenv::Target::Bash });
    page.findChild<QLineEdit *>(QStringLiteral("cacheDirEdit"))->setText(to);
    auto *move = page.findChild<QCheckBox *>(QStringLiteral("moveModelsCheck"));
    QVERIFY(move);
    move->setChecked(true);
    page.findChild<QPushButton *>(QStringLiteral("applyButton"))->click();
    QVERIFY(page.isBusy());
}

void TestSettingsPage::checkNothingSaved(
    const SettingsPage &page, const QString &from, const QString &dir) const
{
    for (const shellenv::TargetState &s : shellenv::EnvPersistence().readAll())
        QVERIFY2(!s.values.contains(shellenv::Variable::CacheDir), qPrintable(s.path));
    QVERIFY(!readAll(home() + QStringLiteral("/.bashrc")).contains(QFile::encodeName(dir)));
    QCOMPARE(page.current().cacheDir, from);
    QVERIFY(!page.findChild<QWidget *>(QStringLiteral("moveRow"))->isVisibleTo(&page));
}

void TestSettingsPage::cancelledMoveSavesNothing()
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

void TestSettingsPage::failedMoveSavesNothing()
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
    // zsh was not written, so it does not see the folder: a warning, not a tick.
    QTreeWidgetItem *zsh = rowNamed(page, QStringLiteral("zsh"));
    QVERIFY(zsh);
    QCOMPARE(zsh->text(1), QStringLiteral("not set"));
    QCOMPARE(zsh->data(0, EffectiveValuesBox::StatusRole).toString(), QStringLiteral("warning"));
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

QTEST_MAIN(TestSettingsPage)
#include "tst_settingspage.moc"
