// The CLI's streaming JSON writer against QJsonDocument, byte for byte: list, du and info --json
// are written with it and must read exactly as when QJsonDocument wrote them.

#include "app/cli/clioutput.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include <ctime>
#include <limits>

using namespace tfhub;
using namespace tfhub::cli;

namespace {

QByteArray byQt(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

// Text that every escaping rule meets: the C0 controls, quote, backslash, slash, DEL, Latin-1,
// the BMP, a surrogate pair, and surrogates without their pair.
QList<QString> awkwardTexts()
{
    QString controls;
    for (char16_t c = 0; c < 0x20; ++c)
        controls += QChar(c);
    return {
        QString(),
        QStringLiteral("plain"),
        controls,
        QStringLiteral("quote \" backslash \\ slash / del \x7f"),
        QStringLiteral("caf\u00e9 \u00ff \u0100 \u20ac \u2028 \u2029 \ufeff \ufffe \uffff"),
        QString::fromUtf16(u"astral \U0001F600 end"),
        QString::fromUtf16(u"lone high \xd83d"),
        QString::fromUtf16(u"lone high \xd83d then x"),
        QString::fromUtf16(u"\xde00 lone low first"),
        QString::fromUtf16(u"two highs \xd83d\xd83d\xde00"),
        QString::fromUtf16(u"high low reversed \xde00\xd83d"),
        QStringLiteral("tab\there\r\nnew line"),
    };
}

CacheEntry sampleEntry()
{
    CacheEntry e;
    e.key = QStringLiteral("0123456789abcdef0123456789abcdef01234567");
    e.handle = QStringLiteral("https://tfhub.dev/google/caf\u00e9/1");
    e.handleSource = QStringLiteral("descriptor");
    e.state = EntryState::Complete;
    e.format = ModelFormat::Tf2SavedModel;
    e.diskBytes = std::numeric_limits<qint64>::max();
    e.bytes = 123456789012345;
    e.files = 200;
    e.reclaimableBytes = 4096;
    e.downloaded = QDateTime(QDate(2024, 1, 29), QTime(17, 51, 7, 123));
    e.lastModified = QDateTime::fromMSecsSinceEpoch(1700000000123, Qt::UTC).toLocalTime();
    e.downloaderHost = QStringLiteral("host \"a\"");
    e.downloaderPid = 4321;
    e.hasFolder = true;
    e.hasDescriptor = true;
    e.artifacts.append({ Artifact::Kind::Folder, e.key, 8192, 100, 3, QDateTime() });
    e.artifacts.append(
        { Artifact::Kind::Descriptor, e.key + QStringLiteral(".descriptor.txt"), 4096, 90, 1, QDateTime() });
    return e;
}

} // namespace

class TestCliJsonWriter final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stringsEscapeAsQtDoes()
    {
        for (const QString &text : awkwardTexts()) {
            JsonWriter w;
            w.beginObject();
            w.key(QLatin1String("value")).string(text);
            w.key(text.isEmpty() ? QStringLiteral("empty key") : text).string(QStringLiteral("as a key"));
            w.endObject();
            QJsonObject o;
            o.insert(QStringLiteral("value"), text);
            o.insert(text.isEmpty() ? QStringLiteral("empty key") : text, QStringLiteral("as a key"));
            QCOMPARE(w.bytes(), byQt(o));
        }
    }

    void structureAsQtWritesIt()
    {
        JsonWriter w;
        w.beginObject();
        w.key(QLatin1String("zeta")).number(std::numeric_limits<qint64>::min());
        w.key(QLatin1String("alpha")).beginArray();
        w.number(0);
        w.number(-1);
        w.boolean(true);
        w.boolean(false);
        w.null();
        w.beginArray();
        w.endArray();
        w.beginObject();
        w.endObject();
        w.beginObject();
        w.key(QLatin1String("b")).number(2);
        w.key(QLatin1String("a")).stringOrNull(QString());
        w.key(QLatin1String("B")).stringOrNull(QStringLiteral("x"));
        w.endObject();
        w.endArray();
        w.key(QLatin1String("empty")).beginObject();
        w.endObject();
        w.key(QLatin1String("none")).beginArray();
        w.endArray();
        w.key(QLatin1String("alphabet")).time(QDateTime());
        w.key(QLatin1String("max")).number(std::numeric_limits<qint64>::max());
        w.endObject();

        QJsonObject o;
        o.insert(QStringLiteral("zeta"), std::numeric_limits<qint64>::min());
        o.insert(QStringLiteral("alpha"),
            QJsonArray { 0, -1, true, false, QJsonValue(), QJsonArray(), QJsonObject(),
                QJsonObject { { QStringLiteral("b"), 2 }, { QStringLiteral("a"), QJsonValue() },
                    { QStringLiteral("B"), QStringLiteral("x") } } });
        o.insert(QStringLiteral("empty"), QJsonObject());
        o.insert(QStringLiteral("none"), QJsonArray());
        o.insert(QStringLiteral("alphabet"), QJsonValue());
        o.insert(QStringLiteral("max"), std::numeric_limits<qint64>::max());
        QCOMPARE(w.bytes(), byQt(o));
    }

