#include "core/cache/lock.h"
#include "core/maintenance/cachemover.h"
#include "core/util/fsutil.h"
#include "core/util/humanize.h"
#include "tests/support/privilege.h"
#include "tests/support/testdata.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace tfhub;

namespace {

// Set up in main() before any thread exists; every child (the CLI) inherits the namespace.
QString g_tmpfs;
QString g_tmpfsError;

struct Run
{
    int code = -1;
    QString out;
    QString err;
};

// Relative path -> content of every regular file under `root` (a FIFO is never opened).
QMap<QString, QByteArray> contents(const QString &root)
{
    QMap<QString, QByteArray> files;
    QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile f(path);
        files.insert(QDir(root).relativeFilePath(path),
            !util::stat(path).isFile          ? QByteArray("(not a file)")
                : f.open(QIODevice::ReadOnly) ? f.readAll()
                                              : QByteArray("?"));
    }
    return files;
}

QStringList namesIn(const QString &dir)
{
    return QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDir::Name);
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

/// Runs the built `tfhub-cache config set cache-dir --move`, `config move` and `config unset` as a
/// user would: cross-volume moves go to a tmpfs of the test's own.
class TestCliMove final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void fifoStopsTheMoveAndKeepsTheSetting();
    void crossVolumeMoveSavesThenDeletes();
    void staleLockDoesNotLeaveItsModelBehind();
    void liveDownloadStopsTheMoveUnlessLeftBehind();
    void interruptedMoveIsAnnouncedAndFinished();
    void interruptedMoveIsUndone();
    void setAndUnsetLeaveHomeAsFound();
    void nonUtf8FolderRefused();
    void signalEndsTheMoveAsItWould_data();
    void signalEndsTheMoveAsItWould();

private:
    Run cli(const QStringList &args) const;
    QString destination(const QString &name) const { return g_tmpfs + QLatin1Char('/') + name; }
    QString bashrc() const { return m_home->path() + QStringLiteral("/.bashrc"); }

    std::unique_ptr<QTemporaryDir> m_home;
    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_src;
    QStringList m_keys;
};

void TestCliMove::initTestCase()
{
    QVERIFY2(!qEnvironmentVariable("TFHUB_CLI").isEmpty(), "TFHUB_CLI is not set (run through ctest)");
}

void TestCliMove::init()
{
    m_home = std::make_unique<QTemporaryDir>();
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_home->isValid() && m_tmp->isValid());
    m_src = m_tmp->filePath(QStringLiteral("cache"));
    m_keys.clear();
    const QString sm = test::savedModelsDir();
    for (int i = 0; i < 2; ++i)
        m_keys << test::makeEntry(m_src, QStringLiteral("https://tfhub.dev/test/model-%1/1").arg(i),
            sm + QStringLiteral("/half_plus_two_tf2_cpu"));
}

void TestCliMove::cleanup()
{
    m_tmp.reset();
    m_home.reset();
    if (!g_tmpfs.isEmpty()) {
        for (const QString &name : namesIn(g_tmpfs))
            QDir(g_tmpfs + QLatin1Char('/') + name).removeRecursively();
    }
}

Run TestCliMove::cli(const QStringList &args) const
{
    QProcess p;
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    const QString home = m_home->path();
    e.insert(QStringLiteral("HOME"), home);
    e.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/.local/share"));
    e.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/.config"));
    e.insert(QStringLiteral("XDG_CACHE_HOME"), home + QStringLiteral("/.cache"));
    e.remove(QStringLiteral("TFHUB_CACHE_DIR"));
    e.remove(QStringLiteral("ZDOTDIR"));
    p.setProcessEnvironment(e);
    p.setStandardInputFile(QProcess::nullDevice());
    p.start(qEnvironmentVariable("TFHUB_CLI"), QStringList { QStringLiteral("--cache-dir"), m_src } + args);
    Run r;
    if (!p.waitForStarted(10000) || !p.waitForFinished(120000))
        return r;
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

void TestCliMove::fifoStopsTheMoveAndKeepsTheSetting()
{
    // The reported case: a FIFO in the second entry, a move to another file system.
    TFHUB_REQUIRE(!g_tmpfs.isEmpty(), g_tmpfsError);
    const QString fifo = m_src + QLatin1Char('/') + m_keys.at(1) + QStringLiteral("/pipe");
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    const QMap<QString, QByteArray> before = contents(m_src);
    const QString to = destination(QStringLiteral("x"));
    const Run r = cli({ QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("cache-dir"), to,
        QStringLiteral("--move") });
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(fifo) && r.err.contains(QStringLiteral("model-1"))
            && r.err.contains(QStringLiteral("The setting was not changed")),
        qPrintable(r.err));
    QCOMPARE(contents(m_src), before);
    QVERIFY(namesIn(to).isEmpty());
    QVERIFY2(namesIn(m_home->path()).isEmpty(), qPrintable(namesIn(m_home->path()).join(u' ')));
}

