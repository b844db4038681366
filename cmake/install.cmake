# Installation and packaging of the engine (included by the root CMakeLists).
#
# Installs, under CMAKE_INSTALL_PREFIX:
#   lib/libgloompi_{common,rendezvous,transport,gloo}.a
#   include/gloompi/<layer>/...h      (the public headers; code includes them
#                                      as "gloo/context.h", "rendezvous/...")
#   lib/cmake/gloompi/                (gloompiConfig.cmake, version file and
#                                      the exported targets gloompi::common,
#                                      gloompi::rendezvous, gloompi::transport,
#                                      gloompi::gloo)
#   lib/pkgconfig/gloompi.pc
# In the build tree the same names exist as aliases (gloompi::gloo, ...), so
# code written against the installed package also builds in-tree.
include(CMakePackageConfigHelpers)

set(GLOOMPI_INSTALL_LIBRARIES gloompi_common gloompi_rendezvous gloompi_transport gloompi_gloo)
foreach(lib IN LISTS GLOOMPI_INSTALL_LIBRARIES)
  string(REPLACE "gloompi_" "" short ${lib})
  set_target_properties(${lib} PROPERTIES EXPORT_NAME ${short})
  add_library(gloompi::${short} ALIAS ${lib})
endforeach()

install(TARGETS ${GLOOMPI_INSTALL_LIBRARIES}
        EXPORT gloompiTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})

# Public headers of each layer, keeping the layer folder (tests excluded).
foreach(layer common rendezvous transport gloo)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${layer}/
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/gloompi/${layer}
          FILES_MATCHING PATTERN "*.h"
          PATTERN "tests" EXCLUDE)
endforeach()

set(GLOOMPI_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/gloompi)
install(EXPORT gloompiTargets NAMESPACE gloompi:: DESTINATION ${GLOOMPI_CMAKE_DIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/gloompiConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/gloompiConfig.cmake
                              INSTALL_DESTINATION ${GLOOMPI_CMAKE_DIR})
# 0.x releases: only the same minor version promises compatibility.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/gloompiConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION}
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/gloompiConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/gloompiConfigVersion.cmake
        DESTINATION ${GLOOMPI_CMAKE_DIR})

# pkg-config: the prefix is computed from the .pc file's own location, so an
# installed tree can be moved (or installed with `cmake --install --prefix`).
file(RELATIVE_PATH GLOOMPI_PC_TO_PREFIX
     "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" GLOOMPI_PC_TO_PREFIX "${GLOOMPI_PC_TO_PREFIX}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/gloompi.pc.in ${CMAKE_CURRENT_BINARY_DIR}/gloompi.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/gloompi.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Install tests: install into a temporary prefix, then build and run the
# example against it, once through find_package and once through
# pkg-config. Sanitizer builds skip them (the installed static libraries
# would need the sanitizer runtime at link time).
if(GLOOMPI_BUILD_TESTS AND NOT GLOOMPI_SANITIZE AND TARGET gloompi_gloo)
  foreach(mode find_package pkg-config)
    add_test(NAME install_${mode}
             COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/test_install.sh ${mode}
                     ${CMAKE_BINARY_DIR} ${PROJECT_SOURCE_DIR} ${CMAKE_COMMAND}
                     ${CMAKE_CXX_COMPILER} ${CMAKE_GENERATOR})
    set_tests_properties(install_${mode} PROPERTIES TIMEOUT 300)
  endforeach()
endif()
