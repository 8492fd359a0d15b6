#include "ui/settings/firstrunbar.h"

#include "core/maintenance/cachemover.h"
#include "core/settings/appsettings.h"
#include "core/shellenv/envpersistence.h"
#include "core/util/humanize.h"
#include "ui/widgets/messagebar.h"

#include <QAction>
#include <QDir>
#include <QSettings>
#include <QtConcurrent>

namespace tfhub::ui {

namespace {

QString tildePath(const QString &path)
{
    const QString home
        = QProcessEnvironment::systemEnvironment().value(QStringLiteral("HOME"), QDir::homePath());
    return path.startsWith(home + QLatin1Char('/')) ? QLatin1Char('~') + path.mid(home.size()) : path;
}

// The files to write: those that exist or apply here, and any that already holds our block.
QList<shellenv::Target> targetsFor(const shellenv::EnvPersistence &p)
{
    QList<shellenv::Target> targets = p.locations().defaultTargets();
    for (const shellenv::TargetState &s : p.readAll()) {
        if (s.hasBlock && !targets.contains(s.target))
            targets << s.target;
    }
    return targets;
}

} // namespace

FirstRunBar::FirstRunBar(MessageBar *bar, QObject *parent) : QObject(parent), m_bar(bar)
{
    Q_ASSERT(bar);
    connect(&m_persistWatcher, &QFutureWatcher<QList<shellenv::TargetResult>>::finished, this,
        &FirstRunBar::onPersisted);
}

FirstRunBar::~FirstRunBar()
{
    m_persistWatcher.waitForFinished();
}

QString FirstRunBar::dismissedKey()
{
    return settings::TemporaryCacheDismissed.name();
}

bool FirstRunBar::check(const HubSettings &settings)
{
    m_settings = settings;
    if (!m_bar)
        return false;
    if (settings.loadFormat == LoadFormat::Invalid) {
        showLoadFormatWarning();
        return true;
    }
    const shellenv::EnvPersistence persistence;
    bool persistedElsewhere = false;
    for (const shellenv::TargetState &s : persistence.readAll()) {
        const QString dir = s.values.value(shellenv::Variable::CacheDir);
        if (!dir.isEmpty() && !shellenv::isTemporaryDir(dir))
            persistedElsewhere = true; // done already; this process only predates it
    }
    const bool temporary = settings.cacheDirSource == ValueSource::Default
        || shellenv::isTemporaryDir(settings.cacheDir, settings.tempDir);
    if (temporary && !persistedElsewhere && settings.cacheDirSource != ValueSource::CommandLine
        && !settings::TemporaryCacheDismissed.read(QSettings())) {
        showTemporaryWarning();
        return true;
    }
    return false;
}

void FirstRunBar::showLoadFormatWarning()
{
    const QString raw = m_settings.loadFormatRaw;
    const QString fixed = HubSettings::parseLoadFormat(raw.trimmed().toUpper()) != LoadFormat::Invalid
        ? raw.trimmed().toUpper()
        : QStringLiteral("AUTO");
    m_bar->showMessage(MessageBar::Kind::Warning,
        tr("TFHUB_MODEL_LOAD_FORMAT is \"%1\", which tensorflow_hub does not accept: it will fail to load "
           "models from tfhub.dev and Kaggle. It takes COMPRESSED, UNCOMPRESSED or AUTO, in capitals.")
            .arg(raw));
    auto *fix = new QAction(tr("Set it to %1").arg(fixed), m_bar);
    fix->setObjectName(QStringLiteral("fixLoadFormatAction"));
    connect(fix, &QAction::triggered, this, [this, fixed] {
        persist(static_cast<int>(shellenv::Variable::LoadFormat), fixed,
            tr("TFHUB_MODEL_LOAD_FORMAT is now %1 for new terminals; programs started from the desktop see "
               "it "
               "after your next login.")
                .arg(fixed));
        Q_EMIT loadFormatFixed(fixed);
    });
    m_bar->addAction(fix);
}

void FirstRunBar::showTemporaryWarning()
{
    m_target = shellenv::persistentCacheDir();
    m_bar->showMessage(MessageBar::Kind::Warning,
        tr("Your models are cached in %1, which is cleared on restart.").arg(m_settings.cacheDir));
    auto *use = new QAction(tr("Use %1").arg(tildePath(m_target)), m_bar);
    use->setObjectName(QStringLiteral("usePersistentCacheAction"));
    connect(use, &QAction::triggered, this, &FirstRunBar::useSuggestedFolder);
    auto *later = new QAction(tr("Not now"), m_bar);
    later->setObjectName(QStringLiteral("notNowAction"));
    connect(later, &QAction::triggered, this, [] {
        QSettings stored;
        settings::TemporaryCacheDismissed.write(stored, true);
    });
    m_bar->addAction(use);
    m_bar->addAction(later);
}

void FirstRunBar::useSuggestedFolder()
{
    if (m_mover)
        return;
    m_copied = false;
    m_mover = new CacheMover(this);
    connect(m_mover, &CacheMover::progressChanged, this, [this](const MoveProgress &p) {
        if (!m_bar || m_copied)
            return;
        m_bar->showMessage(MessageBar::Kind::Information,
            tr("Moving your models to %1: %2 of %3…")
                .arg(tildePath(m_target), util::humanSize(p.doneBytes), util::humanSize(p.totalBytes)));
        auto *cancel = new QAction(tr("Cancel"), m_bar);
        cancel->setObjectName(QStringLiteral("cancelMoveAction"));
        connect(cancel, &QAction::triggered, m_mover, &CacheMover::cancel);
        m_bar->addAction(cancel);
    });
    connect(m_mover, &CacheMover::finished, this, &FirstRunBar::onMoveFinished);
    // A model being downloaded refuses the move (nothing moved, nothing saved): switching anyway
    // would leave it behind unseen, and this bar has no way to ask for consent.
    MoveOptions options;
    options.leaveBehind = false;
    m_mover->start(m_settings.cacheDir, m_target, options);
}

void FirstRunBar::onMoveFinished(const MoveReport &report, const QString &error)
{
    if (m_copied)
        onMoveCompleted(report);
    else
        onCopied(report, error);
}

void FirstRunBar::onCopied(const MoveReport &report, const QString &error)
{
    if (!report.switchable()) {
        m_mover->deleteLater();
        m_mover = nullptr;
        if (!m_bar)
            return;
        // The engine undid whatever it had copied: every model is still in the old folder.
        const QString unchanged
            = tr("No model was moved; they are all in %1, and nothing was changed in your settings.")
                  .arg(report.from);
        if (report.cancelled) {
            m_bar->showMessage(
                MessageBar::Kind::Information, tr("Moving was cancelled.") + QLatin1Char(' ') + unchanged);
        } else if (!report.skipped.isEmpty()) {
            // Refused before anything changed: the models in use are named, the rest is the user's
            // choice of when to retry.
            m_bar->showMessage(MessageBar::Kind::Warning,
                tr("%n model(s) cannot move now: %1", nullptr, static_cast<int>(report.skipped.size()))
                        .arg(report.skipped.join(QLatin1Char(' ')))
                    + QLatin1Char(' ') + unchanged + QLatin1Char(' ')
                    + tr("Try again once the downloads finish."));
        } else {
            m_bar->showMessage(MessageBar::Kind::Error,
                tr("Moving your models failed: %1").arg(error) + QLatin1Char(' ') + unchanged);
        }
        Q_EMIT finished(false);
        return;
    }
    m_copied = true;
    m_copyReport = report;
    persist(static_cast<int>(shellenv::Variable::CacheDir), m_target, QString());
}

void FirstRunBar::onMoveCompleted(const MoveReport &report)
{
    m_mover->deleteLater();
    m_mover = nullptr;
    m_copied = false;
    const MoveReport &copy = m_copyReport;
    if (!m_bar)
        return;
    if (report.undone || !report.sourcesRemoved) {
        const QString where = report.undone
            ? tr("Your models were put back in %1.").arg(copy.from)
            : tr("Completing the move failed: %1 Your models are in %2; the program offers to finish "
                 "the move when it starts next.")
                  .arg(report.error, tildePath(m_target));
        m_bar->showMessage(MessageBar::Kind::Error, m_persistErrors + QLatin1Char(' ') + where);
        Q_EMIT finished(false);
        return;
    }
    QString done
        = tr("Your models are now in %1 (%2 moved). New terminals use it now; programs started from the "
             "desktop after your next login.")
              .arg(tildePath(m_target))
              .arg(copy.moved.size());
    if (!copy.skipped.isEmpty())
        done += QLatin1Char(' ') + tr("Left in place: %1").arg(copy.skipped.join(QLatin1Char(' ')));
    if (!m_persistErrors.isEmpty())
        done = m_persistErrors + QLatin1Char(' ') + done;
    m_bar->showMessage(m_persistErrors.isEmpty() ? MessageBar::Kind::Positive : MessageBar::Kind::Warning,
        done, report.leftBehind.join(QLatin1Char('\n')));
    Q_EMIT cacheDirChanged(m_target);
    Q_EMIT finished(true);
}

void FirstRunBar::onPersisted()
{
    const QList<shellenv::TargetResult> results = m_persistWatcher.result();
    QStringList errors;
    for (const shellenv::TargetResult &r : results) {
        if (!r.error.isEmpty())
            errors << r.error;
    }
    m_persistErrors = errors.join(QLatin1Char('\n'));
    if (m_copied && m_mover) {
        // Step 3: a file names the new folder now, so the originals go; with none, the copies go.
        if (errors.size() < results.size())
            m_mover->finishMove();
        else
            m_mover->undoMove();
        return;
    }
    if (!m_bar)
        return;
    if (!errors.isEmpty()) {
        m_bar->showMessage(MessageBar::Kind::Error, m_persistErrors);
        Q_EMIT finished(false);
        return;
    }
    m_bar->showMessage(MessageBar::Kind::Positive, m_persistWatcher.property("doneText").toString());
    Q_EMIT finished(true);
}

void FirstRunBar::persist(int variable, const QString &value, const QString &done)
{
    m_persistWatcher.setProperty("doneText", done);
    // File writes stay off the GUI thread like every other piece of disk work.
    m_persistWatcher.setFuture(QtConcurrent::run([variable, value] {
        const shellenv::EnvPersistence p;
        shellenv::Changes changes;
        changes.insert(static_cast<shellenv::Variable>(variable), value);
        return p.apply(targetsFor(p), changes);
    }));
}

} // namespace tfhub::ui
