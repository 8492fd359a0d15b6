#pragma once

// Fixtures shared by the catalog suites (tst_catalogimport, tst_catalogsearch): the shared
// tfhub.dev documents, read once by the test itself and once through the importer.

#include "core/catalog/catalog.h"
#include "core/catalog/catalogimporter.h"
#include "tests/support/testdata.h"

#include <QDirIterator>
#include <QFile>
#include <QObject>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

namespace tfhub::test::catalogdocs {

// What the test reads from a document by itself, independently of the importer.
struct RawDoc final
{
    QString file;
    QString heading; ///< the first line, as written
    QStringList metadata; ///< "<!-- key: value -->" lines, as written
};

inline QList<RawDoc> readDocs(const QString &dir)
{
    QList<RawDoc> docs;
    QDirIterator it(dir, { QStringLiteral("*.md") }, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile f(it.next());
        if (!f.open(QIODevice::ReadOnly))
            continue;
        RawDoc d;
        d.file = f.fileName();
        const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'));
        d.heading = lines.value(0);
        for (const QString &l : lines) {
            if (l.startsWith(QLatin1String("<!-- ")) && l.contains(QLatin1Char(':')))
                d.metadata << l;
        }
        docs << d;
    }
    return docs;
}

inline QString metaValue(const RawDoc &d, const QString &key)
{
    for (const QString &l : d.metadata) {
        if (l.startsWith(QStringLiteral("<!-- ") + key + QLatin1Char(':')))
            return l.section(QLatin1Char(':'), 1).remove(QStringLiteral("-->")).trimmed();
    }
    return QString();
}

// The message of a failed result; QVERIFY2 evaluates its message even when the check passes.
template<class T> QString errorOf(const Result<T> &r)
{
    return r ? QString() : r.error();
}

inline void write(const QString &path, const QByteArray &data)
{
    QVERIFY2(test::writeFile(path, data), qPrintable(path));
}

// The base of both suites: an isolated home, and the shared documents imported into a catalog.
class DocsSuite : public QObject
{
protected:
    // Called from the suite's initTestCase(); `application` names the suite's settings.
    void importDocs(const QString &application)
    {
        QVERIFY(m_home.isValid());
        isolateHome(m_home.path());
        qunsetenv("TFHUB_CACHE_DIR");
        QCoreApplication::setOrganizationName(QStringLiteral("tfhub-cache-manager-tests"));
        QCoreApplication::setApplicationName(application);
        QVERIFY(QSettings().fileName().startsWith(m_home.path()));

        m_docs = sharedDataDir() + QStringLiteral("/tfhub-dev-docs");
        m_raw = readDocs(m_docs);
        QVERIFY(m_raw.size() > 1000);
        Result<ImportReport> r = catalog::importFolder(m_docs, QString());
        QVERIFY2(r.ok(), qPrintable(errorOf(r)));
        m_report = std::move(r).value();
        m_catalog = Catalog(m_report.entries);
    }

    QTemporaryDir m_home;
    QString m_docs;
    QList<RawDoc> m_raw;
    ImportReport m_report;
    Catalog m_catalog;
};

} // namespace tfhub::test::catalogdocs
