#pragma once

// Fixtures shared by the shell environment suites (tst_envblocks, tst_envpersistence): a fresh
// home per test, with a space in its path, that every shell and child process sees instead of
// the real one.

#include "core/shellenv/envpersistence.h"

#include <QDir>
#include <QFile>
#include <QObject>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace tfhub::test::envhome {

inline QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<unreadable>");
}

inline shellenv::Changes setCacheDir(const QString &dir)
{
    shellenv::Changes c;
    c.insert(shellenv::Variable::CacheDir, dir);
    return c;
}

// The base of both suites; each calls setUpProcess() from initTestCase() and makeFreshHome()
// from init().
class FreshHomeSuite : public QObject
{
protected:
    void setUpProcess()
    {
        QVERIFY(m_root.isValid());
        qunsetenv("TFHUB_CACHE_DIR");
        qunsetenv("TFHUB_MODEL_LOAD_FORMAT");
        // Shells must not find real startup files or a real history.
        qunsetenv("BASH_ENV");
        qunsetenv("ENV");
    }

    void makeFreshHome()
    {
        // A fresh home per test, a path with a space: every shell and every child sees only it.
        m_home = std::make_unique<QTemporaryDir>(m_root.filePath(QStringLiteral("home XXXXXX")));
        QVERIFY(m_home->isValid());
        const QString h = home();
        qputenv("HOME", QFile::encodeName(h));
        qputenv("ZDOTDIR", QFile::encodeName(h + QStringLiteral("/zdot")));
        qputenv("XDG_CONFIG_HOME", QFile::encodeName(h + QStringLiteral("/config")));
        qputenv("XDG_DATA_HOME", QFile::encodeName(h + QStringLiteral("/data")));
        qputenv("XDG_CACHE_HOME", QFile::encodeName(h + QStringLiteral("/cache")));
        QVERIFY(QDir().mkpath(h + QStringLiteral("/zdot")));
        QVERIFY(QDir().mkpath(h + QStringLiteral("/data")));
        const shellenv::Locations l = shellenv::Locations::fromEnvironment();
        QCOMPARE(l.home, h);
        QCOMPARE(l.fileFor(shellenv::Target::Zsh), h + QStringLiteral("/zdot/.zshrc"));
        QCOMPARE(l.fileFor(shellenv::Target::Fish),
            h + QStringLiteral("/config/fish/conf.d/tfhub-cache-manager.fish"));
        QCOMPARE(l.fileFor(shellenv::Target::Session),
            h + QStringLiteral("/config/environment.d/tfhub-cache-manager.conf"));
    }

    QString home() const { return m_home->path(); }
    QList<shellenv::Target> everyTarget() const { return shellenv::allTargets(); }

    QTemporaryDir m_root;
    std::unique_ptr<QTemporaryDir> m_home;
};

} // namespace tfhub::test::envhome
