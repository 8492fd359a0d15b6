#include "ui/widgets/modelname.h"

#include "core/hub/handlename.h"

#include <QApplication>
#include <QCoreApplication>
#include <QPainter>
#include <QUrl>

namespace tfhub::ui {

namespace modelname {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::ui::ModelName", text);
}

} // namespace

QString path(const QString &handle)
{
    return hub::modelPath(handle);
}

QString host(const QString &handle)
{
    return hub::hostLabel(handle);
}

QString taskLabel(const QString &task)
{
    QString t = task;
    return t.replace(QLatin1Char('-'), QLatin1Char(' '));
}

QString catalogFormatLabel(const QString &format)
{
    if (format == QLatin1String("saved_model_2"))
        return QStringLiteral("SavedModel 2");
    if (format == QLatin1String("saved_model"))
        return QStringLiteral("SavedModel 1");
    if (format == QLatin1String("hub"))
        return QStringLiteral("TF1 Hub");
    return format;
}

QString formatLabel(ModelFormat format)
{
    switch (format) {
    case ModelFormat::Tf2SavedModel:
        return QStringLiteral("SavedModel 2");
    case ModelFormat::Tf1SavedModel:
        return QStringLiteral("SavedModel 1");
    case ModelFormat::Tf1HubModule:
        return QStringLiteral("TF1 Hub");
    case ModelFormat::TfLite:
        return QStringLiteral("TFLite");
    case ModelFormat::TfJs:
        return QStringLiteral("TF.js");
    case ModelFormat::Unknown:
        break;
    }
    return tr("unknown");
}

} // namespace modelname

ModelNameDelegate::ModelNameDelegate(int handleRole, QObject *parent)
    : QStyledItemDelegate(parent), m_handleRole(handleRole)
{
}

void ModelNameDelegate::paint(
    QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QString handle = index.data(m_handleRole).toString();
    const QString badge = handle.isEmpty() ? QString() : modelname::host(handle);
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.textElideMode = Qt::ElideLeft;
    QFont small = opt.font;
    small.setPointSizeF(std::max(6.0, opt.font.pointSizeF() * 0.8));
    const QFontMetrics fm(small);
    const int pad = 4;
    const int badgeWidth = badge.isEmpty() ? 0 : fm.horizontalAdvance(badge) + 2 * pad;
    // The badge takes its room from the text only when there is room for both.
    const bool showBadge = badgeWidth > 0 && opt.rect.width() > 3 * badgeWidth;
    if (showBadge)
        opt.rect.setRight(opt.rect.right() - badgeWidth - pad);
    const QWidget *w = opt.widget;
    QStyle *style = w ? w->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, w);
    if (!showBadge)
        return;
    QRect r(opt.rect.right() + pad, option.rect.top() + (option.rect.height() - fm.height() - 2) / 2,
        badgeWidth, fm.height() + 2);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const QPalette &pal = option.palette;
    QColor fill = pal.color(QPalette::Mid);
    fill.setAlpha(70);
    painter->setPen(QPen(pal.color(QPalette::Mid), 1));
    painter->setBrush(fill);
    painter->drawRoundedRect(QRectF(r).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4);
    painter->setFont(small);
    painter->setPen((option.state & QStyle::State_Selected) ? pal.color(QPalette::HighlightedText)
                                                            : pal.color(QPalette::Text));
    painter->drawText(r, Qt::AlignCenter, badge);
    painter->restore();
}

QSize ModelNameDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize s = QStyledItemDelegate::sizeHint(option, index);
    const QString handle = index.data(m_handleRole).toString();
    if (!handle.isEmpty()) {
        QFont small = option.font;
        small.setPointSizeF(std::max(6.0, option.font.pointSizeF() * 0.8));
        s.rwidth() += QFontMetrics(small).horizontalAdvance(modelname::host(handle)) + 12;
    }
    return s;
}

} // namespace tfhub::ui