void TestCliMove::crossVolumeMoveSavesThenDeletes()
{
    TFHUB_REQUIRE(!g_tmpfs.isEmpty(), g_tmpfsError);
    const QMap<QString, QByteArray> before = contents(m_src);
    const QString to = destination(QStringLiteral("moved"));
    const Run r = cli({ QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("cache-dir"), to,
        QStringLiteral("--move"), QStringLiteral("--targets"), QStringLiteral("bash") });
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(QStringLiteral("Moved 2 entries")), qPrintable(r.out));
    QVERIFY(readAll(bashrc()).contains(to.toUtf8()));
    QCOMPARE(contents(to), before);
    // The bytes moved are counted as `du` counts them: on disk.
    const Run du = cli({ QStringLiteral("--cache-dir"), to, QStringLiteral("du"), QStringLiteral("--json") });
    const qint64 disk = QJsonDocument::fromJson(du.out.toUtf8())
                            .object()
                            .value(QStringLiteral("total"))
                            .toObject()
                            .value(QStringLiteral("diskBytes"))
                            .toInteger();
    QVERIFY2(r.out.contains(QStringLiteral("(%1 on disk)").arg(util::humanSize(disk))), qPrintable(r.out));
    QVERIFY2(namesIn(m_src).isEmpty(), qPrintable(namesIn(m_src).join(u' ')));
}

void TestCliMove::staleLockDoesNotLeaveItsModelBehind()
{
    // `list` calls a lock of a dead process, untouched for an hour, stale: the move takes it over.
    TFHUB_REQUIRE(!g_tmpfs.isEmpty(), g_tmpfsError);
    const EntryPaths paths { m_src, m_keys.at(0) };
    QVERIFY(test::writeFile(paths.lock(),
        cache::lockContent(
            util::hostName(), test::deadPid(), QStringLiteral("fedcba9876543210fedcba9876543210"))));
    QVERIFY(test::setMTime(paths.lock(), QDateTime::currentSecsSinceEpoch() - 3600));
    const QString to = destination(QStringLiteral("stale"));
    const Run r = cli({ QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("cache-dir"), to,
        QStringLiteral("--move"), QStringLiteral("--targets"), QStringLiteral("bash") });
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(!r.out.contains(QStringLiteral("stayed")), qPrintable(r.out));
    QVERIFY(QFileInfo(to + QLatin1Char('/') + m_keys.at(0)).isDir());
    QVERIFY2(namesIn(m_src).isEmpty(), qPrintable(namesIn(m_src).join(u' ')));
    QVERIFY(readAll(bashrc()).contains(to.toUtf8()));
}

void TestCliMove::liveDownloadStopsTheMoveUnlessLeftBehind()
{
    TFHUB_REQUIRE(!g_tmpfs.isEmpty(), g_tmpfsError);
    // A download by this (live) test process.
    const EntryPaths paths { m_src, m_keys.at(1) };
    QVERIFY(test::writeFile(paths.lock(),
        cache::lockContent(util::hostName(), QCoreApplication::applicationPid(),
            QStringLiteral("0123456789abcdef0123456789abcdef"))));
    const QMap<QString, QByteArray> before = contents(m_src);
    const QString to = destination(QStringLiteral("live"));
    const QStringList args { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("cache-dir"), to,
        QStringLiteral("--move"), QStringLiteral("--targets"), QStringLiteral("bash") };
    const Run refused = cli(args);
    QCOMPARE(refused.code, 1);
    QVERIFY2(refused.err.contains(QStringLiteral("model-1"))
            && refused.err.contains(QStringLiteral("--leave-behind")),
        qPrintable(refused.err));
    QCOMPARE(contents(m_src), before);
    QVERIFY(!QFileInfo::exists(bashrc()));

    const Run r = cli(args + QStringList { QStringLiteral("--leave-behind") });
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(QStringLiteral("stayed in")) && r.out.contains(QStringLiteral("model-1")),
        qPrintable(r.out));
    QVERIFY(readAll(bashrc()).contains(to.toUtf8()));
    QVERIFY(QFileInfo(paths.folder()).isDir());
    QVERIFY(QFileInfo(to + QLatin1Char('/') + m_keys.at(0)).isDir());
}

