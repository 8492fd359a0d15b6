# Cache maintenance: deleting and trashing entries, watching the cache folder for changes.
target_sources(tfhub_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/entryremoval.h ${CMAKE_CURRENT_LIST_DIR}/entryremoval.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cachewatcher.h ${CMAKE_CURRENT_LIST_DIR}/cachewatcher.cpp
)
