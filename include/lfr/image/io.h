// Reading and writing pictures: JPEG, PNG and BMP in, PNG and JPEG out, always 8-bit RGB.
//
// The codecs, chosen for hostile input (every one fuzzed through decode_image, fuzz/fuzz_image.cpp):
// JPEG through libjpeg-turbo, or on request lfr's own decoder (jpeg.h: exactly the pixels of jpeg-js,
// and so of face-api and Human under Node); PNG through libpng; BMP and PNG writing through stb, JPEG writing through libjpeg-turbo. Debian 12's
// stb_image (2.27) has a heap overflow in its JPEG Huffman tables (fixed in 2.28), so it decodes BMP only.
// Compiled once into the static library `lfr::image` (CMake target lfr_image, from src/image/*.cpp), so
// that any number of translation units may include this header (lfr::lfr itself compiles only its CPU
// kernels, src/ops/). Vendoring without CMake: compile src/image/*.cpp (jpeg.cpp with -ffp-contract=off), stb
// on the include path, and link libjpeg and libpng.
//
// Hostile input: decoding refuses a picture over the caller's ImageLimits from its header, before it
// allocates anything of the picture's size (a 500-byte progressive JPEG can claim 100 megapixels), JPEGs
// that end before their end-of-image marker (decoders would hand back a half-grey picture), anything
// that is not a JPEG, PNG or BMP, and every error is an lfr::Error with one line naming the file:
// "photo.jpg: cannot decode image (Corrupt JPEG)".
#pragma once
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lfr/core/error.h"
#include "lfr/image/image.h"

namespace lfr {

constexpr int kMaxImageSide = 16384;  // pixels on either side: the most any ImageLimits allows

// What a caller accepts from a picture file. The defaults suit a service fed by strangers: 40 megapixels
// (120 MB of RGB) covers every camera short of 48 MP phones and every picture lfr's data sets hold
// (the largest is 14 MP); raise them for a trusted batch job.
struct ImageLimits {
    int64_t max_pixels = 40'000'000;      // width * height
    int max_side = kMaxImageSide;         // pixels on either side, at most kMaxImageSide
    size_t max_file_bytes = size_t(128) << 20;

    // "" when a width x height picture is within the limits, else the reason it is refused.
    std::string refusal(int64_t width, int64_t height) const {
        const int64_t side = std::min<int64_t>(max_side, kMaxImageSide);
        if (width > 0 && height > 0 && width <= side && height <= side && width * height <= max_pixels) return "";
        return "image too large: " + std::to_string(width) + "x" + std::to_string(height) + ", the limit is " +
               std::to_string(side) + " a side and " + std::to_string(max_pixels) + " pixels";
    }
};

// Which decoder turns a JPEG into pixels. Decoders disagree by a few levels (chroma upsampling, IDCT
// rounding), and face-api's whole-pixel crops turn that into descriptor differences of up to 0.13.
enum class JpegDecoder {
    Libjpeg,  // libjpeg-turbo: chroma interpolated; the default pipeline's accuracy figures use it
    JpegJs,   // lfr's decoder: exactly jpeg-js's bytes, the face-api/Human reference's pixels (jpeg.h)
};

// "libjpeg" / "jpeg-js", the names the tools use.
inline const char* jpeg_decoder_name(JpegDecoder d) { return d == JpegDecoder::JpegJs ? "jpeg-js" : "libjpeg"; }
inline std::optional<JpegDecoder> jpeg_decoder_from_name(const std::string& name) {
    if (name == "libjpeg") return JpegDecoder::Libjpeg;
    if (name == "jpeg-js") return JpegDecoder::JpegJs;
    return std::nullopt;
}

// How to read a picture: the JPEG decoder and the limits. Converts from a JpegDecoder alone.
struct ImageDecoding {
    ImageDecoding(JpegDecoder jpeg = JpegDecoder::Libjpeg, ImageLimits limits = {}) : jpeg(jpeg), limits(limits) {}
    JpegDecoder jpeg;
    ImageLimits limits;
};

// Decodes a JPEG/PNG/BMP held in memory; label names the source in error messages.
Image decode_image(const uint8_t* bytes, size_t n, const std::string& label, const ImageDecoding& how = {});

// Reads and decodes a file. Throws lfr::Error for a missing, unreadable, empty, truncated,
// oversized or non-image file.
Image load_image(const std::string& path, const ImageDecoding& how = {});

// Encoders to memory; jpeg quality 1..100.
std::vector<uint8_t> encode_png(const Image& image);
std::vector<uint8_t> encode_jpg(const Image& image, int quality = 90);

// Encoders to a file; throw lfr::Error naming the path when the image is empty or the file
// cannot be written.
void save_png(const std::string& path, const Image& image);
void save_jpg(const std::string& path, const Image& image, int quality = 90);

}  // namespace lfr
