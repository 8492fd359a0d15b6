#include "core/maintenance/entryremoval.h"

#include "core/cache/cachelocation.h"
#include "core/util/fsutil.h"
#include "core/util/progressmeter.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QUuid>

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tfhub {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::removal", text);
}

QString displayName(const CacheEntry &e)
{
    return e.handle.isEmpty() ? tr("The entry %1").arg(e.key) : e.handle;
}

// Why an entry must not be touched now, or an empty string. Judged exactly as the scanner judges
// the lock, so the table's state and the refusal always agree.
QString refusalFor(const CacheEntry &e, const QString &root)
{
    if (e.artifacts.isEmpty())
        return tr("There is no cache entry %1 in %2.").arg(e.key, QDir::toNativeSeparators(root));
    if (e.state == EntryState::Downloading) {
        if (e.lock.valid)
            return tr("%1 is being downloaded by %2 pid %3; it can be removed once that download ends.")
                .arg(displayName(e), e.lock.host)
                .arg(e.lock.pid);
        return tr("%1 is being downloaded (%2); it can be removed once that download ends.")
            .arg(displayName(e), e.stateDetail);
    }
    return QString();
}

// Removes one directory tree below an open folder, never following a symbolic link: a link is
// unlinked as a link, whatever it points to.
struct TreeRemoval final
{
    const std::function<bool()> *cancelled = nullptr;
    const std::function<void(qint64)> *progress = nullptr;
    qint64 freed = 0;
    QString error;
    bool stopped = false;
};

