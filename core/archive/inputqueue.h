#pragma once

#include "core/archive/archivedecoder.h"
#include "core/util/result.h"

#include <QByteArray>
#include <QString>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace tfhub::detail {

/// Names the calling thread (15 characters at most), so profilers and /proc tell the stages apart.
void nameThread(const char *name);

/// The bytes held between the stages of an extraction now, and the most ever held; shared by
/// the input queue and the writer lanes, read from any thread.
class BufferMeter final
{
public:
    void add(qint64 delta);
    qint64 now() const { return m_now.load(); }
    qint64 peak() const { return m_peak.load(); }

private:
    std::atomic<qint64> m_now { 0 };
    std::atomic<qint64> m_peak { 0 };
};

/// The bounded queue between the caller's feed() and the decode thread: the fed bytes in pieces
/// (copies, or the caller's own arrays shared), so a blocked feed() holds little and the decoder
/// reads without copying again.
/// One producer thread, one consumer thread (the decoder, through ChunkSource::next()).
class InputQueue final : public ChunkSource
{
public:
    InputQueue(qsizetype capacity, BufferMeter &meter);

    /// Queues a copy of the bytes, blocking while the queue is full; false once stopped.
    bool push(const char *data, qsizetype size);
    /// The same, sharing the array instead of copying it when it holds little unused room.
    bool push(const QByteArray &data);
    /// True when push() would not block now (or would return false at once).
    bool canAcceptMore() const;
    /// The end of the input: next() returns an empty view once the queue is drained.
    void close();
    /// Wakes both sides for good; next() then fails with `error`.
    void stop(const QString &error);

    /// Releases the piece returned last and waits for the next one (the decode thread).
    Result<ByteView> next() override;
    /// Called by next() (on the decode thread, unlocked) before it waits for the producer, so
    /// work held back for a batch is handed on instead of waiting too. Set before next() runs.
    void setBeforeWait(std::function<void()> hook) { m_beforeWait = std::move(hook); }

private:
    const qsizetype m_capacity;
    BufferMeter &m_meter;
    std::function<void()> m_beforeWait;

    mutable std::mutex m_mutex;
    std::condition_variable m_notFull;
    std::condition_variable m_notEmpty;
    std::deque<QByteArray> m_pieces;
    QByteArray m_current; // the piece the decoder reads now
    qint64 m_bytes = 0; // queued, including m_current
    bool m_closed = false;
    bool m_stopped = false;
    QString m_error;
};

} // namespace tfhub::detail
