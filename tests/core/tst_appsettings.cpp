#include "core/settings/appsettings.h"

#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

using namespace tfhub;

class TestAppSettings final : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_tmp;

    std::unique_ptr<QSettings> file(const QByteArray &ini)
    {
        static int n = 0;
        const QString path = m_tmp.filePath(QStringLiteral("s%1.ini").arg(++n));
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly) || f.write(ini) != ini.size())
            return nullptr;
        f.close();
        return std::make_unique<QSettings>(path, QSettings::IniFormat);
    }

private Q_SLOTS:
    void concurrencyLimitsAreOneToSixteenDefaultThree()
    {
        QCOMPARE(settings::DownloadConcurrency.defaultValue, 3);
        QCOMPARE(settings::DownloadConcurrency.min, 1);
        QCOMPARE(settings::DownloadConcurrency.max, 16);
        QCOMPARE(settings::DownloadConcurrency.name(), QStringLiteral("downloads/concurrency"));
    }

    void defaultsLieWithinLimits()
    {
        for (const settings::IntSetting &s :
            { settings::DownloadConcurrency, settings::StallTimeoutSecs, settings::Retries }) {
            QVERIFY2(s.min <= s.defaultValue && s.defaultValue <= s.max, s.key);
            QCOMPARE(s.clamp(s.defaultValue), s.defaultValue);
        }
    }

    void readClamps_data()
    {
        QTest::addColumn<QByteArray>("stored");
        QTest::addColumn<int>("concurrency");
        QTest::newRow("absent") << QByteArray() << 3;
        QTest::newRow("in range") << QByteArray("concurrency=7") << 7;
        QTest::newRow("lowest") << QByteArray("concurrency=1") << 1;
        QTest::newRow("highest") << QByteArray("concurrency=16") << 16;
        QTest::newRow("zero") << QByteArray("concurrency=0") << 1;
        QTest::newRow("negative") << QByteArray("concurrency=-4") << 1;
        QTest::newRow("too many") << QByteArray("concurrency=500") << 16;
        QTest::newRow("not a number") << QByteArray("concurrency=lots") << 3;
        QTest::newRow("empty") << QByteArray("concurrency=") << 3;
    }
    void readClamps()
    {
        QFETCH(QByteArray, stored);
        QFETCH(int, concurrency);
        const auto s = file("[downloads]\n" + stored + '\n');
        QVERIFY(s);
        QCOMPARE(settings::DownloadConcurrency.read(*s), concurrency);
    }

    void otherLimits()
    {
        const auto s = file("[downloads]\nstallTimeoutSecs=1\nretries=99\n");
        QVERIFY(s);
        QCOMPARE(settings::StallTimeoutSecs.read(*s), settings::StallTimeoutSecs.min);
        QCOMPARE(settings::Retries.read(*s), settings::Retries.max);
    }

    void writeClamps()
    {
        const auto s = file(QByteArray());
        QVERIFY(s);
        settings::DownloadConcurrency.write(*s, 40);
        QCOMPARE(s->value(settings::DownloadConcurrency.name()).toInt(), 16);
        settings::Retries.write(*s, -1);
        QCOMPARE(settings::Retries.read(*s), 0);
    }

    void booleans_data()
    {
        QTest::addColumn<QByteArray>("stored");
        QTest::addColumn<bool>("value");
        QTest::newRow("absent") << QByteArray() << true;
        QTest::newRow("false") << QByteArray("latestOnly=false") << false;
        QTest::newRow("zero") << QByteArray("latestOnly=0") << false;
        QTest::newRow("true") << QByteArray("latestOnly=true") << true;
        QTest::newRow("garbage") << QByteArray("latestOnly=maybe") << true;
    }
    void booleans()
    {
        QFETCH(QByteArray, stored);
        QFETCH(bool, value);
        const auto s = file("[browse]\n" + stored + '\n');
        QVERIFY(s);
        QCOMPARE(settings::BrowseLatestOnly.read(*s), value);
        settings::BrowseLatestOnly.write(*s, !value);
        QCOMPARE(settings::BrowseLatestOnly.read(*s), !value);
    }

    void sharedFileNames()
    {
        QCOMPARE(settings::organizationName(), QStringLiteral("tfhub-cache-manager"));
        QCOMPARE(settings::applicationName(), QStringLiteral("tfhub-cache-manager"));
    }
};

QTEST_GUILESS_MAIN(TestAppSettings)
#include "tst_appsettings.moc"
