#include "core/gcs/gcsarchiveupload.h"

#include "core/archive/inputqueue.h"
#include "core/util/sha256.h"

#include <atomic>
#include <mutex>
#include <thread>

namespace tfhub::gcs {

class GcsArchiveUpload::Pipeline final
{
public:
    Pipeline(const ClientFactory &clients, const QString &bucket, const QString &objectPrefix,
        const QString &displayName, ObjectSinkOptions options)
        : m_displayName(displayName)
        , m_input(kMaxQueuedInput, m_meter)
        , m_workers(std::make_unique<GcsWorkers>(clients, options.uploadsInFlight))
        , m_sink(*m_workers, bucket, objectPrefix, options, [this](const QString &e) { fail(e); })
        , m_decoder(m_input, m_sink, displayName)
    {
        m_decodeThread = std::thread([this] { decodeMain(); });
    }

    ~Pipeline()
    {
        cancel();
        if (m_decodeThread.joinable())
            m_decodeThread.join();
        // The workers' tasks use the sink: they end before it does.
        m_workers.reset();
    }

    bool feed(const QByteArray &data)
    {
        if (data.isEmpty())
            return !stopped();
        m_hash.addData(data);
        m_compressed += data.size();
        return m_input.push(data);
    }

    Status finish()
    {
        if (!m_finishing) {
            m_finishing = true;
            m_input.close();
            if (m_decodeThread.joinable())
                m_decodeThread.join();
            m_digest = m_hash.resultHex();
        }
        std::lock_guard lock(m_mutex);
        m_done = true;
        if (m_stopped)
            return Error { m_error };
        return {};
    }

    void cancel() { fail(tr("The upload of %1 was cancelled.").arg(m_displayName)); }

    Stats stats() const
    {
        Stats s;
        s.compressedBytes = m_compressed;
        s.plainBytes = m_sink.plainBytes();
        s.uploadedBytes = m_sink.uploadedBytes();
        s.filesUploaded = m_sink.filesUploaded();
        s.bufferedBytes = m_sink.bufferedBytes() + m_meter.now();
        s.peakBufferedBytes = m_sink.peakBufferedBytes() + m_meter.peak();
        s.currentMember = m_sink.currentMember();
        return s;
    }

    QList<UploadedFile> files() const { return m_sink.files(); }
    QByteArray digest() const { return m_digest; }

private:
    bool stopped() const
    {
        std::lock_guard lock(m_mutex);
        return m_stopped;
    }

    // The first failure wins; every stage waiting wakes and gives up.
    void fail(const QString &message)
    {
        {
            std::lock_guard lock(m_mutex);
            if (m_stopped || m_done)
                return;
            m_stopped = true;
            m_error = message;
        }
        m_input.stop(message);
        m_sink.stop(message);
        m_workers->discardPending();
    }

    void decodeMain()
    {
        tfhub::detail::nameThread("tfhub-gcsdecode");
        const Status decoded = m_decoder.run();
        if (!decoded)
            fail(decoded.error());
        // Every upload ends (or, stopped, gives up) before the archive counts as stored.
        m_workers->waitIdle();
    }

    const QString m_displayName;
    tfhub::detail::BufferMeter m_meter;
    tfhub::detail::InputQueue m_input;
    std::unique_ptr<GcsWorkers> m_workers;
    GcsObjectSink m_sink;
    tfhub::detail::ArchiveDecoder m_decoder;

    mutable std::mutex m_mutex;
    bool m_stopped = false;
    bool m_done = false;
    QString m_error;

    std::atomic<qint64> m_compressed { 0 };
    Sha256 m_hash;
    QByteArray m_digest;
    bool m_finishing = false;
    std::thread m_decodeThread;
};

GcsArchiveUpload::GcsArchiveUpload(const ClientFactory &clients, const QString &bucket,
    const QString &objectPrefix, const QString &displayName, ObjectSinkOptions options)
    : m_pipeline(std::make_unique<Pipeline>(clients, bucket, objectPrefix, displayName, options))
{
}

GcsArchiveUpload::~GcsArchiveUpload() = default;

bool GcsArchiveUpload::feed(const QByteArray &data)
{
    return m_pipeline->feed(data);
}

Status GcsArchiveUpload::finish()
{
    return m_pipeline->finish();
}

void GcsArchiveUpload::cancel()
{
    m_pipeline->cancel();
}

GcsArchiveUpload::Stats GcsArchiveUpload::stats() const
{
    return m_pipeline->stats();
}

QList<UploadedFile> GcsArchiveUpload::files() const
{
    return m_pipeline->files();
}

QByteArray GcsArchiveUpload::archiveSha256() const
{
    return m_pipeline->digest();
}

} // namespace tfhub::gcs
