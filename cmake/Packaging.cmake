# The Debian package, for the Slurm release series and the architecture it is built for: `cpack -G DEB` in a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr. scripts/package does both and prints the .deb's path.
#
# What goes in: spark-fabric and spark-launch (/usr/bin), sparkfabric.so (Slurm's plugin dir,
# SPARKFABRIC_SLURM_PLUGIN_DIR), /etc/slurm/sparkfabric.yaml.example and
# /etc/slurm/plugstack.conf.d/sparkfabric.conf (Debian's plugstack.conf includes that dir).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sparkfabric)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})  # + the Slurm series, below
set(CPACK_PACKAGE_VENDOR "sparkfabric developers")
set(CPACK_PACKAGE_CONTACT "sparkfabric developers")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "sparkfabric developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
# CPack puts the summary first and indents these lines for the control file.
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "sparkfabric gives every Slurm job on stacked NVIDIA DGX Spark nodes\n"
  "(ConnectX-7 RoCE) the right NCCL, UCX, Open MPI, gloo and tensorpipe fabric\n"
  "settings, and fails a job whose fabric is broken with a message naming the\n"
  "node, the interface and the fix.\n"
  "\n"
  "It ships the SPANK plugin sparkfabric.so, enabled by\n"
  "/etc/slurm/plugstack.conf.d/sparkfabric.conf; spark-fabric (detect, env,\n"
  "check, probe-gpu); and spark-launch (torchrun, mpirun and srun across the\n"
  "nodes of a job). A sample site config is installed as\n"
  "/etc/slurm/sparkfabric.yaml.example.")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # sparkfabric_0.1.0+slurm22.05_amd64.deb
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Stripped binaries in the package; their debug info in sparkfabric-dbgsym_*.ddeb beside it.
set(CPACK_DEBIAN_DEBUGINFO_PACKAGE ON)

# The target's Debian architecture: this machine's, or the one a cross build is for
# (cmake/CrossDebian.cmake). CPack would otherwise take this machine's.
if(SPARKFABRIC_CROSS_ARCH)
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${SPARKFABRIC_CROSS_ARCH})
endif()

# Runtime libraries (libyaml-cpp, libhwloc, libslurm for spark-launch, libstdc++, libc ...) are
# computed by dpkg-shlibdeps from the binaries, with the package names and minimum versions of
# the system the package is built on. A cross build reads them from the sysroot's
# DEBIAN/symbols and DEBIAN/shlibs (scripts/cross-sysroot), found through -l below.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
if(SPARKFABRIC_SYSROOT)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS
      "${SPARKFABRIC_SYSROOT}/usr/lib/${SPARKFABRIC_CROSS_TRIPLET}" "${SPARKFABRIC_SYSROOT}/lib/${SPARKFABRIC_CROSS_TRIPLET}")
endif()

# The plugin is built against one Slurm release series: Slurm refuses a plugin whose
# plugin_version has another major.minor. So the version names the series
# (0.1.0+slurm22.05) and the package needs Slurm's client of that series: Debian's and
# Ubuntu's slurm-client or SchedMD's slurm-smd-client. srun/sbatch/salloc load the plugin
# (slurm-client; with Debian's, slurm-wlm-basic-plugins' /etc/slurm/plugstack.conf includes
# plugstack.conf.d/*.conf); so does slurmstepd on compute nodes (slurmd: recommended, a login
# node needs only the client).
set(_sparkfabric_depends "")
if(TARGET sparkfabric_spank AND SPARKFABRIC_SLURM_VERSION MATCHES "^([0-9]+)\\.([0-9]+)")
  set(_slurm_series "${CMAKE_MATCH_1}.${CMAKE_MATCH_2}")
  math(EXPR _slurm_next_minor "${CMAKE_MATCH_2} + 1")
  if(_slurm_next_minor LESS 10)
    set(_slurm_next_minor "0${_slurm_next_minor}")
  endif()
  set(_slurm_next "${CMAKE_MATCH_1}.${_slurm_next_minor}")
  set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}+slurm${_slurm_series}")
  # Either vendor's client satisfies each bound; the two bounds together keep it in the series.
  set(_sparkfabric_depends
      "slurm-client (>= ${_slurm_series}) | slurm-smd-client (>= ${_slurm_series}), "
      "slurm-client (<< ${_slurm_next}) | slurm-smd-client (<< ${_slurm_next})")
  string(CONCAT _sparkfabric_depends ${_sparkfabric_depends})
  string(CONCAT CPACK_DEBIAN_PACKAGE_RECOMMENDS
      "slurmd (>= ${_slurm_series}) | slurm-smd-slurmd (>= ${_slurm_series}), "
      "slurmd (<< ${_slurm_next}) | slurm-smd-slurmd (<< ${_slurm_next})")
endif()
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${_sparkfabric_depends}")

# Files under /etc are conffiles: an upgrade keeps the admin's edits (say, required ->
# optional in the plugstack line).
set(_sparkfabric_conffiles "${CMAKE_CURRENT_BINARY_DIR}/deb/conffiles")
file(WRITE "${_sparkfabric_conffiles}"
     "${CMAKE_INSTALL_FULL_SYSCONFDIR}/slurm/plugstack.conf.d/sparkfabric.conf\n"
     "${CMAKE_INSTALL_FULL_SYSCONFDIR}/slurm/sparkfabric.yaml.example\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${_sparkfabric_conffiles}")

# Destinations that are absolute (the etc files, the plugin) were fixed at configure time
# from CMAKE_INSTALL_PREFIX, so a .deb from a /usr/local build would put them in the wrong
# place: cpack refuses such a build.
set(CPACK_SPARKFABRIC_CONFIGURED_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_PROJECT_CONFIG_FILE "${CMAKE_CURRENT_BINARY_DIR}/deb/CPackProjectConfig.cmake")
file(WRITE "${CPACK_PROJECT_CONFIG_FILE}" [=[
if(CPACK_GENERATOR STREQUAL "DEB" AND NOT CPACK_SPARKFABRIC_CONFIGURED_PREFIX STREQUAL "/usr")
  message(FATAL_ERROR "sparkfabric: the .deb needs a build configured with -DCMAKE_INSTALL_PREFIX=/usr "
                      "(this one has ${CPACK_SPARKFABRIC_CONFIGURED_PREFIX}); scripts/package does that")
endif()
# Without dpkg-shlibdeps CPack would leave the library dependencies out of the package.
find_program(_sparkfabric_shlibdeps dpkg-shlibdeps)
if(CPACK_GENERATOR STREQUAL "DEB" AND NOT _sparkfabric_shlibdeps)
  message(FATAL_ERROR "sparkfabric: dpkg-shlibdeps computes the package's library dependencies; "
                      "install it (apt-get install dpkg-dev)")
endif()
# In a cross build dpkg-shlibdeps reads the target's binaries with the target's objdump and
# looks in the target's multiarch directories.
if(CPACK_DEBIAN_PACKAGE_ARCHITECTURE)
  set(ENV{DEB_HOST_ARCH} "${CPACK_DEBIAN_PACKAGE_ARCHITECTURE}")
endif()
]=])

include(CPack)
