// The descriptor's Download Time, read by hand: the same local time QDateTime::fromString gave for
// every well-formed value (daylight-saving changes included), nothing for anything malformed.

#include "core/hub/descriptor.h"

#include <QRegularExpression>
#include <QTest>

#include <cstdlib>
#include <ctime>

using namespace tfhub;

namespace {

// The reading the scanner used before: a pattern, then QDateTime::fromString.
QDateTime parsedByQt(const QString &text)
{
    static const QRegularExpression re(
        QStringLiteral("^(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2})(?:\\.(\\d{1,6}))?$"));
    const QRegularExpressionMatch m = re.match(text);
    if (!m.hasMatch())
        return QDateTime();
    QDateTime t = QDateTime::fromString(m.captured(1), QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    if (!m.captured(2).isEmpty())
        t = t.addMSecs(m.captured(2).leftJustified(6, QLatin1Char('0')).left(3).toInt());
    return t;
}

} // namespace

class TestDescriptorTime : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        // A zone with daylight-saving changes: 2024-03-31 02:00 does not exist, 02:30 on
        // 2024-10-27 happens twice.
        qputenv("TZ", "Europe/Berlin");
        ::tzset();
    }

    void wellFormed_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QDateTime>("expected");
        const QDate d(2024, 1, 29);
        QTest::newRow("whole seconds") << "2024-01-29 17:51:07" << QDateTime(d, QTime(17, 51, 7));
        QTest::newRow("microseconds") << "2024-01-29 17:51:07.123456" << QDateTime(d, QTime(17, 51, 7, 123));
        QTest::newRow("cut, not rounded")
            << "2024-01-29 17:51:07.999999" << QDateTime(d, QTime(17, 51, 7, 999));
        QTest::newRow("one digit") << "2024-01-29 17:51:07.5" << QDateTime(d, QTime(17, 51, 7, 500));
        QTest::newRow("two digits") << "2024-01-29 17:51:07.05" << QDateTime(d, QTime(17, 51, 7, 50));
        QTest::newRow("under a millisecond")
            << "2024-01-29 17:51:07.000999" << QDateTime(d, QTime(17, 51, 7));
        QTest::newRow("leap day") << "2024-02-29 00:00:00" << QDateTime(QDate(2024, 2, 29), QTime(0, 0));
        QTest::newRow("last second") << "1999-12-31 23:59:59.999000"
                                     << QDateTime(QDate(1999, 12, 31), QTime(23, 59, 59, 999));
    }

    void wellFormed()
    {
        QFETCH(QString, text);
        QFETCH(QDateTime, expected);
        const QDateTime t = Descriptor::parseDownloadTime(text);
        QVERIFY(t.isValid());
        QCOMPARE(t, expected);
        QCOMPARE(t.time().msec(), expected.time().msec());
        QCOMPARE(t.timeSpec(), Qt::LocalTime);
        QCOMPARE(t, parsedByQt(text));
    }

    void malformed_data()
    {
        QTest::addColumn<QString>("text");
        for (const char *bad :
            { "", "2024-01-29", "2024-01-29 17:51", "2024-01-29T17:51:07", "2024-01-29 17:51:07.",
                "2024-01-29 17:51:07.1234567", "2024-01-29 17:51:07,123", "2024/01/29 17:51:07",
                " 2024-01-29 17:51:07", "2024-01-29 17:51:07 ", "2024-1-29 17:51:07", "24-01-29 17:51:07",
                "2024-13-01 00:00:00", "2024-00-10 00:00:00", "2024-02-30 00:00:00", "2023-02-29 00:00:00",
                "2024-01-00 00:00:00", "0000-01-01 00:00:00", "2024-01-29 24:00:00", "2024-01-29 23:60:00",
                "2024-01-29 23:59:60", "2024-01-29 17:51:07.12a", "2024-01-29 17:51:0x",
                "+024-01-29 17:51:07", "-024-01-29 17:51:07", "2024-01-29 17:51:07.-12" })
            QTest::newRow(bad) << QString::fromLatin1(bad);
        // Digits of other scripts are digits to Unicode, not to the date.
        QTest::newRow("Arabic-Indic digit") << QStringLiteral("2024-01-29 17:51:0\u0667");
        QTest::newRow("full-width digit") << QStringLiteral("\uff12024-01-29 17:51:07");
    }

    void malformed()
    {
        QFETCH(QString, text);
        QVERIFY(!Descriptor::parseDownloadTime(text).isValid());
        QVERIFY(!parsedByQt(text).isValid());
    }

    // Around both of the zone's changes, every minute and a fraction: the same instant as before.
    void daylightSavingChanges()
    {
        for (const QDate day : { QDate(2024, 3, 31), QDate(2024, 10, 27) }) {
            for (int minute = 60; minute < 4 * 60; minute += 7) {
                const QString base = day.toString(Qt::ISODate) + QLatin1Char(' ')
                    + QTime(minute / 60, minute % 60, minute % 60).toString(QStringLiteral("HH:mm:ss"));
                for (const QString &text : QStringList { base, base + QStringLiteral(".250000") }) {
                    const QDateTime ours = Descriptor::parseDownloadTime(text);
                    const QDateTime qt = parsedByQt(text);
                    QCOMPARE(ours.isValid(), qt.isValid());
                    if (qt.isValid())
                        QCOMPARE(ours.toMSecsSinceEpoch(), qt.toMSecsSinceEpoch());
                }
            }
        }
    }

    void descriptorUsesIt()
    {
        const Descriptor d = Descriptor::parse("Module: x\r\nDownload Time: 2024-01-29 17:51:07.123456\r\n"
                                               "Downloader Hostname: h (PID:7)");
        QCOMPARE(d.rawDownloadTime, QStringLiteral("2024-01-29 17:51:07.123456"));
        QCOMPARE(d.downloadTime, QDateTime(QDate(2024, 1, 29), QTime(17, 51, 7, 123)));
        const Descriptor bad = Descriptor::parse("Module: x\nDownload Time: 2024-02-30 17:51:07");
        QCOMPARE(bad.rawDownloadTime, QStringLiteral("2024-02-30 17:51:07"));
        QVERIFY(!bad.downloadTime.isValid());
    }

    // The host line is split by hand as the pattern "^(.*) \\(PID:(\\d+)\\)$" splits it.
    void hostLine_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("host");
        QTest::addColumn<qint64>("pid");
        QTest::newRow("plain") << "my.host (PID:321)"
                               << "my.host" << qint64(321);
        QTest::newRow("spaces and parentheses in the host") << "a (b) (PID:x) c (PID:9)"
                                                            << "a (b) (PID:x) c" << qint64(9);
        QTest::newRow("last marker not digits") << "h (PID:1) (PID:x)"
                                                << "h (PID:1) (PID:x)" << qint64(0);
        QTest::newRow("no digits") << "h (PID:)"
                                   << "h (PID:)" << qint64(0);
        QTest::newRow("text after") << "h (PID:12) x"
                                    << "h (PID:12) x" << qint64(0);
        QTest::newRow("no marker") << "just-a-host"
                                   << "just-a-host" << qint64(0);
        QTest::newRow("empty host") << " (PID:5)"
                                    << "" << qint64(5);
        QTest::newRow("non-ASCII host") << "h\u00f6st (PID:77)"
                                        << "h\u00f6st" << qint64(77);
    }

    void hostLine()
    {
        QFETCH(QString, value);
        QFETCH(QString, host);
        QFETCH(qint64, pid);
        const Descriptor d = Descriptor::parse("Module: x\nDownloader Hostname: " + value.toUtf8() + "\n");
        QCOMPARE(d.host, host);
        QCOMPARE(d.pid, pid);
    }
};

QTEST_GUILESS_MAIN(TestDescriptorTime)
#include "tst_descriptortime.moc"
