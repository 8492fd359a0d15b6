#include "app/gui/guibenchmark.h"
#include "core/gcs/gcsurl.h"
#include "core/hub/hubsettings.h"
#include "core/settings/appsettings.h"
#include "core/util/localzone.h"
#include "tfhubversion.h"
#include "ui/browse/browsepage.h"
#include "ui/downloads/downloadspage.h"
#include "ui/window/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QIcon>
#include <QLineEdit>
#include <QPalette>
#include <QPixmap>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace {

// Checked before QApplication exists: without a display, the xcb plugin would abort with a
// message about plugins that does not tell the user what to do instead.
bool hasDisplay()
{
    return !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") || !qEnvironmentVariableIsEmpty("DISPLAY")
        || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
}

// --help and --version print and quit: they must work on a machine with no usable display (a
// DISPLAY naming a dead server would make QApplication abort), so they never create one.
bool onlyPrints(int argc, char *argv[])
{
    for (int i = 1; i < argc; ++i) {
        const QByteArray arg(argv[i]);
        if (arg == "--") // later arguments are not options
            break;
        if (arg == "--help" || arg == "-h" || arg == "-?" || arg == "--help-all" || arg == "--version"
            || arg == "-v")
            return true;
    }
    return false;
}

// A dark palette for checking (and showing) that every page follows the palette; desktops set
// their own through the platform theme.
QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x30), base(0x1e, 0x1f, 0x22), text(0xe6, 0xe6, 0xe6);
    const QColor disabled(0x80, 0x80, 0x80), highlight(0x3d, 0x7a, 0xd6);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2b));
    p.setColor(QPalette::ToolTipBase, window);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Light, QColor(0x45, 0x47, 0x4a));
    p.setColor(QPalette::Midlight, QColor(0x3a, 0x3c, 0x3f));
    p.setColor(QPalette::Mid, QColor(0x25, 0x26, 0x29));
    p.setColor(QPalette::Dark, QColor(0x1a, 0x1b, 0x1d));
    p.setColor(QPalette::Shadow, Qt::black);
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x6c, 0xa8, 0xf0));
    p.setColor(QPalette::LinkVisited, QColor(0xa8, 0x8c, 0xf0));
    for (const QPalette::ColorRole role : { QPalette::WindowText, QPalette::Text, QPalette::ButtonText })
        p.setColor(QPalette::Disabled, role, disabled);
    return p;
}

// Saves a picture of the window and quits.
void grabWhenScanned(tfhub::ui::MainWindow &window, const QString &screenshot, int delayMs)
{
    // Grabbed once the first scan has filled the Cache page, so the picture does not depend
    // on how fast the disk is.
    QObject::connect(
        &window, &tfhub::ui::MainWindow::scanFinished, &window,
        [&window, screenshot, delayMs] {
            QTimer::singleShot(delayMs, &window, [&window, screenshot] {
                const bool saved = window.grab().save(screenshot);
                if (!saved)
                    std::fputs(
                        qPrintable(QCoreApplication::translate("main", "Cannot write %1\n").arg(screenshot)),
                        stderr);
                QCoreApplication::exit(saved ? 0 : 1);
            });
        },
        Qt::SingleShotConnection);
}

void setUpLook(bool dark)
{
    if (dark) {
        QApplication::setStyle(QStringLiteral("Fusion"));
        QApplication::setPalette(darkPalette());
    }
    QGuiApplication::setApplicationDisplayName(QCoreApplication::translate("main", "TF Hub Cache Manager"));
    // The app id names the installed desktop file, icon and metainfo (resources/, app/CMakeLists.txt).
    QGuiApplication::setDesktopFileName(QStringLiteral(TFHUB_APP_ID));
    QApplication::setWindowIcon(
        QIcon::fromTheme(QStringLiteral(TFHUB_APP_ID), QIcon(QStringLiteral(":/icons/app.svg"))));
}

// The command line: --cache-dir, and the hidden options that script the window.
struct GuiOptions
{
    const QCommandLineOption cacheDir { { QStringLiteral("cache-dir"), QStringLiteral("tfhub_cache_dir") },
        QCoreApplication::translate("main", "Use DIR as the cache folder; overrides TFHUB_CACHE_DIR."),
        QCoreApplication::translate("main", "DIR") };
    // For the documentation's screenshots (installer/screenshots.sh), hidden from --help.
    QCommandLineOption page { QStringLiteral("page"), QString(), QStringLiteral("NAME") };
    QCommandLineOption prefetch { QStringLiteral("prefetch"), QString(), QStringLiteral("HANDLE") };
    QCommandLineOption search { QStringLiteral("search"), QString(), QStringLiteral("TEXT") };
    QCommandLineOption screenshot { QStringLiteral("screenshot"), QString(), QStringLiteral("FILE") };
    QCommandLineOption delay { QStringLiteral("screenshot-delay"), QString(), QStringLiteral("MS"),
        QStringLiteral("0") };
    // For bench/gui_bench.sh: times start-up, sorting and filtering, prints the figures and quits.
    QCommandLineOption benchmark { QStringLiteral("benchmark") };
    // Fusion with a dark palette, to check the pages against one.
    QCommandLineOption dark { QStringLiteral("dark") };

