#include "ui/cache/cachefilterbar.h"
#include "ui/cache/cachefilterproxy.h"
#include "ui/cache/cachemodel.h"

#include "core/util/humanize.h"

#include <QAbstractItemModelTester>
#include <QCryptographicHash>
#include <QMenu>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QToolButton>
#include <QtTest>

using namespace tfhub;
using namespace tfhub::ui;

namespace {

constexpr qint64 MiB = 1024 * 1024;
constexpr qint64 GiB = 1024 * MiB;

QString keyOf(const QString &handle)
{
    return QString::fromLatin1(QCryptographicHash::hash(handle.toUtf8(), QCryptographicHash::Sha1).toHex());
}

CacheEntry makeEntry(const QString &handle, qint64 diskBytes, EntryState state = EntryState::Complete,
    ModelFormat format = ModelFormat::Tf2SavedModel, const QDateTime &downloaded = {})
{
    CacheEntry e;
    e.handle = handle;
    e.key = keyOf(handle);
    e.diskBytes = diskBytes;
    e.bytes = diskBytes;
    e.files = diskBytes / MiB;
    e.state = state;
    e.format = format;
    e.downloaded = downloaded;
    e.hasFolder = true;
    return e;
}

QStringList column(const QAbstractItemModel &model, int column, int role = Qt::DisplayRole)
{
    QStringList values;
    for (int row = 0; row < model.rowCount(); ++row)
        values << model.index(row, column).data(role).toString();
    return values;
}

qint64 sumOfEntries(const CacheModel &model)
{
    qint64 sum = 0;
    for (int row = 0; row < model.rowCount(); ++row)
        sum += model.entryAt(row).diskBytes;
    return sum;
}

const QString Bert = QStringLiteral("https://tfhub.dev/tensorflow/bert_en_uncased_L-12_H-768_A-12/4");
const QString Mobilenet
    = QStringLiteral("https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/classification/5");
const QString Kaggle = QStringLiteral(
    "https://www.kaggle.com/models/deepmind/gemma/frameworks/keras/variations/2b/versions/1");
const QString Lite = QStringLiteral("https://tfhub.dev/sayakpaul/lite-model/mobilenet_v2/1");

} // namespace

class TestCacheModel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void emptyModel();
    void displayValues();
    void unknownHandle();
    void brokenHasItsOwnIconAndFilter();
    void pinnedHeaderIsANarrowIcon();
    void upsertBatchesSignals();
    void upsertUpdatesTotals();
    void removeKeys();
    void removeKeysThroughProxy();
    void setEntriesDropsDuplicates();
    void sortsByRawSize();
    void sortsByRawDate();
    void sortsByState();
    void lastUsedUnknownWithoutAccessTime();
    void filterText_data();
    void filterText();
    void filterStateAndFormat();
    void filterFollowsUpserts();
};

void TestCacheModel::emptyModel()
{
    CacheModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(CacheModel::ColumnCount));
    QCOMPARE(model.totalDiskBytes(), 0);
    for (int c = 0; c < CacheModel::ColumnCount; ++c)
        QVERIFY(!model.headerData(c, Qt::Horizontal, Qt::AccessibleTextRole).toString().isEmpty());
    model.clear();
    model.removeKeys({ QStringLiteral("nothing") });
    QCOMPARE(model.rowCount(), 0);
}

