#include "app/cli/clicommon.h"

#include "app/cli/cli.h"

#include <QCoreApplication>
#include <QJsonDocument>

#include <csignal>
#include <cstdlib>

namespace tfhub::cli {

QTextStream &out()
{
    static QTextStream s(stdout);
    return s;
}

QTextStream &err()
{
    static QTextStream s(stderr);
    return s;
}

int usageError(const QString &message, const QString &hint)
{
    err() << "tfhub-cache: " << message << '\n'
          << (hint.isEmpty() ? QCoreApplication::translate("tfhub::cli", "Try 'tfhub-cache --help'.") : hint)
          << '\n';
    err().flush();
    return Usage;
}

int verbUsageError(const QString &verb, const QString &message)
{
    return usageError(
        message, QCoreApplication::translate("tfhub::cli", "Try 'tfhub-cache %1 --help'.").arg(verb));
}

int failure(const QString &message)
{
    err() << "tfhub-cache: " << message << '\n';
    err().flush();
    return Failure;
}

void exitAsSignal(int sig)
{
    out().flush();
    err().flush();
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    std::_Exit(128 + sig);
}

void printJson(const QJsonObject &object)
{
    out() << QJsonDocument(object).toJson(QJsonDocument::Indented);
    out().flush();
}

} // namespace tfhub::cli
