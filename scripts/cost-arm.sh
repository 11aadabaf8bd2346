#!/usr/bin/env bash
# What each model costs on aarch64, counted without a board, as one markdown table on stdout (progress
# on stderr): instructions per inference retired under qemu-aarch64 (an instruction-counting TCG
# plugin, bench/arm/qemu_insn_count.c) with the NEON GEMM and with LFR_ISA=portable, multiply-adds,
# file sizes in float32 and float16, the planned arena, heap and peak RSS (bench/bench_cost.cpp says
# what each counts); then the sizes of the aarch64 programs. Slow (minutes), so not part of CI.
#   LFR_COST_RUNS=N   inferences counted per model and level (default 1; the counts are deterministic)
#   LFR_COST_MODELS   "a b c" to count only these models (default: every models/*.lfr with a golden input)
# Needs models/ and the host build's lfr_convert (scripts/setup.sh); the cross build is the one
# scripts/test-arm.sh uses (scripts/arm-build.sh installs and configures what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m[cost-arm]\033[0m %s\n' "$*" >&2; }
die() { printf '[cost-arm] error: %s\n' "$*" >&2; exit 1; }

RUNS=${LFR_COST_RUNS:-1}
CONVERT=${LFR_BUILD_DIR:-$PWD/build}/weights_tools/lfr_convert
[ -x "$CONVERT" ] || die "no $CONVERT: run scripts/setup.sh first"
ls models/*.lfr >/dev/null 2>&1 || die "no models/*.lfr: run scripts/setup.sh first"
source scripts/arm-build.sh >&2

say "cross-building bench_cost and from_memory (log: $BUILD/cost-build.log)"
# (configured again first: make reads its target list before any automatic re-run of cmake)
{ cmake "$BUILD" && cmake --build "$BUILD" --target bench_cost from_memory lfr_image -j"$(nproc)"; } >"$BUILD/cost-build.log" 2>&1 ||
  { tail -40 "$BUILD/cost-build.log" >&2; die "build failed"; }
PLUGIN=$BUILD/qemu_insn_count.so
gcc -shared -fPIC -O2 -Wall -Wextra -o "$PLUGIN" bench/arm/qemu_insn_count.c || die "cannot build the qemu plugin"

# bench_cost's "key value" line plus the plugin's "insns N", as one line. $1: LFR_ISA, $2: model, $3: runs.
count() {
  LFR_ISA=$1 qemu-aarch64 -L /usr/aarch64-linux-gnu -plugin "$PLUGIN" -d plugin \
    "$BUILD/bench_cost" "models/$2.lfr" "tests/golden/$2/in0.npy" --runs "$3" 2>&1 | tr '\n' ' ' ||
    die "bench_cost failed on $2"
}
# The value after key $1 in line $2.
get() { awk -v k="$1" '{ for (i = 1; i < NF; ++i) if ($i == k) { print $(i + 1); exit } }' <<<"$2"; }
mb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1048576 }'; }
# Instructions of one inference in millions: (count with 1 + RUNS runs - count with 1 run) / RUNS.
per_run() { awk -v a="$(get insns "$1")" -v b="$(get insns "$2")" -v n="$RUNS" 'BEGIN { printf "%.1f", (b - a) / n / 1e6 }'; }

models=${LFR_COST_MODELS:-$(for f in models/*.lfr; do n=$(basename "$f" .lfr); [ -f "tests/golden/$n/in0.npy" ] && echo "$n"; done)}
mkdir -p "$BUILD/f16"
start=$SECONDS
echo "| model | input | MMACs | M instructions NEON | M instructions portable | NEON instructions / MAC | f32 MB | f16 MB | arena MB | heap MB | peak RSS MB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for m in $models; do
  say "$m"
  n0=$(count neon "$m" 0); n1=$(count neon "$m" "$RUNS")
  p0=$(count portable "$m" 0); p1=$(count portable "$m" "$RUNS")
  [ "$(get isa "$n1")" = neon ] && [ "$(get isa "$p1")" = portable ] || die "$m: not run at the levels asked: $n1 / $p1"
  "$CONVERT" lfr "models/$m.lfr" -o "$BUILD/f16/$m.lfr" --weights f16 >/dev/null || die "lfr_convert failed on $m"
  macs=$(get macs "$n1")
  printf '| %s | %s | %.1f | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$m" "$(get input "$n1")" \
    "$(awk -v m="$macs" 'BEGIN { print m / 1e6 }')" "$(per_run "$n0" "$n1")" "$(per_run "$p0" "$p1")" \
    "$(awk -v i="$(per_run "$n0" "$n1")" -v m="$macs" 'BEGIN { printf "%.2f", i * 1e6 / m }')" \
    "$(mb "$(stat -c %s "models/$m.lfr")")" "$(mb "$(stat -c %s "$BUILD/f16/$m.lfr")")" "$(mb "$(get arena "$n1")")" \
    "$(mb "$(get heap "$n1")")" "$(mb $(($(get maxrss "$n1") - $(get rss0 "$n1"))))"
done
say "counted in $((SECONDS - start)) s"

# Program sizes, stripped (lfr::lfr is a static library: the engine is linked into each program).
size() { aarch64-linux-gnu-strip -o "$BUILD/stripped" "$1" && stat -c %s "$BUILD/stripped"; }
embedded=0
for m in mtcnn-pnet mtcnn-rnet mtcnn-onet mobilefacenet; do embedded=$((embedded + $(stat -c %s "models/$m.lfr"))); done
echo
echo "| aarch64 file | MB |"
echo "|---|---|"
echo "| bench_cost (model reader, executor, every CPU kernel), stripped | $(mb "$(size "$BUILD/bench_cost")") |"
fm=$(size "$BUILD/from_memory")
echo "| from_memory (default pipeline, JPEG/PNG decoding, 4 models compiled in), stripped | $(mb "$fm") |"
echo "| from_memory less its 4 models | $(mb $((fm - embedded))) |"
echo "| liblfr_image.a (static archive, not stripped) | $(mb "$(stat -c %s "$BUILD/lfr/liblfr_image.a")") |"
for lib in $(aarch64-linux-gnu-readelf -d "$BUILD/from_memory" | sed -nE 's/.*Shared library: \[(.*)\]/\1/p'); do
  echo "| $lib (shared, from the cross toolchain) | $(mb "$(stat -L -c %s "/usr/aarch64-linux-gnu/lib/$lib")") |"
done