void TestCacheModel::displayValues()
{
    CacheModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QDateTime when = QDateTime::currentDateTime().addDays(-3);
    CacheEntry e = makeEntry(Bert, 900 * MiB, EntryState::StaleLock, ModelFormat::Tf2SavedModel, when);
    e.stateDetail = QStringLiteral("held by host pid 1234");
    model.setEntries({ e });

    QCOMPARE(model.index(0, CacheModel::HandleColumn).data(CacheModel::HandleRole).toString(), Bert);
    // The model path is the text; the whole handle is in the tooltip.
    QCOMPARE(model.index(0, CacheModel::HandleColumn).data().toString(),
        QStringLiteral("tensorflow/bert_en_uncased_L-12_H-768_A-12/4"));
    QVERIFY(model.index(0, CacheModel::HandleColumn).data(Qt::ToolTipRole).toString().startsWith(Bert));
    QCOMPARE(
        model.index(0, CacheModel::SizeColumn).data().toString(), QLocale().formattedDataSize(900 * MiB));
    QCOMPARE(model.index(0, CacheModel::SizeColumn).data(CacheModel::SortRole).toLongLong(), 900 * MiB);
    QCOMPARE(model.index(0, CacheModel::FilesColumn).data().toString(), QLocale().toString(900));
    // The short label people know; the long one in the tooltip.
    QCOMPARE(model.index(0, CacheModel::FormatColumn).data().toString(), QStringLiteral("SavedModel 2"));
    QCOMPARE(model.index(0, CacheModel::FormatColumn).data(Qt::ToolTipRole).toString(),
        formatLabel(ModelFormat::Tf2SavedModel));
    QCOMPARE(model.index(0, CacheModel::StateColumn).data().toString(), stateLabel(EntryState::StaleLock));
    const QString tip = model.index(0, CacheModel::StateColumn).data(Qt::ToolTipRole).toString();
    QVERIFY(tip.startsWith(stateExplanation(EntryState::StaleLock)));
    QVERIFY(tip.contains(e.stateDetail));
    QCOMPARE(model.index(0, CacheModel::StateColumn).data(Qt::DecorationRole).typeId(), QMetaType::QIcon);
    QCOMPARE(model.index(0, CacheModel::DownloadedColumn).data().toString(), util::relativeTime(when));
    QCOMPARE(model.index(0, CacheModel::DownloadedColumn).data(Qt::ToolTipRole).toString(),
        QLocale().toString(when, QLocale::LongFormat));
    QCOMPARE(model.index(0, CacheModel::DownloadedColumn).data(CacheModel::SortRole).toLongLong(),
        when.toMSecsSinceEpoch());

    const auto fromRole
        = model.index(0, CacheModel::SizeColumn).data(CacheModel::EntryRole).value<CacheEntry>();
    QCOMPARE(fromRole.key, e.key);
    QCOMPARE(fromRole.handle, Bert);
    QCOMPARE(model.index(0, 3).data(CacheModel::KeyRole).toString(), e.key);
    QCOMPARE(model.entryAt(0).diskBytes, 900 * MiB);
    QCOMPARE(model.rowOfKey(e.key), 0);
    QCOMPARE(model.rowOfKey(QStringLiteral("missing")), -1);
}

void TestCacheModel::unknownHandle()
{
    CacheModel model;
    CacheEntry e = makeEntry(QString(), MiB, EntryState::NotLoadable, ModelFormat::Unknown);
    e.key = QStringLiteral("0123456789abcdef0123456789abcdef01234567");
    CacheEntry foreign = makeEntry(QString(), 10, EntryState::Foreign, ModelFormat::Unknown);
    foreign.key = QStringLiteral("notes.txt");
    model.setEntries({ e, foreign });
    const QString shown = model.index(0, CacheModel::HandleColumn).data().toString();
    QVERIFY2(shown.contains(e.key), qPrintable(shown));
    QVERIFY(shown != e.key);
    QVERIFY(model.index(0, CacheModel::HandleColumn).data(Qt::FontRole).value<QFont>().italic());
    QCOMPARE(model.index(1, CacheModel::HandleColumn).data().toString(), QStringLiteral("notes.txt"));
}

void TestCacheModel::brokenHasItsOwnIconAndFilter()
{
    CacheModel model;
    model.setEntries({ makeEntry(Bert, MiB, EntryState::Broken, ModelFormat::Tf2SavedModel),
        makeEntry(Mobilenet, MiB, EntryState::NotLoadable, ModelFormat::Unknown) });
    const QIcon broken = model.index(0, CacheModel::StateColumn).data(Qt::DecorationRole).value<QIcon>();
    const QIcon notLoadable = model.index(1, CacheModel::StateColumn).data(Qt::DecorationRole).value<QIcon>();
    QVERIFY(!broken.isNull());
    QVERIFY(broken.cacheKey() != notLoadable.cacheKey());
    QVERIFY(broken.pixmap(16).toImage() != notLoadable.pixmap(16).toImage());
    QCOMPARE(model.index(0, CacheModel::StateColumn).data().toString(), stateLabel(EntryState::Broken));
    QCOMPARE(model.index(0, CacheModel::StateColumn).data(Qt::ToolTipRole).toString(),
        stateExplanation(EntryState::Broken));
    // The State filter offers it.
    CacheFilterProxy proxy;
    proxy.setSourceModel(&model);
    CacheFilterBar bar(&proxy);
    QStandardItem *brokenItem = nullptr;
    for (int row = 0; row < bar.stateModel()->rowCount(); ++row) {
        if (bar.stateModel()->item(row)->data(CacheFilterBar::StateRole).toInt() == int(EntryState::Broken))
            brokenItem = bar.stateModel()->item(row);
    }
    QVERIFY(brokenItem);
    QCOMPARE(brokenItem->icon().cacheKey(), CacheModel::stateIcon(EntryState::Broken).cacheKey());
    brokenItem->setCheckState(Qt::Checked);
    QCOMPARE(proxy.rowCount(), 1);
    QCOMPARE(proxy.index(0, CacheModel::HandleColumn).data(CacheModel::HandleRole).toString(), Bert);
}

