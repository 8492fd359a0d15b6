# The streaming extraction engine (issue: prefetch).
target_sources(tfhub_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/sha256.h ${CMAKE_CURRENT_LIST_DIR}/sha256.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gzipinflater.h ${CMAKE_CURRENT_LIST_DIR}/gzipinflater.cpp
  ${CMAKE_CURRENT_LIST_DIR}/archivedecoder.h ${CMAKE_CURRENT_LIST_DIR}/archivedecoder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/archiveextractor.h ${CMAKE_CURRENT_LIST_DIR}/archiveextractor.cpp
)
