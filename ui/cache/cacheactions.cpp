#include "ui/cache/cacheactions.h"

#include "core/cache/lock.h"
#include "core/cache/manifest.h"
#include "core/cache/modelformat.h"
#include "ui/cache/cachemodel.h"
#include "ui/cache/gcscachesource.h"
#include "ui/cache/gcsremoval.h"
#include "ui/widgets/messagebar.h"
#include "ui/widgets/pythonsnippet.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QToolButton>
#include <QtConcurrent/QtConcurrentRun>

namespace tfhub::ui {

namespace {

// The confirmation lists this many entries by name; the rest are counted.
constexpr int ListedInConfirmation = 8;

QString sizeText(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes);
}

// Without a loaded translation "%n" cannot pick a plural form; English needs two strings.
QString modelsText(qsizetype n)
{
    return n == 1 ? CacheActions::tr("1 model") : CacheActions::tr("%n models", nullptr, static_cast<int>(n));
}

QString nameOf(const RemovalPlan &p)
{
    return p.handle.isEmpty() ? CacheActions::tr("unknown model %1").arg(p.key) : p.handle;
}

} // namespace

CacheActions::CacheActions(
    const QString &root, SelectionFn selection, MessageBar *messageBar, QWidget *parent)
    : QObject(parent)
    , m_root(root)
    , m_selection(std::move(selection))
    , m_messageBar(messageBar)
    , m_parent(parent)
    , m_remover(new EntryRemover(this))
    , m_gcsRemover(new GcsRemover(this))
    , m_planning(new QFutureWatcher<QList<RemovalPlan>>(this))
    , m_verifying(new QFutureWatcher<VerifySummary>(this))
{
    const auto make = [this](const QString &icon, const QString &text, const QKeySequence &shortcut,
                          const QString &name, const QString &tip) {
        auto *action = new QAction(QIcon::fromTheme(icon), text, this);
        action->setShortcut(shortcut);
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        action->setObjectName(name);
        action->setToolTip(tip);
        action->setEnabled(false);
        return action;
    };
    m_copyPath = make(QStringLiteral("edit-copy-path"), tr("Copy &Path"),
        QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C), QStringLiteral("copyPathAction"),
        tr("Copy the model folders' paths"));
    m_copySnippet = make(QStringLiteral("text-x-python"), tr("Copy P&ython Snippet"),
        QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_C), QStringLiteral("copySnippetAction"),
        tr("Copy Python code that loads the selected models with hub.load()"));
    m_verify = make(QStringLiteral("document-edit-verify"), tr("&Verify"),
        QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_V), QStringLiteral("verifyAction"),
        tr("Check the files against the manifest recorded at download, or for what hub.load() needs"));
    m_delete = make(QStringLiteral("edit-delete"), tr("&Delete…"), QKeySequence::Delete,
        QStringLiteral("deleteAction"), tr("Delete the selected entries from the disk, freeing their space"));
    m_trash = make(QStringLiteral("user-trash"), tr("Move to &Trash…"),
        QKeySequence(Qt::SHIFT | Qt::Key_Delete), QStringLiteral("trashAction"),
        tr("Move the selected entries to the trash; their space is freed when the trash is emptied"));
    connect(m_copyPath, &QAction::triggered, this, &CacheActions::copyPaths);
    connect(m_copySnippet, &QAction::triggered, this, &CacheActions::copySnippet);
    connect(m_verify, &QAction::triggered, this, &CacheActions::verifySelected);
    connect(m_delete, &QAction::triggered, this, &CacheActions::deleteSelected);
    connect(m_trash, &QAction::triggered, this, &CacheActions::trashSelected);

    m_progress = new QWidget(parent);
    m_progress->setObjectName(QStringLiteral("removalProgress"));
    m_progressLabel = new QLabel(m_progress);
    m_progressBar = new QProgressBar(m_progress);
    m_progressBar->setTextVisible(false);
    m_progressBar->setMaximumWidth(240);
    m_cancel = new QToolButton(m_progress);
    m_cancel->setText(tr("Cancel"));
    m_cancel->setObjectName(QStringLiteral("cancelActionButton"));
    m_cancel->setToolTip(tr("Stop; what is already removed stays removed"));
    auto *layout = new QHBoxLayout(m_progress);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_progressLabel, 1);
    layout->addWidget(m_progressBar);
    layout->addWidget(m_cancel);
    m_progress->hide();
    connect(m_cancel, &QToolButton::clicked, this, [this] {
        if (m_verifying->isRunning())
            cancelVerify();
        else
            m_remover->cancel();
        m_gcsRemover->cancel();
    });

    connect(m_remover, &EntryRemover::progressChanged, this, &CacheActions::onRemovalProgress);
    connect(m_remover, &EntryRemover::finished, this, &CacheActions::onRemovalFinished);
    connect(m_gcsRemover, &GcsRemover::progressChanged, this, &CacheActions::onRemovalProgress);
    connect(m_gcsRemover, &GcsRemover::finished, this, &CacheActions::onRemovalFinished);
    connect(m_planning, &QFutureWatcherBase::finished, this, [this] {
        if (m_planning->future().resultCount() > 0)
            confirmRemoval(m_planningMode, m_planning->result());
    });
    connect(m_verifying, &QFutureWatcherBase::finished, this, &CacheActions::onVerified);
}

