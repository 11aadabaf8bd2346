#!/usr/bin/env bash
# The layering check: a library header or source may include lfr headers from its own folder or from
# a lower layer only, and no file in include/ or src/ is over 600 lines. Exit 1 and one line per
# breach; run from anywhere: bash scripts/check_layers.sh
#
#   core                  errors, shapes, tensors, geometry, .npy
#   graph                 the IR
#   format | ops          the .lfr file and the graph builder | the CPU kernels
#   runtime               the executor (plans, sessions)
#   cuda | image          the CUDA backend | pictures in and out, drawing primitives, preprocessing
#   face                  detectors, landmarks, alignment, stages, pipeline, gallery
#   video                 frame sources, tracking, decisions
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A rank=([core]=0 [graph]=1 [format]=2 [ops]=2 [runtime]=3 [cuda]=4 [image]=4 [face]=5 [video]=6)
max_lines=600
bad=0
while IFS= read -r file; do
  rel=${file#include/lfr/}
  rel=${rel#src/}
  layer=${rel%%/*}
  [[ $rel == */* ]] || layer=core  # lfr/version.h and the like: below everything
  if [ -z "${rank[$layer]+x}" ]; then
    echo "$file: folder '$layer' has no layer in scripts/check_layers.sh"; bad=1; continue
  fi
  while IFS=: read -r line target; do
    [ "$target" = "$layer" ] && continue
    if [ -z "${rank[$target]+x}" ] || [ "${rank[$target]}" -ge "${rank[$layer]}" ]; then
      echo "$file:$line: $layer includes lfr/$target (not a lower layer)"; bad=1
    fi
  done < <(grep -n '#include "lfr/' "$file" | sed -E 's#^([0-9]+):.*"lfr/([a-z_]+)/.*#\1:\2#')
  lines=$(wc -l < "$file")
  if [ "$lines" -gt "$max_lines" ]; then echo "$file: $lines lines (more than $max_lines)"; bad=1; fi
done < <(find include/lfr src -type f \( -name '*.h' -o -name '*.cpp' \) | sort)
[ "$bad" = 0 ] && echo "layers: ok ($(find include/lfr src -type f | wc -l) files)"
exit "$bad"
