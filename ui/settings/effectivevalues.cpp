#include "ui/settings/effectivevalues.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QLabel>
#include <QPushButton>
#include <QTime>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace tfhub::ui {

namespace {

enum Column { NameColumn, CacheDirColumn, LoadFormatColumn, ColumnCount };

// tensorflow_hub treats an empty variable as unset, and an unset load format as AUTO.
std::optional<QString> effective(shellenv::Variable variable, const std::optional<QString> &value)
{
    if (!value || value->isEmpty())
        return variable == shellenv::Variable::LoadFormat ? std::optional<QString>(QStringLiteral("AUTO"))
                                                          : std::nullopt;
    return value;
}

QString shown(const std::optional<QString> &value)
{
    return value ? *value : EffectiveValuesBox::tr("not set");
}

QString displayName(const QString &probeName)
{
    if (probeName == QLatin1String("session"))
        return EffectiveValuesBox::tr("desktop session (after the next login)");
    return probeName;
}

} // namespace

EffectiveValuesBox::EffectiveValuesBox(QWidget *parent) : QGroupBox(tr("Effective values"), parent)
{
    setObjectName(QStringLiteral("effectiveGroup"));

    m_table = new QTreeWidget(this);
    m_table->setObjectName(QStringLiteral("effectiveTable"));
    m_table->setAccessibleName(tr("Effective values"));
    m_table->setColumnCount(ColumnCount);
    m_table->setHeaderLabels({ tr("Where"), shellenv::variableName(shellenv::Variable::CacheDir),
        shellenv::variableName(shellenv::Variable::LoadFormat) });
    m_table->setRootIsDecorated(false);
    m_table->setUniformRowHeights(true);
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->setFocusPolicy(Qt::NoFocus);
    m_table->header()->setStretchLastSection(false);
    m_table->header()->setSectionResizeMode(NameColumn, QHeaderView::ResizeToContents);
    m_table->header()->setSectionResizeMode(CacheDirColumn, QHeaderView::Stretch);
    m_table->header()->setSectionResizeMode(LoadFormatColumn, QHeaderView::ResizeToContents);
    // Six rows at most: the table shows them all instead of scrolling inside a scrolling page.
    m_table->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_table->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("effectiveStatus"));
    m_status->setWordWrap(true);
    m_status->setForegroundRole(QPalette::PlaceholderText);

    m_again = new QPushButton(tr("Check &again"), this);
    m_again->setObjectName(QStringLiteral("checkAgainButton"));
    m_again->setToolTip(tr("Starts each shell again to see what a new terminal gets."));
    connect(m_again, &QPushButton::clicked, this,
        [this] { refresh(m_inputs.env, m_inputs.saved, m_inputs.program); });

    m_conflicts = new QLabel(this);
    m_conflicts->setObjectName(QStringLiteral("conflictsLabel"));
    m_conflicts->setWordWrap(true);
    m_conflicts->setTextFormat(Qt::PlainText);
    m_conflicts->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_conflicts->hide();

    auto *statusRow = new QHBoxLayout;
    statusRow->addWidget(m_status, 1);
    statusRow->addWidget(m_again);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_table);
    layout->addLayout(statusRow);
    layout->addWidget(m_conflicts);

    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, &EffectiveValuesBox::onProbed);
}

void EffectiveValuesBox::refresh(
    const QProcessEnvironment &env, const VariableValues &saved, const VariableValues &program)
{
    const Inputs inputs { env, saved, program };
    if (m_watcher.isRunning()) {
        // The running probe may have read the files before the latest write: ask once more after it.
        m_queued = inputs;
        return;
    }
    m_inputs = inputs;
    startProbe();
}

void EffectiveValuesBox::startProbe()
{
    m_again->setEnabled(false);
    m_status->setText(tr("Asking the shells what a new terminal sees…"));
    // Not waited for on destruction: the task owns copies of everything it uses, and the global
    // pool is joined when the application exits. Each shell is bounded by the timeout.
    m_watcher.setFuture(QtConcurrent::run([env = m_inputs.env, timeout = m_shellTimeoutMs] {
        Outcome o;
        o.shells = shellenv::probe::all(env, timeout);
        // The shells just answered: judging the conflicts from their answers spares starting each
        // one a second time.
        o.conflicts
            = shellenv::EnvPersistence(shellenv::Locations::fromEnvironment(env)).conflicts(env, o.shells);
        return o;
    }));
}

