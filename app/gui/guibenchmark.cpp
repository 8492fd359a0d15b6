#include "app/gui/guibenchmark.h"

#include "ui/cache/cachemodel.h"
#include "ui/cache/cachepage.h"
#include "ui/cache/livecache.h"
#include "ui/window/mainwindow.h"

#include <QCoreApplication>
#include <QFile>
#include <QLineEdit>
#include <QTableView>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>
#include <memory>

namespace tfhub::app {

namespace {

constexpr int Repetitions = 6;
constexpr int IdleMs = 2000;

double elapsedMs(const QElapsedTimer &timer)
{
    return static_cast<double>(timer.nsecsElapsed()) / 1e6;
}

// How long ago the kernel started this process, in ms (10 ms resolution): includes exec, dynamic
// linking and static initialisation, which a timer started in main() cannot see. -1 if unknown.
double msSinceExec()
{
    QFile stat(QStringLiteral("/proc/self/stat"));
    if (!stat.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray line = stat.readAll();
    // Field 22 (starttime, clock ticks since boot) counts from the last ')' (field 2 may hold spaces).
    const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 20)
        return -1;
    const double startSec = fields.at(19).toDouble() / 100.0; // USER_HZ is 100 on Linux
    timespec now {};
    ::clock_gettime(CLOCK_BOOTTIME, &now);
    return (static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9 - startSec) * 1000.0;
}

QByteArray statusField(const char *name)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return {};
    const QByteArray prefix = QByteArray(name) + ':';
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed().split(' ').constFirst(); // kB
    }
    return {};
}

void print(const char *name, double value)
{
    std::printf("%s=%.1f\n", name, value);
    std::fflush(stdout);
}

void print(const char *name, int value)
{
    std::printf("%s=%d\n", name, value);
    std::fflush(stdout);
}

// Runs `step` Repetitions times, after an untimed `prepare`; each run lasts until the page's
// deferred updates are done and the window is painted again. Prints the median and the worst run.
void timeSteps(const char *name, QWidget *window, const std::function<void(int)> &step,
    const std::function<void()> &prepare = {})
{
    QList<double> runs;
    for (int i = 0; i < Repetitions; ++i) {
        if (prepare)
            prepare();
        QCoreApplication::processEvents();
        window->repaint();
        QElapsedTimer timer;
        timer.start();
        step(i);
        QCoreApplication::processEvents();
        window->repaint();
        runs.append(elapsedMs(timer));
    }
    std::sort(runs.begin(), runs.end());
    print(name, (runs.at(Repetitions / 2 - 1) + runs.at(Repetitions / 2)) / 2);
    print(QByteArray(QByteArray(name) + "_max").constData(), runs.constLast());
}

void measureInteraction(ui::MainWindow *window)
{
    auto *table = window->cachePage()->findChild<QTableView *>(QStringLiteral("cacheTable"));
    auto *search = window->cachePage()->findChild<QLineEdit *>(QStringLiteral("searchEdit"));
    if (!table || !search) {
        std::fputs("benchmark: the Cache page has no table or filter field\n", stderr);
        QCoreApplication::exit(1);
        return;
    }
    // The table starts sorted by size, descending: alternating orders makes every run a real sort.
    timeSteps("sort_size_ms", window, [table](int i) {
        table->sortByColumn(ui::CacheModel::SizeColumn, i % 2 ? Qt::DescendingOrder : Qt::AscendingOrder);
    });
    timeSteps("sort_handle_ms", window, [table](int i) {
        table->sortByColumn(ui::CacheModel::HandleColumn, i % 2 ? Qt::DescendingOrder : Qt::AscendingOrder);
    });
    // One re-filter per keystroke: the last of typing "goo", and clearing the field again.
    timeSteps(
        "filter_ms", window, [search](int) { search->setText(QStringLiteral("goo")); },
        [search] { search->setText(QStringLiteral("go")); });
    print("filter_rows", table->model()->rowCount());
    timeSteps(
        "filter_clear_ms", window, [search](int) { search->clear(); },
        [search] { search->setText(QStringLiteral("goo")); });
    search->clear();

    QTimer::singleShot(IdleMs, window, [] {
        print("idle_rss_mb", statusField("VmRSS").toDouble() / 1024.0);
        print("peak_rss_mb", statusField("VmHWM").toDouble() / 1024.0);
        QCoreApplication::exit(0);
    });
}

// The scan alone, as the Cache page runs it again: "Scan Again" (every file read, the index
// rewritten), then a refresh (the index's quick check), each until the table is painted.
void timeScans(ui::MainWindow *window)
{
    ui::LiveCache *live = window->liveCache();
    auto timer = std::make_shared<QElapsedTimer>();
    const auto finish = [window](const char *name, const QElapsedTimer &t) {
        QCoreApplication::processEvents();
        window->repaint();
        print(name, elapsedMs(t));
    };
    QObject::connect(
        live, &ui::LiveCache::scanFinished, window,
        [window, live, timer, finish](bool) {
            finish("full_walk_ms", *timer);
            QObject::connect(
                live, &ui::LiveCache::scanFinished, window,
                [window, timer, finish](bool) {
                    finish("quick_check_ms", *timer);
                    QTimer::singleShot(0, window, [window] { measureInteraction(window); });
                },
                Qt::SingleShotConnection);
            timer->start();
            live->refresh();
        },
        Qt::SingleShotConnection);
    timer->start();
    live->scanAgain();
}

} // namespace

void startBenchmark(ui::MainWindow &window, const QElapsedTimer &sinceStart)
{
    // With a scan index, the table is populated from it before the quick check finishes.
    QObject::connect(
        window.liveCache(), &ui::LiveCache::indexViewShown, &window,
        [&window, sinceStart](int entries) {
            QCoreApplication::processEvents();
            window.repaint();
            print("index_view_ms", elapsedMs(sinceStart));
            print("index_view_rows", entries);
        },
        Qt::SingleShotConnection);
    QObject::connect(
        &window, &ui::MainWindow::scanFinished, &window,
        [&window, sinceStart](bool complete) {
            if (!complete) {
                std::fputs("benchmark: the scan failed\n", stderr);
                QCoreApplication::exit(1);
                return;
            }
            // The page folds a scan's last batch into totals and details on a zero timer.
            QCoreApplication::processEvents();
            window.repaint();
            print("populated_ms", elapsedMs(sinceStart));
            print("populated_since_exec_ms", msSinceExec());
            print("rows", window.cachePage()->entryCount());
            QTimer::singleShot(0, &window, [&window] { timeScans(&window); });
        },
        Qt::SingleShotConnection);
}

} // namespace tfhub::app
