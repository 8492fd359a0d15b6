#include "core/hubsettings.h"
#include "ui/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QIcon>

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
    window.show();
    window.refresh();
    return app->exec();
}
