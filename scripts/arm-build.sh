# Sourced by scripts/test-arm.sh and scripts/cost-arm.sh: on a fresh Debian 12 machine, installs the
# cross compiler and qemu, unpacks arm64 libjpeg-turbo, libpng and zlib into $BUILD/sysroot and
# configures the aarch64 build of tests/arm/ (lfr taken in with add_subdirectory) in $BUILD
# (build/arm64 unless LFR_ARM_BUILD_DIR says otherwise). The caller defines say and die.
ROOT=$PWD
BUILD=${LFR_ARM_BUILD_DIR:-$ROOT/build/arm64}
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo

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

# --- 3. Configure the cross build. ---
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
