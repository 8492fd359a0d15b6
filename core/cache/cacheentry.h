#pragma once

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>

namespace tfhub {

/// What a cache item is, from the point of view of tensorflow_hub and of a user reclaiming space.
enum class EntryState {
    Complete, ///< K/ holds a loadable model; hub.load() uses it without a download.
    EmptyFolder, ///< K/ exists but is empty: tensorflow_hub deletes and downloads it again.
    Downloading, ///< K.lock held by a download still making progress (a live process, another host).
    StaleLock, ///< K.lock whose owner is gone on this host, or that made no progress for too long
               ///< (the library's rule, which holds for a live holder too).
    AbandonedPartial, ///< only K.<uid>.tmp/ left behind by a download whose owner is gone.
    OrphanDescriptor, ///< K.descriptor.txt with no K/ folder.
    NotLoadable, ///< K/ is not empty but holds no SavedModel, TFLite or TF.js model.
    Broken, ///< K/ holds a model that misses a required file (e.g. a weight shard): loading fails.
    Foreign, ///< not a cache artifact at all: shown, never touched.
};

enum class ModelFormat {
    Unknown,
    Tf2SavedModel,
    Tf1SavedModel,
    Tf1HubModule,
    TfLite,
    TfJs,
};

/// One leftover artifact that belongs to an entry (a tmp download folder, a lock, an atomic-write temp).
struct Artifact final
{
    enum class Kind { Folder, Descriptor, Lock, TmpFolder, AtomicTemp, Manifest, Foreign };
    Kind kind = Kind::Foreign;
    QString name; ///< file name inside the cache root
    qint64 diskBytes = 0; ///< allocated blocks
    qint64 bytes = 0; ///< apparent size
    qint64 files = 0;
    QDateTime modified; ///< newest mtime of the artifact (in UTC)
};

/// Owner of a K.lock file, parsed from the right (host names contain dots).
struct LockOwner final
{
    QString host;
    qint64 pid = 0;
    QString uid;
    bool valid = false;
    QString raw;
};

/// One entry of a cache root: everything named after one key, or one foreign item.
struct CacheEntry final
{
    QString key; ///< 40 hex digits, or the foreign item's name
    QString handle; ///< from the descriptor, else from cache::nameEntries(); empty when unknown
    /// Where the handle came from: descriptor, manifest, queue, catalog, history (cache::nameEntries).
    QString handleSource;
    EntryState state = EntryState::Foreign;
    ModelFormat format = ModelFormat::Unknown;
    QString stateDetail; ///< plain words: why this state (e.g. "held by host pid 1234")

    qint64 diskBytes = 0; ///< allocated blocks of all artifacts
    qint64 bytes = 0; ///< apparent size of all artifacts
    qint64 files = 0; ///< regular files in the model folder
    qint64 reclaimableBytes = 0; ///< bytes of leftovers (dead tmp folders, stale lock, temps)

    QDateTime downloaded; ///< descriptor's Download Time, or folder mtime when no descriptor
    QString downloaderHost; ///< from the descriptor
    qint64 downloaderPid = 0;
    QDateTime lastModified; ///< newest mtime in the entry
    QDateTime lastAccessed; ///< newest atime in the entry (as far as the mount records it)

    bool hasFolder = false;
    bool folderNonEmpty = false; ///< K/ is a folder with something in it: tensorflow_hub returns it as cached
    bool loadable = false; ///< K/ holds a model hub.load() (or TFLite / TF.js tooling) can read
    bool hasDescriptor = false;
    bool hasManifest = false;
    LockOwner lock; ///< valid when a K.lock exists
    QList<Artifact> artifacts;
    QStringList problems; ///< unreadable folders and the like: reported, not fatal
    QStringList missingFiles; ///< required files absent from K/ (relative paths), for Broken

    QString folderPath(const QString &cacheRoot) const;
};

QString stateName(EntryState state); ///< stable machine name, e.g. "stale-lock"
QString stateLabel(EntryState state); ///< translated short label
QString stateExplanation(EntryState state); ///< translated plain-words sentence for tooltips
bool stateFromName(const QString &name, EntryState *out);
QList<EntryState> allStates();

QString formatName(ModelFormat format); ///< stable machine name, e.g. "tf2-saved-model"
QString formatLabel(ModelFormat format); ///< translated label, e.g. "TF2 SavedModel"
QList<ModelFormat> allFormats();

/// True for a 40-digit lower-case hex string (the library's cache folder names).
bool isCacheKey(const QString &name);

} // namespace tfhub

Q_DECLARE_METATYPE(tfhub::CacheEntry)