void TestCacheModel::pinnedHeaderIsANarrowIcon()
{
    // The pin column holds an icon; a word in its header would widen it at the model name's cost.
    CacheModel model;
    QVERIFY(model.headerData(CacheModel::PinnedColumn, Qt::Horizontal).toString().isEmpty());
    QVERIFY(!model.headerData(CacheModel::PinnedColumn, Qt::Horizontal, Qt::DecorationRole)
                 .value<QIcon>()
                 .isNull());
    QVERIFY(model.headerData(CacheModel::PinnedColumn, Qt::Horizontal, Qt::ToolTipRole)
                .toString()
                .contains(QStringLiteral("Pinned")));
}

void TestCacheModel::upsertBatchesSignals()
{
    CacheModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<CacheEntry> first;
    for (int i = 0; i < 6; ++i)
        first << makeEntry(QStringLiteral("https://tfhub.dev/google/m%1/1").arg(i), (i + 1) * MiB);

    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.upsertEntries(first);
    QCOMPARE(inserted.size(), 1); // one insert for the whole batch
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 5);
    QCOMPARE(changed.size(), 0);

    // Rows 0, 1, 2 and 5 change, two new keys arrive (one twice: the later copy wins).
    QList<CacheEntry> second;
    for (const int i : { 5, 0, 2, 1 }) {
        CacheEntry e = first.at(i);
        e.diskBytes += 1;
        second << e;
    }
    second << makeEntry(QStringLiteral("https://tfhub.dev/google/new/1"), 7 * MiB);
    second << makeEntry(QStringLiteral("https://tfhub.dev/google/other/1"), 8 * MiB);
    second << makeEntry(QStringLiteral("https://tfhub.dev/google/new/1"), 9 * MiB);
    inserted.clear();
    model.upsertEntries(second);
    QCOMPARE(model.rowCount(), 8);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 6);
    QCOMPARE(inserted.at(0).at(2).toInt(), 7);
    QCOMPARE(changed.size(), 2); // rows 0..2 and row 5
    QCOMPARE(changed.at(0).at(0).value<QModelIndex>().row(), 0);
    QCOMPARE(changed.at(0).at(1).value<QModelIndex>().row(), 2);
    QCOMPARE(changed.at(0).at(1).value<QModelIndex>().column(), CacheModel::ColumnCount - 1);
    QCOMPARE(changed.at(1).at(0).value<QModelIndex>().row(), 5);
    QCOMPARE(reset.size(), 0);
    QCOMPARE(model.entryAt(model.rowOfKey(keyOf(QStringLiteral("https://tfhub.dev/google/new/1")))).diskBytes,
        9 * MiB);
    QCOMPARE(model.entryAt(5).diskBytes, 6 * MiB + 1);
}

void TestCacheModel::upsertUpdatesTotals()
{
    CacheModel model;
    model.upsertEntries({ makeEntry(Bert, 2 * GiB), makeEntry(Mobilenet, 900 * MiB) });
    QCOMPARE(model.totalDiskBytes(), 2 * GiB + 900 * MiB);
    model.upsertEntries({ makeEntry(Bert, GiB) });
    QCOMPARE(model.totalDiskBytes(), GiB + 900 * MiB);
    QCOMPARE(model.totalDiskBytes(), sumOfEntries(model));
    model.clear();
    QCOMPARE(model.totalDiskBytes(), 0);
}

