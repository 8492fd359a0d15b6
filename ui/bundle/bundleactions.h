#pragma once

#include <QObject>
#include <QStringList>

#include <functional>

class QAction;
class QWidget;

namespace tfhub::ui {

class BundleDialog;

/// The window's bundle commands: Import (a bundle, or an archive with the handle it came from),
/// Export Selected and Export Everything. Each runs in a BundleDialog; file names are asked with
/// file dialogs unless given (drops, tests).
class BundleActions final : public QObject
{
    Q_OBJECT
public:
    /// `cacheRoot` gives the cache folder now; `completions` the catalog's handles for the
    /// archive's handle box.
    BundleActions(
        QWidget *window, std::function<QString()> cacheRoot, std::function<QStringList()> completions);

    QAction *importAction() const { return m_import; }
    QAction *exportSelectedAction() const { return m_exportSelected; }
    QAction *exportAllAction() const { return m_exportAll; }

    /// The Cache page's selected keys: what Export Selected exports.
    void setSelection(const QStringList &keys);
    /// Import writes into a local folder only: disabled, saying why, while the cache is in Cloud
    /// Storage (gs://). Called when the cache root changes.
    void updateForRoot();
    /// Why nothing can be imported into `root`; empty when it can.
    static QString importRefusal(const QString &root);

    /// A .zip bundle, or a .tar.gz / .tgz / .tar archive.
    static bool isImportable(const QString &path);

    /// Imports `path`; an archive is adopted under `handle`, asked for when empty. Returns the
    /// dialog that shows it, or nullptr when the user declined or the cache cannot take it
    /// (importRefused says why).
    BundleDialog *importFile(const QString &path, const QString &handle = QString());
    /// Exports `keys` (every model folder when empty) to `zipPath`, asked for when empty.
    BundleDialog *exportKeys(const QStringList &keys, const QString &zipPath = QString());

Q_SIGNALS:
    /// Entries were written into the cache: rescan and show them.
    void entriesChanged(const QStringList &keys);
    /// An import was asked for (a drop) where none can be done; `why` is for the user.
    void importRefused(const QString &why);

private:
    void chooseImport();
    BundleDialog *openDialog(const QString &title);

    QWidget *m_window;
    std::function<QString()> m_cacheRoot;
    std::function<QStringList()> m_completions;
    QStringList m_selection;
    QAction *m_import = nullptr;
    QAction *m_exportSelected = nullptr;
    QAction *m_exportAll = nullptr;
};

} // namespace tfhub::ui
