#pragma once

#include "core/cache/cacheentry.h"

#include <QFutureWatcher>
#include <QWidget>

class QFormLayout;
class QLabel;
class QStackedWidget;
class QTreeWidget;

namespace tfhub::ui {

class ElidedLabel;

/// What one cache entry holds: identity, state, descriptor fields, sizes and its files.
/// The file tree is listed off the GUI thread and capped, since a model can hold thousands of files.
class DetailsPane final : public QWidget
{
    Q_OBJECT
public:
    /// The file tree stops after this many files and folders.
    static constexpr int MaxTreeItems = 2000;

    explicit DetailsPane(QWidget *parent = nullptr);
    ~DetailsPane() override;

    void setCacheRoot(const QString &root);
    /// Shows `entry`; the file tree is only listed again when the entry's folder may have changed.
    void setEntry(const CacheEntry &entry);
    void clear();
    /// What the last Verify found changed in the shown entry; empty when it is not marked.
    void setVerifyMark(const QString &summary);

    bool hasEntry() const { return m_hasEntry; }
    const CacheEntry &entry() const { return m_entry; }

    struct FileNode
    {
        QString relativePath;
        bool isDir = false;
        qint64 size = 0;
    };
    struct FileListing
    {
        QList<FileNode> nodes;
        bool truncated = false;
        QString manifest; ///< manifest status in words
        QString required; ///< the files hub.load() needs, one per line with present / missing
        bool requiredOk = true;
    };

Q_SIGNALS:
    /// The file tree of the shown entry is complete (tests wait on this).
    void fileTreeReady();

private:
    void showFields();
    void listFiles();
    void fillTree(const FileListing &listing);
    QLabel *addField(const QString &label, const QString &objectName);
    ElidedLabel *addElidedField(const QString &label, const QString &objectName);

    QString m_root;
    CacheEntry m_entry;
    bool m_hasEntry = false;

    QStackedWidget *m_stack = nullptr;
    ElidedLabel *m_title = nullptr;
    QFormLayout *m_form = nullptr;
    ElidedLabel *m_key = nullptr;
    ElidedLabel *m_path = nullptr;
    QLabel *m_verify = nullptr;
    QLabel *m_state = nullptr;
    QLabel *m_format = nullptr;
    QLabel *m_downloaded = nullptr;
    QLabel *m_downloader = nullptr;
    QLabel *m_size = nullptr;
    QLabel *m_files = nullptr;
    QLabel *m_leftovers = nullptr;
    QLabel *m_problems = nullptr;
    QLabel *m_manifest = nullptr;
    QLabel *m_required = nullptr;
    QLabel *m_treeNote = nullptr;
    QTreeWidget *m_tree = nullptr;
    QFutureWatcher<FileListing> *m_watcher = nullptr;
};

} // namespace tfhub::ui
