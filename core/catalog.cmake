# The browsable catalog (issue: Browse models): importer, compact index, search, user sources.
# The bundled index is compiled in here, so the CLI (no widgets) can search it too.
target_sources(tfhub_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/catalogentry.h ${CMAKE_CURRENT_LIST_DIR}/catalogentry.cpp
  ${CMAKE_CURRENT_LIST_DIR}/catalogimporter.h ${CMAKE_CURRENT_LIST_DIR}/catalogimporter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/catalogindex.h ${CMAKE_CURRENT_LIST_DIR}/catalogindex.cpp
  ${CMAKE_CURRENT_LIST_DIR}/catalog.h ${CMAKE_CURRENT_LIST_DIR}/catalog.cpp
  ${CMAKE_CURRENT_LIST_DIR}/catalogsources.h ${CMAKE_CURRENT_LIST_DIR}/catalogsources.cpp
  ${PROJECT_SOURCE_DIR}/resources/catalog.qrc
)
