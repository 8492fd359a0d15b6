#pragma once

#include "app/cli/cliextensions.h"

namespace tfhub::cli {

/// The usage text of `tfhub-cache rm`.
QString removeUsage();

} // namespace tfhub::cli
