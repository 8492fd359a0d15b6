# The catalog (issue: Browse models): importer, index, search, CLI verbs; the Browse page.
tfhub_add_test(NAME tst_catalog SOURCES tst_catalog.cpp LIBS tfhub_core)
tfhub_add_test(NAME tst_browse SOURCES tst_browse.cpp ${PROJECT_SOURCE_DIR}/resources/resources.qrc
               LIBS tfhub_ui)
