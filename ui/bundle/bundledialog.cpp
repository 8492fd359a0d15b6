#include "ui/bundle/bundledialog.h"

#include "core/util/humanize.h"
#include "ui/bundle/bundlerunner.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace tfhub::ui {

BundleDialog::BundleDialog(const QString &title, QWidget *parent) : QDialog(parent)
{
    setWindowTitle(title);
    setAttribute(Qt::WA_DeleteOnClose);
    m_runner = new BundleRunner(this);
    m_status = new QLabel(tr("Starting…"), this);
    m_status->setWordWrap(true);
    m_bar = new QProgressBar(this);
    m_bar->setRange(0, 1000);
    m_counts = new QLabel(this);
    m_summary = new QPlainTextEdit(this);
    m_summary->setReadOnly(true);
    m_summary->hide();
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &BundleDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_status);
    layout->addWidget(m_bar);
    layout->addWidget(m_counts);
    layout->addWidget(m_summary, 1);
    layout->addWidget(m_buttons);
    resize(520, 200);
    connect(m_runner, &BundleRunner::progressChanged, this, &BundleDialog::showProgress);
    connect(m_runner, &BundleRunner::waiting, this,
        [this](const QString &why) { m_status->setText(tr("Waiting for another process: %1").arg(why)); });
    connect(m_runner, &BundleRunner::finished, this, &BundleDialog::showOutcome);
}

QString BundleDialog::summaryText() const
{
    return m_summary->toPlainText();
}

void BundleDialog::reject()
{
    // While it runs, Cancel (or Escape) stops the work; the dialog stays to say how it ended.
    if (!m_done) {
        m_runner->cancel();
        m_status->setText(tr("Cancelling…"));
        m_buttons->setEnabled(false);
        return;
    }
    QDialog::reject();
}

void BundleDialog::showProgress(const BundleProgress &p)
{
    m_status->setText(p.current.isEmpty() ? tr("Working…") : p.current);
    m_bar->setValue(p.bytesTotal > 0 ? int(1000 * p.bytesDone / p.bytesTotal) : 0);
    m_counts->setText(tr("%1 of %2 · %3 of %4 files")
                          .arg(util::humanSize(p.bytesDone), util::humanSize(p.bytesTotal))
                          .arg(p.filesDone)
                          .arg(p.filesTotal));
}

void BundleDialog::showOutcome(bool ok)
{
    m_done = true;
    const BundleRunner::Outcome &o = m_runner->outcome();
    m_status->setText(ok ? tr("Done.") : (o.cancelled ? tr("Cancelled.") : tr("Failed.")));
    if (ok)
        m_bar->setValue(1000);
    m_summary->setPlainText(o.summary);
    m_summary->show();
    m_buttons->setStandardButtons(QDialogButtonBox::Close);
    m_buttons->setEnabled(true);
    Q_EMIT operationDone(ok, o.keys);
}

} // namespace tfhub::ui
