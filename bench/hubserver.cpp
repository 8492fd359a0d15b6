// Serves one archive file from memory over HTTP on 127.0.0.1 for the prefetch benchmark, so that
// both clients compared read the same bytes from the same server. Prints the URL, runs until killed.
#include "tests/support/testhub.h"

#include <QCoreApplication>
#include <QFile>
#include <QTextStream>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    if (args.size() != 2) {
        QTextStream(stderr) << "usage: bench_hubserver ARCHIVE\n";
        return 2;
    }
    QFile f(args.at(1));
    if (!f.open(QIODevice::ReadOnly)) {
        QTextStream(stderr) << "cannot read " << args.at(1) << ": " << f.errorString() << '\n';
        return 1;
    }
    tfhub::test::TestHub hub;
    if (!hub.start())
        return 1;
    hub.addArchive(QStringLiteral("/bench/model/1"), f.readAll());
    QTextStream(stdout) << hub.url(QStringLiteral("/bench/model/1")).toString() << Qt::endl;
    return app.exec();
}
