#!/usr/bin/env bash
# The ARM tests (tests/arm/CMakeLists.txt lists them) cross-built for aarch64 Linux with Debian's cross
# compiler into build/arm64 and run by ctest under qemu-aarch64 (user-mode emulation). On a fresh
# Debian 12 machine it installs what it needs; it reuses models/ from scripts/setup.sh (.lfr files are
# the same on every architecture). Extra arguments go to ctest (e.g. -R test_ops).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m[test-arm]\033[0m %s\n' "$*"; }
die() { printf '[test-arm] error: %s\n' "$*" >&2; exit 1; }

ls models/*.lfr >/dev/null 2>&1 || die "no models/*.lfr: run scripts/setup.sh first"
source scripts/arm-build.sh  # 1.-3.: packages, arm64 libraries, configure

# --- 4. Build, then the tests under qemu-aarch64 (ctest's CMAKE_CROSSCOMPILING_EMULATOR). ---
say "cross-building (log: $BUILD/build.log)"
start=$SECONDS
cmake --build "$BUILD" -j"$(nproc)" >"$BUILD/build.log" 2>&1 || { tail -40 "$BUILD/build.log"; die "build failed"; }
say "built in $((SECONDS - start)) s"

start=$SECONDS
ctest --test-dir "$BUILD" -j"$(nproc)" --output-on-failure "$@"
say "tests ran in $((SECONDS - start)) s"