    void addTo(QCommandLineParser &parser)
    {
        parser.setApplicationDescription(QCoreApplication::translate(
            "main", "Manage the model cache shared with the tensorflow_hub library."));
        parser.addHelpOption();
        parser.addVersionOption();
        parser.addOption(cacheDir);
        for (QCommandLineOption *option :
            { &page, &prefetch, &search, &screenshot, &delay, &benchmark, &dark }) {
            option->setFlags(QCommandLineOption::HiddenFromHelp);
            parser.addOption(*option);
        }
    }
};

// A gs:// folder is for tf.io.gfile: taken as a local path it would become a folder named "gs:"
// here, so the app stops before anything can create it.
bool cacheDirSupported(const tfhub::HubSettings &settings)
{
    const tfhub::CacheDirCheck check = tfhub::HubSettings::checkCacheDir(settings.cacheDir);
    if (check.state != tfhub::CacheDirCheck::State::Unsupported)
        return true;
    std::fputs(qPrintable(QCoreApplication::translate("main", "%1 (from %2)\n")
                              .arg(check.message, tfhub::sourceLabel(settings.cacheDirSource))),
        stderr);
    return false;
}

// The hidden options that act once the window is up.
void applyScriptOptions(tfhub::ui::MainWindow &window, const QCommandLineParser &parser, const GuiOptions &o,
    const QElapsedTimer &sinceStart)
{
    if (parser.isSet(o.prefetch))
        window.downloadsPage()->queueHandles(parser.values(o.prefetch));
    if (parser.isSet(o.search))
        window.browsePage()->searchField()->setText(parser.value(o.search));
    const QString screenshot = parser.value(o.screenshot);
    if (!screenshot.isEmpty())
        grabWhenScanned(window, screenshot, std::max(0, parser.value(o.delay).toInt()));
    if (parser.isSet(o.benchmark))
        tfhub::app::startBenchmark(window, sinceStart);
}

} // namespace

int main(int argc, char *argv[])
{
    // First thing, for --benchmark's start-up figure.
    QElapsedTimer sinceStart;
    sinceStart.start();
    tfhub::util::readLocalZoneOnce(); // before any thread: scans and tables convert times per row
    const bool display = hasDisplay() && !onlyPrints(argc, argv);
    // A QCoreApplication still serves --help and --version when no display is available.
    std::unique_ptr<QCoreApplication> app(
        display ? new QApplication(argc, argv) : new QCoreApplication(argc, argv));
    // The settings file the CLI shares: its name is written once, in tfhub::settings.
    QCoreApplication::setOrganizationName(tfhub::settings::organizationName());
    QCoreApplication::setApplicationName(tfhub::settings::applicationName());
    QCoreApplication::setApplicationVersion(QStringLiteral(TFHUB_VERSION));

    QCommandLineParser parser;
    GuiOptions options;
    options.addTo(parser);
    parser.process(*app);

    if (!display) {
        std::fputs(qPrintable(QCoreApplication::translate("main",
                       "tfhub-cache-manager needs a graphical display, and neither DISPLAY nor "
                       "WAYLAND_DISPLAY is set.\nTo manage the cache from a terminal, use the "
                       "command-line tool instead: tfhub-cache --help\n")),
            stderr);
        return 1;
    }

    setUpLook(parser.isSet(options.dark));

    const tfhub::HubSettings settings = tfhub::HubSettings::resolve(
        QProcessEnvironment::systemEnvironment(), parser.value(options.cacheDir));
    // A gs:// cache is listed through Cloud Storage's JSON API; it has no local path to resolve.
    const bool cloud = tfhub::gcs::isGcsUrl(settings.cacheDir);
    if (cloud && !tfhub::gcs::parseGcsUrl(settings.cacheDir)) {
        std::fputs(qPrintable(tfhub::gcs::parseGcsUrl(settings.cacheDir).error() + u'\n'), stderr);
        return 1;
    }
    if (!cloud && !cacheDirSupported(settings))
        return 1;
    // tensorflow_hub reads a relative folder against its working directory; ours is the same here.
    const QString root = cloud ? settings.cacheDir : QDir(settings.cacheDir).absolutePath();

    tfhub::ui::MainWindow window(root, tfhub::sourceLabel(settings.cacheDirSource));
    if (parser.isSet(options.page) && !window.showPage(parser.value(options.page))) {
        std::fputs(qPrintable(QCoreApplication::translate("main", "Unknown page \"%1\"; pages: %2\n")
                                  .arg(parser.value(options.page),
                                      tfhub::ui::MainWindow::pageNames().join(QStringLiteral(", ")))),
            stderr);
        return 2;
    }
    window.show();
    window.checkFirstRun(settings);
    applyScriptOptions(window, parser, options, sinceStart);
    window.refresh();
    return app->exec();
}