void TestCacheModel::removeKeys()
{
    CacheModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<CacheEntry> entries;
    for (int i = 0; i < 8; ++i)
        entries << makeEntry(QStringLiteral("https://tfhub.dev/google/m%1/1").arg(i), (i + 1) * MiB);
    model.setEntries(entries);

    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    // Rows 1, 2, 3 and 6, in no particular order, a duplicate and an unknown key.
    model.removeKeys({ entries.at(3).key, entries.at(1).key, entries.at(6).key, entries.at(2).key,
        entries.at(3).key, QStringLiteral("unknown") });
    QCOMPARE(removed.size(), 2); // one per run of rows
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.keys(),
        QStringList({ entries.at(0).key, entries.at(4).key, entries.at(5).key, entries.at(7).key }));
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(model.rowOfKey(model.entryAt(row).key), row);
    QCOMPARE(model.totalDiskBytes(), (1 + 5 + 6 + 8) * MiB);

    // Keys still resolve after removal, so later upserts update instead of duplicating.
    model.upsertEntries({ makeEntry(QStringLiteral("https://tfhub.dev/google/m7/1"), 100) });
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.entryAt(3).diskBytes, 100);

    // Each row's name moves with it, and follows a handle learned later.
    const auto name = [&model](int row) {
        return model.data(model.index(row, CacheModel::HandleColumn), Qt::DisplayRole).toString();
    };
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(name(row), CacheModel::displayName(model.entryAt(row)));
    CacheEntry renamed = model.entryAt(1);
    renamed.handle = QStringLiteral("https://tfhub.dev/google/renamed/1");
    model.upsertEntries({ renamed, makeEntry(QStringLiteral("https://tfhub.dev/google/added/1"), 1) });
    QCOMPARE(name(1), CacheModel::displayName(renamed));
    QVERIFY(name(1).contains(QStringLiteral("renamed")));
    QVERIFY(name(4).contains(QStringLiteral("added")));
    model.clear();
    model.setEntries({ makeEntry(QStringLiteral("https://tfhub.dev/google/after/1"), 1) });
    QVERIFY(name(0).contains(QStringLiteral("after")));
}

void TestCacheModel::removeKeysThroughProxy()
{
    CacheModel model;
    CacheFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester sourceTester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.sort(CacheModel::SizeColumn, Qt::DescendingOrder);

    QList<CacheEntry> entries;
    for (int i = 0; i < 20; ++i)
        entries << makeEntry(
            QStringLiteral("https://tfhub.dev/google/m%1/1").arg(i), ((i * 7) % 20 + 1) * MiB);
    model.upsertEntries(entries.mid(0, 10));
    model.upsertEntries(entries.mid(10));
    QCOMPARE(proxy.rowCount(), 20);
    proxy.setFilterText(QStringLiteral("m1"));
    QCOMPARE(proxy.rowCount(), 11); // m1, m10..m19
    model.removeKeys({ entries.at(10).key, entries.at(11).key, entries.at(4).key });
    QCOMPARE(proxy.rowCount(), 9);
    entries[1].diskBytes = 1;
    model.upsertEntries({ entries.at(1) });
    QCOMPARE(
        proxy.index(proxy.rowCount() - 1, CacheModel::HandleColumn).data(CacheModel::HandleRole).toString(),
        entries.at(1).handle);
    proxy.setFilterText(QString());
    QCOMPARE(proxy.rowCount(), 17);
    model.clear();
    QCOMPARE(proxy.rowCount(), 0);
}

void TestCacheModel::setEntriesDropsDuplicates()
{
    CacheModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setEntries({ makeEntry(Bert, 1), makeEntry(Mobilenet, 2), makeEntry(Bert, 3) });
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.entryAt(model.rowOfKey(keyOf(Bert))).diskBytes, 3);
    QCOMPARE(model.totalDiskBytes(), 5);
}

void TestCacheModel::sortsByRawSize()
{
    CacheModel model;
    CacheFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setEntries({ makeEntry(Bert, 2 * GiB), makeEntry(Mobilenet, 900 * MiB), makeEntry(Lite, 10 * 1024),
        makeEntry(Kaggle, 9 * 1024) });
    // As text, "2 GiB" < "900 MiB" and "10 KiB" < "9 KiB": only raw numbers give this order.
    proxy.sort(CacheModel::SizeColumn, Qt::AscendingOrder);
    QCOMPARE(column(proxy, CacheModel::HandleColumn, CacheModel::HandleRole),
        QStringList({ Kaggle, Lite, Mobilenet, Bert }));
    proxy.sort(CacheModel::SizeColumn, Qt::DescendingOrder);
    QCOMPARE(column(proxy, CacheModel::HandleColumn, CacheModel::HandleRole),
        QStringList({ Bert, Mobilenet, Lite, Kaggle }));
    // By the model path shown, whatever the host: deepmind/, google/, sayakpaul/, tensorflow/.
    proxy.sort(CacheModel::HandleColumn, Qt::AscendingOrder);
    QCOMPARE(column(proxy, CacheModel::HandleColumn, CacheModel::HandleRole),
        QStringList({ Kaggle, Mobilenet, Lite, Bert }));

    // Dynamic sorting keeps the order as sizes change.
    proxy.sort(CacheModel::SizeColumn, Qt::AscendingOrder);
    model.upsertEntries({ makeEntry(Bert, 1) });
    QCOMPARE(column(proxy, CacheModel::HandleColumn, CacheModel::HandleRole).constFirst(), Bert);
}

