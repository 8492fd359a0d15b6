#pragma once

#include <QByteArray>
#include <QString>

namespace tfhub::test {

/// The shared real data folder (../shared/data); aborts the test with a clear message when missing.
QString sharedDataDir();
QString savedModelsDir();

/// Copies a folder tree (files made writable, so tests may delete them).
bool copyTree(const QString &from, const QString &to);

/// Writes a file, creating parent folders. Returns false on failure.
bool writeFile(const QString &path, const QByteArray &data);

/// Extracts a .tar.gz with the system tar into an existing folder.
bool untar(const QString &archive, const QString &intoDir);

/// A PID that is certainly not running now (a child that was started and has exited).
qint64 deadPid();

/// Makes a complete cache entry as tensorflow_hub leaves it: `<root>/<key>/` holding a copy of
/// `modelDir`, and `<key>.descriptor.txt`. Returns the key.
QString makeEntry(const QString &root, const QString &handle, const QString &modelDir);

/// Points HOME and the XDG folders (config, cache, data, state) of this process and of every child it
/// starts into `home`, and puts QStandardPaths in test mode: call it before anything reads
/// QSettings or QStandardPaths, so no test touches the real home.
void isolateHome(const QString &home);

/// Sets a file's or folder's modification (and access) time.
bool setMTime(const QString &path, qint64 secsSinceEpoch);

} // namespace tfhub::test
