#pragma once

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace tfhub::ui {

/// Asks which handle a hand-downloaded archive was downloaded from, completing from the catalog's
/// handles; OK only for a handle tensorflow_hub caches (a model URL or a gs:// tarball).
class AdoptHandleDialog final : public QDialog
{
    Q_OBJECT
public:
    AdoptHandleDialog(const QString &archiveName, const QStringList &completions, QWidget *parent = nullptr);

    QString handle() const;
    QLineEdit *handleEdit() const { return m_edit; }
    bool isAcceptable() const;

private:
    void validate();

    QLineEdit *m_edit = nullptr;
    QLabel *m_problem = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};

} // namespace tfhub::ui
