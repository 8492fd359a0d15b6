#pragma once

#include <QDialog>
#include <QFutureWatcher>
#include <QProcessEnvironment>

class QLabel;
class QLineEdit;
class QPushButton;

namespace tfhub::ui {

/// "Cloud Storage…" beside the cache folder: a bucket and a prefix, checked as they are typed
/// (gcs::parseGcsUrl: the bucket naming rules, no empty or "."/".." prefix parts) with the error
/// inline; which credentials a listing would use; and Test, which lists the prefix once off the
/// GUI thread. Accepting gives gs://bucket/prefix for the folder field.
class GcsFolderDialog final : public QDialog
{
    Q_OBJECT
public:
    /// `current` fills the fields when it is a gs:// location.
    explicit GcsFolderDialog(const QString &current, QWidget *parent = nullptr,
        const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());
    ~GcsFolderDialog() override;

    /// gs://bucket/prefix as parsed; empty while the fields are not valid.
    QString url() const { return m_url; }
    /// Why the fields are not valid; empty when they are.
    QString error() const;
    /// Where the credentials would come from, as far as can be told without asking a server.
    QString credentialsText() const;
    /// The last Test's outcome (empty before one).
    QString testText() const;
    bool isTesting() const { return m_test.isRunning(); }

    /// What Test found: the credentials' source and the listing, or the error.
    struct TestOutcome
    {
        bool ok = false;
        QString text;
    };
    /// Gets a token (naming its source) and lists `url` once. Blocking: for worker threads.
    static TestOutcome test(const QString &url, const QProcessEnvironment &env);
    /// The credentials a client for `env` would try first, from the environment and local files only.
    static QString describeCredentials(const QProcessEnvironment &env);

public Q_SLOTS:
    void startTest();

private:
    void validate();
    void onTested();

    QProcessEnvironment m_env;
    QString m_url;
    QLineEdit *m_bucket;
    QLineEdit *m_prefix;
    QLabel *m_preview;
    QLabel *m_error;
    QLabel *m_credentials;
    QLabel *m_testResult;
    QPushButton *m_testButton;
    QPushButton *m_ok;
    QFutureWatcher<TestOutcome> m_test;
};

} // namespace tfhub::ui
