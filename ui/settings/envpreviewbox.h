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
    explicit EnvPreviewBox(const env::Locations &locations, QWidget *parent = nullptr);

    /// Shows the blocks for `targets`, from the files as last read (`states`) and the wanted
    /// `changes`; an error in the changes leaves the blocks empty.
    void showBlocks(const QList<env::Target> &targets, const QMap<env::Target, env::TargetState> &states,
        const Result<env::Changes> &changes);

private:
    env::Locations m_locations;
    QLabel *m_noTargets = nullptr;
    QMap<env::Target, QLabel *> m_titles;
    QMap<env::Target, QLabel *> m_blocks;
};

} // namespace tfhub::ui
