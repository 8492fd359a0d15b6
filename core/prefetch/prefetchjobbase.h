#pragma once

#include "core/hub/handle.h"
#include "core/prefetch/prefetchtypes.h"
#include "core/prefetch/resumabledownload.h"
#include "core/prefetch/uncompressedquery.h"
#include "core/util/progressmeter.h"

#include <QObject>
#include <QUrl>

#include <memory>
#include <optional>

class QNetworkAccessManager;

namespace tfhub {

/// What both prefetch jobs share (PrefetchJob into a local cache, GcsPrefetchJob into a gs:// one):
/// the handle and options, the progress record and the result, the thread's network access, the
/// archive's download and the UNCOMPRESSED query, and the slots and signals DownloadQueue and the
/// CLI follow. A job lives in, and is used from, one thread.
class PrefetchJobBase : public QObject, protected DownloadSink
{
    Q_OBJECT
public:
    ~PrefetchJobBase() override;

    const Handle &handle() const { return m_handle; }
    PrefetchProgress progress() const { return m_progress; }
    const PrefetchResult &result() const { return m_result; }
    bool isFinished() const;

public Q_SLOTS:
    virtual void start() = 0;
    virtual void cancel() = 0;

Q_SIGNALS:
    void progressChanged(const tfhub::PrefetchProgress &progress);
    void warning(const QString &message);
    void finished(const tfhub::PrefetchResult &result);

protected:
    PrefetchJobBase(Handle handle, PrefetchOptions options, QObject *parent);

    /// Ends the job (once) with `phase` and `message`, after the job's own clean-up.
    virtual void finish(PrefetchPhase phase, const QString &message) = 0;
    /// Fills the progress record's written totals (bytes and files) before it is reported.
    virtual void updateWritten() { }

    /// The start both jobs make on their thread: the network access, then prefetchStart()'s
    /// verdict. Returns the archive's URL to download (also in m_url); nothing when the job has
    /// ended already or went on to the UNCOMPRESSED query.
    std::optional<QUrl> begin();
    /// The archive's download into this job's DownloadSink, its attempts and bytes reported; the
    /// caller connects what happens when its body starts, and when it succeeds or fails.
    ResumableDownload *makeDownload();
    void setPhase(PrefetchPhase phase, const QString &detail = QString());
    void emitProgress(bool force);

    Handle m_handle;
    PrefetchOptions m_options;
    QNetworkAccessManager *m_nam = nullptr; ///< a child, made on the job's thread
    QUrl m_url; ///< the handle's archive URL
    std::unique_ptr<ResumableDownload> m_download;
    std::unique_ptr<UncompressedQuery> m_query;
    PrefetchProgress m_progress;
    PrefetchResult m_result;
    util::ProgressMeter m_meter;

private:
    void queryUncompressed();
};

} // namespace tfhub
