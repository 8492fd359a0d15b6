# The local test hub server (issue: prefetch).
target_sources(tfhub_testsupport PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/testhub.h ${CMAKE_CURRENT_LIST_DIR}/testhub.cpp
)
