#include "ui/bundle/bundleactions.h"

#include "core/gcs/gcsurl.h"
#include "core/hub/hubsettings.h"
#include "core/prefetch/prefetchtypes.h"
#include "ui/bundle/adopthandledialog.h"
#include "ui/bundle/bundledialog.h"
#include "ui/bundle/bundlerunner.h"

#include "tfhubversion.h"

#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QWidget>

namespace tfhub::ui {

namespace {

PrefetchOptions lockOptions(const QString &root)
{
    const HubSettings settings = HubSettings::resolve(QProcessEnvironment::systemEnvironment(), root);
    PrefetchOptions o = PrefetchOptions::fromEnvironment(settings);
    o.cacheRoot = root;
    return o;
}

} // namespace

BundleActions::BundleActions(
    QWidget *window, std::function<QString()> cacheRoot, std::function<QStringList()> completions)
    : QObject(window)
    , m_window(window)
    , m_cacheRoot(std::move(cacheRoot))
    , m_completions(std::move(completions))
{
    m_import = new QAction(tr("&Import Bundle or Archive…"), this);
    m_import->setStatusTip(tr("Add the models of a bundle (.zip), or a model archive downloaded by hand"));
    connect(m_import, &QAction::triggered, this, &BundleActions::chooseImport);
    m_exportSelected = new QAction(tr("&Export Selected…"), this);
    m_exportSelected->setStatusTip(tr("Write the selected models into one zip for machines without the hub"));
    m_exportSelected->setEnabled(false);
    connect(m_exportSelected, &QAction::triggered, this, [this] { exportKeys(m_selection); });
    m_exportAll = new QAction(tr("Export E&verything…"), this);
    m_exportAll->setStatusTip(tr("Write every model of the cache into one zip"));
    connect(m_exportAll, &QAction::triggered, this, [this] { exportKeys({}); });
}

void BundleActions::setSelection(const QStringList &keys)
{
    m_selection = keys;
    m_exportSelected->setEnabled(!keys.isEmpty());
}

QString BundleActions::importRefusal(const QString &root)
{
    if (!gcs::isGcsUrl(root))
        return QString();
    // Importing writes the models as local files: on gs:// they would land in a folder named "gs:".
    return tr("Importing into a Cloud Storage cache (%1) is not supported; the command line refuses it "
              "too. Import into a local cache folder instead.")
        .arg(root);
}

void BundleActions::updateForRoot()
{
    const QString why = importRefusal(m_cacheRoot());
    m_import->setEnabled(why.isEmpty());
    m_import->setToolTip(why.isEmpty() ? m_import->statusTip() : why);
}

bool BundleActions::isImportable(const QString &path)
{
    const QString name = QFileInfo(path).fileName().toLower();
    return name.endsWith(QLatin1String(".zip")) || name.endsWith(QLatin1String(".tar.gz"))
        || name.endsWith(QLatin1String(".tgz")) || name.endsWith(QLatin1String(".tar"));
}

void BundleActions::chooseImport()
{
    const QString path = QFileDialog::getOpenFileName(m_window, tr("Import Bundle or Archive"), QString(),
        tr("Bundles and model archives (*.zip *.tar.gz *.tgz *.tar);;All files (*)"));
    if (!path.isEmpty())
        importFile(path);
}

BundleDialog *BundleActions::openDialog(const QString &title)
{
    auto *dialog = new BundleDialog(title, m_window);
    connect(dialog, &BundleDialog::operationDone, this, [this](bool, const QStringList &keys) {
        if (!keys.isEmpty())
            Q_EMIT entriesChanged(keys);
    });
    dialog->show();
    return dialog;
}

BundleDialog *BundleActions::importFile(const QString &path, const QString &handle)
{
    const QString root = m_cacheRoot();
    if (const QString why = importRefusal(root); !why.isEmpty()) {
        Q_EMIT importRefused(why);
        return nullptr;
    }
    if (path.endsWith(QLatin1String(".zip"), Qt::CaseInsensitive)) {
        BundleDialog *dialog = openDialog(tr("Import %1").arg(QFileInfo(path).fileName()));
        dialog->runner()->startImport({ path, lockOptions(root), false });
        return dialog;
    }
    QString chosen = handle;
    if (chosen.isEmpty()) {
        AdoptHandleDialog ask(QFileInfo(path).fileName(), m_completions(), m_window);
        if (ask.exec() != QDialog::Accepted)
            return nullptr;
        chosen = ask.handle();
    }
    BundleDialog *dialog = openDialog(tr("Add %1").arg(QFileInfo(path).fileName()));
    dialog->runner()->startAdopt({ path, chosen, lockOptions(root) });
    return dialog;
}

BundleDialog *BundleActions::exportKeys(const QStringList &keys, const QString &zipPath)
{
    QString path = zipPath;
    if (path.isEmpty()) {
        path = QFileDialog::getSaveFileName(
            m_window, tr("Export Models"), QStringLiteral("models.zip"), tr("Zip bundles (*.zip)"));
        if (path.isEmpty())
            return nullptr;
    }
    BundleDialog *dialog = openDialog(tr("Export to %1").arg(QFileInfo(path).fileName()));
    dialog->runner()->startExport({ m_cacheRoot(), keys, path, QStringLiteral(TFHUB_VERSION) });
    return dialog;
}

} // namespace tfhub::ui
