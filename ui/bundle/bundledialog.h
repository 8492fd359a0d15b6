#pragma once

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;

namespace tfhub {
struct BundleProgress;
}

namespace tfhub::ui {

class BundleRunner;

/// Shows one export, import or adoption: bytes and files as they go, Cancel while it runs, and the
/// summary when it ends (Close then). Deletes itself when closed.
class BundleDialog final : public QDialog
{
    Q_OBJECT
public:
    BundleDialog(const QString &title, QWidget *parent = nullptr);

    BundleRunner *runner() const { return m_runner; }
    QString summaryText() const;
    bool isDone() const { return m_done; }

Q_SIGNALS:
    /// The work ended; `keys` are the cache entries it wrote (empty for an export).
    void operationDone(bool ok, const QStringList &keys);

protected:
    void reject() override;

private:
    void showProgress(const tfhub::BundleProgress &p);
    void showOutcome(bool ok);

    BundleRunner *m_runner = nullptr;
    QLabel *m_status = nullptr;
    QProgressBar *m_bar = nullptr;
    QLabel *m_counts = nullptr;
    QPlainTextEdit *m_summary = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
    bool m_done = false;
};

} // namespace tfhub::ui
