#include "core/hub/handle.h"
#include "tests/core/prefetchfixtures.h"
#include "tests/support/privilege.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>

using namespace tfhub;
using namespace tfhub::test::prefetchfixtures;
using test::TestHub;

namespace {

// Runs the CLI on a pseudo-terminal of `columns` columns (set before exec, so the CLI sees it from
// its first line); the output is what the terminal received.
const char kPtyScript[] = R"(
import fcntl, os, pty, struct, sys, termios
columns = int(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 24, columns, 0, 0))
    os.execv(sys.argv[2], sys.argv[2:])
out = b''
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
)";

struct Output
{
    int code = -1;
    QString text;
};

} // namespace

// What prefetch shows while it works, on a terminal and in a log.
class TestCliProgress final : public QObject, private PrefetchFixture
{
    Q_OBJECT

    QTemporaryDir m_tmp;

    QProcessEnvironment environment(const QList<std::pair<QString, QString>> &extra = {}) const
    {
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert(QStringLiteral("HOME"), m_tmp.filePath(QStringLiteral("home")));
        e.insert(QStringLiteral("TERM"), QStringLiteral("xterm"));
        e.remove(QStringLiteral("COLUMNS"));
        for (const auto &[k, v] : extra)
            e.insert(k, v);
        return e;
    }

    Output onTerminal(
        int columns, const QStringList &args, const QList<std::pair<QString, QString>> &env = {})
    {
        QProcess p;
        p.setProcessEnvironment(environment(env));
        p.start(QStringLiteral("python3"),
            QStringList { QStringLiteral("-c"), QString::fromLatin1(kPtyScript), QString::number(columns),
                qEnvironmentVariable("TFHUB_CLI") }
                + args);
        Output o;
        if (!p.waitForFinished(60000))
            return o;
        o.code = p.exitCode();
        o.text = QString::fromUtf8(p.readAllStandardOutput());
        return o;
    }

    Output plain(const QStringList &args, const QList<std::pair<QString, QString>> &env = {})
    {
        QProcess p;
        p.setProcessEnvironment(environment(env));
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(qEnvironmentVariable("TFHUB_CLI"), args);
        Output o;
        if (!p.waitForFinished(60000))
            return o;
        o.code = p.exitCode();
        o.text = QString::fromUtf8(p.readAllStandardOutput());
        return o;
    }

    QString cacheDir(const QString &name) const { return m_tmp.filePath(name); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY(startHub());
        QVERIFY(QDir().mkpath(m_tmp.filePath(QStringLiteral("home"))));
    }

    void init() { m_hub.clearFaults(); }

    void terminalLinesFitTheWidth()
    {
        // A handle far wider than the terminal: nothing may wrap, or the redraw leaves copies.
        const QString path
            = QStringLiteral("/google/a-model-name-that-is-much-wider-than-the-terminal-it-runs-in/1");
        m_hub.addArchive(path, m_bigArchive);
        TestHub::Fault slow;
        slow.bytesPerSecond = 400 * 1024;
        m_hub.setFault(path, slow);
        const Output o = onTerminal(50,
            { QStringLiteral("--cache-dir"), cacheDir(QStringLiteral("wide")), QStringLiteral("prefetch"),
                handle(path) });
        QVERIFY2(o.code == 0, qPrintable(o.text));
        QVERIFY2(o.text.contains(QStringLiteral("\x1b[")), "no redraw on a terminal");
        static const QRegularExpression escape(QStringLiteral("\x1b\\[[0-9]*[A-Za-z]"));
        QString text = o.text;
        text.remove(escape).remove(u'\r');
        for (const QString &line : text.split(u'\n'))
            QVERIFY2(
                line.size() < 50, qPrintable(QStringLiteral("%1 columns: %2").arg(line.size()).arg(line)));
        QVERIFY2(text.contains(QStringLiteral("done")), qPrintable(text));
    }

