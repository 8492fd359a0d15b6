#include "ui/settings/settingspage.h"

#include "core/gcs/gcsurl.h"
#include "core/prefetch/downloadqueue.h"
#include "core/settings/appsettings.h"
#include "core/util/humanize.h"
#include "ui/settings/cachefolderbox.h"
#include "ui/settings/cleanpolicybox.h"
#include "ui/settings/downloadsbox.h"
#include "ui/settings/envapplier.h"
#include "ui/settings/envpreviewbox.h"
#include "ui/settings/outcomemessage.h"
#include "ui/widgets/messagebar.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QStyle>
#include <QVBoxLayout>

#include <algorithm>

namespace tfhub::ui {

namespace {

QLabel *hintLabel(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setTextFormat(Qt::PlainText);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}

// gs://bucket/prefix as parsed, else the cleaned path: QDir::cleanPath would make "gs://" "gs:/".
QString cleanFolder(const QString &dir)
{
    if (gcs::isGcsUrl(dir)) {
        const Result<gcs::GcsUrl> url = gcs::parseGcsUrl(dir);
        return url ? url->url() : dir;
    }
    return QDir::cleanPath(dir);
}

// The value Apply saves: a gs:// location as tensorflow_hub reads it, checked by Cloud Storage's
// own rules (it is no absolute path), else the local folder as shellenv checks it.
Result<QString> cacheDirValue(const QString &text, const QString &home)
{
    if (!gcs::isGcsUrl(text.trimmed()))
        return shellenv::normalizeValue(shellenv::Variable::CacheDir, text, home);
    const Result<gcs::GcsUrl> url = gcs::parseGcsUrl(text.trimmed());
    if (!url)
        return Error { url.error() };
    return url->url();
}

HubSettings resolveFor(const DownloadQueue *queue)
{
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    HubSettings fromEnvironment = HubSettings::resolve(env);
    const QString root = queue ? queue->options().cacheRoot : QString();
    if (root.isEmpty() || QDir::cleanPath(root) == QDir::cleanPath(fromEnvironment.cacheDir))
        return fromEnvironment;
    return HubSettings::resolve(env, root);
}

// A default is what tensorflow_hub uses when the variable is not set; the rows compare it so.
VariableValues valuesOf(const HubSettings &s)
{
    VariableValues v;
    v.insert(shellenv::Variable::CacheDir,
        s.cacheDirSource == ValueSource::Default ? std::nullopt : std::optional<QString>(s.cacheDir));
    v.insert(shellenv::Variable::LoadFormat,
        s.loadFormatSource == ValueSource::Default ? std::nullopt : std::optional<QString>(s.loadFormatRaw));
    return v;
}

struct FormatChoice
{
    LoadFormat format;
    const char *sentence;
};

// AUTO first: it is the library's default.
const FormatChoice FormatChoices[] = {
    { LoadFormat::Auto,
        QT_TRANSLATE_NOOP("tfhub::ui::SettingsPage",
            "tensorflow_hub's default; today it behaves exactly like COMPRESSED.") },
    { LoadFormat::Compressed,
        QT_TRANSLATE_NOOP("tfhub::ui::SettingsPage",
            "Downloads each model once as a compressed archive and keeps it unpacked in the cache folder.") },
    { LoadFormat::Uncompressed,
        QT_TRANSLATE_NOOP("tfhub::ui::SettingsPage",
            "Reads models from remote storage (Google Cloud Storage) each time they load and caches "
            "nothing; every load needs the network.") },
};

} // namespace

QString SettingsPage::targetsKey()
{
    return settings::EnvironmentTargets.name();
}

void SettingsPage::applyStoredSettings(DownloadQueue *queue)
{
    DownloadsBox::applyStoredSettings(queue);
}

SettingsPage::SettingsPage(DownloadQueue *queue, QWidget *parent)
    : SettingsPage(queue, resolveFor(queue), parent)
{
}

SettingsPage::SettingsPage(DownloadQueue *queue, const HubSettings &current, QWidget *parent)
    : QWidget(parent)
    , m_queue(queue)
    , m_current(current)
    , m_env(QProcessEnvironment::systemEnvironment())
    , m_persistence(shellenv::Locations::fromEnvironment(m_env))
    , m_program(valuesOf(current))
{
    Q_ASSERT(queue);
    setObjectName(QStringLiteral("settingsPage"));
    // A handful of small dotfiles: reading them here lets the form open with the saved values.
    loadStates(m_persistence.readAll());

    m_applier = new EnvApplier(this);
    connect(m_applier, &EnvApplier::moveStarted, this,
        [this] { m_moveLabel->setText(tr("Moving your models to %1…").arg(m_cacheBox->text())); });
    connect(m_applier, &EnvApplier::moveProgressChanged, this, &SettingsPage::onMoveProgress);
    connect(m_applier, &EnvApplier::finished, this, &SettingsPage::onApplied);

    m_bar = new MessageBar(this);
    m_effective = new EffectiveValuesBox;

    // Sections are group boxes stacked in a scroll area, so the form can grow without crowding
    // small screens.
    auto *content = new QWidget;
    m_sections = new QVBoxLayout(content);
    m_cacheBox
        = new CacheFolderBox(savedValues().value(shellenv::Variable::CacheDir).value_or(m_current.cacheDir),
            shellenv::persistentCacheDir(m_env));
    connect(m_cacheBox, &CacheFolderBox::edited, this, &SettingsPage::updatePreview);
    m_preview = new EnvPreviewBox(m_persistence.locations());
    m_sections->addWidget(m_cacheBox);
    m_sections->addWidget(createLoadFormatGroup());
    m_sections->addWidget(createTargetsGroup());
    m_sections->addWidget(m_preview);
    m_sections->addWidget(m_effective);
    auto *downloads = new DownloadsBox(m_queue);
    connect(downloads, &DownloadsBox::changed, this, &SettingsPage::settingsChanged);
    m_sections->addWidget(downloads);
    m_sections->addWidget(new CleanPolicyBox([this] { return m_current.cacheDir; }));
    m_sections->addStretch(1);

    auto *scroll = new QScrollArea(this);
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);

