#include "ui/settings/envpreviewbox.h"

#include <QFontDatabase>
#include <QLabel>
#include <QVBoxLayout>

namespace tfhub::ui {

EnvPreviewBox::EnvPreviewBox(const shellenv::Locations &locations, QWidget *parent)
    : QGroupBox(tr("Preview"), parent), m_locations(locations)
{
    setObjectName(QStringLiteral("previewGroup"));
    auto *layout = new QVBoxLayout(this);
    auto *hint = new QLabel(tr("The exact lines Apply writes to each checked file."), this);
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(hint);
    m_noTargets = new QLabel(tr("Check at least one file above."), this);
    m_noTargets->setObjectName(QStringLiteral("previewNoTargets"));
    layout->addWidget(m_noTargets);
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    for (const shellenv::Target t : shellenv::allTargets()) {
        auto *title = new QLabel(this);
        title->setObjectName(QStringLiteral("previewTitle_") + shellenv::targetName(t));
        title->setTextFormat(Qt::PlainText);
        // A label, not a text box: it is as tall as its lines, so the page scrolls and not each block.
        auto *block = new QLabel(this);
        block->setObjectName(QStringLiteral("preview_") + shellenv::targetName(t));
        block->setAccessibleName(tr("Lines for %1").arg(m_locations.fileFor(t)));
        block->setTextFormat(Qt::PlainText);
        block->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
        block->setFont(fixed);
        block->setFrameShape(QFrame::StyledPanel);
        block->setBackgroundRole(QPalette::Base);
        block->setAutoFillBackground(true);
        block->setMargin(4);
        m_titles.insert(t, title);
        m_blocks.insert(t, block);
        layout->addWidget(title);
        layout->addWidget(block);
    }
}

void EnvPreviewBox::showBlocks(const QList<shellenv::Target> &targets,
    const QMap<shellenv::Target, shellenv::TargetState> &states, const Result<shellenv::Changes> &changes)
{
    m_noTargets->setVisible(targets.isEmpty());
    for (const shellenv::Target t : shellenv::allTargets()) {
        QLabel *title = m_titles.value(t);
        QLabel *block = m_blocks.value(t);
        const bool shown = targets.contains(t);
        title->setVisible(shown);
        block->setVisible(shown);
        if (!shown)
            continue;
        const shellenv::TargetState state = states.value(t);
        // The merge EnvPersistence::previewBlock() does, from the files as last read: no disk work
        // on every keystroke.
        QMap<shellenv::Variable, QString> values = state.values;
        if (changes) {
            for (auto it = changes->cbegin(); it != changes->cend(); ++it) {
                if (it.value())
                    values.insert(it.key(), *it.value());
                else
                    values.remove(it.key());
            }
        }
        const QString path = m_locations.fileFor(t);
        title->setText(!state.exists ? tr("%1 (a new file):").arg(path)
                : state.hasBlock     ? tr("%1 (replaces the block in it):").arg(path)
                                     : tr("%1 (added at the end):").arg(path));
        block->setText(changes ? QString::fromUtf8(shellenv::block::render(t, values, m_locations.home))
                               : tr("Give a usable cache folder above."));
        block->setEnabled(changes.ok());
    }
}

} // namespace tfhub::ui
