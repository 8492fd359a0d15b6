#pragma once

#include <QElapsedTimer>

namespace tfhub::ui {
class MainWindow;
}

namespace tfhub::app {

/// Drives the hidden `--benchmark` run of the desktop app (bench/gui_bench.sh): waits until the
/// Cache page shows every row of the first scan, painted, then times sorting and filtering the
/// table, idles, prints one `name=value` line per figure on stdout and quits the application.
/// `sinceStart` was started first thing in main().
void startBenchmark(tfhub::ui::MainWindow &window, const QElapsedTimer &sinceStart);

} // namespace tfhub::app
