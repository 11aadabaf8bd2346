#!/usr/bin/env bash
# lfr vs ONNX Runtime (CPU) on the same network, weights and input: exports each .lfr model with
# lfr_export and times both engines in alternating rounds (bench/bench_ort.js; its options pass
# through, e.g. --rounds 5 --runs 20 --threads 1,2 --only faceres --tfjs). Prints a Markdown table.
# Needs scripts/setup.sh done (models/). ONNX Runtime is bench-only: installed here, on first use,
# into .cache/bench (LFR_BENCH_DIR) from bench/ort/package-lock.json, which pins every package by
# version and sha512 (npm ci checks them); nothing of lfr's build or run time needs it.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${LFR_BUILD_DIR:-build}
WORK=${LFR_BENCH_DIR:-.cache/bench}
mkdir -p "$WORK"
# --ignore-scripts: onnxruntime-node's install script only fetches GPU binaries; the CPU ones ship in its tarball.
if ! cmp -s bench/ort/package-lock.json "$WORK/package-lock.json" || [ ! -d "$WORK/node_modules/onnxruntime-node" ]; then
  echo "[bench_ort] installing onnxruntime-node into $WORK" >&2
  cp bench/ort/package.json bench/ort/package-lock.json "$WORK/"
  (cd "$WORK" && npm ci --ignore-scripts --no-audit --no-fund --silent)
fi
# --tfjs: TF.js from weights_tools/golden's pinned install, as bench/compare_tfjs.sh uses it.
if [[ " $* " == *" --tfjs "* ]]; then (cd weights_tools/golden && [ -d node_modules ] || npm ci --silent --ignore-scripts); fi
nice cmake --build "$BUILD" --target lfr_export lfr_inspect bench_one bench_cost bench_ops >/dev/null
LFR_BUILD_DIR=$BUILD LFR_BENCH_DIR=$WORK node bench/bench_ort.js "$@"
