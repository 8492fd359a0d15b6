# The Browse page (issue: Browse models): catalog model, search/facet proxy, details, page.
target_sources(tfhub_ui PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/browsemodel.h ${CMAKE_CURRENT_LIST_DIR}/browsemodel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/browseproxy.h ${CMAKE_CURRENT_LIST_DIR}/browseproxy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/browsedetails.h ${CMAKE_CURRENT_LIST_DIR}/browsedetails.cpp
  ${CMAKE_CURRENT_LIST_DIR}/browsepage.h ${CMAKE_CURRENT_LIST_DIR}/browsepage.cpp)
