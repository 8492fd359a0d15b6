#include "core/archive/inputqueue.h"

#include <algorithm>

#include <pthread.h>

namespace tfhub::detail {

namespace {

// Small enough that a blocked feed() holds little, large enough to keep locking rare.
constexpr qsizetype kPieceSize = 256 * 1024;

} // namespace

void nameThread(const char *name)
{
    pthread_setname_np(pthread_self(), name);
}

void BufferMeter::add(qint64 delta)
{
    const qint64 now = m_now.fetch_add(delta) + delta;
    qint64 peak = m_peak.load();
    while (now > peak && !m_peak.compare_exchange_weak(peak, now)) { }
}

InputQueue::InputQueue(qsizetype capacity, BufferMeter &meter) : m_capacity(capacity), m_meter(meter) { }

bool InputQueue::push(const char *data, qsizetype size)
{
    while (size > 0) {
        const qsizetype piece = std::min(size, kPieceSize);
        std::unique_lock lock(m_mutex);
        m_notFull.wait(lock, [&] { return m_stopped || m_bytes + piece <= m_capacity; });
        if (m_stopped)
            return false;
        m_pieces.emplace_back(data, piece);
        m_bytes += piece;
        m_meter.add(piece);
        lock.unlock();
        m_notEmpty.notify_one();
        data += piece;
        size -= piece;
    }
    return true;
}

bool InputQueue::push(const QByteArray &data)
{
    // A network reply's chunk is a fresh array: queuing it as it is saves copying every byte of
    // the archive once more. An array with much unused capacity is copied, so the queue's bound
    // stays a bound on memory.
    const qsizetype size = data.size();
    if (size == 0 || size > kPieceSize || data.capacity() > size + size / 4)
        return push(data.constData(), size);
    std::unique_lock lock(m_mutex);
    m_notFull.wait(lock, [&] { return m_stopped || m_bytes + size <= m_capacity; });
    if (m_stopped)
        return false;
    m_pieces.push_back(data);
    m_bytes += size;
    m_meter.add(size);
    lock.unlock();
    m_notEmpty.notify_one();
    return true;
}

bool InputQueue::canAcceptMore() const
{
    std::lock_guard lock(m_mutex);
    return m_stopped || m_bytes < m_capacity;
}

void InputQueue::close()
{
    std::lock_guard lock(m_mutex);
    m_closed = true;
    m_notEmpty.notify_all();
}

void InputQueue::stop(const QString &error)
{
    std::lock_guard lock(m_mutex);
    if (m_stopped)
        return;
    m_stopped = true;
    m_error = error;
    m_notFull.notify_all();
    m_notEmpty.notify_all();
}

Result<ByteView> InputQueue::next()
{
    std::unique_lock lock(m_mutex);
    if (!m_current.isEmpty()) {
        m_bytes -= m_current.size();
        m_meter.add(-m_current.size());
        m_current.clear();
        m_notFull.notify_all();
    }
    if (m_pieces.empty() && !m_stopped && !m_closed && m_beforeWait) {
        lock.unlock();
        m_beforeWait();
        lock.lock();
    }
    m_notEmpty.wait(lock, [&] { return m_stopped || m_closed || !m_pieces.empty(); });
    if (m_stopped)
        return Error { m_error };
    if (m_pieces.empty())
        return ByteView {};
    m_current = std::move(m_pieces.front());
    m_pieces.pop_front();
    return ByteView { m_current.constData(), m_current.size() };
}

} // namespace tfhub::detail
