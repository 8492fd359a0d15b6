#include "app/cli/cli.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("tfhub-cache"));
    QCoreApplication::setApplicationVersion(QStringLiteral(TFHUB_VERSION));
    return tfhub::cli::run(QCoreApplication::arguments());
}
