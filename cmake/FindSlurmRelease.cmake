# Finds the Slurm headers and libslurm, and checks the release: the SPANK plugin's
# plugin_version must match the Slurm it runs under, so it is built per release.
find_path(SLURM_INCLUDE_DIR slurm/spank.h)
find_library(SLURM_LIBRARY slurm PATH_SUFFIXES slurm)
set(SPARKFABRIC_SLURM_VERSION "none")
if(SLURM_INCLUDE_DIR AND EXISTS "${SLURM_INCLUDE_DIR}/slurm/slurm_version.h")
  file(STRINGS "${SLURM_INCLUDE_DIR}/slurm/slurm_version.h" _slurm_version_line
       REGEX "^#define SLURM_VERSION_NUMBER")
  string(REGEX MATCH "0x[0-9a-fA-F]+" _slurm_hex "${_slurm_version_line}")
  if(_slurm_hex)
    math(EXPR _major "(${_slurm_hex} >> 16) & 255")
    math(EXPR _minor "(${_slurm_hex} >> 8) & 255")
    math(EXPR _micro "${_slurm_hex} & 255")
    if(_minor LESS 10)
      set(_minor "0${_minor}")
    endif()
    set(SPARKFABRIC_SLURM_VERSION "${_major}.${_minor}.${_micro}")
  endif()
endif()

if(SPARKFABRIC_BUILD_PLUGIN)
  if(NOT SLURM_INCLUDE_DIR OR NOT SLURM_LIBRARY)
    message(FATAL_ERROR
      "sparkfabric: the Slurm headers (slurm/spank.h) or libslurm were not found.\n"
      "Install them (Debian: apt-get install libslurm-dev), point CMAKE_PREFIX_PATH at your Slurm, "
      "or configure with -DSPARKFABRIC_BUILD_PLUGIN=OFF to build only the core and spark-fabric.")
  endif()
  if(SPARKFABRIC_SLURM_VERSION VERSION_LESS 22.05)
    message(FATAL_ERROR
      "sparkfabric: Slurm ${SPARKFABRIC_SLURM_VERSION} headers found in ${SLURM_INCLUDE_DIR}; "
      "the plugin needs Slurm 22.05 or newer. Install newer libslurm-dev or point CMAKE_PREFIX_PATH at it.")
  endif()
  message(STATUS "sparkfabric: building the plugin for Slurm ${SPARKFABRIC_SLURM_VERSION}")
  add_library(Slurm::slurm UNKNOWN IMPORTED)
  set_target_properties(Slurm::slurm PROPERTIES IMPORTED_LOCATION "${SLURM_LIBRARY}"
                        INTERFACE_INCLUDE_DIRECTORIES "${SLURM_INCLUDE_DIR}")
  # Where slurmd looks for plugins: the directory compiled into libslurm as its default
  # PluginDir (Debian and Ubuntu: <libdir>/slurm-wlm; SchedMD's packages and source builds:
  # <libdir>/slurm). It is read from libslurm itself, so it is right where only libslurm-dev is
  # installed (no plugins) and in a cross build. There libslurm lies under the sysroot, but the
  # plugin's place is the path on the target machine: the sysroot prefix is dropped.
  get_filename_component(_slurm_libdir "${SLURM_LIBRARY}" DIRECTORY)
  foreach(_root IN LISTS CMAKE_SYSROOT CMAKE_FIND_ROOT_PATH)
    string(LENGTH "${_root}" _root_length)
    string(FIND "${_slurm_libdir}/" "${_root}/" _at)
    if(_root AND _at EQUAL 0)
      string(SUBSTRING "${_slurm_libdir}" ${_root_length} -1 _slurm_libdir)
      break()
    endif()
  endforeach()
  string(REPLACE "." "\\." _slurm_libdir_regex "${_slurm_libdir}")
  file(STRINGS "${SLURM_LIBRARY}" _slurm_plugin_dirs REGEX "^${_slurm_libdir_regex}/slurm(-wlm)?$")
  if(_slurm_plugin_dirs)
    list(GET _slurm_plugin_dirs 0 _slurm_plugin_dir)
  else()
    message(WARNING "sparkfabric: libslurm names no plugin directory under ${_slurm_libdir}; "
                    "assuming ${_slurm_libdir}/slurm (set SPARKFABRIC_SLURM_PLUGIN_DIR to change it)")
    set(_slurm_plugin_dir "${_slurm_libdir}/slurm")
  endif()
  set(SPARKFABRIC_SLURM_PLUGIN_DIR "${_slurm_plugin_dir}" CACHE PATH "Slurm's plugin directory")
endif()
