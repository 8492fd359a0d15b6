#pragma once

#include "app/cli/verbs.h"

#include <QStringList>

// Two hidden verbs that read the verb table for tools rather than people: `__complete` gives the
// shell completion scripts (resources/completions/) their candidates, `__man` prints the man page
// the build installs. Neither is listed by --help.
namespace tfhub::cli {

/// The candidates for the last of `words` (the command line after "tfhub-cache", the word being
/// completed last, possibly empty), each starting with that word. `cacheRoot` is where handles and
/// keys come from when none of the words is --cache-dir; empty means the effective cache folder.
QStringList completionCandidates(const QStringList &words, const QString &cacheRoot = QString());

/// The man page of tfhub-cache in roff, from the verb table.
QString manPage();

/// `tfhub-cache __complete -- WORD...`: prints completionCandidates(), one a line.
int runCompleteVerb(const Invocation &in);
/// `tfhub-cache __man`: prints manPage().
int runManVerb(const Invocation &in);

} // namespace tfhub::cli
