// lfr's version: the one place it is written (CMakeLists.txt reads it from here). Semantic versioning:
// the major number changes when the API or the .lfr format stops accepting what it accepted.
#pragma once

#define LFR_VERSION_MAJOR 0
#define LFR_VERSION_MINOR 2
#define LFR_VERSION_PATCH 0
#define LFR_VERSION_STRING "0.2.0"

namespace lfr {
constexpr int kVersionMajor = LFR_VERSION_MAJOR;
constexpr int kVersionMinor = LFR_VERSION_MINOR;
constexpr int kVersionPatch = LFR_VERSION_PATCH;
constexpr const char* kVersionString = LFR_VERSION_STRING;
}  // namespace lfr
