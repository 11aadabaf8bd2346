#!/usr/bin/env bash
# The main job in one command: set everything up (scripts/setup.sh), then find every face in face-api's
# six sample photos with `lfr detect` and draw boxes, 68 landmarks and scores on them, into out/annotated/.
# No gallery is made and nobody is enrolled.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${LFR_BUILD_DIR:-$ROOT/build}
OUT=out/annotated

bash scripts/setup.sh

PHOTOS=.cache/packages/face-api/package/demo
mkdir -p "$OUT"
printf '\033[1m[demo]\033[0m faces in the six face-api sample photos (the default pipeline: mtcnn -> its five points):\n'
# Run from the photos' directory so that each summary line starts with the photo's own name.
(cd "$PHOTOS" && "$BUILD/samples/lfr" detect --models "$ROOT/models" --draw-dir "$ROOT/$OUT" sample{1..6}.jpg) |
  sed "s|$ROOT/||"
printf '\033[1m[demo]\033[0m annotated pictures: %s/sample1.png ... %s/sample6.png\n' "$OUT" "$OUT"