    // Apply and Unset stay in view at the bottom, as in a dialog, however far the page scrolls.
    auto *line = new QFrame(this);
    line->setFrameShape(QFrame::HLine);
    line->setFrameShadow(QFrame::Sunken);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_bar);
    layout->addWidget(scroll, 1);
    layout->addWidget(line);
    layout->addWidget(createApplyRow());

    showCurrentSource();
    updatePreview();
    refreshEffective();
}

void SettingsPage::setCurrent(const HubSettings &current)
{
    m_current = current;
    m_switchedBy.clear();
    m_program = valuesOf(current);
    // Whoever changed it may have saved it too (the first-run bar does): show the files as they are.
    loadStates(m_persistence.readAll());
    m_cacheBox->setText(savedValues().value(shellenv::Variable::CacheDir).value_or(current.cacheDir));
    showCurrentSource();
    updatePreview();
    refreshEffective();
}

void SettingsPage::adoptCacheDir(const QString &dir, const QString &how)
{
    m_current.cacheDir = cleanFolder(dir);
    m_switchedBy = how;
    m_program.insert(shellenv::Variable::CacheDir, m_current.cacheDir);
    loadStates(m_persistence.readAll());
    m_cacheBox->setText(m_current.cacheDir);
    showCurrentSource();
    updatePreview();
    refreshEffective();
}

bool SettingsPage::isBusy() const
{
    return m_applier->isRunning();
}

QWidget *SettingsPage::createLoadFormatGroup()
{
    auto *group = new QGroupBox(tr("Load format"));
    m_formatBox = group;
    group->setObjectName(QStringLiteral("loadFormatGroup"));
    m_formats = new QButtonGroup(this);
    const std::optional<QString> saved = savedValues().value(shellenv::Variable::LoadFormat);
    const LoadFormat initial = saved && HubSettings::parseLoadFormat(*saved) != LoadFormat::Invalid
        ? HubSettings::parseLoadFormat(*saved)
        : m_current.loadFormat;

    auto *layout = new QVBoxLayout(group);
    for (const FormatChoice &choice : FormatChoices) {
        // The radio shows the exact value written, since that is what users meet in documentation.
        auto *radio = new QRadioButton(loadFormatName(choice.format), group);
        radio->setObjectName(QStringLiteral("loadFormat") + loadFormatName(choice.format));
        radio->setChecked(choice.format == initial);
        auto *sentence = hintLabel(tr(choice.sentence), group);
        sentence->setIndent(radio->style()->pixelMetric(QStyle::PM_ExclusiveIndicatorWidth) + 8);
        radio->setToolTip(sentence->text());
        m_formats->addButton(radio, static_cast<int>(choice.format));
        layout->addWidget(radio);
        layout->addWidget(sentence);
    }
    // An invalid value found in the environment leaves no choice made: the files keep theirs.
    connect(m_formats, &QButtonGroup::idToggled, this, [this](int, bool checked) {
        if (checked)
            updatePreview();
    });
    return group;
}