void TestCacheModel::sortsByRawDate()
{
    CacheModel model;
    CacheFilterProxy proxy;
    proxy.setSourceModel(&model);
    const QDateTime now = QDateTime::currentDateTime();
    model.setEntries({ makeEntry(Bert, 1, EntryState::Complete, ModelFormat::Tf2SavedModel, now.addDays(-2)),
        makeEntry(Mobilenet, 1, EntryState::Complete, ModelFormat::Tf2SavedModel, now.addSecs(-30)),
        makeEntry(Lite, 1, EntryState::Complete, ModelFormat::TfLite, QDateTime()),
        makeEntry(Kaggle, 1, EntryState::Complete, ModelFormat::Tf2SavedModel, now.addDays(-400)) });
    proxy.sort(CacheModel::DownloadedColumn, Qt::AscendingOrder);
    QCOMPARE(column(proxy, CacheModel::HandleColumn, CacheModel::HandleRole),
        QStringList({ Lite, Kaggle, Bert, Mobilenet }));
}

void TestCacheModel::lastUsedUnknownWithoutAccessTime()
{
    CacheModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    CacheFilterProxy proxy;
    proxy.setSourceModel(&model);
    const QDateTime now = QDateTime::currentDateTime();
    CacheEntry old = makeEntry(Bert, 1);
    old.lastAccessed = now.addDays(-30);
    old.lastModified = now.addDays(-40);
    CacheEntry recent = makeEntry(Mobilenet, 1);
    recent.lastAccessed = now.addSecs(-60);
    recent.lastModified = now.addDays(-50);
    // A noatime mount: the engine reports no access time; the recent change is no use.
    CacheEntry noatime = makeEntry(Lite, 1);
    noatime.lastModified = now.addSecs(-10);
    model.setEntries({ old, noatime, recent });

    const QModelIndex unknown = model.index(model.rowOfKey(noatime.key), CacheModel::LastUsedColumn);
    QCOMPARE(unknown.data().toString(), QStringLiteral("unknown"));
    QVERIFY(!unknown.data(Qt::ToolTipRole).toString().isEmpty());
    QVERIFY(unknown.data(Qt::ToolTipRole).toString()
        != QLocale().toString(noatime.lastModified, QLocale::LongFormat));
    QCOMPARE(model.index(model.rowOfKey(old.key), CacheModel::LastUsedColumn).data().toString(),
        util::relativeTime(old.lastAccessed));

    // Unknown goes last both ways.
    proxy.sort(CacheModel::LastUsedColumn, Qt::AscendingOrder);
    QCOMPARE(column(proxy, CacheModel::HandleColumn, CacheModel::HandleRole),
        QStringList({ Bert, Mobilenet, Lite }));
    proxy.sort(CacheModel::LastUsedColumn, Qt::DescendingOrder);
    QCOMPARE(column(proxy, CacheModel::HandleColumn, CacheModel::HandleRole),
        QStringList({ Mobilenet, Bert, Lite }));
}

void TestCacheModel::sortsByState()
{
    CacheModel model;
    CacheFilterProxy proxy;
    proxy.setSourceModel(&model);
    model.setEntries({ makeEntry(Bert, 1, EntryState::Foreign), makeEntry(Mobilenet, 1, EntryState::Complete),
        makeEntry(Lite, 1, EntryState::StaleLock) });
    proxy.sort(CacheModel::StateColumn, Qt::AscendingOrder);
    QCOMPARE(column(proxy, CacheModel::HandleColumn, CacheModel::HandleRole),
        QStringList({ Mobilenet, Lite, Bert }));
}

