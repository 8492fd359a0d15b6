#pragma once

#include <QFrame>
#include <QList>

class QAction;
class QHBoxLayout;
class QLabel;
class QTimer;
class QToolButton;

namespace tfhub::ui {

/// An inline message at the top of a page (in the manner of KMessageWidget): says what failed
/// and why without a modal dialog, with optional buttons for the fixes.
class MessageBar final : public QFrame
{
    Q_OBJECT
public:
    enum class Kind { Information, Positive, Warning, Error };

    explicit MessageBar(QWidget *parent = nullptr);

    /// Shows `text` (plain text) and replaces any earlier message and its actions.
    void showMessage(Kind kind, const QString &text, const QString &details = QString());
    /// Adds a button for `action` to the current message; the bar closes when it is triggered.
    void addAction(QAction *action);
    void dismiss();
    /// Information and success messages with no buttons close by themselves after this long
    /// (8 s by default; 0 keeps them); warnings and errors stay until closed.
    void setAutoHideMs(int ms) { m_autoHideMs = ms; }

    Kind kind() const { return m_kind; }
    QString text() const;
    QString details() const;

Q_SIGNALS:
    /// The user closed the bar or triggered one of its actions.
    void dismissed();

protected:
    void changeEvent(QEvent *event) override;

private:
    void applyPalette();
    void clearActionButtons();

    Kind m_kind = Kind::Information;
    QLabel *m_icon = nullptr;
    QLabel *m_text = nullptr;
    QHBoxLayout *m_buttons = nullptr;
    QToolButton *m_close = nullptr;
    QList<QToolButton *> m_actionButtons;
    bool m_inPaletteUpdate = false;
    QTimer *m_autoHide = nullptr;
    int m_autoHideMs = 8000;
};

} // namespace tfhub::ui