QWidget *SettingsPage::createTargetsGroup()
{
    auto *group = new QGroupBox(tr("Where to save"));
    m_targetsBox = group;
    group->setObjectName(QStringLiteral("targetsGroup"));
    auto *layout = new QVBoxLayout(group);
    layout->addWidget(hintLabel(tr("Each file gets one marked block; the rest of it stays as it is, and the "
                                   "previous version is kept as a backup."),
        group));

    QList<shellenv::Target> chosen;
    const QStringList stored = QSettings().value(targetsKey()).toStringList();
    for (const QString &name : stored) {
        shellenv::Target t;
        if (shellenv::targetFromName(name, &t))
            chosen << t;
    }
    if (!QSettings().contains(targetsKey())) {
        // Only what the user has: a shell found on this machine whose file exists already, and
        // the desktop session. Writing a new ~/.zshrc for a bash user is more than was asked.
        const shellenv::Locations &where = m_persistence.locations();
        for (const shellenv::Target t : where.defaultTargets()) {
            if (t == shellenv::Target::Session || QFileInfo::exists(where.fileFor(t)))
                chosen << t;
        }
        // A file that already holds our block is kept in step, or it would go on setting old values.
        for (const shellenv::TargetState &s : std::as_const(m_states)) {
            if (s.hasBlock && !chosen.contains(s.target))
                chosen << s.target;
        }
    }
    for (const shellenv::Target t : shellenv::allTargets()) {
        const QString path = m_persistence.locations().fileFor(t);
        // "~/.bashrc" reads at any width; the whole path is in the tooltip.
        const QString home = m_persistence.locations().home;
        QString shown = !home.isEmpty() && path.startsWith(home + QLatin1Char('/'))
            ? QStringLiteral("~") + path.mid(home.size())
            : path;
        auto *check = new QCheckBox(tr("%1 — %2").arg(shown.replace(QLatin1Char('&'), QStringLiteral("&&")),
                                        shellenv::targetLabel(t)),
            group);
        check->setToolTip(path);
        check->setObjectName(QStringLiteral("target_") + shellenv::targetName(t));
        check->setChecked(chosen.contains(t));
        connect(check, &QCheckBox::toggled, this, &SettingsPage::updatePreview);
        m_targetChecks.insert(t, check);
        layout->addWidget(check);
    }
    return group;
}

QWidget *SettingsPage::createApplyRow()
{
    auto *box = new QWidget;
    m_apply = new QPushButton(tr("&Apply"), box);
    m_apply->setObjectName(QStringLiteral("applyButton"));
    m_apply->setToolTip(tr("Writes the lines of the preview to the ticked files."));
    m_unset = new QPushButton(tr("&Unset"), box);
    m_unset->setObjectName(QStringLiteral("unsetButton"));
    m_unset->setToolTip(tr("Removes the block from the checked files; new programs then get tensorflow_hub's "
                           "defaults, unless something else sets the variables."));
    connect(m_apply, &QPushButton::clicked, this, [this] { startApply(false); });
    connect(m_unset, &QPushButton::clicked, this, [this] { startApply(true); });

    m_moveRow = new QWidget(box);
    m_moveRow->setObjectName(QStringLiteral("moveRow"));
    m_moveLabel = new QLabel(m_moveRow);
    m_moveLabel->setObjectName(QStringLiteral("moveLabel"));
    m_moveLabel->setTextFormat(Qt::PlainText);
    m_moveProgress = new QProgressBar(m_moveRow);
    m_moveProgress->setObjectName(QStringLiteral("moveProgress"));
    m_cancelMove = new QPushButton(tr("Cancel"), m_moveRow);
    m_cancelMove->setObjectName(QStringLiteral("cancelMoveButton"));
    connect(m_cancelMove, &QPushButton::clicked, this, [this] {
        m_cancelMove->setEnabled(false);
        m_applier->cancel();
    });
    auto *moveLayout = new QHBoxLayout(m_moveRow);
    moveLayout->setContentsMargins(0, 0, 0, 0);
    moveLayout->addWidget(m_moveLabel);
    moveLayout->addWidget(m_moveProgress, 1);
    moveLayout->addWidget(m_cancelMove);
    m_moveRow->hide();

    auto *hint = new QLabel(tr("Apply saves the cache folder and load format in the ticked files; the "
                               "other settings apply at once."),
        box);
    hint->setObjectName(QStringLiteral("applyHint"));
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(hint, 1);
    buttons->addWidget(m_unset);
    buttons->addWidget(m_apply);
    m_apply->setDefault(true);
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(9, 3, 9, 9);
    layout->addLayout(buttons);
    layout->addWidget(m_moveRow);
    return box;
}

