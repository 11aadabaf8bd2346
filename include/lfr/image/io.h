// Reading and writing pictures: JPEG, PNG and BMP in, PNG and JPEG out, always 8-bit RGB.
//
// The codecs: stb_image / stb_image_write, and for JPEG on request lfr's own decoder (jpeg.h: exactly the
// pixels jpeg-js, and so face-api and Human under Node, see); compiled once into the small static library
// `lfr::image` (CMake target lfr_image, from src/image/io.cpp and jpeg.cpp), so that any number
// of translation units may include this header; everything else in lfr stays header-only. Vendoring
// without CMake: compile src/image/io.cpp (stb headers on the include path) and jpeg.cpp (with -ffp-contract=off).
//
// Hostile input: decoding refuses anything over kMaxImageSide pixels on a side or kMaxImagePixels in
// all before it allocates, JPEGs that end before their end-of-image marker (stb would otherwise hand
// back a half-grey picture), and every error is an lfr::Error with one line naming the file:
// "photo.jpg: cannot decode image (Corrupt JPEG)".
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lfr/core/error.h"
#include "lfr/image/image.h"

namespace lfr {

constexpr int kMaxImageSide = 16384;                 // pixels on either side
constexpr int64_t kMaxImagePixels = 100'000'000;     // width * height (300 MB of RGB)

// Which decoder turns a JPEG into pixels. Decoders disagree by a few levels (chroma upsampling, IDCT
// rounding), and face-api's whole-pixel crops turn that into descriptor differences of up to 0.13.
enum class JpegDecoder {
    Stb,     // stb_image: chroma interpolated as libjpeg does; the default pipeline's LFW figure uses it
    JpegJs,  // lfr's decoder: exactly jpeg-js's bytes, the face-api/Human reference's pixels (jpeg.h)
};

// "stb" / "jpeg-js", the names the tools use.
inline const char* jpeg_decoder_name(JpegDecoder d) { return d == JpegDecoder::JpegJs ? "jpeg-js" : "stb"; }
inline std::optional<JpegDecoder> jpeg_decoder_from_name(const std::string& name) {
    if (name == "stb") return JpegDecoder::Stb;
    if (name == "jpeg-js") return JpegDecoder::JpegJs;
    return std::nullopt;
}

// Decodes a JPEG/PNG/BMP held in memory; label names the source in error messages.
Image decode_image(const uint8_t* bytes, size_t n, const std::string& label, JpegDecoder jpeg = JpegDecoder::Stb);

// Reads and decodes a file. Throws lfr::Error for a missing, unreadable, empty, truncated,
// oversized or non-image file.
Image load_image(const std::string& path, JpegDecoder jpeg = JpegDecoder::Stb);

// Encoders to memory; jpeg quality 1..100.
std::vector<uint8_t> encode_png(const Image& image);
std::vector<uint8_t> encode_jpg(const Image& image, int quality = 90);

// Encoders to a file; throw lfr::Error naming the path when the image is empty or the file
// cannot be written.
void save_png(const std::string& path, const Image& image);
void save_jpg(const std::string& path, const Image& image, int quality = 90);

}  // namespace lfr
