#pragma once

#include "core/shellenv/envpersistence.h"
#include "core/shellenv/shellprobe.h"

#include <QFutureWatcher>
#include <QGroupBox>
#include <QMap>
#include <QProcessEnvironment>

#include <optional>

class QLabel;
class QPushButton;
class QTreeWidget;

namespace tfhub::ui {

/// Values of the two variables; std::nullopt means not set.
using VariableValues = QMap<shellenv::Variable, std::optional<QString>>;

/// The "Effective values" section of the Settings page: what this program and each kind of new
/// shell (and the next desktop session) actually see, with a tick when that matches the saved
/// values and a warning when not, and the lines elsewhere that also set the variables.
/// Asking the shells means starting them, so it runs on a pool thread.
class EffectiveValuesBox final : public QGroupBox
{
    Q_OBJECT
public:
    /// The row status, in Qt::UserRole of the first column (for tests and accessibility): "ok",
    /// "notset" (neutral: it sets none of the saved values), "warning" (other values), "unavailable".
    static constexpr int StatusRole = Qt::UserRole;

    explicit EffectiveValuesBox(QWidget *parent = nullptr);

    /// Asks again. `saved` is what the rows are compared with, `program` what this program uses.
    /// A request during a running probe is queued and replaces any earlier queued one.
    void refresh(const QProcessEnvironment &env, const VariableValues &saved, const VariableValues &program);
    bool isRefreshing() const { return m_watcher.isRunning(); }

    /// How long each shell may take to start; startup files that wait for input hit this bound.
    void setShellTimeout(int ms) { m_shellTimeoutMs = ms; }

Q_SIGNALS:
    /// New rows are shown.
    void refreshed();

private:
    struct Inputs
    {
        QProcessEnvironment env;
        VariableValues saved;
        VariableValues program;
    };
    struct Outcome
    {
        QList<shellenv::ProbeResult> shells;
        QList<shellenv::Conflict> conflicts;
    };

    void startProbe();
    void onProbed();
    void addRow(const QString &name, const VariableValues &seen, const QString &error, bool available);

    QTreeWidget *m_table = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_conflicts = nullptr;
    QPushButton *m_again = nullptr;
    QFutureWatcher<Outcome> m_watcher;
    Inputs m_inputs; ///< of the running probe
    std::optional<Inputs> m_queued;
    int m_shellTimeoutMs = 8000;
};

} // namespace tfhub::ui
