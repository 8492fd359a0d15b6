#include "core/maintenance/cachemover.h"

#include "core/cache/lock.h"
#include "core/maintenance/entrycopy.h"
#include "core/maintenance/pins.h"
#include "core/util/fsutil.h"
#include "core/util/humanize.h"
#include "core/util/progressmeter.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QScopeGuard>
#include <QUuid>

#include <cerrno>
#include <sys/stat.h>

namespace tfhub {

namespace {

using maintenance::MoveJournal;

QString tr(const char *text, int n = -1)
{
    return QCoreApplication::translate("tfhub::CacheMover", text, nullptr, n);
}

dev_t deviceOf(const QString &path)
{
    struct stat st
    {
    };
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? st.st_dev : 0;
}

bool exists(const QString &path)
{
    return util::stat(path).exists;
}

QString in(const QString &root, const QString &name)
{
    return root + QLatin1Char('/') + name;
}

// Whether rename(2) works from `from` to `to`: tried with a probe file, since two mount points of
// one file system share a device number yet refuse renames. Writing the probe also proves that the
// sources can be deleted once copied.
Result<bool> renameWorks(const QString &from, const QString &to)
{
    const QString name = QStringLiteral(".tfhub-move-probe-") + util::randomHex32();
    if (Status s = util::writeNewFile(in(from, name), QByteArray()); !s)
        return Error { tr("Cannot write to the cache folder %1, so the models could not be deleted there "
                          "once moved: %2")
                           .arg(from, s.error()) };
    if (maintenance::renameNoReplace(in(from, name), in(to, name))) {
        QFile::remove(in(to, name));
        return true;
    }
    const int err = errno;
    QFile::remove(in(from, name));
    if (err == EXDEV)
        return false;
    return Error { tr("Cannot move files from %1 to %2: %3").arg(from, to, util::errnoText(err)) };
}

// Takes an entry's lock. An existing lock is judged as `list` judges it (the scanner's state): a
// live download keeps it, a stale lock or a leftover of this very move is taken over.
Result<bool> takeLock(const EntryPaths &p, const QByteArray &ours, const QString &moveId,
    const ScanOptions &scan, QString *holder)
{
    for (int attempt = 0; attempt < 3; ++attempt) {
        const Result<bool> r = cache::tryAcquireLock(p, ours);
        if (!r || *r)
            return r;
        bool held = false;
        const QByteArray content = cache::readLock(p, &held);
        if (!held)
            continue;
        const LockOwner owner = cache::parseLock(content);
        if (!(owner.valid && owner.uid == moveId)) {
            const CacheEntry e = cache::scanKey(p.root, p.key, scan);
            if (e.state == EntryState::Downloading) {
                *holder = e.stateDetail;
                return false;
            }
        }
        // Stale: removed only if it is still the very lock that was judged.
        if (cache::readLock(p) == content)
            QFile::remove(p.lock());
    }
    *holder = tr("its lock keeps changing hands");
    return false;
}

QString labelOf(const CacheEntry &e)
{
    return e.handle.isEmpty() ? e.key : e.handle;
}

struct Plan
{
    QList<MoveJournal::Item> items;
    qint64 bytes = 0;
    QHash<QString, qint64> itemBytes;
};

// Sorts the entries of `from` into what moves, what must stay (skipped) and what is not a model.
Plan plan(const QList<CacheEntry> &entries, const QString &to, MoveReport &report)
{
    Plan plan;
    for (const CacheEntry &e : entries) {
        const QString label = labelOf(e);
        if (e.state == EntryState::Foreign) {
            if (e.key != MoveJournal::fileName())
                report.leftBehind << tr("%1: not a cache entry, left in place.").arg(e.key);
            continue;
        }
        if (e.state == EntryState::Downloading) {
            report.skipped << tr("%1: being downloaded (%2).").arg(label, e.stateDetail);
            report.skippedKeys << e.key;
            continue;
        }
        if (!e.hasFolder && !e.hasDescriptor && !e.hasManifest) {
            report.leftBehind << tr("%1: only leftovers of a failed download, left in place.").arg(label);
            continue;
        }
        const EntryPaths dst { to, e.key };
        if (exists(dst.folder())) {
            report.leftBehind << tr("%1: already in %2; the copy in %3 is kept.").arg(label, to, report.from);
            continue;
        }
        if (exists(dst.descriptor()) || exists(dst.manifest()) || exists(dst.lock())) {
            report.skipped << tr(
                "%1: %2 already holds some of its files (a descriptor, manifest or lock) but not "
                "the model.")
                                  .arg(label, to);
            report.skippedKeys << e.key;
            continue;
        }
        MoveJournal::Item item { e.key, label, {} };
        if (e.hasFolder)
            item.names << e.key;
        if (e.hasDescriptor)
            item.names << e.key + QStringLiteral(".descriptor.txt");
        if (e.hasManifest)
            item.names << e.key + QStringLiteral(".manifest.json");
        plan.items << item;
        plan.bytes += e.bytes;
        plan.itemBytes.insert(e.key, e.bytes);
    }
    return plan;
}

// Puts back what a move of `items` did: copies whose source is whole are deleted (across volumes),
// renamed artifacts are renamed back (same volume). Never deletes the only copy of anything.
void undoItems(const MoveJournal &j, const QList<MoveJournal::Item> &items, QStringList *problems)
{
    for (const MoveJournal::Item &item : items) {
        (void)util::removeTree(in(j.to, item.key + QLatin1Char('.') + j.id + QStringLiteral(".tmp")));
        for (const QString &name : item.names) {
            const QString src = in(j.from, name);
            const QString dst = in(j.to, name);
            if (!exists(dst))
                continue;
            if (exists(src) == j.crossVolume) {
                if (j.crossVolume) {
                    if (Status s = util::removeTree(dst); !s)
                        *problems << s.error();
                } else if (!maintenance::renameNoReplace(dst, src)) {
                    *problems << tr("Cannot move %1 back to %2: %3").arg(dst, j.from, util::errnoText(errno));
                }
            } else {
                *problems << (j.crossVolume ? tr("%1 is kept: %2 has no copy of it.").arg(dst, j.from)
                                            : tr("%1 is kept: %2 is in the way.").arg(dst, src));
            }
        }
        // A lock of this move left by a crash.
        const EntryPaths p { j.from, item.key };
        const LockOwner owner = cache::parseLock(cache::readLock(p));
        if (owner.valid && owner.uid == j.id)
            QFile::remove(p.lock());
    }
    (void)util::syncDir(j.to);
    (void)util::syncDir(j.from);
}

// Moves one entry: renames on the same volume, copies across volumes. Returns false with `error`.
bool moveItem(
    const MoveJournal &j, const MoveJournal::Item &item, maintenance::EntryCopier &copier, QString *error)
{
    if (j.crossVolume) {
        if (copier.copyEntry(j.from, j.to, item.names, j.id))
            return true;
        *error = copier.error();
        return false;
    }
    // The folder first: a descriptor alone is harmless. Never over something that appeared since.
    for (qsizetype i = 0; i < item.names.size(); ++i) {
        if (!maintenance::renameNoReplace(in(j.from, item.names.at(i)), in(j.to, item.names.at(i)))) {
            *error = tr("Cannot move %1 to %2: %3")
                         .arg(in(j.from, item.names.at(i)), j.to, util::errnoText(errno));
            for (qsizetype k = 0; k < i; ++k)
                maintenance::renameNoReplace(in(j.to, item.names.at(k)), in(j.from, item.names.at(k)));
            return false;
        }
    }
    if (Status s = util::syncDir(j.to); !s) {
        *error = s.error();
        return false;
    }
    return true;
}

// Checks the destination, how the files can travel and that each can; writes the journal.
Status prepare(const QString &from, const QString &to, const Plan &plan, MoveJournal *journal)
{
    MoveJournal &j = *journal;
    j.id = util::randomHex32();
    j.from = QDir::cleanPath(from);
    j.to = QDir::cleanPath(to);
    j.started = QDateTime::currentDateTimeUtc();
    j.host = util::hostName();
    j.pid = QCoreApplication::applicationPid();
    if (Status s = maintenance::checkMoveDestination(j.from, j.to, 0); !s)
        return s;
    const Result<bool> renames = renameWorks(j.from, j.to);
    if (!renames)
        return Error { renames.error() };
    j.crossVolume = !*renames;
    if (j.crossVolume) {
        if (Status s = maintenance::checkMoveDestination(j.from, j.to, plan.bytes); !s)
            return s;
        for (const MoveJournal::Item &item : plan.items) {
            if (item.names.first() != item.key)
                continue;
            if (const QString problem = maintenance::EntryCopier::findUncopyable(in(j.from, item.key));
                !problem.isEmpty())
                return Error { tr("%1: %2").arg(item.label, problem) };
        }
    }
    j.items = plan.items;
    return maintenance::writeJournal(j);
}

// Undoes a move cut short (`why` is empty when cancelled): the cache is whole in the source again.
MoveReport stopMove(const MoveJournal &j, const QString &why, bool destinationExisted, MoveReport report)
{
    QStringList problems;
    undoItems(j, j.items, &problems);
    if (problems.isEmpty()) {
        maintenance::removeJournal(j);
        if (!destinationExisted)
            QDir().rmdir(j.to); // only when we created it and it is empty
    }
    report.moved.clear();
    report.bytes = 0;
    report.cancelled = why.isEmpty();
    report.error = why.isEmpty()
        ? QString()
        : tr("%1 Nothing was moved: the cache is whole in %2.").arg(why, report.from);
    if (!problems.isEmpty())
        report.error += QLatin1Char(' ') + tr("Undoing left these: %1").arg(problems.join(QLatin1Char(' ')));
    return report;
}

// Refuses a move while another is pending, scans `from` and sorts its entries. False when the
// move stops here: report.error says why, or there is nothing to move.
bool planMove(const MoveOptions &options, MoveReport &report, Plan *planned)
{
    for (const QString &dir : { report.from, report.to }) {
        const Result<std::optional<MoveJournal>> pending = maintenance::readPendingMove(dir);
        if (!pending || *pending) {
            report.error = pending ? tr("An earlier move of the cache from %1 to %2 was not finished; finish "
                                        "or undo it first.")
                                         .arg((*pending)->from, (*pending)->to)
                                   : pending.error();
            return false;
        }
    }
    if (!QFileInfo::exists(report.from))
        return false; // nothing to move
    const QList<CacheEntry> entries = cache::scanAll(report.from, options.scan, &report.error);
    if (!report.error.isEmpty())
        return false;
    *planned = plan(entries, report.to, report);
    if (!report.skipped.isEmpty() && !options.leaveBehind) {
        report.error = tr("Nothing was moved: %n model(s) cannot move now and would be missing from %1: %2",
            static_cast<int>(report.skipped.size()))
                           .arg(report.to, report.skipped.join(QLatin1Char(' ')));
        return false;
    }
    return !planned->items.isEmpty();
}

} // namespace

namespace maintenance {

Status checkMoveDestination(const QString &from, const QString &to, qint64 neededBytes)
{
    const QString cleanFrom = QDir::cleanPath(QFileInfo(from).absoluteFilePath());
    const QString cleanTo = QDir::cleanPath(QFileInfo(to).absoluteFilePath());
    const QString canonFrom = QFileInfo(cleanFrom).canonicalFilePath();
    const QString canonTo = QFileInfo(cleanTo).canonicalFilePath();
    if (cleanFrom == cleanTo || (!canonFrom.isEmpty() && canonFrom == canonTo))
        return Error { tr("The cache is already in %1.").arg(to) };
    if (cleanTo.startsWith(cleanFrom + QLatin1Char('/'))
        || (!canonFrom.isEmpty() && !canonTo.isEmpty() && canonTo.startsWith(canonFrom + QLatin1Char('/'))))
        return Error { tr("Cannot move the cache into %1: it is inside the cache folder %2.").arg(to, from) };
    if (!QDir().mkpath(cleanTo))
        return Error { tr("Cannot create %1: %2").arg(to, util::errnoText(errno)) };
    // access() says yes to root on a read-only mount; creating a file says the truth.
    const QString probe
        = cleanTo + QStringLiteral("/.tfhub-write-probe-") + QUuid::createUuid().toString(QUuid::Id128);
    QFile f(probe);
    if (!f.open(QIODevice::WriteOnly | QIODevice::NewOnly))
        return Error { tr("Cannot write to %1: %2").arg(to, f.errorString()) };
    f.close();
    f.remove();
    if (neededBytes > 0 && QFileInfo::exists(cleanFrom) && deviceOf(cleanFrom) != deviceOf(cleanTo)) {
        const util::VolumeInfo v = util::volumeInfo(cleanTo);
        if (v.freeBytes >= 0 && v.freeBytes < neededBytes)
            return Error { tr("Not enough room in %1: the cache needs %2, the volume has %3 free.")
                               .arg(to, util::humanSize(neededBytes), util::humanSize(v.freeBytes)) };
    }
    return {};
}

Result<std::optional<MoveJournal>> pendingMove(const QString &dir)
{
    return readPendingMove(dir);
}

MoveReport moveCache(const QString &from, const QString &to, const MoveOptions &options,
    const std::function<void(const MoveProgress &)> &progress, const std::function<bool()> &cancelled)
{
    MoveReport report;
    report.from = from;
    report.to = to;
    Plan planned;
    if (!planMove(options, report, &planned))
        return report;
    const bool destinationExisted = QFileInfo::exists(to);
    MoveJournal j;
    if (Status s = prepare(from, to, planned, &j); !s)
        return stopMove(j, s.error(), destinationExisted, report);
    report.crossVolume = j.crossVolume;

    MoveProgress p;
    p.totalBytes = planned.bytes;
    p.totalEntries = static_cast<int>(planned.items.size());
    progress(p);
    EntryCopier copier(cancelled, [&](qint64 n) {
        p.doneBytes += n;
        progress(p);
    });
    QList<MoveJournal::Item> done;
    const QByteArray lockContent = cache::lockContent(j.host, j.pid, j.id);
    const auto stop = [&](const QString &why) { return stopMove(j, why, destinationExisted, report); };
    for (const MoveJournal::Item &item : std::as_const(planned.items)) {
        if (cancelled())
            return stop(QString());
        p.current = item.label;
        progress(p);
        const EntryPaths src { from, item.key };
        QString holder;
        const Result<bool> locked = takeLock(src, lockContent, j.id, options.scan, &holder);
        if (!locked)
            return stop(tr("%1: %2").arg(item.label, locked.error()));
        if (!*locked) {
            if (!options.leaveBehind)
                return stop(tr("%1: being downloaded (%2).").arg(item.label, holder));
            report.skipped << tr("%1: being downloaded (%2).").arg(item.label, holder);
            report.skippedKeys << item.key;
            continue;
        }
        const auto unlock = qScopeGuard([&] { cache::releaseLock(src, lockContent); });
        const qint64 before = p.doneBytes;
        QString error;
        if (!moveItem(j, item, copier, &error)) {
            if (copier.stopped())
                return stop(QString());
            return stop(tr("%1: %2").arg(item.label, error));
        }
        done << item;
        report.moved << item.key;
        report.bytes += planned.itemBytes.value(item.key);
        p.doneBytes = before + planned.itemBytes.value(item.key);
        ++p.doneEntries;
        progress(p);
    }
    if (Status s = maintenance::mergePins(from, to); !s)
        return stop(s.error());
    j.items = done;
    j.phase = MoveJournal::Phase::Copied;
    if (Status s = writeJournal(j); !s)
        return stop(s.error());
    return report;
}

MoveReport finishMove(const QString &dir, const ScanOptions &scan)
{
    MoveReport report;
    const Result<std::optional<MoveJournal>> pending = readPendingMove(dir);
    if (!pending || !*pending) {
        report.error = pending ? tr("No unfinished move of the cache in %1.").arg(dir) : pending.error();
        return report;
    }
    MoveJournal j = **pending;
    report.from = j.from;
    report.to = j.to;
    report.crossVolume = j.crossVolume;
    if (j.phase == MoveJournal::Phase::Copying) {
        report.error = tr("The move from %1 to %2 was cut short before every model was copied; undo it, "
                          "then move again.")
                           .arg(j.from, j.to);
        return report;
    }
    if (j.crossVolume && j.phase != MoveJournal::Phase::Removing) {
        j.phase = MoveJournal::Phase::Removing;
        if (Status s = writeJournal(j); !s) {
            report.error = s.error();
            return report;
        }
    }
    const QByteArray lockContent
        = cache::lockContent(util::hostName(), QCoreApplication::applicationPid(), j.id);
    for (const MoveJournal::Item &item : std::as_const(j.items)) {
        if (!exists(in(j.to, item.names.first()))) {
            const bool original = exists(in(j.from, item.names.first()));
            (original ? report.skipped : report.leftBehind)
                << tr("%1: not in %2; %3")
                       .arg(item.label, j.to,
                           original ? tr("it stays in %1.").arg(j.from) : tr("it is in neither folder."));
            if (original)
                report.skippedKeys << item.key;
            continue;
        }
        report.moved << item.key;
        if (!j.crossVolume)
            continue;
        const EntryPaths src { j.from, item.key };
        QString holder;
        const Result<bool> locked = takeLock(src, lockContent, j.id, scan, &holder);
        if (!locked || !*locked) {
            report.leftBehind << tr("%1: copied, but the original in %2 is kept: %3")
                                     .arg(item.label, j.from, locked ? holder : locked.error());
            continue;
        }
        for (const QString &name : item.names) {
            if (Status s = util::removeTree(in(j.from, name)); !s)
                report.leftBehind
                    << tr("%1: copied, but the original could not be removed: %2").arg(item.label, s.error());
        }
        cache::releaseLock(src, lockContent);
    }
    // The pins were merged into the new folder; the old copy goes with the last original, and stays
    // while a model it may protect stayed behind.
    if (report.skippedKeys.isEmpty())
        QFile::remove(maintenance::pinsPath(j.from));
    (void)util::syncDir(j.from);
    removeJournal(j);
    report.sourcesRemoved = true;
    return report;
}

MoveReport undoMove(const QString &dir)
{
    MoveReport report;
    const Result<std::optional<MoveJournal>> pending = readPendingMove(dir);
    if (!pending || !*pending) {
        report.error = pending ? tr("No unfinished move of the cache in %1.").arg(dir) : pending.error();
        return report;
    }
    const MoveJournal &j = **pending;
    report.from = j.from;
    report.to = j.to;
    report.crossVolume = j.crossVolume;
    if (j.phase == MoveJournal::Phase::Removing) {
        report.error = tr("The move from %1 to %2 is past undoing: its originals are being deleted and the "
                          "setting names %2. Finish it instead.")
                           .arg(j.from, j.to);
        return report;
    }
    QStringList problems;
    undoItems(j, j.items, &problems);
    if (!problems.isEmpty()) {
        report.error = tr("Could not undo all of the move: %1").arg(problems.join(QLatin1Char(' ')));
        return report;
    }
    removeJournal(j);
    report.undone = true;
    return report;
}

} // namespace maintenance

CacheMover::CacheMover(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<MoveProgress>();
    qRegisterMetaType<MoveReport>();
}

CacheMover::~CacheMover()
{
    cancel();
    m_thread.quit();
    m_thread.wait();
}

void CacheMover::start(const QString &from, const QString &to)
{
    MoveOptions options;
    options.leaveBehind = true;
    m_to = to;
    m_scan = options.scan;
    run([from, to, options, this](const std::function<void(const MoveProgress &)> &progress) {
        MoveReport r
            = maintenance::moveCache(from, to, options, progress, [this] { return m_cancel.load(); });
        if (!r.switchable() || r.moved.isEmpty())
            return r;
        const MoveReport f = maintenance::finishMove(to, options.scan);
        r.leftBehind << f.leftBehind;
        r.sourcesRemoved = f.sourcesRemoved;
        if (!f.error.isEmpty())
            r.leftBehind << f.error;
        return r;
    });
}

void CacheMover::start(const QString &from, const QString &to, const MoveOptions &options)
{
    m_to = to;
    m_scan = options.scan;
    run([from, to, options, this](const std::function<void(const MoveProgress &)> &progress) {
        return maintenance::moveCache(from, to, options, progress, [this] { return m_cancel.load(); });
    });
}

void CacheMover::finishMove(const QString &dir)
{
    run([to = dir.isEmpty() ? m_to : dir, scan = m_scan](
            const std::function<void(const MoveProgress &)> &) { return maintenance::finishMove(to, scan); });
}

void CacheMover::undoMove(const QString &dir)
{
    run([to = dir.isEmpty() ? m_to : dir](
            const std::function<void(const MoveProgress &)> &) { return maintenance::undoMove(to); });
}

void CacheMover::run(std::function<MoveReport(const std::function<void(const MoveProgress &)> &)> job)
{
    Q_ASSERT(!m_running);
    m_running = true;
    m_cancel = false;
    m_thread.start();
    auto *worker = new QObject;
    worker->moveToThread(&m_thread);
    QMetaObject::invokeMethod(worker, [this, worker, job = std::move(job)] {
        util::ProgressMeter meter;
        const auto progress = [this, &meter](const MoveProgress &p) {
            // At most about ten updates a second, but always the last one of an entry.
            if (meter.claimReport(p.doneEntries == p.totalEntries)) {
                QMetaObject::invokeMethod(
                    this, [this, p] { Q_EMIT progressChanged(p); }, Qt::QueuedConnection);
            }
        };
        const MoveReport report = job(progress);
        worker->deleteLater();
        QMetaObject::invokeMethod(
            this,
            [this, report] {
                m_running = false;
                m_thread.quit();
                m_thread.wait();
                Q_EMIT finished(report, report.error);
            },
            Qt::QueuedConnection);
    });
}

void CacheMover::cancel()
{
    m_cancel = true;
}

} // namespace tfhub
