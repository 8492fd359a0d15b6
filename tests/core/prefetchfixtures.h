#pragma once

// Fixtures shared by the prefetch suites (tst_prefetch, tst_prefetchfaults, tst_downloadcache): a local hub
// serving a SavedModel-shaped archive big enough to be cut mid-way, and one prefetch run to its result.

#include "core/prefetch/downloadqueue.h"
#include "tests/support/testdata.h"
#include "tests/support/testhub.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QMap>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

namespace tfhub::test::prefetchfixtures {

// Builds a .tar.gz of `files` with the system tar, names relative ("./a/b").
inline QByteArray makeTarGz(
    const QMap<QString, QByteArray> &files, const QString &flags = QStringLiteral("-czf"))
{
    QTemporaryDir dir;
    for (auto it = files.cbegin(); it != files.cend(); ++it)
        test::writeFile(dir.filePath(QStringLiteral("src/") + it.key()), it.value());
    QProcess tar;
    tar.start(QStringLiteral("tar"),
        { flags, dir.filePath(QStringLiteral("a.tar")), QStringLiteral("-C"),
            dir.filePath(QStringLiteral("src")), QStringLiteral(".") });
    tar.waitForFinished(30000);
    QFile f(dir.filePath(QStringLiteral("a.tar")));
    f.open(QIODevice::ReadOnly);
    return f.readAll();
}

inline QByteArray randomBytes(qsizetype n, quint32 seed)
{
    QByteArray b(n, Qt::Uninitialized);
    QRandomGenerator gen(seed);
    gen.fillRange(reinterpret_cast<quint32 *>(b.data()), n / 4);
    return b;
}

// Every file below `dir`: relative path -> content.
inline QMap<QString, QByteArray> treeOf(const QString &dir)
{
    QMap<QString, QByteArray> out;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile f(path);
        f.open(QIODevice::ReadOnly);
        out.insert(QDir(dir).relativeFilePath(path), f.readAll());
    }
    return out;
}

inline QStringList namesIn(const QString &dir)
{
    return QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDir::Name);
}

// The suites derive from this beside QObject; it holds the hub and the short timeouts every test uses.
class PrefetchFixture
{
protected:
    TestHub m_hub;
    QMap<QString, QByteArray> m_bigFiles;
    QByteArray m_bigArchive;

    // For initTestCase: starts the hub and serves the big archive as /google/big/1.
    bool startHub()
    {
        if (!m_hub.start())
            return false;
        // A SavedModel-shaped archive big enough to be cut mid-way: incompressible weights.
        m_bigFiles.insert(QStringLiteral("saved_model.pb"), randomBytes(20000, 1));
        m_bigFiles.insert(QStringLiteral("variables/variables.index"), QByteArray(300, 'i'));
        m_bigFiles.insert(QStringLiteral("variables/variables.data-00000-of-00002"), randomBytes(400000, 2));
        m_bigFiles.insert(QStringLiteral("variables/variables.data-00001-of-00002"), randomBytes(300000, 3));
        m_bigFiles.insert(QStringLiteral("assets/vocab with space é.txt"), "one\ntwo\n");
        m_bigArchive = makeTarGz(m_bigFiles);
        if (m_bigArchive.size() <= 700000)
            return false;
        m_hub.addArchive(QStringLiteral("/google/big/1"), m_bigArchive);
        return true;
    }

    PrefetchOptions options(const QString &root) const
    {
        PrefetchOptions o;
        o.cacheRoot = root;
        o.lockPollMs = 100;
        o.graceSecs = 1;
        o.noProgressSecs = 2;
        o.stallSecs = 1;
        o.retries = 3;
        o.backoffMs = 50;
        return o;
    }

    QString handle(const QString &path) const { return m_hub.url(path).toString(); }

    PrefetchResult run(const QString &root, const QString &h, PrefetchOptions o = {})
    {
        if (o.cacheRoot.isEmpty())
            o = options(root);
        DownloadQueue queue(o);
        QSignalSpy done(&queue, &DownloadQueue::jobFinished);
        const Result<int> id = queue.enqueue(h);
        if (!id)
            return PrefetchResult { PrefetchPhase::Failed, id.error(), {}, false, {}, {} };
        if (!done.wait(60000))
            return PrefetchResult { PrefetchPhase::Failed, QStringLiteral("test: no result in time"), {},
                false, {}, {} };
        return done.first().at(1).value<PrefetchResult>();
    }

    // Nothing of ours may remain after a failure: no folder, no tmp folder, no lock, no descriptor.
    static void expectNothingPublished(const QString &root)
    {
        QVERIFY2(namesIn(root).isEmpty(), qPrintable(namesIn(root).join(QLatin1Char(' '))));
    }
};

} // namespace tfhub::test::prefetchfixtures
