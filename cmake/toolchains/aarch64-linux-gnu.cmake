# Cross build for 64-bit ARM Linux (Raspberry Pi OS 64-bit, Jetson, other aarch64 boards) with Debian's
# cross compiler (apt install g++-aarch64-linux-gnu):
#   cmake -S . -B build/arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
# With qemu-user installed, ctest runs the ARM binaries under user-mode emulation (scripts/test-arm.sh).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Libraries: the cross toolchain's own root, then Debian's multiarch arm64 packages
# (/usr/lib/aarch64-linux-gnu, e.g. apt install libpng-dev:arm64). Header-only packages (doctest,
# nlohmann-json, stb) serve every architecture from the host's /usr/include. Programs are the host's.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
list(APPEND CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
# pkg-config must not hand the host's x86 libraries (FFmpeg's) to an ARM build.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)

# -L: where qemu's dynamic loader finds the ARM C and C++ runtimes (the cross toolchain's root).
find_program(LFR_QEMU_AARCH64 qemu-aarch64)
if(LFR_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${LFR_QEMU_AARCH64} -L /usr/aarch64-linux-gnu)
endif()