void SettingsPage::loadStates(const QList<shellenv::TargetState> &states)
{
    m_states.clear();
    for (const shellenv::TargetState &s : states)
        m_states.insert(s.target, s);
}

VariableValues SettingsPage::savedValues() const
{
    // The checked files first: they are the ones Apply keeps in step.
    QList<shellenv::Target> order = checkedTargets();
    for (const shellenv::Target t : shellenv::allTargets()) {
        if (!order.contains(t))
            order << t;
    }
    VariableValues saved;
    for (const shellenv::Variable v : shellenv::allVariables()) {
        saved.insert(v, std::nullopt);
        for (const shellenv::Target t : std::as_const(order)) {
            if (m_states.value(t).values.contains(v)) {
                saved.insert(v, m_states.value(t).values.value(v));
                break;
            }
        }
    }
    return saved;
}

void SettingsPage::showCurrentSource()
{
    QString text = tr("This program uses %1 (%2).")
                       .arg(QDir::toNativeSeparators(m_current.cacheDir),
                           m_switchedBy.isEmpty() ? sourceLabel(m_current.cacheDirSource) : m_switchedBy);
    QStringList savedIn;
    for (const shellenv::TargetState &s : std::as_const(m_states)) {
        if (s.values.contains(shellenv::Variable::CacheDir))
            savedIn << tr("%1 in %2").arg(s.values.value(shellenv::Variable::CacheDir), s.path);
    }
    if (!savedIn.isEmpty())
        text += QLatin1Char(' ') + tr("Saved for new programs: %1.").arg(savedIn.join(QStringLiteral("; ")));
    m_cacheBox->setSourceText(text);
}

QList<shellenv::Target> SettingsPage::checkedTargets() const
{
    QList<shellenv::Target> targets;
    for (auto it = m_targetChecks.cbegin(); it != m_targetChecks.cend(); ++it) {
        if (it.value()->isChecked())
            targets << it.key();
    }
    return targets;
}

Result<shellenv::Changes> SettingsPage::formChanges() const
{
    const Result<QString> dir = cacheDirValue(m_cacheBox->text(), m_persistence.locations().home);
    if (!dir)
        return Error { dir.error() };
    shellenv::Changes changes;
    changes.insert(shellenv::Variable::CacheDir, *dir);
    // AUTO is what tensorflow_hub does with no variable: choosing it removes our line rather than
    // writing one that the effective values would then flag.
    if (m_formats->checkedId() >= 0) {
        const auto format = static_cast<LoadFormat>(m_formats->checkedId());
        changes.insert(shellenv::Variable::LoadFormat,
            format == LoadFormat::Auto ? std::nullopt : std::optional<QString>(loadFormatName(format)));
    }
    return changes;
}

void SettingsPage::updatePreview()
{
    const Result<shellenv::Changes> changes = formChanges();
    m_cacheBox->setError(changes ? QString() : changes.error());
    const QString dir
        = changes ? changes->value(shellenv::Variable::CacheDir).value_or(QString()) : QString();
    m_cacheBox->setTemporary(changes && shellenv::isTemporaryDir(dir, m_current.tempDir) ? dir : QString());
    m_cacheBox->setMoveUnavailable(gcs::isGcsUrl(dir) || gcs::isGcsUrl(m_current.cacheDir)
            ? tr("Models are not moved to or from Cloud Storage: moving between a bucket and a disk is not "
                 "done (every file would pass through this computer). tensorflow_hub downloads what the new "
                 "location lacks.")
            : QString());
    const QList<shellenv::Target> targets = checkedTargets();
    m_preview->showBlocks(targets, m_states, changes);
    const bool busy = m_applier->isRunning();
    m_apply->setEnabled(changes && !targets.isEmpty() && !busy);
    m_unset->setEnabled(!targets.isEmpty() && !busy);
}

