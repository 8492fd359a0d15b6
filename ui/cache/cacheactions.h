#pragma once

#include "core/cache/cacheentry.h"
#include "core/maintenance/entryremoval.h"
#include "core/maintenance/verifymarks.h"

#include <QFutureWatcher>
#include <QObject>
#include <QStringList>

#include <atomic>
#include <functional>
#include <memory>

class QAction;
class QLabel;
class QProgressBar;
class QToolButton;
class QWidget;

namespace tfhub::ui {

class GcsRemover;
class MessageBar;

/// The Cache page's actions that act on the selected entries beyond browsing: copy the path or a
/// Python snippet, verify against the manifest, delete, move to the trash. Slow work (planning,
/// verifying, removing) runs off the GUI thread; results and errors go to the page's message bar.
class CacheActions final : public QObject
{
    Q_OBJECT
public:
    using SelectionFn = std::function<QList<CacheEntry>()>;

    CacheActions(const QString &root, SelectionFn selection, MessageBar *messageBar, QWidget *parent);
    ~CacheActions() override;

    QAction *copyPathAction() const { return m_copyPath; }
    QAction *copySnippetAction() const { return m_copySnippet; }
    QAction *verifyAction() const { return m_verify; }
    QAction *deleteAction() const { return m_delete; }
    QAction *trashAction() const { return m_trash; }
    /// A row with the progress of a removal or a Verify and a Cancel button; hidden while
    /// nothing runs.
    QWidget *progressWidget() const { return m_progress; }

    void setScanOptions(const ScanOptions &options);
    /// The cache folder switched: actions from now on act there.
    void setRoot(const QString &root) { m_root = root; }
    bool isRemoving() const;

    /// Enables the actions that fit the current selection.
    void updateEnabled(const QList<CacheEntry> &selected);

    /// What Verify found, in words for the message bar.
    struct VerifySummary
    {
        bool ok = false;
        bool cancelled = false; ///< stopped early; `text` says how far it came
        QString text;
        QString details;
        /// Per entry: a change found (marked in the table until fixed) or a pass (clears a mark).
        QList<VerifyOutcome> outcomes;
    };
    /// Checks entries against their manifests (or, without one, for the files hub.load() needs).
    /// `cancelled` is polled between entries, between files and inside large files.
    static VerifySummary verify(
        const QString &root, const QList<CacheEntry> &entries, const std::function<bool()> &cancelled = {});
    /// The same on a gs:// cache: each manifest against the objects' listing (paths and sizes; the
    /// content is not read, which the text says), and the scan's verdict for entries without one.
    static VerifySummary verifyCloud(
        const QString &root, const QList<CacheEntry> &entries, const std::function<bool()> &cancelled = {});
    /// The running (or last) Verify; its result says whether it was cancelled.
    QFuture<VerifySummary> verifyJob() const { return m_verifying->future(); }
    /// Stops a running Verify soon (between chunks of a file); it reports itself as cancelled.
    void cancelVerify();

    void deleteSelected();
    void trashSelected();

Q_SIGNALS:
    /// These items changed on disk (removed, or partly removed); the page rescans them.
    void entriesChanged(const QStringList &keys);
    /// A Verify finished and recorded what it found (maintenance::recordVerifyResults).
    void verifyRecorded();

private:
    void copyPaths();
    void copySnippet();
    void verifySelected();
    void onVerified();
    void planRemoval(EntryRemover::Mode mode);
    void confirmRemoval(EntryRemover::Mode mode, const QList<RemovalPlan> &plans);
    void onRemovalProgress(qint64 done, qint64 total);
    void onRemovalFinished(const QList<tfhub::RemovalOutcome> &outcomes);

    QString m_root;
    SelectionFn m_selection;
    MessageBar *m_messageBar;
    QWidget *m_parent;
    ScanOptions m_options;
    EntryRemover *m_remover = nullptr;
    GcsRemover *m_gcsRemover = nullptr; ///< deletes on a gs:// root instead of m_remover
    EntryRemover::Mode m_mode = EntryRemover::Mode::Delete;
    QFutureWatcher<QList<RemovalPlan>> *m_planning = nullptr;
    EntryRemover::Mode m_planningMode = EntryRemover::Mode::Delete;
    QFutureWatcher<VerifySummary> *m_verifying = nullptr;
    /// Shared with the running Verify job, which may outlive a cancelled request by a chunk.
    std::shared_ptr<std::atomic<bool>> m_verifyCancel;

    QAction *m_copyPath = nullptr;
    QAction *m_copySnippet = nullptr;
    QAction *m_verify = nullptr;
    QAction *m_delete = nullptr;
    QAction *m_trash = nullptr;

    QWidget *m_progress = nullptr;
    QLabel *m_progressLabel = nullptr;
    QProgressBar *m_progressBar = nullptr;
    QToolButton *m_cancel = nullptr;
};

} // namespace tfhub::ui