void EffectiveValuesBox::onProbed()
{
    if (m_queued) {
        m_inputs = *m_queued;
        m_queued.reset();
        startProbe();
        return;
    }
    const Outcome o = m_watcher.result();
    m_table->clear();
    addRow(tr("this program"), m_inputs.program, QString(), true);
    for (const shellenv::ProbeResult &r : o.shells) {
        VariableValues seen;
        for (const shellenv::Variable v : shellenv::allVariables())
            seen.insert(v, r.value(v));
        addRow(displayName(r.name), seen, r.error, r.available);
    }
    // Fit the rows exactly, so the page scrolls and not the table.
    const int rows = m_table->topLevelItemCount();
    m_table->setFixedHeight(m_table->header()->sizeHint().height() + 2 * m_table->frameWidth()
        + rows * std::max(1, m_table->sizeHintForRow(0)));

    m_status->setText(
        tr("A tick: it sees the saved values; a grey circle: it sets none of them. Checked at %1.")
            .arg(QLocale().toString(QTime::currentTime(), QLocale::ShortFormat)));
    m_again->setEnabled(true);

    QStringList lines;
    for (const shellenv::Conflict &c : o.conflicts)
        lines << QStringLiteral("• ") + c.message;
    m_conflicts->setText(
        lines.isEmpty() ? QString() : tr("Also found:") + QLatin1Char('\n') + lines.join(QLatin1Char('\n')));
    m_conflicts->setVisible(!lines.isEmpty());
    Q_EMIT refreshed();
}

void EffectiveValuesBox::addRow(
    const QString &name, const VariableValues &seen, const QString &error, bool available)
{
    auto *item = new QTreeWidgetItem(m_table);
    item->setText(NameColumn, name);
    if (!available) {
        item->setText(CacheDirColumn, tr("not installed"));
        item->setData(NameColumn, StatusRole, QStringLiteral("unavailable"));
        for (int c = 0; c < ColumnCount; ++c)
            item->setForeground(c, palette().brush(QPalette::Disabled, QPalette::Text));
        return;
    }
    if (!error.isEmpty()) {
        item->setText(CacheDirColumn, tr("unknown"));
        item->setIcon(NameColumn, QIcon(QStringLiteral(":/icons/state-warning.svg")));
        item->setData(NameColumn, StatusRole, QStringLiteral("warning"));
        item->setToolTip(NameColumn, error);
        item->setToolTip(CacheDirColumn, error);
        return;
    }
    QStringList differences;
    QStringList unset;
    bool anySet = false;
    for (const shellenv::Variable v : shellenv::allVariables()) {
        const std::optional<QString> value = seen.value(v);
        const int column = v == shellenv::Variable::CacheDir ? CacheDirColumn : LoadFormatColumn;
        item->setText(column, shown(value));
        const bool isSet = value && !value->isEmpty();
        anySet = anySet || isSet;
        // "not set" is no fault (tensorflow_hub has defaults): grey, not red.
        if (!isSet)
            item->setForeground(column, palette().brush(QPalette::Disabled, QPalette::Text));
        const std::optional<QString> want = effective(v, m_inputs.saved.value(v));
        if (effective(v, value) == want)
            continue;
        if (isSet)
            differences << tr("%1 is %2, not the saved %3.")
                               .arg(shellenv::variableName(v), shown(value), shown(want));
        else
            unset << shellenv::variableName(v);
    }
    // A tick where it sees what was saved, a warning where it sees something else; a shell that
    // sets nothing (not written to, or reading the values only at the next login) is neutral.
    QString status = QStringLiteral("ok");
    QString icon = QStringLiteral(":/icons/state-complete.svg");
    QString tip = tr("Sees the saved values.");
    if (!differences.isEmpty()) {
        status = QStringLiteral("warning");
        icon = QStringLiteral(":/icons/state-warning.svg");
        tip = differences.join(QLatin1Char(' '));
    } else if (!unset.isEmpty() || !anySet) {
        status = QStringLiteral("notset");
        icon = QStringLiteral(":/icons/state-empty.svg");
        tip = unset.isEmpty() ? tr("Sets neither variable: tensorflow_hub uses its defaults.")
                              : tr("Does not set %1: its file was not written, or it reads it at the next "
                                   "login. tensorflow_hub uses its default there.")
                                    .arg(unset.join(tr(" or ")));
    }
    item->setIcon(NameColumn, QIcon(icon));
    item->setData(NameColumn, StatusRole, status);
    for (int c = 0; c < ColumnCount; ++c)
        item->setToolTip(c, tip);
}

} // namespace tfhub::ui
