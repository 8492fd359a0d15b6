# Cache maintenance suites: deleting and trashing entries, the cache watcher, `tfhub-cache rm`,
# the Cache page's actions and live view, and the Usage page.
tfhub_add_test(NAME tst_entryremoval SOURCES tst_entryremoval.cpp LIBS tfhub_core)
tfhub_add_test(NAME tst_climaintenance SOURCES tst_climaintenance.cpp LIBS tfhub_core)
add_dependencies(tst_climaintenance tfhub-cache)
tfhub_add_test(NAME tst_cachewatcher SOURCES tst_cachewatcher.cpp LIBS tfhub_core)
