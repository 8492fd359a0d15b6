#include "ui/settings/cachefolderbox.h"

#include "core/gcs/gcsurl.h"
#include "ui/settings/gcsfolderdialog.h"

#include <QCheckBox>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

namespace tfhub::ui {

CacheFolderBox::CacheFolderBox(const QString &dir, const QString &persistentDir, QWidget *parent)
    : QGroupBox(tr("Cache folder"), parent)
{
    setObjectName(QStringLiteral("cacheGroup"));

    m_edit = new QLineEdit(dir, this);
    m_edit->setObjectName(QStringLiteral("cacheDirEdit"));
    m_edit->setAccessibleName(tr("Cache folder"));
    auto *choose = new QPushButton(tr("C&hoose…"), this);
    choose->setObjectName(QStringLiteral("chooseCacheDirButton"));
    connect(choose, &QPushButton::clicked, this, [this] {
        const QString chosen = QFileDialog::getExistingDirectory(this, tr("Choose the cache folder"), text());
        if (!chosen.isEmpty())
            setText(QDir::cleanPath(chosen));
    });
    auto *cloud = new QPushButton(QIcon(QStringLiteral(":/icons/cloud.svg")), tr("Cloud &Storage…"), this);
    cloud->setObjectName(QStringLiteral("gcsButton"));
    cloud->setToolTip(tr("Keep the cache in a Google Cloud Storage bucket (gs://bucket/prefix)"));
    connect(cloud, &QPushButton::clicked, this, &CacheFolderBox::chooseCloudStorage);
    auto *row = new QHBoxLayout;
    row->addWidget(m_edit, 1);
    row->addWidget(choose);
    row->addWidget(cloud);

    m_source = new QLabel(this);
    m_source->setObjectName(QStringLiteral("cacheDirSource"));
    m_source->setWordWrap(true);
    m_source->setTextFormat(Qt::PlainText);
    m_source->setForegroundRole(QPalette::PlaceholderText);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("cacheDirError"));
    m_error->setWordWrap(true);
    m_error->setTextFormat(Qt::PlainText);
    m_error->hide();

    m_warning = new QWidget(this);
    m_warning->setObjectName(QStringLiteral("tempDirWarning"));
    auto *icon = new QLabel(m_warning);
    icon->setPixmap(QIcon(QStringLiteral(":/icons/state-warning.svg")).pixmap(16, 16));
    m_warningText = new QLabel(m_warning);
    m_warningText->setWordWrap(true);
    m_warningText->setTextFormat(Qt::PlainText);
    auto *usePersistent = new QPushButton(tr("Use %1").arg(persistentDir), m_warning);
    usePersistent->setObjectName(QStringLiteral("usePersistentButton"));
    connect(usePersistent, &QPushButton::clicked, this, [this, persistentDir] { setText(persistentDir); });
    auto *warningRow = new QHBoxLayout(m_warning);
    warningRow->setContentsMargins(0, 0, 0, 0);
    warningRow->addWidget(icon, 0, Qt::AlignTop);
    warningRow->addWidget(m_warningText, 1);
    warningRow->addWidget(usePersistent, 0, Qt::AlignTop);
    m_warning->hide();

    m_move = new QCheckBox(tr("&Move existing models to the new folder"), this);
    m_move->setObjectName(QStringLiteral("moveModelsCheck"));
    // Checked: a new folder without the models would mean downloading all of them again.
    m_move->setChecked(true);
    m_move->setToolTip(tr("If a model is being downloaded, nothing is moved or saved unless you allow it "
                          "to stay in the old folder below."));
    // Off: a model left in the old folder is missing from the new one, and programs would download
    // it again, so the user has to agree to that knowingly.
    m_leaveBehind
        = new QCheckBox(tr("Move even if models are being downloaded (they stay in the o&ld folder)"), this);
    m_leaveBehind->setObjectName(QStringLiteral("leaveBehindCheck"));
    m_leaveBehind->setChecked(false);
    connect(m_move, &QCheckBox::toggled, m_leaveBehind, &QCheckBox::setEnabled);
    auto *leaveBehindRow = new QHBoxLayout;
    // Indented under the move option, which it qualifies.
    leaveBehindRow->addSpacing(m_move->style()->pixelMetric(QStyle::PM_IndicatorWidth) + 6);
    leaveBehindRow->addWidget(m_leaveBehind, 1);

    m_noMove = new QLabel(this);
    m_noMove->setObjectName(QStringLiteral("noMoveNote"));
    m_noMove->setWordWrap(true);
    m_noMove->setTextFormat(Qt::PlainText);
    m_noMove->setForegroundRole(QPalette::PlaceholderText);
    m_noMove->hide();

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(row);
    layout->addWidget(m_source);
    layout->addWidget(m_error);
    layout->addWidget(m_warning);
    layout->addWidget(m_move);
    layout->addLayout(leaveBehindRow);
    layout->addWidget(m_noMove);
    connect(m_edit, &QLineEdit::textChanged, this, &CacheFolderBox::edited);
}

QString CacheFolderBox::text() const
{
    return m_edit->text();
}

void CacheFolderBox::setText(const QString &dir)
{
    m_edit->setText(dir);
}

bool CacheFolderBox::moveModels() const
{
    return m_move->isChecked() && m_move->isEnabled();
}

void CacheFolderBox::setMoveUnavailable(const QString &why)
{
    m_move->setEnabled(why.isEmpty());
    m_leaveBehind->setEnabled(why.isEmpty() && m_move->isChecked());
    m_noMove->setText(why);
    m_noMove->setVisible(!why.isEmpty());
}

void CacheFolderBox::chooseCloudStorage()
{
    GcsFolderDialog dialog(text(), this);
    if (dialog.exec() == QDialog::Accepted && !dialog.url().isEmpty())
        setText(dialog.url());
}

bool CacheFolderBox::leaveBehind() const
{
    return moveModels() && m_leaveBehind->isChecked();
}

void CacheFolderBox::setSourceText(const QString &text)
{
    m_source->setText(text);
}

void CacheFolderBox::setError(const QString &error)
{
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
}

void CacheFolderBox::setTemporary(const QString &dir)
{
    m_warning->setVisible(!dir.isEmpty());
    if (!dir.isEmpty())
        m_warningText->setText(
            tr("%1 is in a folder that is cleared on restart: every model would be downloaded again.")
                .arg(dir));
}

} // namespace tfhub::ui
