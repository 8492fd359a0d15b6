#pragma once

#include "core/cache/cachelocation.h"
#include "core/gcs/gcsclient.h"
#include "core/gcs/gcsscan.h"
#include "core/gcs/gcsurl.h"

#include <QHash>

#include <memory>

namespace tfhub::gcs {

/// A cache in Google Cloud Storage (gs://bucket/prefix) as a CacheLocation: scans are one
/// paginated listing (gcs::scanAll's rules), small files and model files are objects read with
/// alt=media (model files streamed), and removal deletes objects: a lock only while its
/// generation is the one the scan judged, so that a download that took it over since keeps it.
/// Cloud Storage has no access times, no free space and no trash; lock owners are never probed.
class GcsLocation final : public CacheLocation
{
public:
    GcsLocation(GcsUrl root, std::unique_ptr<GcsClient> client);

    QString displayName() const override { return m_root.url(); }
    bool isLocal() const override { return false; }
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

    const GcsUrl &root() const { return m_root; }
    GcsClient &client() { return *m_client; }
    /// The objects of `key` as the last scan listed them.
    EntryObjects objectsOf(const QString &key) const { return m_items.value(key); }

private:
    GcsUrl m_root;
    std::unique_ptr<GcsClient> m_client;
    QHash<QString, EntryObjects> m_items; ///< by item key, from the last scan
};

} // namespace tfhub::gcs

namespace tfhub {

/// The location `cacheDir` names: a Cloud Storage prefix for gs://…, else the local folder. An
/// error names a malformed gs:// URL or the credentials that could not be found.
Result<std::unique_ptr<CacheLocation>> openCacheLocation(
    const QString &cacheDir, const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());

} // namespace tfhub
