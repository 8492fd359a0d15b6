# The GUI suites; included by tests/CMakeLists.txt. The .qrc gives them the real state icons.
tfhub_add_test(NAME tst_cachemodel SOURCES tst_cachemodel.cpp ${PROJECT_SOURCE_DIR}/resources/resources.qrc
               LIBS tfhub_ui)
tfhub_add_test(NAME tst_mainwindow SOURCES tst_mainwindow.cpp ${PROJECT_SOURCE_DIR}/resources/resources.qrc
               LIBS tfhub_ui)
tfhub_add_test(NAME tst_downloads SOURCES tst_downloads.cpp ${PROJECT_SOURCE_DIR}/resources/resources.qrc
               LIBS tfhub_ui)
tfhub_add_test(NAME tst_maintenanceui SOURCES tst_maintenanceui.cpp ${PROJECT_SOURCE_DIR}/resources/resources.qrc
               LIBS tfhub_ui)
