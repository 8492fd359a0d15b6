#include "core/util/localzone.h"

#include <QByteArray>
#include <QtGlobal>

#include <ctime>
#include <unistd.h>

namespace tfhub::util {

void readLocalZoneOnce()
{
    if (qEnvironmentVariableIsSet("TZ") || ::access("/etc/localtime", R_OK) != 0)
        return;
    qputenv("TZ", QByteArrayLiteral(":/etc/localtime"));
    ::tzset();
}

} // namespace tfhub::util
