#include "tests/cli/clifixtures.h"

#include <QFile>
#include <QJsonArray>
#include <QRegularExpression>

using namespace tfhub;
using namespace tfhub::test::cli;

namespace {

// One object of the README's schema list: its keys, and which of them hold named objects.
struct Documented
{
    QStringList keys;
    QMap<QString, std::pair<QChar, QString>> nested; ///< key -> ('[', '{' or '<', NAME)
};

// Reads the "JSON output" section of the README: "- `VERB --json`: ..." and "- NAME: ...".
QMap<QString, Documented> readSchemaList(const QString &readme)
{
    QFile f(readme);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QString text = QString::fromUtf8(f.readAll());
    text = text.mid(text.indexOf(QStringLiteral("### JSON output")));
    text = text.left(text.indexOf(QStringLiteral("\n## ")));
    QStringList items;
    for (const QString &line : text.split(u'\n')) {
        if (line.startsWith(QStringLiteral("- ")))
            items << line.mid(2);
        else if (line.startsWith(QStringLiteral("  ")) && !items.isEmpty())
            items.last() += u' ' + line.trimmed();
    }
    static const QRegularExpression head(QStringLiteral("^(?:`([a-z ]+) --json`|([A-Z]+)):(.*)$"));
    static const QRegularExpression key(QStringLiteral("`([A-Za-z]+)`(?:\\s+([\\[{<])([A-Z]+)[\\]}>])?"));
    QMap<QString, Documented> schema;
    for (const QString &item : std::as_const(items)) {
        const QRegularExpressionMatch m = head.match(item);
        if (!m.hasMatch())
            continue;
        Documented d;
        for (auto it = key.globalMatch(m.captured(3)); it.hasNext();) {
            const QRegularExpressionMatch k = it.next();
            if (!d.keys.contains(k.captured(1)))
                d.keys << k.captured(1);
            if (!k.captured(2).isEmpty())
                d.nested.insert(k.captured(1), { k.captured(2).at(0), k.captured(3) });
        }
        d.keys.sort();
        schema.insert(m.captured(1).isEmpty() ? m.captured(2) : m.captured(1), d);
    }
    return schema;
}

QStringList sortedKeys(const QJsonObject &o)
{
    QStringList keys = o.keys();
    keys.sort();
    return keys;
}

} // namespace

// Every verb's JSON against the README's schema list, key for key, nested objects too.
class TestCliJson final : public QObject, public CliFixture
{
    Q_OBJECT

    QMap<QString, Documented> m_schema;

    // Compares `o` with the documented NAME; returns the first difference, or an empty string.
    QString compare(const QJsonObject &o, const QString &name)
    {
        if (!m_schema.contains(name))
            return QStringLiteral("%1 is not documented").arg(name);
        const Documented &d = m_schema.value(name);
        if (sortedKeys(o) != d.keys)
            return QStringLiteral("%1: output has %2, README has %3")
                .arg(name, sortedKeys(o).join(u','), d.keys.join(u','));
        for (auto it = d.nested.cbegin(); it != d.nested.cend(); ++it) {
            const QJsonValue v = o.value(it.key());
            QList<QJsonObject> objects;
            if (it->first == u'[') {
                for (const auto &e : v.toArray())
                    objects << e.toObject();
            } else if (it->first == u'<') {
                for (const auto &e : v.toObject())
                    objects << e.toObject();
            } else if (!v.isNull()) {
                objects << v.toObject();
            }
            for (const QJsonObject &child : std::as_const(objects)) {
                if (const QString diff = compare(child, it->second); !diff.isEmpty())
                    return name + u'.' + it.key() + u' ' + diff;
            }
        }
        return QString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        setUpCache();
        m_schema = readSchemaList(QStringLiteral(TFHUB_README));
        QVERIFY2(m_schema.size() > 10, "the README's JSON section was not found");
    }

