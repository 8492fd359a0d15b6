#pragma once

#include <QByteArray>
#include <QFutureWatcher>
#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>

class QFileSystemWatcher;
class QTimer;

namespace tfhub {

/// Tells which items of a cache root changed since it last looked, so that a view rescans only
/// those. Each item (a key with all its artifacts, or one foreign name) has a cheap signature:
/// the names, types, sizes and mtimes of its top-level artifacts and the mtimes of every folder
/// below them (files are not stat'ed one by one). A QFileSystemWatcher on the root reacts within
/// the debounce delay; a slow poll catches what the watcher cannot see (changes deep inside a
/// model folder, a root that does not exist yet, file systems without inotify).
class CacheWatcher final : public QObject
{
    Q_OBJECT
public:
    static constexpr int DefaultPollMs = 5000;
    static constexpr int DefaultDebounceMs = 250;

    explicit CacheWatcher(QObject *parent = nullptr);
    ~CacheWatcher() override;

    void setPollInterval(int ms);
    void setDebounce(int ms);

    /// Starts watching `root` and takes a new baseline (off the GUI thread); changes before the
    /// baseline is complete are not reported.
    void start(const QString &root);
    void stop();
    /// Compares with the baseline now (after the debounce delay).
    void checkSoon();

    QString root() const { return m_root; }
    /// The items of the baseline (empty until ready()).
    QStringList baselineKeys() const { return m_baseline.keys(); }

    /// Signatures of every item of `root`, by item key (see cache::itemKey). Any thread.
    static QHash<QString, QByteArray> signatures(const QString &root);

Q_SIGNALS:
    /// Items whose signature changed, appeared or disappeared since the last report.
    void keysChanged(const QStringList &keys);
    /// The baseline of start() is taken: changes from now on are reported.
    void ready();

private:
    void compute();
    void onComputed();
    void rewatch();

    QString m_root;
    QFileSystemWatcher *m_fsWatcher = nullptr;
    QTimer *m_debounce = nullptr;
    QTimer *m_poll = nullptr;
    QFutureWatcher<QHash<QString, QByteArray>> *m_future = nullptr;
    QHash<QString, QByteArray> m_baseline;
    bool m_haveBaseline = false;
    bool m_pending = false;
    quint64 m_generation = 0;
    quint64 m_runningGeneration = 0;
};

} // namespace tfhub