    void alreadyCachedSaysWhere()
    {
        const QString root = cacheDir(QStringLiteral("twice"));
        const QStringList args = { QStringLiteral("--cache-dir"), root, QStringLiteral("prefetch"),
            handle(QStringLiteral("/google/big/1")) };
        QCOMPARE(plain(args).code, 0);
        const QString path = root + u'/' + Handle::cacheKeyOf(handle(QStringLiteral("/google/big/1")));
        const Output log = plain(args);
        QVERIFY2(log.text.contains(QStringLiteral("already cached → ") + path), qPrintable(log.text));
        const Output tty = onTerminal(300, args);
        QVERIFY2(tty.text.contains(QStringLiteral("already cached → ") + path), qPrintable(tty.text));
        QVERIFY2(!tty.text.contains(QStringLiteral("0 bytes")), qPrintable(tty.text));
    }

    void dumbTerminalGetsNoEscapes()
    {
        const Output o = onTerminal(80,
            { QStringLiteral("--cache-dir"), cacheDir(QStringLiteral("dumb")), QStringLiteral("prefetch"),
                handle(QStringLiteral("/google/big/1")) },
            { { QStringLiteral("TERM"), QStringLiteral("dumb") } });
        QVERIFY2(o.code == 0, qPrintable(o.text));
        QVERIFY2(!o.text.contains(u'\x1b'), qPrintable(o.text));
        QVERIFY2(o.text.contains(QStringLiteral("downloading")), qPrintable(o.text));
    }

    void logGetsTenthsAndRetries()
    {
        // One 503 first (a retry with its reason), then a throttled body (lines at every 10 %).
        const QString path = QStringLiteral("/google/logged/1");
        m_hub.addArchive(path, m_bigArchive);
        TestHub::Fault f;
        f.failFirst = 1;
        f.failStatus = 503;
        f.bytesPerSecond = 600 * 1024;
        m_hub.setFault(path, f);
        const Output o = plain({ QStringLiteral("--cache-dir"), cacheDir(QStringLiteral("log")),
            QStringLiteral("prefetch"), handle(path) });
        QVERIFY2(o.code == 0, qPrintable(o.text));
        QVERIFY2(o.text.contains(QStringLiteral("retrying in")) && o.text.contains(QStringLiteral("503")),
            qPrintable(o.text));
        static const QRegularExpression percent(QStringLiteral("\\((\\d+) %\\)"));
        QList<int> seen;
        for (auto it = percent.globalMatch(o.text); it.hasNext();)
            seen << it.next().captured(1).toInt();
        QVERIFY2(seen.size() >= 4, qPrintable(o.text));
        QVERIFY2(std::is_sorted(seen.cbegin(), seen.cend()), qPrintable(o.text));
        QVERIFY2(!o.text.contains(u'\x1b'), qPrintable(o.text));
    }

    void unresolvableHostIsRetriedBriefly()
    {
        // In a network namespace of its own the name cannot reach any resolver: no traffic leaves.
        QProcess probe;
        probe.start(QStringLiteral("unshare"), { QStringLiteral("-rn"), QStringLiteral("true") });
        TFHUB_REQUIRE(probe.waitForFinished(10000) && probe.exitCode() == 0,
            QStringLiteral("unshare -rn is not available here (no user namespaces)"));
        QProcess p;
        p.setProcessEnvironment(environment());
        p.start(QStringLiteral("unshare"),
            { QStringLiteral("-rn"), qEnvironmentVariable("TFHUB_CLI"), QStringLiteral("--cache-dir"),
                cacheDir(QStringLiteral("dns")), QStringLiteral("prefetch"),
                QStringLiteral("https://nonexistent.invalid/google/x/1") });
        QVERIFY(p.waitForFinished(60000));
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QCOMPARE(p.exitCode(), 1);
        QVERIFY2(err.contains(QStringLiteral("cannot resolve nonexistent.invalid")), qPrintable(err));
        // A lookup may fail for a moment, so two short retries (1 s, 2 s), not the whole backoff ladder.
        QVERIFY2(err.contains(QStringLiteral("tried 3 times")), qPrintable(err));
        QVERIFY2(!err.contains(QStringLiteral("attempts")), qPrintable(err));
    }
};

QTEST_GUILESS_MAIN(TestCliProgress)
#include "tst_cliprogress.moc"