CacheActions::~CacheActions()
{
    // Hashing a large model takes long; the job stops at its next chunk instead of holding up
    // the window's close.
    if (m_verifyCancel)
        *m_verifyCancel = true;
    m_planning->waitForFinished();
    m_verifying->waitForFinished();
}

void CacheActions::cancelVerify()
{
    if (m_verifyCancel)
        *m_verifyCancel = true;
}

void CacheActions::setScanOptions(const ScanOptions &options)
{
    m_options = options;
    m_remover->setOptions(options);
    m_gcsRemover->setOptions(options);
}

bool CacheActions::isRemoving() const
{
    return m_remover->isRunning() || m_gcsRemover->isRunning() || m_planning->isRunning();
}

void CacheActions::updateEnabled(const QList<CacheEntry> &selected)
{
    const bool any = !selected.isEmpty();
    const bool anyHandle = std::any_of(
        selected.cbegin(), selected.cend(), [](const CacheEntry &e) { return !e.handle.isEmpty(); });
    const bool anyCacheItem = std::any_of(selected.cbegin(), selected.cend(),
        [](const CacheEntry &e) { return e.state != EntryState::Foreign; });
    const bool anyFolder
        = std::any_of(selected.cbegin(), selected.cend(), [](const CacheEntry &e) { return e.hasFolder; });
    m_copyPath->setEnabled(any);
    m_copySnippet->setEnabled(anyHandle);
    m_verify->setEnabled(anyFolder && !m_verifying->isRunning());
    m_delete->setEnabled(anyCacheItem && !isRemoving());
    m_trash->setEnabled(anyCacheItem && !isRemoving());
    const bool cloud = gcscache::isCloudRoot(m_root);
    gcscache::limitForCloud(m_trash, cloud, tr("Cloud Storage has no trash: use Delete."));
}

void CacheActions::copyPaths()
{
    QStringList paths;
    for (const CacheEntry &e : m_selection())
        paths << QDir::toNativeSeparators(e.folderPath(m_root));
    if (!paths.isEmpty())
        QApplication::clipboard()->setText(paths.join(u'\n'));
}

void CacheActions::copySnippet()
{
    QStringList handles;
    for (const CacheEntry &e : m_selection()) {
        if (!e.handle.isEmpty() && !handles.contains(e.handle))
            handles << e.handle;
    }
    if (!handles.isEmpty())
        QApplication::clipboard()->setText(pythonSnippet(handles));
}

CacheActions::VerifySummary CacheActions::verify(
    const QString &root, const QList<CacheEntry> &entries, const std::function<bool()> &cancelled)
{
    VerifySummary s;
    QStringList failures;
    QStringList passes;
    const auto stopped = [&] {
        if (!cancelled || !cancelled())
            return false;
        s.cancelled = true;
        s.text = tr("Verification was cancelled after %1 of %2 models.")
                     .arg(failures.size() + passes.size())
                     .arg(entries.size());
        s.details = (failures + passes).join(u'\n');
        return true;
    };
    for (const CacheEntry &e : entries) {
        if (stopped())
            return s;
        if (!e.hasFolder)
            continue;
        const QString name = CacheModel::displayName(e);
        const EntryPaths paths { root, e.key };
        if (e.hasManifest) {
            const Result<Manifest> m = Manifest::load(paths.manifest());
            if (!m) {
                failures << m.error();
                continue;
            }
            const Result<VerifyReport> r = verifyFolder(paths.folder(), *m, cancelled);
            if (!r && stopped())
                return s;
            if (!r) {
                failures << r.error();
            } else if (r->ok()) {
                passes << tr("%1: all %2 files match the manifest.").arg(name).arg(r->checkedFiles);
                s.outcomes.append({ e.key, e.handle, false, QString() });
            } else {
                QStringList parts;
                if (!r->modified.isEmpty())
                    parts << tr("changed: %1").arg(r->modified.join(QStringLiteral(", ")));
                if (!r->missing.isEmpty())
                    parts << tr("missing: %1").arg(r->missing.join(QStringLiteral(", ")));
                if (!r->extra.isEmpty())
                    parts << tr("not in the download: %1").arg(r->extra.join(QStringLiteral(", ")));
                failures
                    << tr("%1 differs from its manifest (%2).").arg(name, parts.join(QStringLiteral("; ")));
                s.outcomes.append({ e.key, e.handle, true, parts.join(QStringLiteral("; ")) });
            }
            continue;
        }
        // Entries that tensorflow_hub downloaded have no manifest: check what hub.load() needs.
        QStringList missing;
        const QList<cache::RequiredFile> required = cache::requiredFiles(paths.folder());
        for (const cache::RequiredFile &f : required) {
            if (!f.present)
                missing << f.path;
        }
        if (!missing.isEmpty()) {
            failures << tr("%1 lacks files that hub.load() needs: %2.")
                            .arg(name, missing.join(QStringLiteral(", ")));
            s.outcomes.append(
                { e.key, e.handle, true, tr("missing: %1").arg(missing.join(QStringLiteral(", "))) });
        } else if (required.isEmpty() && !cache::isLoadable(e.format)) {
            failures << tr("%1 holds no model that hub.load() can read.").arg(name);
        } else {
            passes << tr("%1 has no manifest to compare with; the files hub.load() needs are present.")
                          .arg(name);
            s.outcomes.append({ e.key, e.handle, false, QString() });
        }
    }
    s.ok = failures.isEmpty();
    if (s.ok) {
        s.text = passes.size() == 1 ? passes.constFirst()
                                    : tr("All %1 verified models are intact.").arg(passes.size());
        s.details = passes.join(u'\n');
    } else {
        s.text = failures.size() == 1 ? failures.constFirst()
                                      : tr("%1 of %2 models failed verification; the first: %3")
                                            .arg(failures.size())
                                            .arg(failures.size() + passes.size())
                                            .arg(failures.constFirst());
        s.details = (failures + passes).join(u'\n');
    }
    return s;
}

