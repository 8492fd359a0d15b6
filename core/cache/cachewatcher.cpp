#include "core/cache/cachewatcher.h"

#include "core/cache/cachescanner.h"
#include "core/util/fsutil.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QMap>
#include <QSet>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tfhub {

namespace {

// The names of the open folder `fd` (read through its descriptor, which must be fresh), sorted,
// with their d_type.
QList<std::pair<QByteArray, unsigned char>> listNames(int fd)
{
    QList<std::pair<QByteArray, unsigned char>> names;
    util::forEachName(fd, [&names](const char *name, unsigned char type) {
        names.append({ QByteArray(name), type });
    });
    std::sort(names.begin(), names.end());
    return names;
}

void addStat(QCryptographicHash &hash, const QByteArray &name, const struct stat &st)
{
    hash.addData(name);
    const qint64 fields[] = { static_cast<qint64>(st.st_mode & S_IFMT), static_cast<qint64>(st.st_size),
        static_cast<qint64>(st.st_mtim.tv_sec), static_cast<qint64>(st.st_mtim.tv_nsec),
        static_cast<qint64>(st.st_ino) };
    hash.addData(QByteArrayView(reinterpret_cast<const char *>(fields), sizeof fields));
}

// Adds the mtimes of every folder below `fd` (a folder); files are not stat'ed: creating, removing
// or renaming one changes its folder's mtime, which is what a scan's totals depend on most.
void addFolders(QCryptographicHash &hash, int fd, const QByteArray &prefix, int depth)
{
    if (depth > 64)
        return;
    const QList<std::pair<QByteArray, unsigned char>> names = listNames(fd);
    for (const auto &[name, type] : names) {
        // Only folders count here: a name the file system says is no folder needs no stat (with
        // 10,000 entries, most of a baseline's stats were of files, every 5 s).
        if (type != DT_DIR && type != DT_UNKNOWN)
            continue;
        struct stat st
        {
        };
        if (::fstatat(fd, name.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
            continue;
        const QByteArray path = prefix + '/' + name;
        addStat(hash, path, st);
        const int child = ::openat(fd, name.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (child >= 0) {
            addFolders(hash, child, path, depth + 1);
            ::close(child);
        }
    }
}

} // namespace

CacheWatcher::CacheWatcher(QObject *parent)
    : QObject(parent)
    , m_fsWatcher(new QFileSystemWatcher(this))
    , m_debounce(new QTimer(this))
    , m_poll(new QTimer(this))
    , m_future(new QFutureWatcher<QHash<QString, QByteArray>>(this))
{
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(DefaultDebounceMs);
    m_poll->setInterval(DefaultPollMs);
    connect(m_debounce, &QTimer::timeout, this, &CacheWatcher::compute);
    connect(m_poll, &QTimer::timeout, this, &CacheWatcher::checkSoon);
    connect(m_fsWatcher, &QFileSystemWatcher::directoryChanged, this, &CacheWatcher::checkSoon);
    connect(m_future, &QFutureWatcherBase::finished, this, &CacheWatcher::onComputed);
}

CacheWatcher::~CacheWatcher()
{
    // The computation only reads the disk; waiting for it keeps the thread pool free of our work.
    m_future->waitForFinished();
}

void CacheWatcher::setPollInterval(int ms)
{
    m_poll->setInterval(ms);
}

void CacheWatcher::setDebounce(int ms)
{
    m_debounce->setInterval(ms);
}

void CacheWatcher::start(const QString &root)
{
    stop();
    m_root = root;
    ++m_generation;
    m_haveBaseline = false;
    m_baseline.clear();
    rewatch();
    m_poll->start();
    compute();
}

void CacheWatcher::stop()
{
    m_poll->stop();
    m_debounce->stop();
    m_pending = false;
    ++m_generation;
    if (!m_fsWatcher->directories().isEmpty())
        m_fsWatcher->removePaths(m_fsWatcher->directories());
}

void CacheWatcher::checkSoon()
{
    if (!m_root.isEmpty() && !m_debounce->isActive())
        m_debounce->start();
}

void CacheWatcher::rewatch()
{
    // inotify forgets a folder that was removed and made again; watching again is cheap.
    if (!m_root.isEmpty() && QFileInfo(m_root).isDir() && !m_fsWatcher->directories().contains(m_root))
        m_fsWatcher->addPath(m_root);
}

QHash<QString, QByteArray> CacheWatcher::signatures(const QString &root)
{
    QHash<QString, QByteArray> result;
    const int rootFd = ::open(QFile::encodeName(root).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootFd < 0)
        return result;
    QMap<QString, QCryptographicHash *> hashes;
    const QList<std::pair<QByteArray, unsigned char>> listed = listNames(rootFd);
    for (const auto &item : listed) {
        const QByteArray &name = item.first;
        struct stat st
        {
        };
        if (::fstatat(rootFd, name.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        const QString key = cache::itemKey(QFile::decodeName(name));
        QCryptographicHash *&hash = hashes[key];
        if (!hash)
            hash = new QCryptographicHash(QCryptographicHash::Md5);
        addStat(*hash, name, st);
        if (S_ISDIR(st.st_mode)) {
            const int fd
                = ::openat(rootFd, name.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd >= 0) {
                addFolders(*hash, fd, name, 0);
                ::close(fd);
            }
        }
    }
    ::close(rootFd);
    for (auto it = hashes.cbegin(); it != hashes.cend(); ++it) {
        result.insert(it.key(), it.value()->result());
        delete it.value();
    }
    return result;
}

void CacheWatcher::compute()
{
    if (m_root.isEmpty())
        return;
    if (m_future->isRunning()) {
        m_pending = true;
        return;
    }
    m_pending = false;
    rewatch();
    m_runningGeneration = m_generation;
    m_future->setFuture(QtConcurrent::run(&CacheWatcher::signatures, m_root));
}

void CacheWatcher::onComputed()
{
    if (m_runningGeneration != m_generation) {
        // Started for an earlier root (or before stop()); a current request may be waiting.
        if (!m_root.isEmpty() && m_poll->isActive())
            compute();
        return;
    }
    const QHash<QString, QByteArray> now = m_future->result();
    if (!m_haveBaseline) {
        m_baseline = now;
        m_haveBaseline = true;
        Q_EMIT ready();
    } else {
        QSet<QString> changed;
        for (auto it = now.cbegin(); it != now.cend(); ++it) {
            const auto old = m_baseline.constFind(it.key());
            if (old == m_baseline.cend() || old.value() != it.value())
                changed.insert(it.key());
        }
        for (auto it = m_baseline.cbegin(); it != m_baseline.cend(); ++it) {
            if (!now.contains(it.key()))
                changed.insert(it.key());
        }
        m_baseline = now;
        if (!changed.isEmpty()) {
            QStringList keys(changed.cbegin(), changed.cend());
            keys.sort();
            Q_EMIT keysChanged(keys);
        }
    }
    if (m_pending)
        compute();
}

} // namespace tfhub
