// The decoders behind decode_image (io.cpp), one file each; not part of the public API. Each refuses a
// picture over `limits` from its header, before allocating pixels, and throws lfr::Error with
// decode_error()'s one line.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lfr/image/io.h"

namespace lfr {

// A progressive JPEG may hold thousands of tiny scans, each a pass over every block (a CPU bomb); real
// encoders write about ten, and libjpeg-turbo's TurboJPEG API stops at 500 too. Both JPEG decoders refuse more.
constexpr int kMaxJpegScans = 500;

inline std::string decode_error(const std::string& label, const std::string& why) {
    return label + ": cannot decode image (" + why + ")";
}

Image decode_libjpeg(const uint8_t* bytes, size_t n, const std::string& label, const ImageLimits& limits);  // libjpeg.cpp
std::vector<uint8_t> encode_libjpeg(const Image& image, int quality);  // libjpeg.cpp
Image decode_png(const uint8_t* bytes, size_t n, const std::string& label, const ImageLimits& limits);      // png.cpp
Image decode_bmp(const uint8_t* bytes, size_t n, const std::string& label, const ImageLimits& limits);      // io.cpp (stb)

}  // namespace lfr
