#pragma once

// `tfhub-cache config set|unset|show|move`: defines tfhub::cli::runConfigVerb() declared in
// app/cli/cliextensions.h, on top of core/shellenv/envpersistence.h, core/shellenv/shellprobe.h and
// core/maintenance/cachemover.h.
#include "app/cli/cliextensions.h"

#include <QStringList>

namespace tfhub::cli {

/// Keeps the command line's bytes as given: QCoreApplication::arguments() has already decoded
/// them, turning bytes that are not valid in the locale's encoding into U+FFFD. Call from main().
void keepRawArguments(int argc, const char *const *argv);

/// Prints one line to stderr when the cache folder (as `arguments` choose it) holds a move that
/// was cut short by a crash or a kill, saying how to finish or undo it. Silent otherwise.
void notePendingMove(const QStringList &arguments);

} // namespace tfhub::cli
