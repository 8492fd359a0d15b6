#include "core/hubsettings.h"
#include "ui/downloadspage.h"
#include "ui/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QIcon>
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

} // namespace

int main(int argc, char *argv[])
{
    const bool display = hasDisplay();
    // A QCoreApplication still serves --help and --version when no display is available.
    std::unique_ptr<QCoreApplication> app(
        display ? new QApplication(argc, argv) : new QCoreApplication(argc, argv));
    QCoreApplication::setOrganizationName(QStringLiteral("tfhub-cache-manager"));
    QCoreApplication::setApplicationName(QStringLiteral("tfhub-cache-manager"));
    QCoreApplication::setApplicationVersion(QStringLiteral(TFHUB_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate(
        "main", "Manage the model cache shared with the tensorflow_hub library."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption cacheDirOption(
        { QStringLiteral("cache-dir"), QStringLiteral("tfhub_cache_dir") },
        QCoreApplication::translate("main", "Use DIR as the cache folder; overrides TFHUB_CACHE_DIR."),
        QCoreApplication::translate("main", "DIR"));
    parser.addOption(cacheDirOption);
    // For the documentation's screenshots (installer/screenshots.sh), hidden from --help.
    QCommandLineOption pageOption(QStringLiteral("page"), QString(), QStringLiteral("NAME"));
    QCommandLineOption prefetchOption(QStringLiteral("prefetch"), QString(), QStringLiteral("HANDLE"));
    QCommandLineOption screenshotOption(QStringLiteral("screenshot"), QString(), QStringLiteral("FILE"));
    QCommandLineOption delayOption(
        QStringLiteral("screenshot-delay"), QString(), QStringLiteral("MS"), QStringLiteral("0"));
    for (QCommandLineOption *option : { &pageOption, &prefetchOption, &screenshotOption, &delayOption }) {
        option->setFlags(QCommandLineOption::HiddenFromHelp);
        parser.addOption(*option);
    }
    parser.process(*app);

    if (!display) {
        std::fputs(qPrintable(QCoreApplication::translate("main",
                       "tfhub-cache-manager needs a graphical display, and neither DISPLAY nor "
                       "WAYLAND_DISPLAY is set.\nTo manage the cache from a terminal, use the "
                       "command-line tool instead: tfhub-cache --help\n")),
            stderr);
        return 1;
    }

    QGuiApplication::setApplicationDisplayName(QCoreApplication::translate("main", "TF Hub Cache Manager"));
    QGuiApplication::setDesktopFileName(QStringLiteral("tfhub-cache-manager"));
    QApplication::setWindowIcon(
        QIcon::fromTheme(QStringLiteral("tfhub-cache-manager"), QIcon(QStringLiteral(":/icons/app.svg"))));

    const tfhub::HubSettings settings
        = tfhub::HubSettings::resolve(QProcessEnvironment::systemEnvironment(), parser.value(cacheDirOption));
    // tensorflow_hub reads a relative folder against its working directory; ours is the same here.
    const QString root = QDir(settings.cacheDir).absolutePath();

    tfhub::ui::MainWindow window(root, tfhub::sourceLabel(settings.cacheDirSource));
    if (parser.isSet(pageOption) && !window.showPage(parser.value(pageOption))) {
        std::fputs(qPrintable(QCoreApplication::translate("main", "Unknown page \"%1\"; pages: %2\n")
                                  .arg(parser.value(pageOption),
                                      tfhub::ui::MainWindow::pageNames().join(QStringLiteral(", ")))),
            stderr);
        return 2;
    }
    window.show();
    window.checkFirstRun(settings);
    if (parser.isSet(prefetchOption))
        window.downloadsPage()->queueHandles(parser.values(prefetchOption));

    const QString screenshot = parser.value(screenshotOption);
    if (!screenshot.isEmpty()) {
        // Grabbed once the first scan has filled the Cache page, so the picture does not depend
        // on how fast the disk is.
        const int delayMs = std::max(0, parser.value(delayOption).toInt());
        QObject::connect(
            &window, &tfhub::ui::MainWindow::scanFinished, &window,
            [&window, screenshot, delayMs] {
                QTimer::singleShot(delayMs, &window, [&window, screenshot] {
                    const bool saved = window.grab().save(screenshot);
                    if (!saved)
                        std::fputs(
                            qPrintable(
                                QCoreApplication::translate("main", "Cannot write %1\n").arg(screenshot)),
                            stderr);
                    QCoreApplication::exit(saved ? 0 : 1);
                });
            },
            Qt::SingleShotConnection);
    }
    window.refresh();
    return app->exec();
}
