#include "core/util/progressmeter.h"

namespace tfhub::util {

namespace {
// Shorter windows make the rate jumpy; the smoothing keeps most of the last estimate.
constexpr qint64 kRateWindowMs = 500;
constexpr double kKeep = 0.7;
} // namespace

ProgressMeter::ProgressMeter(int intervalMs) : m_intervalMs(intervalMs)
{
    m_timer.start();
}

void ProgressMeter::setClock(std::function<qint64()> nowMs)
{
    m_clock = std::move(nowMs);
}

qint64 ProgressMeter::now() const
{
    return m_clock ? m_clock() : m_timer.elapsed();
}

void ProgressMeter::start(qint64 total)
{
    m_total = total;
    m_done = 0;
    m_rate = 0;
    m_windowStart = now();
    m_windowAmount = 0;
    m_lastReport = -1;
}

void ProgressMeter::setTotal(qint64 total)
{
    m_total = total;
}

void ProgressMeter::advance(qint64 amount)
{
    m_done += amount;
    m_windowAmount += amount;
    sample();
}

void ProgressMeter::setDone(qint64 done)
{
    if (done < m_done) {
        // Work thrown away (a download restarted): it says nothing about the rate.
        m_done = done;
        m_windowStart = now();
        m_windowAmount = 0;
        return;
    }
    advance(done - m_done);
}

void ProgressMeter::sample()
{
    const qint64 t = now();
    const qint64 span = t - m_windowStart;
    if (span < kRateWindowMs)
        return;
    const double instant
        = static_cast<double>(qMax<qint64>(0, m_windowAmount)) * 1000.0 / static_cast<double>(span);
    m_rate = m_rate > 0 ? kKeep * m_rate + (1 - kKeep) * instant : instant;
    m_windowStart = t;
    m_windowAmount = 0;
}

bool ProgressMeter::claimReport(bool force)
{
    const qint64 t = now();
    if (!force && m_lastReport >= 0 && t - m_lastReport < m_intervalMs)
        return false;
    sample();
    m_lastReport = t;
    return true;
}

qint64 ProgressMeter::etaSecs() const
{
    if (m_total <= 0 || m_rate <= 1)
        return -1;
    return static_cast<qint64>(static_cast<double>(qMax<qint64>(0, m_total - m_done)) / m_rate);
}

} // namespace tfhub::util