void TestCacheModel::filterText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("empty") << QString() << QStringList({ Bert, Mobilenet, Kaggle, Lite });
    QTest::newRow("handle substring") << QStringLiteral("mobilenet") << QStringList({ Mobilenet, Lite });
    QTest::newRow("case-insensitive") << QStringLiteral("BERT_EN") << QStringList({ Bert });
    QTest::newRow("publisher") << QStringLiteral("deepmind") << QStringList({ Kaggle });
    QTest::newRow("publisher, other case") << QStringLiteral("SayakPaul") << QStringList({ Lite });
    QTest::newRow("key prefix") << keyOf(Bert).left(12).toUpper() << QStringList({ Bert });
    QTest::newRow("all words must match") << QStringLiteral("mobilenet google") << QStringList({ Mobilenet });
    QTest::newRow("extra spaces") << QStringLiteral("  mobilenet   lite ") << QStringList({ Lite });
    QTest::newRow("no match") << QStringLiteral("resnet") << QStringList();
}

void TestCacheModel::filterText()
{
    QFETCH(QString, text);
    QFETCH(QStringList, expected);
    CacheModel model;
    CacheFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setEntries(
        { makeEntry(Bert, 4), makeEntry(Mobilenet, 3), makeEntry(Kaggle, 2), makeEntry(Lite, 1) });
    proxy.sort(CacheModel::SizeColumn, Qt::DescendingOrder);
    QSignalSpy changed(&proxy, &CacheFilterProxy::filterChanged);
    proxy.setFilterText(text);
    QCOMPARE(changed.size(), text.simplified().isEmpty() ? 0 : 1);
    QCOMPARE(column(proxy, CacheModel::HandleColumn, CacheModel::HandleRole), expected);
}

void TestCacheModel::filterStateAndFormat()
{
    CacheModel model;
    CacheFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setEntries({ makeEntry(Bert, 4, EntryState::Complete, ModelFormat::Tf2SavedModel),
        makeEntry(Mobilenet, 3, EntryState::StaleLock, ModelFormat::Tf1HubModule),
        makeEntry(Kaggle, 2, EntryState::AbandonedPartial, ModelFormat::Unknown),
        makeEntry(Lite, 1, EntryState::Complete, ModelFormat::TfLite) });
    proxy.sort(CacheModel::SizeColumn, Qt::DescendingOrder);

    proxy.setStateFilter({ EntryState::Complete });
    QCOMPARE(column(proxy, CacheModel::HandleColumn, CacheModel::HandleRole), QStringList({ Bert, Lite }));
    proxy.setStateFilter({ EntryState::StaleLock, EntryState::AbandonedPartial });
    QCOMPARE(
        column(proxy, CacheModel::HandleColumn, CacheModel::HandleRole), QStringList({ Mobilenet, Kaggle }));
    proxy.setFormatFilter({ ModelFormat::Unknown });
    QCOMPARE(column(proxy, CacheModel::HandleColumn, CacheModel::HandleRole), QStringList({ Kaggle }));
    proxy.setStateFilter({});
    proxy.setFormatFilter({ ModelFormat::TfLite, ModelFormat::Tf2SavedModel });
    QCOMPARE(column(proxy, CacheModel::HandleColumn, CacheModel::HandleRole), QStringList({ Bert, Lite }));
    proxy.setFilterText(QStringLiteral("lite"));
    QCOMPARE(column(proxy, CacheModel::HandleColumn, CacheModel::HandleRole), QStringList({ Lite }));
    proxy.setFilterText(QString());
    proxy.setFormatFilter({});
    QCOMPARE(proxy.rowCount(), 4);
}

void TestCacheModel::filterFollowsUpserts()
{
    CacheModel model;
    CacheFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setStateFilter({ EntryState::Downloading });
    model.upsertEntries(
        { makeEntry(Bert, 1, EntryState::Downloading), makeEntry(Lite, 1, EntryState::Complete) });
    QCOMPARE(column(proxy, CacheModel::HandleColumn, CacheModel::HandleRole), QStringList({ Bert }));
    // The download finishes: the row leaves the filtered view, and another one starts.
    model.upsertEntries(
        { makeEntry(Bert, 5, EntryState::Complete), makeEntry(Lite, 1, EntryState::Downloading) });
    QCOMPARE(column(proxy, CacheModel::HandleColumn, CacheModel::HandleRole), QStringList({ Lite }));
}

QTEST_MAIN(TestCacheModel)
#include "tst_cachemodel.moc"