bool removeAt(int dirFd, const QByteArray &name, const QString &path, TreeRemoval &r)
{
    if (*r.cancelled && (*r.cancelled)()) {
        r.stopped = true;
        return false;
    }
    struct stat st
    {
    };
    if (::fstatat(dirFd, name.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            return true; // somebody else removed it meanwhile: the goal is reached
        r.error = tr("Cannot delete %1: %2").arg(path, util::errnoText(errno));
        return false;
    }
    const qint64 blocks = static_cast<qint64>(st.st_blocks) * 512;
    if (S_ISDIR(st.st_mode)) {
        const int fd = ::openat(dirFd, name.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            r.error = tr("Cannot delete %1: %2").arg(path, util::errnoText(errno));
            return false;
        }
        DIR *dir = ::fdopendir(fd);
        if (!dir) {
            const int err = errno;
            ::close(fd);
            r.error = tr("Cannot delete %1: %2").arg(path, util::errnoText(err));
            return false;
        }
        // Names are read first: removing while reading leaves it unspecified which names readdir returns.
        QList<QByteArray> children;
        while (const dirent *de = ::readdir(dir)) {
            const QByteArray child(de->d_name);
            if (child != "." && child != "..")
                children.append(child);
        }
        bool ok = true;
        for (const QByteArray &child : std::as_const(children)) {
            if (!removeAt(::dirfd(dir), child, path + QLatin1Char('/') + QFile::decodeName(child), r)) {
                ok = false;
                break;
            }
        }
        ::closedir(dir);
        if (!ok)
            return false;
        if (::unlinkat(dirFd, name.constData(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
            r.error = tr("Cannot delete %1: %2").arg(path, util::errnoText(errno));
            return false;
        }
    } else if (::unlinkat(dirFd, name.constData(), 0) != 0 && errno != ENOENT) {
        r.error = tr("Cannot delete %1: %2").arg(path, util::errnoText(errno));
        return false;
    }
    // A hard-linked file frees its blocks only with its last name.
    if (S_ISDIR(st.st_mode) || st.st_nlink <= 1)
        r.freed += blocks;
    if (*r.progress)
        (*r.progress)(r.freed);
    return true;
}

// Re-reads the entry right before acting: a download may have started since the plan was made.
Status checkStillRemovable(const RemovalPlan &plan, const ScanOptions &options)
{
    if (!plan.refusal.isEmpty())
        return Error { plan.refusal };
    if (!isCacheKey(plan.key))
        return Error { tr("%1 is not a cache entry of tensorflow_hub; it is never removed.").arg(plan.key) };
    for (const QString &name : plan.names) {
        if (!maintenance::isNamedAfterKey(name, plan.key))
            return Error {
                tr("%1 is not named after the entry %2; it is never removed.").arg(name, plan.key)
            };
    }
    const CacheEntry now = cache::scanKey(plan.root, plan.key, options);
    if (now.state == EntryState::Downloading)
        return Error { refusalFor(now, plan.root) };
    return {};
}

bool isInsideTrash(const QString &path)
{
    const QString clean = QDir::cleanPath(path);
    if (clean.startsWith(maintenance::homeTrash() + QStringLiteral("/files/")))
        return true;
    // The per-volume trashes of the XDG specification, used for files outside the home volume.
    const QString uid = QString::number(::getuid());
    return clean.contains(QStringLiteral("/.Trash-") + uid + QStringLiteral("/files/"))
        || clean.contains(QStringLiteral("/.Trash/") + uid + QStringLiteral("/files/"));
}

} // namespace

namespace maintenance {

bool isNamedAfterKey(const QString &name, const QString &key)
{
    static const QRegularExpression suffix(
        QStringLiteral("^(|\\.descriptor\\.txt|\\.manifest\\.json|\\.lock|\\.[0-9a-f]{32}\\.tmp|\\.(lock|"
                       "descriptor\\.txt|manifest\\.json)\\.tmp[0-9a-f]{32})$"));
    return isCacheKey(key) && name.size() >= 40 && name.left(40) == key && !name.contains(QLatin1Char('/'))
        && suffix.match(name.mid(40)).hasMatch();
}

namespace {

// The plan for an entry as scanned (the same rules wherever it was scanned).
RemovalPlan planFromEntry(const QString &root, const QString &key, const CacheEntry &e)
{
    RemovalPlan p;
    p.root = root;
    p.key = key;
    p.handle = e.handle;
    p.refusal = refusalFor(e, p.root);
    for (const Artifact &a : e.artifacts) {
        if (!isNamedAfterKey(a.name, key))
            continue;
        if (a.kind == Artifact::Kind::Folder)
            p.names.prepend(a.name);
        else
            p.names.append(a.name);
        p.diskBytes += a.diskBytes;
        p.files += a.files;
    }
    return p;
}

QString notAnEntry(const QString &key)
{
    return tr("%1 is not a cache entry of tensorflow_hub; it is never removed.").arg(key);
}

} // namespace

RemovalPlan planRemoval(const QString &root, const QString &key, const ScanOptions &options)
{
    if (!isCacheKey(key)) {
        RemovalPlan p;
        p.root = QDir::cleanPath(root);
        p.key = key;
        p.refusal = notAnEntry(key);
        return p;
    }
    return planFromEntry(QDir::cleanPath(root), key, cache::scanKey(QDir::cleanPath(root), key, options));
}

RemovalPlan planRemoval(CacheLocation &location, const QString &key, const ScanOptions &options)
{
    if (location.isLocal())
        return planRemoval(location.displayName(), key, options);
    RemovalPlan p;
    p.root = location.displayName();
    p.key = key;
    if (!isCacheKey(key)) {
        p.refusal = notAnEntry(key);
        return p;
    }
    const Result<CacheEntry> e = location.scanKey(key, options);
    if (!e) {
        p.refusal = e.error();
        p.unreadable = true;
        return p;
    }
    return planFromEntry(p.root, key, *e);
}

RemovalOutcome executeRemoval(const RemovalPlan &plan, const std::function<bool()> &cancelled,
    const std::function<void(qint64)> &progress, const ScanOptions &options)
{
    RemovalOutcome out;
    out.key = plan.key;
    if (Status s = checkStillRemovable(plan, options); !s) {
        out.error = s.error();
        return out;
    }
    const QString root = plan.root;
    const int rootFd = ::open(QFile::encodeName(root).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootFd < 0) {
        out.error = tr("Cannot open the cache folder %1: %2")
                        .arg(QDir::toNativeSeparators(root), util::errnoText(errno));
        return out;
    }
    const auto pathOf
        = [&root](const QString &name) { return QDir::toNativeSeparators(root + QLatin1Char('/') + name); };

    QStringList trees;
    QStringList files;
    for (const QString &name : plan.names) {
        struct stat st
        {
        };
        if (::fstatat(rootFd, QFile::encodeName(name).constData(), &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (name == plan.key && S_ISDIR(st.st_mode)) {
            // One atomic rename takes the model away from tensorflow_hub before any file goes:
            // a half-deleted K/ would still count as complete for the library.
            const QString dead = plan.key + QLatin1Char('.') + QUuid::createUuid().toString(QUuid::Id128)
                + QStringLiteral(".tmp");
            if (::renameat(
                    rootFd, QFile::encodeName(name).constData(), rootFd, QFile::encodeName(dead).constData())
                != 0) {
                out.error = tr("Cannot delete %1: %2").arg(pathOf(name), util::errnoText(errno));
                ::close(rootFd);
                return out;
            }
            trees.prepend(dead);
        } else if (S_ISDIR(st.st_mode)) {
            trees.append(name);
        } else {
            files.append(name);
        }
    }

    TreeRemoval r;
    r.cancelled = &cancelled;
    r.progress = &progress;
    const std::function<bool()> never;
    // The small files go first and are not cancellable: a descriptor without its folder would
    // show as an orphan, and they take no time.
    TreeRemoval small;
    small.cancelled = &never;
    small.progress = &progress;
    for (const QString &name : std::as_const(files)) {
        if (!removeAt(rootFd, QFile::encodeName(name), pathOf(name), small)) {
            out.error = small.error;
            ::close(rootFd);
            out.freedBytes = small.freed;
            return out;
        }
    }
    r.freed = small.freed;
    for (const QString &name : std::as_const(trees)) {
        if (!removeAt(rootFd, QFile::encodeName(name), pathOf(name), r))
            break;
    }
    ::close(rootFd);
    out.freedBytes = r.freed;
    out.cancelled = r.stopped;
    out.error = r.error;
    out.ok = !r.stopped && r.error.isEmpty();
    return out;
}

QString homeTrash()
{
    return QDir::cleanPath(
        QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/Trash"));
}

RemovalOutcome moveToTrash(const RemovalPlan &plan, const ScanOptions &options)
{
    RemovalOutcome out;
    out.key = plan.key;
    if (Status s = checkStillRemovable(plan, options); !s) {
        out.error = s.error();
        return out;
    }
    const QString trash = homeTrash();
    for (const QString &sub : { QStringLiteral("/files"), QStringLiteral("/info") }) {
        if (!QDir().mkpath(trash + sub)) {
            out.error = tr("Cannot create the trash folder %1: %2")
                            .arg(QDir::toNativeSeparators(trash + sub), util::errnoText(errno));
            return out;
        }
    }
    for (const QString &name : plan.names) {
        const QString path = plan.root + QLatin1Char('/') + name;
        if (!util::stat(path).exists)
            continue;
        QFile file(path);
        if (!file.moveToTrash()) {
            out.error = tr("Cannot move %1 to the trash: %2")
                            .arg(QDir::toNativeSeparators(path), file.errorString());
            return out;
        }
        const QString inTrash = file.fileName();
        if (inTrash == path || !isInsideTrash(QFileInfo(inTrash).absoluteFilePath())) {
            // Qt reported success but put the item elsewhere: bring it back where it was.
            const bool back = inTrash != path && QFile::rename(inTrash, path);
            out.error = back ? tr("Cannot move %1 to the trash: it went to %2, which is not a trash folder "
                                  "(it was put back).")
                                   .arg(QDir::toNativeSeparators(path), QDir::toNativeSeparators(inTrash))
                             : tr("Cannot move %1 to the trash: it went to %2, which is not a trash folder.")
                                   .arg(QDir::toNativeSeparators(path), QDir::toNativeSeparators(inTrash));
            return out;
        }
        out.trashedPaths.append(inTrash);
    }
    out.ok = true;
    return out;
}

} // namespace maintenance

EntryRemover::EntryRemover(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<RemovalOutcome>();
    qRegisterMetaType<QList<RemovalOutcome>>();
}

EntryRemover::~EntryRemover()
{
    if (m_thread) {
        m_cancel = true;
        disconnect(m_thread, nullptr, this, nullptr);
        m_thread->wait();
        delete m_thread;
    }
}

void EntryRemover::cancel()
{
    m_cancel = true;
}

bool EntryRemover::start(const QList<RemovalPlan> &plans, Mode mode)
{
    if (m_thread)
        return false;
    m_cancel = false;
    m_outcomes.clear();
    const ScanOptions options = m_options;
    qint64 total = 0;
    for (const RemovalPlan &p : plans)
        total += p.diskBytes;
    m_thread = QThread::create([this, plans, mode, options, total] {
        QList<RemovalOutcome> outcomes;
        qint64 before = 0;
        util::ProgressMeter meter;
        meter.start(total);
        meter.claimReport(); // the first report during an entry waits a full interval too
        const auto report = [this, total](qint64 done) {
            QMetaObject::invokeMethod(
                this, [this, done, total] { Q_EMIT progressChanged(done, total); }, Qt::QueuedConnection);
        };
        const std::function<bool()> cancelled = [this] { return m_cancel.load(); };
        for (const RemovalPlan &plan : plans) {
            RemovalOutcome o;
            if (m_cancel) {
                o.key = plan.key;
                o.cancelled = true;
            } else if (mode == Mode::Trash) {
                o = maintenance::moveToTrash(plan, options);
            } else {
                o = maintenance::executeRemoval(
                    plan, cancelled,
                    [&](qint64 freed) {
                        if (meter.claimReport())
                            report(before + freed);
                    },
                    options);
            }
            before += mode == Mode::Trash ? plan.diskBytes : o.freedBytes;
            report(before);
            outcomes.append(o);
            QMetaObject::invokeMethod(
                this, [this, o] { Q_EMIT entryRemoved(o); }, Qt::QueuedConnection);
        }
        QMetaObject::invokeMethod(
            this, [this, outcomes] { m_outcomes = outcomes; }, Qt::QueuedConnection);
    });
    m_thread->setObjectName(QStringLiteral("EntryRemover"));
    connect(m_thread, &QThread::finished, this, &EntryRemover::onThreadDone);
    m_thread->start();
    return true;
}

void EntryRemover::onThreadDone()
{
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
    Q_EMIT finished(m_outcomes);
}

} // namespace tfhub
