#include "ui/browse/browsedetails.h"

#include "ui/browse/browsemodel.h"

#include <QFormLayout>
#include <QLabel>
#include <QListWidget>
#include <QVBoxLayout>

namespace tfhub::ui {

BrowseDetails::BrowseDetails(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_note(new QLabel(this))
    , m_fieldsHost(new QWidget(this))
    , m_fields(new QFormLayout(m_fieldsHost))
    , m_versionsLabel(new QLabel(tr("Versions"), this))
    , m_versions(new QListWidget(this))
{
    auto *layout = new QVBoxLayout(this);
    m_title->setWordWrap(true);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_note->setWordWrap(true);
    m_fields->setContentsMargins(0, 0, 0, 0);
    m_fields->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_versions->setAccessibleName(tr("Versions"));
    layout->addWidget(m_title);
    layout->addWidget(m_note);
    layout->addWidget(m_fieldsHost);
    layout->addWidget(m_versionsLabel);
    layout->addWidget(m_versions, 1);
    connect(m_versions, &QListWidget::itemActivated, this,
        [this](QListWidgetItem *item) { Q_EMIT versionActivated(item->data(Qt::UserRole).toLongLong()); });
    showEntry(nullptr, -1, {});
}

void BrowseDetails::addField(const QString &label, const QString &value, const QString &toolTip)
{
    if (value.isEmpty())
        return;
    auto *v = new QLabel(value, m_fieldsHost);
    v->setTextFormat(Qt::PlainText);
    v->setWordWrap(true);
    v->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    v->setToolTip(toolTip);
    m_fields->addRow(label, v);
}

void BrowseDetails::showEntry(const Catalog *catalog, qsizetype index, const QSet<QString> &cachedKeys)
{
    m_index = catalog ? index : -1;
    while (m_fields->rowCount() > 0)
        m_fields->removeRow(0);
    m_versions->clear();
    if (m_index < 0) {
        m_title->setText(tr("Select a model to see its details."));
        m_note->hide();
        m_versionsLabel->hide();
        m_versions->hide();
        return;
    }
    const CatalogEntry &e = catalog->at(index);
    m_title->setText(e.handle);
    if (!e.isLoadable()) {
        m_note->setText(e.parentModel.isEmpty()
                ? tr("%1: not loadable by tensorflow_hub.").arg(catalog::kindLabel(e.kind))
                : tr("%1 of %2: not loadable by tensorflow_hub; prefetch the parent model instead.")
                      .arg(catalog::kindLabel(e.kind), e.parentModel));
        m_note->show();
    } else {
        m_note->hide();
    }
    const QString sep = QStringLiteral(", ");
    addField(tr("Kind:"), catalog::kindLabel(e.kind));
    addField(tr("Publisher:"), e.publisher);
    addField(tr("Model:"), e.model);
    addField(tr("Version:"), e.version > 0 ? QString::number(e.version) : QString());
    addField(tr("Format:"), e.format);
    addField(tr("Task:"), e.tasks.join(sep));
    addField(tr("Architecture:"), e.architectures.join(sep));
    addField(tr("Dataset:"), e.datasets.join(sep));
    addField(tr("Language:"), e.languages.join(sep));
    addField(tr("License:"), e.license);
    addField(tr("Fine-tunable:"),
        e.fineTunable == FineTunable::Yes      ? tr("yes")
            : e.fineTunable == FineTunable::No ? tr("no")
                                               : QString());
    addField(tr("Parent model:"), e.parentModel);
    addField(tr("Collections:"), e.collections.join(sep));
    if (e.isLoadable()) {
        const CacheState s = catalog->cacheState(index, cachedKeys);
        addField(
            tr("Cache:"), s == CacheState::NotCached ? tr("not cached") : BrowseModel::cacheStateLabel(s));
        // Shortened as in `tfhub-cache list`: the 40 digits would widen the pane and squeeze the results.
        const QString key = catalog->cacheKey(index);
        addField(tr("Cache key:"), key.left(12) + QChar(0x2026), key);
    }
    addField(tr("Catalog:"), e.source.isEmpty() ? tr("tfhub.dev (bundled)") : e.source);

    const QList<qsizetype> versions = catalog->versionsOf(index);
    for (const qsizetype v : versions) {
        const CatalogEntry &ve = catalog->at(v);
        QString text = ve.version > 0 ? tr("Version %1").arg(ve.version) : ve.handle;
        if (v == versions.first())
            text += tr(" (latest)");
        if (catalog->cacheState(v, cachedKeys) == CacheState::Cached)
            text += tr(" — cached");
        auto *item = new QListWidgetItem(text, m_versions);
        item->setData(Qt::UserRole, qlonglong(v));
        item->setToolTip(ve.handle);
        if (v == index)
            m_versions->setCurrentItem(item);
    }
    m_versionsLabel->show();
    m_versions->show();
}

QString BrowseDetails::fieldText(const QString &label) const
{
    for (int r = 0; r < m_fields->rowCount(); ++r) {
        auto *l = qobject_cast<QLabel *>(m_fields->itemAt(r, QFormLayout::LabelRole)->widget());
        auto *v = qobject_cast<QLabel *>(m_fields->itemAt(r, QFormLayout::FieldRole)->widget());
        if (l && v && l->text() == label)
            return v->text();
    }
    return QString();
}

QStringList BrowseDetails::versionTexts() const
{
    QStringList out;
    for (int r = 0; r < m_versions->count(); ++r)
        out << m_versions->item(r)->text();
    return out;
}

} // namespace tfhub::ui
