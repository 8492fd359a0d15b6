# The desktop application; included by app/CMakeLists.txt.
add_executable(tfhub-cache-manager gui_main.cpp guibenchmark.h guibenchmark.cpp ${PROJECT_SOURCE_DIR}/resources/resources.qrc)
target_link_libraries(tfhub-cache-manager PRIVATE tfhub_ui tfhub_settings)
install(TARGETS tfhub-cache-manager RUNTIME DESTINATION bin)
install(FILES ${PROJECT_SOURCE_DIR}/resources/tfhub-cache-manager.desktop DESTINATION share/applications)
install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/app.svg
        DESTINATION share/icons/hicolor/scalable/apps RENAME tfhub-cache-manager.svg)
