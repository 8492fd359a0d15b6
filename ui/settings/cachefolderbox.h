#pragma once

#include <QGroupBox>

class QCheckBox;
class QLabel;
class QLineEdit;

namespace tfhub::ui {

/// The "Cache folder" section of the Settings page: the path with a chooser, where the value in use
/// came from, why a typed path cannot be used, the warning for a folder cleared on restart (with
/// the persistent folder to use instead), and whether Apply moves the models along
/// (and whether it may leave models that are being downloaded behind). "Cloud Storage…" sets a
/// gs://bucket/prefix location instead (GcsFolderDialog); models never move to or from one.
class CacheFolderBox final : public QGroupBox
{
    Q_OBJECT
public:
    /// `persistentDir` is offered when the folder is temporary (see shellenv::persistentCacheDir()).
    CacheFolderBox(const QString &dir, const QString &persistentDir, QWidget *parent = nullptr);

    QString text() const;
    void setText(const QString &dir);
    /// Move the models along: checked, and possible (not to or from Cloud Storage).
    bool moveModels() const;
    /// Why the models cannot be moved this time (a gs:// folder on either side); empty allows it.
    void setMoveUnavailable(const QString &why);
    /// Opens the Cloud Storage dialog; its gs://bucket/prefix replaces the field's text.
    void chooseCloudStorage();
    /// Move even if some models must stay in the old folder (live downloads); only with moveModels().
    bool leaveBehind() const;

    void setSourceText(const QString &text);
    /// Why the typed folder cannot be used; empty hides the line.
    void setError(const QString &error);
    /// The folder that is cleared on restart; empty hides the warning.
    void setTemporary(const QString &dir);

Q_SIGNALS:
    void edited();

private:
    QLineEdit *m_edit = nullptr;
    QLabel *m_source = nullptr;
    QLabel *m_error = nullptr;
    QWidget *m_warning = nullptr;
    QLabel *m_warningText = nullptr;
    QCheckBox *m_move = nullptr;
    QCheckBox *m_leaveBehind = nullptr;
    QLabel *m_noMove = nullptr;
};

} // namespace tfhub::ui
