#pragma once

#include <QStringList>

namespace tfhub::cli {

enum ExitCode { Ok = 0, Failure = 1, Usage = 2 };

/// Runs the command line `arguments` (argv, program name first) and returns the exit code.
int run(const QStringList &arguments);

} // namespace tfhub::cli
