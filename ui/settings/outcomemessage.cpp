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

// What the move did, in words; empty when no move was asked for.
QStringList moveText(const ApplyOutcome &o)
{
    QStringList text;
    if (!o.moveAttempted)
        return text;
    const MoveReport &m = o.moveReport;
    if (!o.moveError.isEmpty()) {
        text << tr("Moving the models failed: %1 They are still in %2. Nothing was saved.")
                    .arg(o.moveError, m.from);
    } else if (m.cancelled) {
        text << tr(
            "Moving was cancelled: %n model(s) moved to %1; the rest are still in %2. Nothing was saved.",
            static_cast<int>(m.moved.size()))
                    .arg(m.to, m.from);
    } else {
        text << tr("%n model(s) moved to %1 (%2).", static_cast<int>(m.moved.size()))
                    .arg(m.to, util::humanSize(m.bytes));
    }
    if (!m.skipped.isEmpty())
        text << tr("Left in place: %1").arg(m.skipped.join(QLatin1Char(' ')));
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
    const bool failed = !errors.isEmpty() || (o.moveAttempted && !o.moveError.isEmpty());
    const bool partly = o.moveAttempted && (o.moveReport.cancelled || !o.moveReport.skipped.isEmpty());
    message.kind = failed ? MessageBar::Kind::Error
        : partly          ? MessageBar::Kind::Warning
                          : MessageBar::Kind::Positive;
    message.text = text.join(QLatin1Char(' '));
    if (o.moveAttempted)
        message.details = o.moveReport.leftBehind.join(QLatin1Char('\n'));
    message.ok = !failed && !message.savedIn.isEmpty();
    return message;
}

} // namespace tfhub::ui
