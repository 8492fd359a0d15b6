#pragma once

#include "core/hub/hubsettings.h"
#include "core/shellenv/envpersistence.h"
#include "core/shellenv/shellprobe.h"

namespace tfhub::cli {

/// `config show --json` (schema in the README, "JSON output"): the envelope, this process's
/// values, what each file persists, what each kind of new shell sees, and the conflicts.
int showConfigJson(const HubSettings &current, const QList<shellenv::TargetState> &states,
    const QList<shellenv::ProbeResult> &probes, const QList<shellenv::Conflict> &conflicts);

} // namespace tfhub::cli