void SettingsPage::startApply(bool unset)
{
    if (m_applier->isRunning())
        return;
    ApplyRequest request;
    request.locations = m_persistence.locations();
    request.targets = checkedTargets();
    if (request.targets.isEmpty()) {
        m_bar->showMessage(MessageBar::Kind::Error, tr("Check at least one file to save the settings in."));
        return;
    }
    request.unset = unset;
    if (unset) {
        for (const shellenv::Variable v : shellenv::allVariables())
            request.changes.insert(v, std::nullopt);
    } else {
        const Result<shellenv::Changes> changes = formChanges();
        if (!changes) {
            m_bar->showMessage(MessageBar::Kind::Error, changes.error());
            return;
        }
        request.changes = *changes;
        const QString dir = *request.changes.value(shellenv::Variable::CacheDir);
        if (m_cacheBox->moveModels() && dir != cleanFolder(m_current.cacheDir)) {
            request.moveFrom = m_current.cacheDir;
            request.moveTo = dir;
            request.leaveBehind = m_cacheBox->leaveBehind();
        }
    }
    QStringList names;
    for (const shellenv::Target t : std::as_const(request.targets))
        names << shellenv::targetName(t);
    QSettings().setValue(targetsKey(), names);

    m_pendingUnset = unset;
    m_pendingChanges = request.changes;
    if (!request.moveFrom.isEmpty()) {
        // Cancel is offered from the start: nothing is saved until the models are moved.
        m_moveLabel->setText(tr("Checking %1…").arg(request.moveTo));
        m_moveProgress->setRange(0, 0);
        m_cancelMove->setEnabled(true);
        m_moveRow->show();
    }
    m_bar->showMessage(
        MessageBar::Kind::Information, unset ? tr("Removing the settings…") : tr("Saving the settings…"));
    setBusy(true);
    m_applier->start(request);
}

void SettingsPage::onMoveProgress(const MoveProgress &p)
{
    if (p.totalBytes > 0) {
        // Permille keeps large caches inside the int range of QProgressBar.
        m_moveProgress->setRange(0, 1000);
        m_moveProgress->setValue(static_cast<int>(p.doneBytes * 1000 / p.totalBytes));
    }
    m_moveLabel->setText(tr("Moving %1 (%2 of %3)…")
                             .arg(p.current.isEmpty() ? m_cacheBox->text() : p.current,
                                 util::humanSize(p.doneBytes), util::humanSize(p.totalBytes)));
}

void SettingsPage::onApplied(const ApplyOutcome &o)
{
    setBusy(false);
    m_moveRow->hide();
    const OutcomeMessage message = settingsOutcomeMessage(o);
    m_bar->showMessage(message.kind, message.text, message.details);
    if (!o.checkError.isEmpty()) {
        Q_EMIT applyFinished(false);
        return;
    }
    loadStates(o.states);
    if (!m_pendingUnset && !message.savedIn.isEmpty())
        adoptSavedValues();
    showCurrentSource();
    updatePreview();
    refreshEffective();
    Q_EMIT applyFinished(message.ok);
}

void SettingsPage::adoptSavedValues()
{
    const QString dir = *m_pendingChanges.value(shellenv::Variable::CacheDir);
    m_program.insert(shellenv::Variable::CacheDir, dir);
    if (dir != cleanFolder(m_current.cacheDir)) {
        m_current.cacheDir = dir;
        m_switchedBy = tr("applied on this page");
        Q_EMIT cacheDirChanged(dir);
    }
    // A removed line (AUTO) means AUTO to tensorflow_hub.
    if (const std::optional<QString> format = m_pendingChanges.contains(shellenv::Variable::LoadFormat)
            ? m_pendingChanges.value(shellenv::Variable::LoadFormat)
                  .value_or(loadFormatName(LoadFormat::Auto))
            : std::optional<QString>()) {
        m_program.insert(shellenv::Variable::LoadFormat, *format);
        const bool changed = *format != m_current.loadFormatRaw;
        m_current.loadFormatRaw = *format;
        m_current.loadFormat = HubSettings::parseLoadFormat(*format);
        PrefetchOptions options = m_queue->options();
        options.loadFormat = m_current.loadFormat;
        m_queue->setOptions(options);
        if (changed)
            Q_EMIT loadFormatChanged(*format);
    }
}

void SettingsPage::setBusy(bool busy)
{
    for (QWidget *section : std::initializer_list<QWidget *> { m_cacheBox, m_formatBox, m_targetsBox })
        section->setEnabled(!busy);
    m_apply->setEnabled(!busy);
    m_unset->setEnabled(!busy);
}

void SettingsPage::refreshEffective()
{
    m_effective->refresh(m_env, savedValues(), m_program);
}

} // namespace tfhub::ui
