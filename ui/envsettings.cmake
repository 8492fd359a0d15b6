# The first-run message bar (temporary cache folder, invalid load format).
target_sources(tfhub_ui PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/firstrunbar.h ${CMAKE_CURRENT_LIST_DIR}/firstrunbar.cpp
)
