#pragma once

// `tfhub-cache config set|unset|show`: defines tfhub::cli::runConfigVerb() declared in
// app/cliextensions.h, on top of core/envpersistence.h, core/shellprobe.h and core/cachemover.h.
#include "app/cliextensions.h"
