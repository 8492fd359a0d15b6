# CPack: a Debian package and an RPM from the install rules (installer/package.sh builds them).
# The Windows (NSIS) and macOS (DragNDrop) settings below are written but untested (README).
set(CPACK_PACKAGE_NAME ${TFHUB_PACKAGE_NAME})
set(CPACK_PACKAGE_VENDOR "The TF Hub Cache Manager contributors")
set(CPACK_PACKAGE_CONTACT "${TFHUB_MAINTAINER}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "browse, prefetch and clean up the tensorflow_hub model cache")
# Lines under 80 characters: Debian shows them as they are.
set(CPACK_PACKAGE_DESCRIPTION
  "TF Hub Cache Manager shows what the model cache of the tensorflow_hub Python
library holds: which model each SHA-1 folder is, its size, format, state and
last use. It prefetches models with progress, resume and integrity checks,
and stays compatible with tensorflow_hub and its lock protocol. The package
holds the desktop application tfhub-cache-manager and the command-line tool
tfhub-cache, with shell completions and manual pages.")
set(CPACK_PACKAGE_HOMEPAGE_URL ${TFHUB_REPOSITORY_URL})
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGE_ICON ${PROJECT_SOURCE_DIR}/resources/icons/app.svg)
set(CPACK_PACKAGE_EXECUTABLES tfhub-cache-manager "TF Hub Cache Manager")
set(CPACK_PACKAGE_INSTALL_DIRECTORY "TF Hub Cache Manager")
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_IGNORE_FILES "/build.*/" "/\\\\.git/")
if(NOT CPACK_GENERATOR)
  set(CPACK_GENERATOR DEB RPM)
endif()

# Debian: Depends is computed by dpkg-shlibdeps, so apt pulls in the Qt, libarchive, QuaZip,
# ISA-L and OpenSSL libraries the programs link. Revision 1 matches changelog.Debian.gz.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${TFHUB_MAINTAINER}")
# The Svg plugin draws the icons; the platform plugins are not library dependencies.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins, libqt6svg6")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# RPM: its dependencies come from rpmbuild's automatic requirement scan.
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_RELEASE 1)
set(CPACK_RPM_PACKAGE_LICENSE "Apache-2.0")
set(CPACK_RPM_PACKAGE_GROUP "Applications/System")
set(CPACK_RPM_PACKAGE_URL ${TFHUB_REPOSITORY_URL})
set(CPACK_RPM_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
# Folders the file system package owns are not claimed by ours.
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
  /usr/share/applications /usr/share/metainfo /usr/share/icons /usr/share/icons/hicolor
  /usr/share/bash-completion /usr/share/bash-completion/completions /usr/share/zsh
  /usr/share/zsh/vendor-completions /usr/share/fish /usr/share/fish/vendor_completions.d
  /usr/share/man /usr/share/man/man1 /usr/share/doc)

# Windows and macOS (untested): the installer's icon and licence page, the bundle's icon.
# app.ico and app.icns are renderings of app.svg (rsvg-convert at 16 to 512 pixels, then
# ImageMagick's convert for the .ico and PNG entries ic07, ic08, ic09 for the .icns).
set(CPACK_NSIS_DISPLAY_NAME "TF Hub Cache Manager")
set(CPACK_NSIS_PACKAGE_NAME "TF Hub Cache Manager ${PROJECT_VERSION}")
set(CPACK_NSIS_MUI_ICON ${PROJECT_SOURCE_DIR}/resources/icons/app.ico)
set(CPACK_NSIS_MUI_UNIICON ${PROJECT_SOURCE_DIR}/resources/icons/app.ico)
set(CPACK_NSIS_INSTALLED_ICON_NAME bin/tfhub-cache-manager.exe)
set(CPACK_NSIS_URL_INFO_ABOUT ${TFHUB_REPOSITORY_URL})
set(CPACK_NSIS_MODIFY_PATH ON)
set(CPACK_DMG_VOLUME_NAME "TF Hub Cache Manager")
set(CPACK_BUNDLE_ICON ${PROJECT_SOURCE_DIR}/resources/icons/app.icns)
set(CPACK_DMG_SLA_USE_RESOURCE_FILE_LICENSE ON)

include(CPack)
