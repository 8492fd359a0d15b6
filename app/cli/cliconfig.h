#pragma once

// `tfhub-cache config set|unset|show|move`: defines tfhub::cli::runConfigVerb() declared in
// app/cli/verbs.h, on top of core/shellenv/envpersistence.h, core/shellenv/shellprobe.h and
// core/maintenance/cachemover.h.
#include "app/cli/verbs.h"

#include <QStringList>

namespace tfhub::cli {

/// Prints one line to stderr when the cache folder (as `arguments` choose it) holds a move that
/// was cut short by a crash or a kill, saying how to finish or undo it. Silent otherwise.
void notePendingMove(const QStringList &arguments);

} // namespace tfhub::cli
