#include "ui/settings/gcsfolderdialog.h"

#include "core/gcs/credentials.h"
#include "core/gcs/gcsclient.h"
#include "core/gcs/gcsurl.h"

#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace tfhub::ui {

namespace {

QLabel *wrapped(QWidget *parent, const QString &name)
{
    auto *label = new QLabel(parent);
    label->setObjectName(name);
    label->setWordWrap(true);
    label->setTextFormat(Qt::PlainText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace

GcsFolderDialog::GcsFolderDialog(const QString &current, QWidget *parent, const QProcessEnvironment &env)
    : QDialog(parent)
    , m_env(env)
    , m_bucket(new QLineEdit(this))
    , m_prefix(new QLineEdit(this))
    , m_preview(wrapped(this, QStringLiteral("gcsUrlPreview")))
    , m_error(wrapped(this, QStringLiteral("gcsError")))
    , m_credentials(wrapped(this, QStringLiteral("gcsCredentials")))
    , m_testResult(wrapped(this, QStringLiteral("gcsTestResult")))
    , m_testButton(new QPushButton(tr("&Test"), this))
{
    setObjectName(QStringLiteral("gcsFolderDialog"));
    setWindowTitle(tr("Cache in Cloud Storage"));
    auto *intro = wrapped(this, QStringLiteral("gcsIntro"));
    intro->setText(tr("tensorflow_hub can keep its cache in a Google Cloud Storage bucket "
                      "(TFHUB_CACHE_DIR=gs://bucket/prefix), for Colab TPUs or a cache a team shares."));
    m_bucket->setObjectName(QStringLiteral("gcsBucketEdit"));
    m_bucket->setPlaceholderText(tr("my-bucket"));
    m_prefix->setObjectName(QStringLiteral("gcsPrefixEdit"));
    m_prefix->setPlaceholderText(tr("tfhub-modules-cache (optional)"));
    if (const Result<gcs::GcsUrl> url = gcs::parseGcsUrl(current); url) {
        m_bucket->setText(url->bucket);
        m_prefix->setText(url->prefix);
    }
    m_error->setStyleSheet(QStringLiteral("color: #c0392b"));
    m_credentials->setText(describeCredentials(m_env));
    m_testButton->setObjectName(QStringLiteral("gcsTestButton"));
    m_testButton->setToolTip(tr("Gets an access token and lists the prefix once"));
    auto *note = wrapped(this, QStringLiteral("gcsNoMoveNote"));
    note->setForegroundRole(QPalette::PlaceholderText);
    note->setText(tr("Apply saves the location like a folder on disk. Your models are not moved: moving "
                     "between a bucket and a disk is not done (every file would pass through this computer); "
                     "tensorflow_hub downloads into the bucket what is not there yet."));

    auto *form = new QFormLayout;
    form->addRow(tr("&Bucket:"), m_bucket);
    form->addRow(tr("&Prefix:"), m_prefix);
    form->addRow(tr("Location:"), m_preview);
    form->addRow(QString(), m_error);
    form->addRow(tr("Credentials:"), m_credentials);
    auto *testRow = new QHBoxLayout;
    testRow->addWidget(m_testButton, 0, Qt::AlignTop);
    testRow->addWidget(m_testResult, 1);
    form->addRow(QString(), testRow);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setObjectName(QStringLiteral("gcsOkButton"));
    m_ok->setText(tr("Use This Location"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(buttons);
    setMinimumWidth(460);

    connect(m_bucket, &QLineEdit::textChanged, this, &GcsFolderDialog::validate);
    connect(m_prefix, &QLineEdit::textChanged, this, &GcsFolderDialog::validate);
    connect(m_testButton, &QPushButton::clicked, this, &GcsFolderDialog::startTest);
    connect(&m_test, &QFutureWatcherBase::finished, this, &GcsFolderDialog::onTested);
    validate();
}

GcsFolderDialog::~GcsFolderDialog()
{
    // A token request or a listing ends within the client's timeouts; its result has nowhere to go.
    disconnect(&m_test, nullptr, this, nullptr);
    m_test.waitForFinished();
}

QString GcsFolderDialog::error() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

QString GcsFolderDialog::credentialsText() const
{
    return m_credentials->text();
}

QString GcsFolderDialog::testText() const
{
    return m_testResult->text();
}

void GcsFolderDialog::validate()
{
    const QString bucket = m_bucket->text().trimmed();
    const QString prefix = m_prefix->text().trimmed();
    QString text = QStringLiteral("gs://") + bucket;
    if (!prefix.isEmpty())
        text += (prefix.startsWith(QLatin1Char('/')) ? QString() : QStringLiteral("/")) + prefix;
    const Result<gcs::GcsUrl> url = bucket.isEmpty()
        ? Result<gcs::GcsUrl>(Error { tr("Give the name of the bucket.") })
        : gcs::parseGcsUrl(text);
    m_url = url ? url->url() : QString();
    m_preview->setText(url ? m_url : text);
    // An empty form is no error yet: it only keeps OK disabled.
    m_error->setText(url || bucket.isEmpty() ? QString() : url.error());
    m_error->setVisible(!m_error->text().isEmpty());
    m_ok->setEnabled(bool(url));
    m_testButton->setEnabled(bool(url) && !m_test.isRunning());
    m_testResult->clear();
}

QString GcsFolderDialog::describeCredentials(const QProcessEnvironment &env)
{
    const gcs::TokenSource tokens(env);
    if (tokens.usesEmulator())
        return tr("None: STORAGE_EMULATOR_HOST sends every request to the emulator at %1.")
            .arg(tokens.emulatorHost());
    if (!env.value(QStringLiteral("GOOGLE_OAUTH_ACCESS_TOKEN")).trimmed().isEmpty())
        return tr("The access token in GOOGLE_OAUTH_ACCESS_TOKEN.");
    const QString named = env.value(QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS")).trimmed();
    const QString adc = named.isEmpty() ? gcs::wellKnownAdcPath(env) : named;
    if (!adc.isEmpty() && (QFileInfo::exists(adc) || !named.isEmpty())) {
        const Result<gcs::AdcFile> file = gcs::parseAdcFile(adc);
        if (!file)
            return tr("Application default credentials, which cannot be used: %1").arg(file.error());
        return file->type == gcs::AdcFile::Type::ServiceAccount
            ? tr("Application default credentials: service account %1 (%2).").arg(file->clientEmail, adc)
            : tr("Application default credentials: your Google account, signed in with gcloud (%1).")
                  .arg(adc);
    }
    return tr("No application default credentials: `gcloud auth print-access-token`, then the GCE metadata "
              "server, are tried. Test tells which one works.");
}

GcsFolderDialog::TestOutcome GcsFolderDialog::test(const QString &text, const QProcessEnvironment &env)
{
    const Result<gcs::GcsUrl> url = gcs::parseGcsUrl(text);
    if (!url)
        return { false, url.error() };
    auto tokens = std::make_shared<gcs::TokenSource>(env);
    const Result<gcs::AccessToken> token = tokens->token(20000);
    if (!token)
        return { false, token.error() };
    gcs::ClientOptions options;
    options.maxAttempts = 2;
    options.timeoutMs = 20000;
    gcs::GcsClient client(gcs::endpointFor(tokens->emulatorHost()), gcs::bearerFrom(tokens), options);
    const Result<QList<gcs::ObjectInfo>> listed = client.list(url->bucket, url->objectPrefix());
    const QString source = tr("Credentials from %1.").arg(token->source);
    if (!listed)
        return { false, source + u' ' + tr("Cannot list %1: %2").arg(url->url(), listed.error()) };
    qint64 bytes = 0;
    for (const gcs::ObjectInfo &o : *listed)
        bytes += o.size;
    if (listed->isEmpty())
        return {
            true,
            source + u' '
                + tr("%1 holds nothing yet; tensorflow_hub fills it on its first download.").arg(url->url())
        };
    const QString objects
        = listed->size() == 1 ? tr("1 object") : tr("%1 objects").arg(QLocale().toString(listed->size()));
    return { true,
        source + u' ' + tr("%1 holds %2, %3.").arg(url->url(), objects, QLocale().formattedDataSize(bytes)) };
}

void GcsFolderDialog::startTest()
{
    if (m_url.isEmpty() || m_test.isRunning())
        return;
    m_testButton->setEnabled(false);
    m_testResult->setText(tr("Listing %1…").arg(m_url));
    m_test.setFuture(QtConcurrent::run(&GcsFolderDialog::test, m_url, m_env));
}

void GcsFolderDialog::onTested()
{
    m_testButton->setEnabled(!m_url.isEmpty());
    if (m_test.future().resultCount() == 0)
        return;
    const TestOutcome outcome = m_test.result();
    m_testResult->setStyleSheet(outcome.ok ? QString() : QStringLiteral("color: #c0392b"));
    m_testResult->setText(outcome.text);
}

} // namespace tfhub::ui
