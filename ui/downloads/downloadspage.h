#pragma once

#include <QList>
#include <QStringList>
#include <QWidget>

class QAction;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace tfhub {
class DownloadQueue;
}

namespace tfhub::ui {

class DownloadModel;
class MessageBar;

/// The Downloads page: a box for pasted handles, and the jobs of a DownloadQueue with their
/// progress, each cancellable, retryable and openable. The downloads themselves run in the
/// queue's threads; this page only shows and steers them.
class DownloadsPage final : public QWidget
{
    Q_OBJECT
public:
    /// Shows and feeds `queue`, which must outlive the page.
    explicit DownloadsPage(DownloadQueue *queue, QWidget *parent = nullptr);
    ~DownloadsPage() override;

    DownloadModel *model() const { return m_model; }
    /// Actions on the selected jobs (and "Clear Finished"), for the window's menus.
    QList<QAction *> jobActions() const;
    QAction *prefetchAction() const { return m_prefetchAction; }

    /// Queues each handle; malformed ones are reported in the page's message bar, naming the
    /// handle and the cause. Returns how many were queued.
    int queueHandles(const QStringList &handles);
    /// One handle a line; blank lines are ignored and surrounding whitespace is dropped.
    static QStringList splitHandles(const QString &text);

public Q_SLOTS:
    /// Queues the handles in the text box; the malformed ones stay there to be corrected.
    void prefetchEntered();
    void cancelSelected();
    void retrySelected();
    void openSelectedFolder();
    void clearFinished();

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void createActions();
    QList<int> selectedJobs() const;
    void updateActions();
    void showTableMenu(const QPoint &pos);

    DownloadQueue *m_queue;
    DownloadModel *m_model;

    MessageBar *m_messageBar = nullptr;
    QPlainTextEdit *m_input = nullptr;
    QPushButton *m_prefetchButton = nullptr;
    QTableView *m_table = nullptr;

    QAction *m_prefetchAction = nullptr;
    QAction *m_cancelAction = nullptr;
    QAction *m_retryAction = nullptr;
    QAction *m_openFolderAction = nullptr;
    QAction *m_clearFinishedAction = nullptr;
};

} // namespace tfhub::ui