    // Local times as Qt wrote them, in zones east and west, with half-hour offsets, at both
    // daylight-saving changes, before 1970, and where Qt's own path is kept (local mean time,
    // years past 9998).
    void isoTimeAsQtWritesIt()
    {
        const QByteArray savedTz = qgetenv("TZ");
        const auto byQtPath = [](const QDateTime &t) {
            return t.isValid() ? t.toOffsetFromUtc(t.offsetFromUtc()).toString(Qt::ISODateWithMs) : QString();
        };
        QList<qint64> instants { 0, -1, -1001, 999, 1700000000123, 1690000000000, -2208988800000,
            -5000000000000, 253402300799999, 253402214400000 };
        // Every 20 minutes around Europe's changes of 2024 (31 March, 27 October, 01:00 UTC).
        for (const qint64 change : { qint64(1711846800000), qint64(1729990800000) }) {
            for (qint64 d = -3 * 3600000; d <= 3 * 3600000; d += 1200000 + 7)
                instants << change + d;
        }
        for (const char *zone : { "UTC", "Europe/Berlin", "Europe/London", "Asia/Kolkata", "America/St_Johns",
                 "Pacific/Kiritimati" }) {
            qputenv("TZ", zone);
            ::tzset();
            for (const qint64 ms : std::as_const(instants)) {
                const QDateTime local = QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toLocalTime();
                QCOMPARE(isoTime(local), byQtPath(local));
            }
            // As a descriptor gives them: local times, one in London's gap (not a valid time).
            for (const QTime &at : { QTime(0, 59, 59, 250), QTime(1, 59, 59, 250), QTime(2, 30) }) {
                const QDateTime described(QDate(2024, 3, 31), at);
                QCOMPARE(isoTime(described), byQtPath(described));
            }
            const QDateTime utc = QDateTime::fromMSecsSinceEpoch(1700000000123, Qt::UTC);
            QCOMPARE(isoTime(utc), byQtPath(utc));
        }
        QVERIFY(isoTime(QDateTime()).isEmpty());
        if (savedTz.isNull())
            qunsetenv("TZ");
        else
            qputenv("TZ", savedTz);
        ::tzset();
    }

    void emptyTopLevel()
    {
        JsonWriter w;
        w.beginObject();
        w.endObject();
        QCOMPARE(w.bytes(), byQt(QJsonObject()));
    }

    // list --json as a whole: the envelope around the entries, nothing to reorder.
    void listAsBefore()
    {
        HubSettings settings;
        settings.cacheDir = QStringLiteral("/cache");
        settings.cacheDirSource = ValueSource::Environment;
        CacheEntry second = sampleEntry();
        second.key = QStringLiteral("ffffffffffffffffffffffffffffffffffffffff");
        const QList<CacheEntry> entries { sampleEntry(), second };
        QJsonArray array;
        for (const CacheEntry &e : entries)
            array.append(entryToJson(e, settings.cacheDir));
        QJsonObject o = jsonEnvelope(settings);
        o.insert(QStringLiteral("entries"), array);
        QCOMPARE(listJson(settings, entries), byQt(o));
        QJsonObject none = jsonEnvelope(settings);
        none.insert(QStringLiteral("entries"), QJsonArray());
        QCOMPARE(listJson(settings, {}), byQt(none));
    }

