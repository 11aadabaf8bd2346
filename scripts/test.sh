#!/usr/bin/env bash
# Set up (idempotent) and run every test. CPU tests always run; GPU tests skip with a message
# where no GPU is present. Then lfr_tests again under AddressSanitizer + UBSan (scripts/asan.sh, its own
# build in build/asan); LFR_NO_ASAN=1 skips that step.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD=${LFR_BUILD_DIR:-$PWD/build}
# Model parity tests must not pass vacuously: missing models/ is a failure here.
export LFR_REQUIRE_MODELS=1
ctest --test-dir "$BUILD" --output-on-failure "$@"
[ -n "${LFR_NO_ASAN:-}" ] || bash scripts/asan.sh
