# The first-run message bar (temporary cache folder, invalid load format) and the sections of the
# Settings page that persist the variables: cache folder, preview, the apply / move workflow and
# the effective values.
target_sources(tfhub_ui PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/firstrunbar.h ${CMAKE_CURRENT_LIST_DIR}/firstrunbar.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cachefolderbox.h ${CMAKE_CURRENT_LIST_DIR}/cachefolderbox.cpp
  ${CMAKE_CURRENT_LIST_DIR}/envpreviewbox.h ${CMAKE_CURRENT_LIST_DIR}/envpreviewbox.cpp
  ${CMAKE_CURRENT_LIST_DIR}/envapplier.h ${CMAKE_CURRENT_LIST_DIR}/envapplier.cpp
  ${CMAKE_CURRENT_LIST_DIR}/effectivevalues.h ${CMAKE_CURRENT_LIST_DIR}/effectivevalues.cpp
)
