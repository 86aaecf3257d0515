# Toolchain file for a cross build on Debian with Debian's cross compiler (crossbuild-essential-ARCH)
# and the target's libraries unpacked into a sysroot by scripts/cross-sysroot.
# Configure with -DCMAKE_TOOLCHAIN_FILE=cmake/CrossDebian.cmake -DSPARKFABRIC_CROSS_ARCH=arm64
# -DSPARKFABRIC_CROSS_TRIPLET=aarch64-linux-gnu -DSPARKFABRIC_SYSROOT=DIR (scripts/package does).
# The compiler keeps its own C and C++ runtime; only libraries and headers come from the sysroot,
# and programs (python3, pkg-config) from this machine.
set(CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SPARKFABRIC_CROSS_ARCH SPARKFABRIC_CROSS_TRIPLET SPARKFABRIC_SYSROOT)
foreach(_var SPARKFABRIC_CROSS_ARCH SPARKFABRIC_CROSS_TRIPLET SPARKFABRIC_SYSROOT)
  if(NOT ${_var})
    message(FATAL_ERROR "sparkfabric: the cross toolchain file needs -D${_var}=...; scripts/package --arch ARCH sets it")
  endif()
endforeach()
string(REGEX REPLACE "-.*" "" _cross_processor "${SPARKFABRIC_CROSS_TRIPLET}")

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${_cross_processor})
set(CMAKE_C_COMPILER ${SPARKFABRIC_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${SPARKFABRIC_CROSS_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${SPARKFABRIC_CROSS_TRIPLET})

set(CMAKE_FIND_ROOT_PATH ${SPARKFABRIC_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# Debian puts architecture-specific headers (hwloc's autogen/config.h) in the multiarch
# include directory, which the cross compiler looks for only in its own tree.
set(CMAKE_C_STANDARD_INCLUDE_DIRECTORIES ${SPARKFABRIC_SYSROOT}/usr/include/${SPARKFABRIC_CROSS_TRIPLET})
set(CMAKE_CXX_STANDARD_INCLUDE_DIRECTORIES ${SPARKFABRIC_SYSROOT}/usr/include/${SPARKFABRIC_CROSS_TRIPLET})
# The linker checks the libraries that libslurm, libyaml-cpp and libhwloc need in turn.
set(_cross_libdirs "${SPARKFABRIC_SYSROOT}/lib/${SPARKFABRIC_CROSS_TRIPLET}:${SPARKFABRIC_SYSROOT}/usr/lib/${SPARKFABRIC_CROSS_TRIPLET}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-rpath-link,${_cross_libdirs}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-Wl,-rpath-link,${_cross_libdirs}")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-Wl,-rpath-link,${_cross_libdirs}")
set(ENV{PKG_CONFIG_LIBDIR} "${SPARKFABRIC_SYSROOT}/usr/lib/${SPARKFABRIC_CROSS_TRIPLET}/pkgconfig:${SPARKFABRIC_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${SPARKFABRIC_SYSROOT}")
# Test programs (and GoogleTest's discovery at build time) run under qemu-user with the
# sysroot as their root for the dynamic loader and libraries.
find_program(SPARKFABRIC_QEMU qemu-${_cross_processor})
if(SPARKFABRIC_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${SPARKFABRIC_QEMU} -L ${SPARKFABRIC_SYSROOT})
endif()