void CacheActions::verifySelected()
{
    const QList<CacheEntry> entries = m_selection();
    if (entries.isEmpty() || m_verifying->isRunning())
        return;
    m_verify->setEnabled(false);
    m_messageBar->dismiss();
    m_progressLabel->setText(tr("Verifying %1…").arg(modelsText(entries.size())));
    m_progressBar->setRange(0, 0);
    m_progress->show();
    m_verifyCancel = std::make_shared<std::atomic<bool>>(false);
    m_verifying->setFuture(QtConcurrent::run([root = m_root, entries, cancel = m_verifyCancel] {
        const auto stop = [cancel] { return cancel->load(); };
        // The marks follow local folders by their identity; a bucket's entries have none.
        if (gcscache::isCloudRoot(root))
            return verifyCloud(root, entries, stop);
        VerifySummary s = verify(root, entries, stop);
        // What it found is kept beyond this message (the table marks the entry until it is
        // fixed, across restarts); entries a cancel cut short have no outcome.
        if (const Status recorded = maintenance::recordVerifyResults(root, s.outcomes); !recorded)
            s.details += u'\n' + tr("The result could not be kept: %1").arg(recorded.error());
        return s;
    }));
}

void CacheActions::onVerified()
{
    m_verify->setEnabled(true);
    if (!m_remover->isRunning())
        m_progress->hide();
    if (m_verifying->future().resultCount() == 0)
        return;
    const VerifySummary s = m_verifying->result();
    Q_EMIT verifyRecorded();
    const MessageBar::Kind kind = s.cancelled ? MessageBar::Kind::Information
        : s.ok                                ? MessageBar::Kind::Positive
                                              : MessageBar::Kind::Error;
    m_messageBar->showMessage(kind, s.text, s.details);
}

void CacheActions::deleteSelected()
{
    planRemoval(EntryRemover::Mode::Delete);
}

void CacheActions::trashSelected()
{
    planRemoval(EntryRemover::Mode::Trash);
}

void CacheActions::planRemoval(EntryRemover::Mode mode)
{
    if (isRemoving() || (mode == EntryRemover::Mode::Trash && gcscache::isCloudRoot(m_root)))
        return;
    QStringList keys;
    for (const CacheEntry &e : m_selection()) {
        if (e.state != EntryState::Foreign)
            keys << e.key;
    }
    if (keys.isEmpty())
        return;
    m_planningMode = mode;
    // Planning reads every selected entry again (a download may have started since the scan).
    if (gcscache::isCloudRoot(m_root)) {
        m_planning->setFuture(QtConcurrent::run([root = m_root, keys, options = m_options] {
            return gcscache::planRemovals(root, keys, options);
        }));
        return;
    }
    m_planning->setFuture(QtConcurrent::run([root = m_root, keys, options = m_options] {
        QList<RemovalPlan> plans;
        for (const QString &key : keys)
            plans << maintenance::planRemoval(root, key, options);
        return plans;
    }));
}

