#include "app/cli/cli.h"
#include "app/cli/verbs.h"
#include "tfhubversion.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    // Before Qt decodes them: bytes invalid in the locale's encoding become U+FFFD in arguments().
    tfhub::cli::setRawArguments(argc, argv);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("tfhub-cache"));
    QCoreApplication::setApplicationVersion(QStringLiteral(TFHUB_VERSION));
    return tfhub::cli::run(QCoreApplication::arguments());
}
