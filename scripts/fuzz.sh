#!/usr/bin/env bash
# Runs every libFuzzer target of fuzz/ for RUNS executions (default 1,000,000), or only the targets
# named:  bash scripts/fuzz.sh [RUNS] [TARGET...]
# Builds them first with clang++ in build/fuzz (reused). Each target starts from its seeds in
# fuzz/corpus/NAME/ and stops after LFR_FUZZ_MAX_TIME seconds (default 3600) whatever RUNS says.
# Crashes, leaks, timeouts and out-of-memory inputs are saved to fuzz/findings/NAME-* and make the
# script fail; logs and new coverage go to build/fuzz/work/ (NAME.log, corpus/NAME/: merge that into
# fuzz/corpus by hand with -merge=1). Environment: LFR_FUZZ_BUILD, LFR_FUZZ_WORK, LFR_FUZZ_FINDINGS
# (folders), LFR_FUZZ_SEED (default: random), LFR_FUZZ_JOBS (build).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-1000000}
shift $(($# > 0 ? 1 : 0))
BUILD=${LFR_FUZZ_BUILD:-$PWD/build/fuzz}
WORK=${LFR_FUZZ_WORK:-$BUILD/work}
FINDINGS=${LFR_FUZZ_FINDINGS:-$PWD/fuzz/findings}
MAX_TIME=${LFR_FUZZ_MAX_TIME:-3600}
say() { printf '\033[1m[fuzz]\033[0m %s\n' "$*"; }

command -v clang++ >/dev/null || { echo "[fuzz] clang++ not found (bash scripts/setup.sh installs it)" >&2; exit 1; }
mkdir -p "$BUILD" "$FINDINGS"
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S fuzz -B "$BUILD" -DCMAKE_CXX_COMPILER=clang++ >"$BUILD/configure.log" 2>&1 ||
    { cat "$BUILD/configure.log"; exit 1; }
fi
cmake --build "$BUILD" -j"${LFR_FUZZ_JOBS:-$(nproc)}" >"$BUILD/build.log" 2>&1 || { tail -40 "$BUILD/build.log"; exit 1; }

failed=0
while read -r name max_len; do
  if (($#)) && [[ " $* " != *" $name "* ]]; then continue; fi
  rm -rf "$WORK/corpus/$name" && mkdir -p "$WORK/corpus/$name"
  log="$WORK/$name.log"
  start=$SECONDS
  # The first corpus folder receives new inputs; the seeds in the repo stay as they are.
  if "$BUILD/$name" "$WORK/corpus/$name" "fuzz/corpus/$name" -runs="$RUNS" -max_len="$max_len" \
       -max_total_time="$MAX_TIME" -timeout=10 -rss_limit_mb=2048 -seed="${LFR_FUZZ_SEED:-0}" \
       -artifact_prefix="$FINDINGS/$name-" -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    failed=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  say "$name: $result, ${runs:-0} executions in $((SECONDS - start)) s (log: $log)"
  if [ $result = FAILED ]; then
    grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" || tail -5 "$log"
    grep -o "Test unit written to .*" "$log" || true
  fi
done <"$BUILD/targets.txt"
exit $failed
