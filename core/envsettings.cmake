# Persistent settings (TFHUB_CACHE_DIR / TFHUB_MODEL_LOAD_FORMAT in shell and session files),
# the shell probe and the cache mover.
target_sources(tfhub_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/envsyntax.h ${CMAKE_CURRENT_LIST_DIR}/envsyntax.cpp
  ${CMAKE_CURRENT_LIST_DIR}/envpersistence.h ${CMAKE_CURRENT_LIST_DIR}/envpersistence.cpp
  ${CMAKE_CURRENT_LIST_DIR}/shellprobe.h ${CMAKE_CURRENT_LIST_DIR}/shellprobe.cpp
)
target_sources(tfhub_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/cachemover.h ${CMAKE_CURRENT_LIST_DIR}/cachemover.cpp
)
