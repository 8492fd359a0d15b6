#pragma once

#include <QJsonObject>
#include <QString>
#include <QTextStream>

namespace tfhub::cli {

/// The streams every verb prints to (stdout for results, stderr for messages).
QTextStream &out();
QTextStream &err();

/// Prints "tfhub-cache: MESSAGE" and `hint` (by default, where to find help); returns the usage
/// exit code.
int usageError(const QString &message, const QString &hint = QString());
/// usageError() with the hint "Try 'tfhub-cache VERB --help'.".
int verbUsageError(const QString &verb, const QString &message);
/// Prints "tfhub-cache: MESSAGE"; returns the failure exit code.
int failure(const QString &message);
/// Ends the process as signal `sig` would (exit status 128 + N in a shell) after the caller cleaned
/// up, so that a script's loop stops at Ctrl-C as it does for curl or sleep.
[[noreturn]] void exitAsSignal(int sig);
/// Prints a JSON document, indented, to stdout.
void printJson(const QJsonObject &object);

} // namespace tfhub::cli
