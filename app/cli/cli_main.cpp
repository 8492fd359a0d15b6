#include "app/cli/cli.h"
#include "app/cli/cliconfig.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("tfhub-cache"));
    QCoreApplication::setApplicationVersion(QStringLiteral(TFHUB_VERSION));
    tfhub::cli::keepRawArguments(argc, argv);
    tfhub::cli::notePendingMove(QCoreApplication::arguments());
    return tfhub::cli::run(QCoreApplication::arguments());
}
