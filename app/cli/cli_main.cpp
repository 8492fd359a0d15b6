#include "app/cli/cli.h"
#include "app/cli/verbs.h"
#include "core/util/localzone.h"
#include "tfhubversion.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    tfhub::util::readLocalZoneOnce(); // a scan converts times per entry: no stat of /etc/localtime each
    // Before Qt decodes them: bytes invalid in the locale's encoding become U+FFFD in arguments().
    tfhub::cli::setRawArguments(argc, argv);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("tfhub-cache"));
    QCoreApplication::setApplicationVersion(QStringLiteral(TFHUB_VERSION));
    return tfhub::cli::run(QCoreApplication::arguments());
}
