#include "ui/bundle/adopthandledialog.h"

#include "core/hub/handle.h"

#include <QCompleter>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace tfhub::ui {

AdoptHandleDialog::AdoptHandleDialog(
    const QString &archiveName, const QStringList &completions, QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Add Archive to the Cache"));
    auto *intro
        = new QLabel(tr("Which handle was %1 downloaded from? hub.load() with that handle will then use it.")
                         .arg(archiveName),
            this);
    intro->setWordWrap(true);
    m_edit = new QLineEdit(this);
    m_edit->setPlaceholderText(QStringLiteral("https://tfhub.dev/publisher/model/1"));
    auto *completer = new QCompleter(completions, this);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchContains);
    m_edit->setCompleter(completer);
    m_problem = new QLabel(this);
    m_problem->setWordWrap(true);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_edit, &QLineEdit::textChanged, this, &AdoptHandleDialog::validate);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_edit);
    layout->addWidget(m_problem);
    layout->addWidget(m_buttons);
    validate();
}

QString AdoptHandleDialog::handle() const
{
    return m_edit->text();
}

bool AdoptHandleDialog::isAcceptable() const
{
    return m_buttons->button(QDialogButtonBox::Ok)->isEnabled();
}

void AdoptHandleDialog::validate()
{
    QString problem;
    if (!m_edit->text().isEmpty()) {
        const Result<Handle> h = Handle::parse(m_edit->text());
        if (!h)
            problem = h.error();
        else if (!h->isCached(LoadFormat::Compressed))
            problem = tr("tensorflow_hub reads this handle in place and never caches it.");
    }
    m_problem->setText(problem);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!m_edit->text().isEmpty() && problem.isEmpty());
}

} // namespace tfhub::ui