    void everyJsonVerbIsDocumented()
    {
        // The verbs' synopses with --json, named as the README names them ("config show").
        const Run usage = run({ QStringLiteral("--help") });
        QStringList synopses; // a synopsis may wrap onto lines indented further
        for (const QString &line : usage.out.split(u'\n')) {
            if (line.startsWith(QStringLiteral("      ")) && !synopses.isEmpty())
                synopses.last() += u' ' + line.trimmed();
            else if (line.startsWith(QStringLiteral("  ")) && line.at(2).isLower())
                synopses << line.trimmed();
        }
        QStringList verbs;
        for (const QString &synopsis : std::as_const(synopses)) {
            if (!synopsis.contains(QStringLiteral("--json")))
                continue;
            QStringList name;
            for (const QString &word : synopsis.split(u' ')) {
                if (word.front().isUpper() || word.startsWith(u'[') || word.startsWith(u'-'))
                    break;
                name << word;
            }
            if (!verbs.contains(name.join(u' ')))
                verbs << name.join(u' ');
        }
        QVERIFY2(verbs.contains(QStringLiteral("search")) && verbs.contains(QStringLiteral("config show"))
                && verbs.contains(QStringLiteral("catalog import")),
            qPrintable(verbs.join(u',')));
        for (const QString &v : std::as_const(verbs))
            QVERIFY2(m_schema.contains(v), qPrintable(v + QStringLiteral(" --json is not in the README")));
    }

    void outputMatchesTheReadme_data()
    {
        QTest::addColumn<QString>("documented");
        QTest::addColumn<QStringList>("args");
        const auto l = [](std::initializer_list<const char *> words) {
            QStringList list;
            for (const char *w : words)
                list << QString::fromUtf8(w);
            return list << QStringLiteral("--json");
        };
        QTest::newRow("list") << "list" << l({ "list" });
        QTest::newRow("info") << "info" << l({ "info", "https://tfhub.dev/google/tf2/1" });
        QTest::newRow("du") << "du" << l({ "du" });
        QTest::newRow("resolve") << "resolve" << l({ "resolve", "https://tfhub.dev/google/tf2/1" });
        QTest::newRow("config") << "config" << l({ "config" });
        QTest::newRow("config show") << "config show" << l({ "config", "show" });
        QTest::newRow("prefetch") << "prefetch" << l({ "prefetch", "https://tfhub.dev/google/tf1/1" });
        QTest::newRow("verify") << "verify" << l({ "verify", "--all" });
        QTest::newRow("search") << "search" << l({ "search", "bert", "--limit", "3" });
        QTest::newRow("clean") << "clean" << l({ "clean", "--stale", "--dry-run" });
        QTest::newRow("pin") << "pin" << l({ "pin", "--list" });
    }
    void outputMatchesTheReadme()
    {
        QFETCH(QString, documented);
        QFETCH(QStringList, args);
        const Run r = run(QStringList { QStringLiteral("--cache-dir"), m_cache } + args);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject o = r.json();
        QVERIFY2(!o.isEmpty(), qPrintable(r.out));
        const QString diff = compare(o, documented);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        QCOMPARE(o.value(QStringLiteral("cacheDir")).toString(), m_cache);
    }

    void catalogImportMatchesTheReadme()
    {
        const QString list = m_tmp.filePath(QStringLiteral("handles.txt"));
        QVERIFY(test::writeFile(list, "https://tfhub.dev/google/listed/1\n"));
        const Run r
            = run({ QStringLiteral("catalog"), QStringLiteral("import"), list, QStringLiteral("--json") });
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QString diff = compare(r.json(), QStringLiteral("catalog import"));
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        run({ QStringLiteral("catalog"), QStringLiteral("remove"), list });
    }

    void absentValuesAreNullAndFlagsBooleans()
    {
        // An already-cached model downloaded nothing: no sizes, no remote location.
        const Run p = run({ QStringLiteral("--cache-dir"), m_cache, QStringLiteral("prefetch"),
            QStringLiteral("https://tfhub.dev/google/tf1/1"), QStringLiteral("--json") });
        const QJsonObject result = p.json().value(QStringLiteral("results")).toArray().first().toObject();
        QCOMPARE(result.value(QStringLiteral("alreadyCached")), QJsonValue(true));
        for (const char *k : { "archiveBytes", "files", "remoteLocation" })
            QVERIFY2(result.value(QLatin1String(k)).isNull(), k);
        const Run s = run({ QStringLiteral("search"), QStringLiteral("--limit"), QStringLiteral("0"),
            QStringLiteral("--json") });
        int booleans = 0;
        for (const auto &v : s.json().value(QStringLiteral("results")).toArray()) {
            const QJsonValue ft = v.toObject().value(QStringLiteral("fineTunable"));
            QVERIFY2(ft.isBool() || ft.isNull(), qPrintable(ft.toString()));
            booleans += ft.isBool();
        }
        QVERIFY(booleans > 0);
    }
};

QTEST_GUILESS_MAIN(TestCliJson)
#include "tst_clijson.moc"
