#!/usr/bin/env bash
# The ARM tests (tests/arm/CMakeLists.txt lists them) cross-built for aarch64 Linux with Debian's cross
# compiler into build/arm64 and run by ctest under qemu-aarch64 (user-mode emulation). On a fresh
# Debian 12 machine it installs what it needs; it reuses models/ from scripts/setup.sh (.lfr files are
# the same on every architecture). Extra arguments go to ctest (e.g. -R test_ops).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${LFR_ARM_BUILD_DIR:-$ROOT/build/arm64}
say() { printf '\033[1m[test-arm]\033[0m %s\n' "$*"; }
die() { printf '[test-arm] error: %s\n' "$*" >&2; exit 1; }
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo

ls models/*.lfr >/dev/null 2>&1 || die "no models/*.lfr: run scripts/setup.sh first"

# --- 1. Host packages: the cross compiler, qemu, and the header-only libraries (any architecture). ---
LIBS=(g++-aarch64-linux-gnu qemu-user doctest-dev nlohmann-json3-dev libstb-dev cmake make)
missing=()
for p in "${LIBS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null || die "apt-get install failed: ${missing[*]}"
fi

# --- 2. arm64 libjpeg-turbo, libpng and zlib (lfr::image), unpacked into build/arm64/sysroot and linked
# statically. Downloaded, not installed: `apt-get install libpng-dev:arm64` would make apt upgrade the
# host's own libraries (multiarch packages must match versions) and the qemu run would need them too. ---
DEBS=(libjpeg62-turbo-dev libpng-dev zlib1g-dev)
SYSROOT=$BUILD/sysroot
if [ ! -f "$SYSROOT/.unpacked" ]; then
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    say "adding arm64 to dpkg's architectures (package lists only; nothing arm64 gets installed)"
    $SUDO dpkg --add-architecture arm64
    $SUDO apt-get update -qq || die "apt-get update failed"
  fi
  mkdir -p .cache/debs-arm64 "$SYSROOT"
  ( cd .cache/debs-arm64 && rm -f ./*.deb &&
    { apt-get download -qq "${DEBS[@]/%/:arm64}" 2>/dev/null ||
      { $SUDO apt-get update -qq && apt-get download -qq "${DEBS[@]/%/:arm64}"; }; } ) ||
    die "cannot download ${DEBS[*]} for arm64"
  for d in .cache/debs-arm64/*.deb; do dpkg-deb -x "$d" "$SYSROOT"; done
  touch "$SYSROOT/.unpacked"
fi
LIBDIR=$SYSROOT/usr/lib/aarch64-linux-gnu
INC=$SYSROOT/usr/include

# --- 3. Cross build. ---
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  say "configuring $BUILD"
  cmake -S tests/arm -B "$BUILD" -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchains/aarch64-linux-gnu.cmake" \
    -DCMAKE_BUILD_TYPE=Release -DLFR_CUDA=OFF \
    -DJPEG_INCLUDE_DIR="$INC" -DJPEG_LIBRARY="$LIBDIR/libjpeg.a" \
    -DPNG_PNG_INCLUDE_DIR="$INC" -DPNG_LIBRARY="$LIBDIR/libpng16.a" \
    -DZLIB_INCLUDE_DIR="$INC" -DZLIB_LIBRARY="$LIBDIR/libz.a" \
    -DCMAKE_CXX_FLAGS="-isystem $INC/aarch64-linux-gnu" >"$BUILD/configure.log" 2>&1 ||
    { cat "$BUILD/configure.log"; die "cmake configure failed"; }
fi
say "cross-building (log: $BUILD/build.log)"
start=$SECONDS
cmake --build "$BUILD" -j"$(nproc)" >"$BUILD/build.log" 2>&1 || { tail -40 "$BUILD/build.log"; die "build failed"; }
say "built in $((SECONDS - start)) s"

# --- 4. The tests under qemu-aarch64 (ctest's CMAKE_CROSSCOMPILING_EMULATOR). ---
start=$SECONDS
ctest --test-dir "$BUILD" -j"$(nproc)" --output-on-failure "$@"
say "tests ran in $((SECONDS - start)) s"
