#include "ui/widgets/messagebar.h"

#include <QAction>
#include <QEvent>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QStyle>
#include <QTimer>
#include <QToolButton>

namespace tfhub::ui {

namespace {

QColor accent(MessageBar::Kind kind)
{
    switch (kind) {
    case MessageBar::Kind::Information:
        return QColor(0x3d, 0xae, 0xe9);
    case MessageBar::Kind::Positive:
        return QColor(0x27, 0xae, 0x60);
    case MessageBar::Kind::Warning:
        return QColor(0xf6, 0x74, 0x00);
    case MessageBar::Kind::Error:
        return QColor(0xda, 0x44, 0x53);
    }
    return {};
}

QIcon kindIcon(MessageBar::Kind kind, const QStyle *style)
{
    switch (kind) {
    case MessageBar::Kind::Information:
    case MessageBar::Kind::Positive:
        return QIcon::fromTheme(
            QStringLiteral("dialog-information"), style->standardIcon(QStyle::SP_MessageBoxInformation));
    case MessageBar::Kind::Warning:
        return QIcon::fromTheme(
            QStringLiteral("dialog-warning"), style->standardIcon(QStyle::SP_MessageBoxWarning));
    case MessageBar::Kind::Error:
        return QIcon::fromTheme(
            QStringLiteral("dialog-error"), style->standardIcon(QStyle::SP_MessageBoxCritical));
    }
    return {};
}

} // namespace

MessageBar::MessageBar(QWidget *parent)
    : QFrame(parent)
    , m_icon(new QLabel(this))
    , m_text(new QLabel(this))
    , m_buttons(new QHBoxLayout)
    , m_close(new QToolButton(this))
{
    setObjectName(QStringLiteral("messageBar"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);

    m_text->setObjectName(QStringLiteral("messageText"));
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::PlainText);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_text->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);

    m_close->setAutoRaise(true);
    m_close->setIcon(QIcon::fromTheme(
        QStringLiteral("window-close"), style()->standardIcon(QStyle::SP_TitleBarCloseButton)));
    m_close->setToolTip(tr("Close"));
    m_close->setAccessibleName(tr("Close message"));
    connect(m_close, &QToolButton::clicked, this, [this] {
        dismiss();
        Q_EMIT dismissed();
    });

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 6, 6, 6);
    layout->addWidget(m_icon, 0, Qt::AlignTop);
    layout->addWidget(m_text, 1);
    layout->addLayout(m_buttons);
    layout->addWidget(m_close, 0, Qt::AlignTop);

    hide();
}

void MessageBar::showMessage(Kind kind, const QString &text, const QString &details)
{
    m_kind = kind;
    clearActionButtons();
    m_text->setText(text);
    m_text->setToolTip(details);
    const int size = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    m_icon->setPixmap(kindIcon(kind, style()).pixmap(size, size));
    applyPalette();
    show();
    if (!m_autoHide) {
        m_autoHide = new QTimer(this);
        m_autoHide->setSingleShot(true);
        connect(m_autoHide, &QTimer::timeout, this, &MessageBar::dismiss);
    }
    // "3 handles queued" needs no answer; a warning or an error does.
    if (m_autoHideMs > 0 && (kind == Kind::Positive || kind == Kind::Information))
        m_autoHide->start(m_autoHideMs);
    else
        m_autoHide->stop();
}

void MessageBar::addAction(QAction *action)
{
    auto *button = new QToolButton(this);
    button->setDefaultAction(action);
    button->setToolButtonStyle(Qt::ToolButtonTextOnly);
    connect(button, &QToolButton::triggered, this, [this] {
        dismiss();
        Q_EMIT dismissed();
    });
    m_buttons->addWidget(button);
    m_actionButtons.append(button);
    if (m_autoHide)
        m_autoHide->stop(); // a message with a choice waits for it
}

void MessageBar::dismiss()
{
    clearActionButtons();
    hide();
}

QString MessageBar::text() const
{
    return m_text->text();
}

QString MessageBar::details() const
{
    return m_text->toolTip();
}

void MessageBar::changeEvent(QEvent *event)
{
    QFrame::changeEvent(event);
    // Follow light / dark palette switches while the bar is up.
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange) {
        if (!m_inPaletteUpdate)
            applyPalette();
    }
}

void MessageBar::applyPalette()
{
    m_inPaletteUpdate = true;
    // A tint of the accent over the window colour reads well on light and dark palettes alike.
    QPalette pal = parentWidget() ? parentWidget()->palette() : QPalette();
    const QColor base = pal.color(QPalette::Window);
    const QColor tint = accent(m_kind);
    const auto mix = [](int a, int b) { return (a * 4 + b) / 5; };
    const QColor background(
        mix(base.red(), tint.red()), mix(base.green(), tint.green()), mix(base.blue(), tint.blue()));
    pal.setColor(QPalette::Window, background);
    pal.setColor(QPalette::Light, tint);
    pal.setColor(QPalette::Dark, tint);
    pal.setColor(QPalette::Mid, tint);
    setPalette(pal);
    m_inPaletteUpdate = false;
}

void MessageBar::clearActionButtons()
{
    for (QToolButton *button : std::as_const(m_actionButtons))
        button->deleteLater();
    m_actionButtons.clear();
}

} // namespace tfhub::ui
