#pragma once

// `tfhub-cache rm`: defines tfhub::cli::runRemoveVerb() declared in app/cli/verbs.h, on top of
// core/maintenance/entryremoval.h.
#include "app/cli/verbs.h"