void CacheActions::confirmRemoval(EntryRemover::Mode mode, const QList<RemovalPlan> &plans)
{
    QList<RemovalPlan> removable;
    QStringList refused;
    qint64 bytes = 0;
    for (const RemovalPlan &p : plans) {
        if (p.canRemove()) {
            removable << p;
            bytes += p.diskBytes;
        } else if (!p.refusal.isEmpty()) {
            refused << p.refusal;
        }
    }
    if (removable.isEmpty()) {
        if (!refused.isEmpty())
            m_messageBar->showMessage(MessageBar::Kind::Error, refused.constFirst(), refused.join(u'\n'));
        return;
    }
    const bool trash = mode == EntryRemover::Mode::Trash;
    const QString title = trash
        ? tr("Move %1 (%2) to the trash?").arg(modelsText(removable.size()), sizeText(bytes))
        : tr("Delete %1 and free %2?").arg(modelsText(removable.size()), sizeText(bytes));
    QStringList names;
    for (qsizetype i = 0; i < removable.size() && i < ListedInConfirmation; ++i)
        names << tr("• %1 (%2)").arg(nameOf(removable.at(i)), sizeText(removable.at(i).diskBytes));
    if (removable.size() > ListedInConfirmation)
        names << tr("…and %1 more").arg(removable.size() - ListedInConfirmation);
    QString info = names.join(u'\n') + QStringLiteral("\n\n");
    info += trash ? tr("Moving to the trash frees no space until the trash is emptied.")
        : gcscache::isCloudRoot(m_root)
        ? tr(
            "Every object of these entries in %1 is deleted (model files, descriptors, leftovers of failed "
            "downloads); nothing else there. This cannot be undone; tensorflow_hub downloads a deleted model "
            "again when it is next loaded.")
              .arg(m_root)
        : tr("The model folders, their descriptors and manifests and any leftovers of failed downloads "
             "are deleted. This cannot be undone; tensorflow_hub downloads a deleted model again when "
             "it is next loaded.");
    if (!refused.isEmpty())
        info += QStringLiteral("\n\n") + tr("Not removed: %1").arg(refused.join(QStringLiteral(" ")));

    QMessageBox box(QMessageBox::Warning, title, title, QMessageBox::Cancel, m_parent);
    box.setObjectName(QStringLiteral("removalConfirmation"));
    box.setInformativeText(info);
    QPushButton *accept
        = box.addButton(trash ? tr("Move to Trash") : tr("Delete"), QMessageBox::DestructiveRole);
    accept->setObjectName(QStringLiteral("confirmRemovalButton"));
    box.setDefaultButton(QMessageBox::Cancel);
    box.exec();
    if (box.clickedButton() != accept)
        return;

    m_mode = mode;
    m_progressLabel->setText(trash
            ? tr("Moving %1 to the trash…").arg(modelsText(removable.size()))
            : tr("Deleting %1, %2…").arg(modelsText(removable.size()), sizeText(bytes)));
    m_progressBar->setRange(0, 1000);
    m_progressBar->setValue(0);
    m_progress->show();
    m_delete->setEnabled(false);
    m_trash->setEnabled(false);
    if (gcscache::isCloudRoot(m_root))
        m_gcsRemover->start(removable);
    else
        m_remover->start(removable, mode);
}

void CacheActions::onRemovalProgress(qint64 done, qint64 total)
{
    m_progressBar->setValue(total > 0 ? static_cast<int>(std::min<qint64>(1000, done * 1000 / total)) : 1000);
}

void CacheActions::onRemovalFinished(const QList<RemovalOutcome> &outcomes)
{
    m_progress->hide();
    QStringList keys;
    QStringList errors;
    qint64 freed = 0;
    int done = 0;
    int cancelled = 0;
    for (const RemovalOutcome &o : outcomes) {
        keys << o.key;
        freed += o.freedBytes;
        if (o.ok)
            ++done;
        else if (o.cancelled)
            ++cancelled;
        else
            errors << o.error;
    }
    Q_EMIT entriesChanged(keys);
    const bool trash = m_mode == EntryRemover::Mode::Trash;
    if (!errors.isEmpty()) {
        m_messageBar->showMessage(MessageBar::Kind::Error, errors.constFirst(), errors.join(u'\n'));
    } else if (cancelled > 0) {
        m_messageBar->showMessage(MessageBar::Kind::Warning,
            tr("Stopped: %1 removed, %2 freed; the rest was left as it was or as a "
               "leftover that tensorflow_hub ignores.")
                .arg(modelsText(done), sizeText(freed)));
    } else if (trash) {
        m_messageBar->showMessage(MessageBar::Kind::Positive,
            tr("Moved %1 to the trash. Their space is freed when the trash is emptied.")
                .arg(modelsText(done)));
    } else {
        m_messageBar->showMessage(MessageBar::Kind::Positive,
            tr("Deleted %1 and freed %2.").arg(modelsText(done), sizeText(freed)));
    }
}

} // namespace tfhub::ui
