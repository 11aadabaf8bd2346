#!/usr/bin/env bash
# lfr vs TF.js (wasm + SIMD, 1 thread) on the same golden inputs, measured back to back on this
# machine. Needs scripts/setup.sh done and `npm ci` in weights_tools/golden (TF.js lives there).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${LFR_BUILD_DIR:-build}
(cd weights_tools/golden && [ -d node_modules ] || npm ci --silent --ignore-scripts)
table=$(mktemp)
node bench/tfjs_bench.js | tee "$table"
echo
"$BUILD/bench/bench_models" --tfjs "$table"
rm -f "$table"
