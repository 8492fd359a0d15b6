# Persistent settings, the shell probe, the cache mover and their CLI / GUI faces.
tfhub_add_test(NAME tst_envpersistence SOURCES tst_envpersistence.cpp LIBS tfhub_core TIMEOUT 300)
# Mounts its own tmpfs in its own mount namespace (we run as root) for the cross-volume move.
tfhub_add_test(NAME tst_cachemover SOURCES tst_cachemover.cpp LIBS tfhub_core)
tfhub_add_test(NAME tst_envsettingsui SOURCES tst_envsettingsui.cpp ${PROJECT_SOURCE_DIR}/resources/resources.qrc
               LIBS tfhub_ui)
# The Settings page: preview, apply / unset against real shells, moving the cache, effective values.
tfhub_add_test(NAME tst_settingspage SOURCES tst_settingspage.cpp ${PROJECT_SOURCE_DIR}/resources/resources.qrc
               LIBS tfhub_ui TIMEOUT 300)
