# The streaming extraction engine and the local test hub (issue: prefetch).
tfhub_add_test(NAME tst_extractor SOURCES tst_extractor.cpp LIBS tfhub_core TIMEOUT 300)
tfhub_add_test(NAME tst_testhub SOURCES tst_testhub.cpp LIBS tfhub_core)
