#pragma once

#include "core/cache/cachescanner.h"
#include "core/cache/modelformat.h"
#include "core/util/result.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace tfhub {

/// One file of a model folder as its location lists it.
struct LocationFile final
{
    QString path; ///< relative to the model folder, '/'-separated
    qint64 size = 0;
    QByteArray md5Base64; ///< the store's own MD5 of the content (Cloud Storage); empty when unknown
};

/// What a location can tell or do beyond what every location does.
struct LocationCapabilities final
{
    bool accessTimes = true; ///< when a model was last used can be told (file access times)
    bool volumeFreeSpace = true; ///< the free space of a volume means something
    bool trash = true; ///< a user trash can take removed entries
    bool localProcesses = true; ///< lock owners and open files are processes of this host
};

/// Receives a file's bytes in order; false stops the read (an error for the reader).
using ByteSink = std::function<bool(const char *data, qint64 size)>;

/// Where a cache lives, reduced to what the verbs need of it: its entries (with the one state
/// rule), small files beside them, an entry's files, their bytes, and removing artifacts. The
/// local folder of today and a Cloud Storage prefix (gcs::GcsLocation) implement it, so that the
/// verbs do not fork on where the cache is. Calls are per entry or per file, never per file of a
/// whole scan: the local scan stays the scanner's own walk.
class CacheLocation
{
public:
    virtual ~CacheLocation() = default;

    /// The root as the user names it: a folder path or gs://bucket/prefix.
    virtual QString displayName() const = 0;
    virtual bool isLocal() const = 0;
    virtual LocationCapabilities capabilities() const = 0;
    /// Where an entry's model folder is, as hub.resolve() would return it.
    virtual QString entryPath(const QString &key) const = 0;

    /// Every entry and foreign item, named from descriptors (cache::nameEntries is the caller's).
    virtual Result<QList<CacheEntry>> scan(const ScanOptions &options) = 0;
    /// One key's entry; no artifacts when nothing is named after it.
    virtual Result<CacheEntry> scanKey(const QString &key, const ScanOptions &options) = 0;

    /// A small file of the root (a manifest, the pins), by name relative to the root: nullopt
    /// when it does not exist, an error when it cannot be read or is larger than `cap`.
    virtual Result<std::optional<QByteArray>> readSmall(const QString &name, qint64 cap) = 0;
    /// Writes a small file of the root whole (replacing it).
    virtual Status writeSmall(const QString &name, const QByteArray &data) = 0;
    /// Removes a small file of the root; one already gone counts as removed.
    virtual Status removeSmall(const QString &name) = 0;

    /// The files of `key`'s model folder (folders and placeholders left out), sorted by path.
    virtual Result<QList<LocationFile>> entryFiles(const QString &key) = 0;
    /// The files hub.load() needs from `key`'s model folder, each with whether it is there.
    virtual QList<cache::RequiredFile> requiredFiles(const QString &key) = 0;
    /// Streams one file of `key`'s model folder into `sink`; the number of bytes read.
    virtual Result<qint64> readEntryFile(const QString &key, const QString &path, const ByteSink &sink) = 0;

    /// Removes the named artifacts of one entry (names as in CacheEntry::artifacts): the errors,
    /// one per thing left behind; `freed` gets the bytes that went.
    virtual QStringList removeArtifacts(const CacheEntry &entry, const QStringList &names, qint64 *freed) = 0;
};

/// The cache in a local folder: the scanner's walk and plain files. The verbs remove local
/// entries through maintenance::executeCleanup, which adds the local safeguards (the lock check
/// right before, the trash); removeArtifacts() here is the plain deletion.
class LocalCacheLocation final : public CacheLocation
{
public:
    explicit LocalCacheLocation(QString root);

    QString displayName() const override { return m_root; }
    bool isLocal() const override { return true; }
    LocationCapabilities capabilities() const override;
    QString entryPath(const QString &key) const override;
    Result<QList<CacheEntry>> scan(const ScanOptions &options) override;
    Result<CacheEntry> scanKey(const QString &key, const ScanOptions &options) override;
    Result<std::optional<QByteArray>> readSmall(const QString &name, qint64 cap) override;
    Status writeSmall(const QString &name, const QByteArray &data) override;
    Status removeSmall(const QString &name) override;
    Result<QList<LocationFile>> entryFiles(const QString &key) override;
    QList<cache::RequiredFile> requiredFiles(const QString &key) override;
    Result<qint64> readEntryFile(const QString &key, const QString &path, const ByteSink &sink) override;
    QStringList removeArtifacts(const CacheEntry &entry, const QStringList &names, qint64 *freed) override;

private:
    QString m_root;
};

} // namespace tfhub