    // A list long enough to go out in several pieces: the pieces join to QJsonDocument's bytes,
    // and none is handed over while an entry is half written.
    void longListInPieces()
    {
        HubSettings settings;
        settings.cacheDir = QStringLiteral("/cache/\u00e9");
        QList<CacheEntry> entries;
        QJsonArray array;
        for (int i = 0; i < 150; ++i) {
            CacheEntry e = sampleEntry();
            e.key = QStringLiteral("%1").arg(i, 40, 16, QLatin1Char('0'));
            e.problems = QStringList { QString(200, QLatin1Char('p')) };
            entries << e;
            array.append(entryToJson(e, settings.cacheDir));
        }
        QJsonObject o = jsonEnvelope(settings);
        o.insert(QStringLiteral("entries"), array);
        QList<QByteArray> pieces;
        writeListJson(settings, entries, [&pieces](std::string_view piece) {
            pieces << QByteArray(piece.data(), qsizetype(piece.size()));
        });
        QVERIFY2(pieces.size() > 2, qPrintable(QString::number(pieces.size())));
        for (qsizetype i = 0; i + 1 < pieces.size(); ++i)
            QVERIFY(pieces.at(i).endsWith('}')); // each ends after a whole entry
        QCOMPARE(pieces.join(), byQt(o));
    }

    // An object of KeyOrder::Sorted drains while open; one of KeyOrder::Any with members does not.
    void drainOnlyWhatCannotMove()
    {
        JsonWriter w;
        std::string drained;
        const auto sink = [&drained](std::string_view piece) { drained += piece; };
        w.beginObject();
        w.key(QLatin1String("b")).number(1);
        QVERIFY(!w.drain(sink));
        w.key(QLatin1String("a")).number(2);
        w.endObject();
        QVERIFY(w.drain(sink));
        QCOMPARE(QByteArray::fromStdString(drained),
            byQt(QJsonObject { { QStringLiteral("a"), 2 }, { QStringLiteral("b"), 1 } }));

        JsonWriter sorted;
        drained.clear();
        sorted.beginObject(JsonWriter::KeyOrder::Sorted);
        sorted.key(QLatin1String("a")).beginArray();
        sorted.number(1);
        QVERIFY(sorted.drain(sink));
        sorted.endArray();
        sorted.key(QLatin1String("b")).boolean(true);
        sorted.endObject();
        QVERIFY(sorted.drain(sink));
        QCOMPARE(QByteArray::fromStdString(drained),
            byQt(QJsonObject { { QStringLiteral("a"), QJsonArray { 1 } }, { QStringLiteral("b"), true } }));
    }

    // An entry as list and info print it: the same bytes as entryToJson through QJsonDocument.
    void entryAsBefore_data()
    {
        QTest::addColumn<CacheEntry>("entry");
        const CacheEntry full = sampleEntry();
        QTest::newRow("complete") << full;
        CacheEntry locked = full;
        locked.state = EntryState::Downloading;
        locked.lock = LockOwner { QStringLiteral("h\u00f6st"), 77,
            QStringLiteral("0123456789abcdef0123456789abcdef"), true, QString() };
        locked.problems
            = QStringList { QStringLiteral("Cannot read x: permission denied"), QStringLiteral("\x01") };
        locked.stateDetail = QStringLiteral("held by h\u00f6st pid 77");
        locked.lastAccessed = QDateTime(QDate(2023, 7, 1), QTime(0, 0), Qt::UTC);
        QTest::newRow("locked, with problems") << locked;
        CacheEntry bare;
        bare.key = QStringLiteral("foreign name \u00e9");
        bare.state = EntryState::Foreign;
        QTest::newRow("foreign, nothing set") << bare;
    }

    void entryAsBefore()
    {
        QFETCH(CacheEntry, entry);
        const QString root = QStringLiteral("/cache/r\u00f6\u00f6t");
        JsonWriter w;
        w.beginObject();
        writeEntry(w, entry, root);
        w.endObject();
        QCOMPARE(w.bytes(), byQt(entryToJson(entry, root)));

        HubSettings settings;
        settings.cacheDir = root;
        JsonWriter inEnvelope;
        inEnvelope.beginObject();
        writeEnvelope(inEnvelope, settings);
        writeEntry(inEnvelope, entry, root);
        inEnvelope.key(QLatin1String("requiredFiles")).beginArray();
        inEnvelope.endArray();
        inEnvelope.endObject();
        QJsonObject o = entryToJson(entry, root);
        o.insert(QStringLiteral("requiredFiles"), QJsonArray());
        QCOMPARE(inEnvelope.bytes(), byQt(jsonEnvelope(settings, o)));
    }
};

QTEST_GUILESS_MAIN(TestCliJsonWriter)
#include "tst_clijsonwriter.moc"
