#pragma once

#include "core/cache/cacheentry.h"

#include <QStringList>
#include <QWidget>

class QAction;
class QComboBox;
class QHBoxLayout;
class QLabel;
class QPushButton;
class QTimer;

namespace tfhub::ui {

class BreakdownModel;
class CacheModel;
class CostEstimate;
class GcsAutoRefresh;
class GcsBadge;
class LiveCache;
class TreemapWidget;

/// The Usage page: how much the cache takes, what is free and what can be reclaimed, a treemap of
/// the entries and breakdowns by publisher, format and age. It reads the shared LiveCache's model,
/// so it follows every scan, live update and switch of folder without scanning itself.
class UsagePage final : public QWidget
{
    Q_OBJECT
public:
    enum class ColorMode { Format, Age };

    explicit UsagePage(LiveCache *live, QWidget *parent = nullptr);

    TreemapWidget *treemap() const { return m_treemap; }
    BreakdownModel *publisherBreakdown() const { return m_byPublisher; }
    BreakdownModel *formatBreakdown() const { return m_byFormat; }
    BreakdownModel *ageBreakdown() const { return m_byAge; }
    /// The monthly cost of a gs:// cache (hidden for a local folder).
    CostEstimate *costEstimate() const { return m_cost; }
    /// Lists a gs:// cache again while the page is shown (tests shorten its interval).
    GcsAutoRefresh *autoRefresh() const { return m_autoRefresh; }

    /// Entries the cleanup planner's stale and broken rules select (stale locks, abandoned
    /// downloads, empty, unloadable and broken folders, orphan descriptors), pins left out.
    QStringList reclaimableKeys() const { return m_reclaimableKeys; }
    /// The bytes that plan frees, leftovers of complete entries included.
    qint64 reclaimableBytes() const { return m_reclaimableBytes; }
    static bool isReclaimable(const CacheEntry &entry);

    void setColorMode(ColorMode mode);
    ColorMode colorMode() const { return m_colorMode; }

    /// Where a later cleanup planner plugs in: a button beside "Select Reclaimable".
    void addHeaderAction(QAction *action);

public Q_SLOTS:
    /// Recomputes everything from the model now (it also follows the model by itself).
    void recompute();

Q_SIGNALS:
    /// The user asked to see these entries on the Cache page.
    void selectRequested(const QStringList &keys);
    /// The user asked for the Clean Up page.
    void cleanupRequested();

protected:
    void showEvent(QShowEvent *event) override;

private:
    QLabel *addFigure(QHBoxLayout *row, const QString &title, const QString &objectName);
    void updateFreeSpace();
    void setUpCloud();
    /// The cloud badge, the cost in place of the free space, and the timed listing of a gs:// cache.
    void showLocation();
    void updateLegend();
    QColor colorFor(const CacheEntry &entry) const;

    LiveCache *m_live;
    CacheModel *m_model;
    ColorMode m_colorMode = ColorMode::Format;
    QStringList m_reclaimableKeys;
    qint64 m_reclaimableBytes = 0;

    QTimer *m_recompute = nullptr;
    QLabel *m_used = nullptr;
    QLabel *m_free = nullptr;
    QLabel *m_reclaimable = nullptr;
    CostEstimate *m_cost = nullptr;
    GcsBadge *m_gcsBadge = nullptr;
    GcsAutoRefresh *m_autoRefresh = nullptr;
    QPushButton *m_cleanUp = nullptr;
    QPushButton *m_selectReclaimable = nullptr;
    QHBoxLayout *m_headerActions = nullptr;
    QComboBox *m_colorBy = nullptr;
    QLabel *m_legend = nullptr;
    TreemapWidget *m_treemap = nullptr;
    BreakdownModel *m_byPublisher = nullptr;
    BreakdownModel *m_byFormat = nullptr;
    BreakdownModel *m_byAge = nullptr;
};

} // namespace tfhub::ui