void TestCliMove::interruptedMoveIsAnnouncedAndFinished()
{
    // As a kill right after the copy leaves it: copied, journal written, setting not yet saved.
    TFHUB_REQUIRE(!g_tmpfs.isEmpty(), g_tmpfsError);
    const QMap<QString, QByteArray> before = contents(m_src);
    const QString to = destination(QStringLiteral("cut"));
    QVERIFY(maintenance::moveCache(
        m_src, to, MoveOptions(), [](const MoveProgress &) {},
        [] {
            return false;
        }).switchable());

    const Run list = cli({ QStringLiteral("list") });
    QVERIFY2(list.err.contains(QStringLiteral("was cut short"))
            && list.err.contains(QStringLiteral("config move --finish")),
        qPrintable(list.err));
    // A verb that does not use the cache does not look for the move (nor probe the temp folder).
    const Run key = cli({ QStringLiteral("key"), QStringLiteral("https://tfhub.dev/test/model-0/1") });
    QVERIFY2(key.code == 0 && key.err.isEmpty(), qPrintable(key.err));
    const Run status = cli({ QStringLiteral("config"), QStringLiteral("move") });
    QCOMPARE(status.code, 0);
    QVERIFY2(status.out.contains(to), qPrintable(status.out));

    const Run finish = cli({ QStringLiteral("config"), QStringLiteral("move"), QStringLiteral("--finish") });
    QVERIFY2(finish.code == 0, qPrintable(finish.err));
    QVERIFY(readAll(bashrc()).contains(to.toUtf8()));
    QMap<QString, QByteArray> expected = before;
    QCOMPARE(contents(to), expected);
    QVERIFY2(namesIn(m_src).isEmpty(), qPrintable(namesIn(m_src).join(u' ')));
    QVERIFY(!cli({ QStringLiteral("list") }).err.contains(QStringLiteral("cut short")));
}

void TestCliMove::interruptedMoveIsUndone()
{
    TFHUB_REQUIRE(!g_tmpfs.isEmpty(), g_tmpfsError);
    const QMap<QString, QByteArray> before = contents(m_src);
    const QString to = destination(QStringLiteral("undo"));
    QVERIFY(maintenance::moveCache(
        m_src, to, MoveOptions(), [](const MoveProgress &) {},
        [] {
            return false;
        }).switchable());
    const Run undo = cli({ QStringLiteral("config"), QStringLiteral("move"), QStringLiteral("--undo") });
    QVERIFY2(undo.code == 0, qPrintable(undo.err));
    QCOMPARE(contents(m_src), before);
    QVERIFY(namesIn(to).isEmpty());
    QVERIFY(!cli({ QStringLiteral("list") }).err.contains(QStringLiteral("cut short")));
}

void TestCliMove::setAndUnsetLeaveHomeAsFound()
{
    const QString to = m_tmp->filePath(QStringLiteral("elsewhere"));
    const Run set = cli({ QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("cache-dir"), to });
    QVERIFY2(set.code == 0, qPrintable(set.err));
    QVERIFY(readAll(bashrc()).contains(to.toUtf8()));
    const Run unset = cli({ QStringLiteral("config"), QStringLiteral("unset"), QStringLiteral("cache-dir") });
    QVERIFY2(unset.code == 0, qPrintable(unset.err));
    QVERIFY2(unset.out.contains(QStringLiteral("~/.bashrc removed"))
            && !unset.out.contains(QStringLiteral("updated")),
        qPrintable(unset.out));
    QStringList files;
    QDirIterator it(m_home->path(), QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext())
        files << it.next();
    QVERIFY2(files.isEmpty(), qPrintable(files.join(u' ')));
}

void TestCliMove::nonUtf8FolderRefused()
{
    // The bytes must reach the CLI as they are: QProcess would encode a QString argument.
    const QByteArray script
        = "exec \"$TFHUB_CLI\" config set cache-dir \"$(printf '%s/lat\\351n' \"$DIR\")\"";
    QProcess p;
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.insert(QStringLiteral("HOME"), m_home->path());
    e.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home->path() + QStringLiteral("/.config"));
    e.insert(QStringLiteral("DIR"), m_tmp->path());
    p.setProcessEnvironment(e);
    p.start(QStringLiteral("sh"), { QStringLiteral("-c"), QString::fromLatin1(script) });
    QVERIFY(p.waitForFinished(60000));
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QCOMPARE(p.exitCode(), 2);
    QVERIFY2(
        err.contains(QStringLiteral("lat\\xE9n")) && err.contains(QStringLiteral("UTF-8")), qPrintable(err));
    QVERIFY2(namesIn(m_home->path()).isEmpty(), qPrintable(namesIn(m_home->path()).join(u' ')));
}

