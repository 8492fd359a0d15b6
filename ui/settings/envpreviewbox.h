#pragma once

#include "core/shellenv/envpersistence.h"

#include <QGroupBox>
#include <QMap>

class QLabel;

namespace tfhub::ui {

/// The "Preview" section of the Settings page: for each checked target, its exact file and the
/// exact block Apply would leave in it.
class EnvPreviewBox final : public QGroupBox
{
    Q_OBJECT
public:
    explicit EnvPreviewBox(const shellenv::Locations &locations, QWidget *parent = nullptr);

    /// Shows the blocks for `targets`, from the files as last read (`states`) and the wanted
    /// `changes`; an error in the changes leaves the blocks empty.
    void showBlocks(const QList<shellenv::Target> &targets,
        const QMap<shellenv::Target, shellenv::TargetState> &states,
        const Result<shellenv::Changes> &changes);

private:
    shellenv::Locations m_locations;
    QLabel *m_noTargets = nullptr;
    QMap<shellenv::Target, QLabel *> m_titles;
    QMap<shellenv::Target, QLabel *> m_blocks;
};

} // namespace tfhub::ui
