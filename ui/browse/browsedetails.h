#pragma once

#include "core/catalog/catalog.h"

#include <QWidget>

class QFormLayout;
class QLabel;
class QListWidget;

namespace tfhub::ui {

/// Every fact of one catalog entry, its versions (with their cache state) and whether
/// tensorflow_hub can load it.
class BrowseDetails final : public QWidget
{
    Q_OBJECT

public:
    explicit BrowseDetails(QWidget *parent = nullptr);

    /// `index` -1 shows the empty state.
    void showEntry(const Catalog *catalog, qsizetype index, const QSet<QString> &cachedKeys);
    qsizetype entryIndex() const { return m_index; }
    /// The value shown for a field label (for tests and accessibility); empty when hidden.
    QString fieldText(const QString &label) const;
    QStringList versionTexts() const;

Q_SIGNALS:
    /// The user picked another version in the list.
    void versionActivated(qsizetype index);

private:
    void addField(const QString &label, const QString &value, const QString &toolTip = QString());

    QLabel *m_title = nullptr;
    QLabel *m_note = nullptr;
    QWidget *m_fieldsHost = nullptr;
    QFormLayout *m_fields = nullptr;
    QLabel *m_versionsLabel = nullptr;
    QListWidget *m_versions = nullptr;
    qsizetype m_index = -1;
};

} // namespace tfhub::ui