void TestCliMove::signalEndsTheMoveAsItWould_data()
{
    QTest::addColumn<int>("signal");
    QTest::addColumn<int>("shellStatus");
    QTest::newRow("Ctrl-C") << int(SIGINT) << 130;
    QTest::newRow("SIGTERM") << int(SIGTERM) << 143;
}

// The CLI's standard error is a full pipe, so it waits on its first progress line, before any model
// is copied, with its handler in place: the signal arrives while the move runs, every time.
void TestCliMove::signalEndsTheMoveAsItWould()
{
    QFETCH(int, signal);
    QFETCH(int, shellStatus);
    TFHUB_REQUIRE(!g_tmpfs.isEmpty(), g_tmpfsError);
    const QMap<QString, QByteArray> before = contents(m_src);
    const QString fifo = m_tmp->filePath(QStringLiteral("stderr"));
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    const int fd = ::open(QFile::encodeName(fifo).constData(), O_RDWR | O_NONBLOCK);
    QVERIFY(fd >= 0);
    const int size = ::fcntl(fd, F_SETPIPE_SZ, 4096);
    QVERIFY(size > 0);
    const QByteArray filler(size, 'x');
    QCOMPARE(::write(fd, filler.constData(), filler.size()), ssize_t(filler.size()));

    QProcess p;
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.insert(QStringLiteral("HOME"), m_home->path());
    e.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home->path() + QStringLiteral("/.config"));
    p.setProcessEnvironment(e);
    p.start(QStringLiteral("/bin/sh"),
        { QStringLiteral("-c"),
            QStringLiteral("\"$0\" --cache-dir \"$1\" config set cache-dir \"$2\" --move --targets bash "
                           "2>\"$3\" & pid=$!; echo \"$pid\"; wait \"$pid\"; echo \"status=$?\""),
            qEnvironmentVariable("TFHUB_CLI"), m_src, destination(QStringLiteral("sig")), fifo });
    QVERIFY(p.waitForReadyRead(20000));
    const qint64 pid = p.readLine().trimmed().toLongLong();
    QVERIFY(pid > 0);
    // SigCgt lists the signals a process catches: the move's handler is in place. Until the shell's
    // child has become the CLI (exec), SigCgt is the shell's.
    const QString cli = QFileInfo(qEnvironmentVariable("TFHUB_CLI")).canonicalFilePath();
    const auto catches = [pid, signal, &cli] {
        if (QFileInfo(QStringLiteral("/proc/%1/exe").arg(pid)).canonicalFilePath() != cli)
            return false;
        QFile status(QStringLiteral("/proc/%1/status").arg(pid));
        if (!status.open(QIODevice::ReadOnly))
            return false;
        for (const QByteArray &line : status.readAll().split('\n')) {
            if (line.startsWith("SigCgt:"))
                return ((line.mid(7).trimmed().toULongLong(nullptr, 16) >> (signal - 1)) & 1) != 0;
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(catches(), 20000);
    QVERIFY(::kill(static_cast<pid_t>(pid), signal) == 0);
    QByteArray err;
    char buffer[4096];
    const auto drain = [&] {
        for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;)
            err.append(buffer, n);
    };
    while (p.state() != QProcess::NotRunning) {
        drain();
        p.waitForFinished(50);
    }
    drain();
    ::close(fd);
    QCOMPARE(QString::fromUtf8(p.readAllStandardOutput()).trimmed().section(u'\n', -1),
        QStringLiteral("status=%1").arg(shellStatus));
    QVERIFY2(err.contains("Cancelled: nothing was moved"), err.mid(filler.size()).constData());
    QCOMPARE(contents(m_src), before);
    QVERIFY(!QFileInfo::exists(bashrc()));
}

int main(int argc, char **argv)
{
    g_tmpfsError = test::mountPrivateTmpfs("tst_climove", 16 * 1024 * 1024, &g_tmpfs);
    int status = 0;
    {
        QCoreApplication app(argc, argv);
        TestCliMove test;
        status = QTest::qExec(&test, argc, argv);
    }
    if (!g_tmpfs.isEmpty()) {
        ::umount2(QFile::encodeName(g_tmpfs).constData(), MNT_DETACH);
        ::rmdir(QFile::encodeName(g_tmpfs).constData());
    }
    return status;
}

#include "tst_climove.moc"
