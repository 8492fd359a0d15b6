#pragma once

#include "ui/widgets/messagebar.h"

#include <QString>
#include <QStringList>

namespace tfhub::ui {

struct ApplyOutcome;

/// What the Settings page says after an Apply or Unset, in its message bar.
struct OutcomeMessage final
{
    MessageBar::Kind kind = MessageBar::Kind::Information;
    QString text;
    QString details; ///< the leftovers a move did not take, one a line
    bool ok = false; ///< everything asked for was done, and at least one file was written
    QStringList savedIn; ///< the files written, as named
};

/// The message for `outcome`: a pure function of it, so every case is tested without a page.
OutcomeMessage settingsOutcomeMessage(const ApplyOutcome &outcome);

} // namespace tfhub::ui
