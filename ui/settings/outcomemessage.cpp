#include "ui/settings/outcomemessage.h"

#include "core/util/humanize.h"
#include "ui/settings/envapplier.h"

#include <QCoreApplication>

namespace tfhub::ui {

namespace {

// The page's translation context: these are its words.
QString tr(const char *text, int n = -1)
{
    return QCoreApplication::translate("tfhub::ui::SettingsPage", text, nullptr, n);
}

// What step 3 did: the originals deleted, or the copies undone because nothing was saved.
QStringList finishText(const ApplyOutcome &o)
{
    const MoveReport &m = o.moveReport;
    const MoveReport &f = o.finishReport;
    QStringList text;
    if (!o.finishAttempted)
        return text;
    if (f.undone) {
        text << tr("No file could be saved, so the models were put back in %1.").arg(m.from);
    } else if (f.sourcesRemoved) {
        if (!f.leftBehind.isEmpty())
            text << tr("Some originals could not be deleted from %1 (see details).").arg(m.from);
    } else if (!f.error.isEmpty()) {
        // Neither step completed: say where the models are, not where they were.
        text << tr("Completing the move failed: %1 The models are in %2; the move is finished or undone "
                   "when the program starts next.")
                    .arg(f.error, m.to);
    }
    return text;
}

// What the move did, in words; empty when no move was asked for.
QStringList moveText(const ApplyOutcome &o)
{
    QStringList text;
    if (!o.moveAttempted)
        return text;
    const MoveReport &m = o.moveReport;
    if (!o.moveError.isEmpty() && !m.skipped.isEmpty()) {
        // Refused before anything changed because some models must stay (live downloads): the
        // user may wait, or agree to leave them behind.
        text << tr("%n model(s) cannot move now: %1", static_cast<int>(m.skipped.size()))
                    .arg(m.skipped.join(QLatin1Char(' ')))
             << tr("No model was moved; they are all in %1. Nothing was saved. Try again once the downloads "
                   "finish, or tick \"Move even if models are being downloaded\" to leave them in %1.")
                    .arg(m.from);
        return text;
    }
    if (!o.moveError.isEmpty()) {
        // The engine undid every copy: the old folder is whole.
        text << tr("Moving the models failed: %1 No model was moved; they are all in %2. Nothing was saved.")
                    .arg(o.moveError, m.from);
        return text;
    }
    if (m.cancelled) {
        text << tr("Moving was cancelled: no model was moved; they are all in %1. Nothing was saved.")
                    .arg(m.from);
        return text;
    }
    if (o.finishReport.undone)
        text << tr("%n model(s) were copied to %1, then put back.", static_cast<int>(m.moved.size()))
                    .arg(m.to);
    else
        text << tr("%n model(s) moved to %1 (%2).", static_cast<int>(m.moved.size()))
                    .arg(m.to, util::humanSize(m.bytes));
    if (!m.skipped.isEmpty())
        text << tr("Left in place: %1").arg(m.skipped.join(QLatin1Char(' ')));
    text << finishText(o);
    return text;
}

} // namespace

OutcomeMessage settingsOutcomeMessage(const ApplyOutcome &o)
{
    OutcomeMessage message;
    if (!o.checkError.isEmpty()) {
        message.kind = MessageBar::Kind::Error;
        message.text = o.checkError + QLatin1Char(' ') + tr("Nothing was saved.");
        return message;
    }
    for (const shellenv::TargetResult &r : o.results) {
        if (r.error.isEmpty())
            message.savedIn << r.path;
    }
    const QStringList errors = o.writeErrors();
    QStringList text = errors;
    if (!message.savedIn.isEmpty()) {
        const QString files = message.savedIn.join(QStringLiteral(", "));
        text << (o.unset ? tr("Removed the settings from %1. New terminals use tensorflow_hub's defaults; "
                              "programs started from the desktop after your next login.")
                               .arg(files)
                         : tr("Saved in %1. New terminals get the values now; programs started from the "
                              "desktop after your next login.")
                               .arg(files));
    }
    text << moveText(o);
    // Refused for models in use is no failure: nothing changed, as the rule wants.
    const bool refused = o.moveAttempted && !o.moveError.isEmpty() && !o.moveReport.skipped.isEmpty();
    const bool failed = !errors.isEmpty() || (o.moveAttempted && !o.moveError.isEmpty() && !refused)
        || (o.finishAttempted && !o.finishReport.error.isEmpty());
    const bool partly = o.moveAttempted && (o.moveReport.cancelled || !o.moveReport.skipped.isEmpty());
    message.kind = failed ? MessageBar::Kind::Error
        : partly          ? MessageBar::Kind::Warning
                          : MessageBar::Kind::Positive;
    message.text = text.join(QLatin1Char(' '));
    if (o.moveAttempted)
        message.details = (o.moveReport.leftBehind + o.finishReport.leftBehind).join(QLatin1Char('\n'));
    message.ok = !failed && !message.savedIn.isEmpty();
    return message;
}

} // namespace tfhub::ui
