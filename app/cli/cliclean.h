#pragma once

// `tfhub-cache clean`, `pin` and `unpin`, on top of core/maintenance/cleanupplan.h and pins.h.
#include "app/cli/verbs.h"

namespace tfhub::cli {

int runCleanVerb(const Invocation &in);
int runPinVerb(const Invocation &in);
int runUnpinVerb(const Invocation &in);

} // namespace tfhub::cli
