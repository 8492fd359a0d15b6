#pragma once

// `tfhub-cache config set|unset|show`: defines tfhub::cli::runConfigVerb() declared in
// app/cli/verbs.h, on top of core/shellenv/envpersistence.h, core/shellenv/shellprobe.h and core/maintenance/cachemover.h.
#include "app/cli/verbs.h"
