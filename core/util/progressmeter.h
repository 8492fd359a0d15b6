#pragma once

#include <QElapsedTimer>
#include <QtGlobal>

#include <functional>

namespace tfhub::util {

/// Throttles progress reports of a long operation and estimates its rate and time left.
///
/// Typical use, on the thread that does the work:
/// @code
///   util::ProgressMeter meter;           // at most one report per 100 ms
///   meter.start(totalBytes);             // -1 when the total is unknown
///   while (...) {
///       meter.advance(chunk.size());     // or meter.setDone(absolute)
///       if (meter.claimReport())         // true about ten times a second
///           Q_EMIT progress(meter.done(), meter.total(), meter.rate(), meter.etaSecs());
///   }
///   meter.claimReport(true);             // the final report always goes out
/// @endcode
/// The rate is in units of `done` per second (bytes, files, ...), smoothed over windows of about
/// half a second; it is 0 until the first window closes. Not thread-safe: one meter per worker.
class ProgressMeter final
{
public:
    /// `intervalMs`: the least time between two reports that claimReport() grants.
    explicit ProgressMeter(int intervalMs = 100);

    /// Resets everything and starts the clocks; `total` may be -1 (unknown).
    void start(qint64 total = -1);
    void setTotal(qint64 total);
    /// Work done since the last call. Negative amounts are allowed (work thrown away).
    void advance(qint64 amount);
    /// The absolute amount done; a value below the current one starts the rate window afresh.
    void setDone(qint64 done);

    /// True when a report is due (the first one, `force`, or `intervalMs` since the last granted
    /// one); the report then counts as made. Call it only when about to report.
    bool claimReport(bool force = false);

    qint64 done() const { return m_done; }
    qint64 total() const { return m_total; }
    /// Units per second; 0 while unknown.
    double rate() const { return m_rate; }
    /// Seconds left at the current rate; -1 when the total or the rate is unknown.
    qint64 etaSecs() const;

    /// For tests: a clock in milliseconds that replaces the monotonic one.
    void setClock(std::function<qint64()> nowMs);

private:
    qint64 now() const;
    void sample();

    int m_intervalMs;
    std::function<qint64()> m_clock;
    QElapsedTimer m_timer;
    qint64 m_total = -1;
    qint64 m_done = 0;
    qint64 m_windowStart = 0; ///< time the rate window opened
    qint64 m_windowAmount = 0; ///< work done in the window
    qint64 m_lastReport = -1;
    double m_rate = 0;
};

} // namespace tfhub::util
