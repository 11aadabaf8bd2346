#!/usr/bin/env bash
# The main test binary, lfr_tests (and the `lfr` it runs), built with AddressSanitizer and UBSan in a
# build of its own (Debug at -O1 with line tables, build/asan, reused) and run: memory errors and undefined behaviour
# anywhere the tests reach fail it. Arguments go to lfr_tests (e.g. -tc="image*").
# Environment: LFR_ASAN_BUILD (folder), LFR_ASAN_JOBS (build).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${LFR_ASAN_BUILD:-$PWD/build/asan}
say() { printf '\033[1m[asan]\033[0m %s\n' "$*"; }
mkdir -p "$BUILD"
start=$SECONDS
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  # -g1: line tables only, which is all a report needs; full -g made this build 45 of CI's 90 minutes on
  # a 2-core VM (test_ops_conv.cpp: 95 s with -g, 68 s with -g1).
  cmake -S . -B "$BUILD" -DLFR_SANITIZE=ON -DLFR_CUDA=OFF -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 \
    -DCMAKE_CXX_FLAGS_DEBUG=-g1 >"$BUILD/configure.log" 2>&1 || { cat "$BUILD/configure.log"; exit 1; }
fi
cmake --build "$BUILD" -j"${LFR_ASAN_JOBS:-$(nproc)}" --target lfr_tests >"$BUILD/build.log" 2>&1 ||
  { tail -40 "$BUILD/build.log"; exit 1; }
say "built in $((SECONDS - start)) s"
start=$SECONDS
# halt_on_error: the first report fails the run; no leak check (the CLI tests' children exit early on purpose).
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# The log is kept so that a failure's checks are repeated last: CI keeps only the tail of the output.
if ! "$BUILD/tests/lfr_tests" "$@" 2>&1 | tee "$BUILD/tests.log"; then
  say "failed; the failing checks again:"
  grep -B8 -A6 -E "ERROR:|FATAL ERROR|SUMMARY: (Address|UndefinedBehavior)Sanitizer|runtime error:" "$BUILD/tests.log" | tail -120
  exit 1
fi
say "ran in $((SECONDS - start)) s"
