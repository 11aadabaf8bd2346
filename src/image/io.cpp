// io.h's entry points: reading the file, the limits, choosing the decoder by the leading bytes (codecs.h),
// BMP decoding and PNG encoding through stb_image / stb_image_write (JPEG encoding: libjpeg.cpp).
// The stb functions are compiled `static` (STB_IMAGE_STATIC), so a program that has its own copy of
// stb links without duplicate symbols.
#include "lfr/image/io.h"
#include "codecs.h"
#include "lfr/image/jpeg.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <memory>

// --- stb configuration: BMP only (io.h says why), no stdio inside stb, bounded sizes. ------------
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_BMP
#define STBI_NO_STDIO
#define STBI_FAILURE_USERMSG
#define STBI_MAX_DIMENSIONS 16384  // = lfr::kMaxImageSide, checked below
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#endif
#include <stb_image.h>
#include <stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

static_assert(STBI_MAX_DIMENSIONS == lfr::kMaxImageSide, "stb's size limit and lfr's must agree");

namespace lfr {

namespace {

// Whether a JPEG stream reaches its end-of-image marker. libjpeg decodes a JPEG cut off inside its
// scan data with only a warning (the missing part comes back grey; libjpeg.cpp refuses that warning
// too), so a truncated upload or an interrupted copy would silently become a wrong picture. This walks the marker segments (APPn
// segments, and the EXIF thumbnail inside them, are skipped by length) and the entropy-coded data
// (where 0xFF is always followed by 0x00 or a restart marker). Returns false only when the data
// ends early; anything it does not understand is left to the decoder to judge.
bool jpeg_reaches_eoi(const uint8_t* p, size_t n) {
    size_t i = 2;  // after SOI
    while (true) {
        if (i >= n) return false;
        if (p[i] != 0xFF) return true;  // not a marker where one belongs: the decoder decides
        while (i < n && p[i] == 0xFF) ++i;  // fill bytes
        if (i >= n) return false;
        const uint8_t marker = p[i++];
        if (marker == 0xD9) return true;                                  // EOI
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
        if (i + 2 > n) return false;
        const size_t len = size_t(p[i]) << 8 | p[i + 1];
        if (len < 2) return true;
        if (i + len > n) return false;
        i += len;
        if (marker != 0xDA) continue;
        // SOS: entropy-coded data up to the next marker that is not a stuffed byte or a restart.
        while (true) {
            if (i + 1 >= n) return false;
            if (p[i] != 0xFF) {
                ++i;
                continue;
            }
            const uint8_t next = p[i + 1];
            if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
                i += 2;
            } else if (next == 0xFF) {
                ++i;
            } else {
                break;  // a real marker at i
            }
        }
    }
}

// The format from the leading bytes only: no decoder is tried on a file that is not its own (a JPEG
// starting FF FF D8 once reached stb past the JPEG checks).
bool is_jpeg(const uint8_t* p, size_t n) { return n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF; }
bool is_png(const uint8_t* p, size_t n) { return n >= 8 && std::memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0; }
bool is_bmp(const uint8_t* p, size_t n) { return n >= 2 && p[0] == 'B' && p[1] == 'M'; }

void check_encodable(const Image& image, const std::string& what) {
    LFR_CHECK(image.width > 0 && image.height > 0,
              what + ": cannot encode an empty image (" + std::to_string(image.width) + "x" +
                  std::to_string(image.height) + ")");
    LFR_CHECK(image.width <= kMaxImageSide && image.height <= kMaxImageSide,
              what + ": image too large to encode (" + std::to_string(image.width) + "x" +
                  std::to_string(image.height) + ")");
    LFR_CHECK(image.rgb.size() == size_t(image.width) * size_t(image.height) * 3,
              what + ": image buffer holds " + std::to_string(image.rgb.size()) + " bytes, expected " +
                  std::to_string(size_t(image.width) * size_t(image.height) * 3));
}

void append_bytes(void* context, void* data, int size) {
    auto* out = static_cast<std::vector<uint8_t>*>(context);
    const auto* bytes = static_cast<const uint8_t*>(data);
    out->insert(out->end(), bytes, bytes + size);
}

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::FILE* raw = std::fopen(path.c_str(), "wb");
    LFR_CHECK(raw, path + ": cannot open for writing (" + std::strerror(errno) + ")");
    std::unique_ptr<std::FILE, FileCloser> f(raw);
    const bool wrote = std::fwrite(bytes.data(), 1, bytes.size(), f.get()) == bytes.size();
    const int write_errno = errno;
    LFR_CHECK(wrote, path + ": cannot write (" + std::strerror(write_errno) + ")");
    LFR_CHECK(std::fclose(f.release()) == 0, path + ": cannot write (" + std::strerror(errno) + ")");
}

}  // namespace

Image decode_bmp(const uint8_t* bytes, size_t n, const std::string& label, const ImageLimits& limits) {
    int w = 0, h = 0, channels = 0;
    if (!stbi_info_from_memory(bytes, int(n), &w, &h, &channels)) throw Error(decode_error(label, stbi_failure_reason()));
    const std::string refusal = limits.refusal(w, h);
    LFR_CHECK(refusal.empty(), decode_error(label, refusal));
    // stb decodes a BMP whose rows are missing without complaint, a pixel at a time: a 36-byte file
    // claiming 13568x247 1-bit pixels took 13 s (found by fuzz_image). The rows must be in the file.
    // (stb takes no compressed BMP, so every row is ceil(w * bits / 32) words.)
    auto le = [&](size_t at, int bytes_) {
        uint32_t v = 0;
        for (int i = bytes_ - 1; i >= 0; --i) v = v << 8 | (at + size_t(i) < n ? bytes[at + size_t(i)] : 0);
        return v;
    };
    const uint32_t offset = le(10, 4), bits = le(le(14, 4) == 12 ? 24 : 28, 2);
    const uint64_t row_bytes = (uint64_t(w) * bits + 31) / 32 * 4;
    LFR_CHECK(uint64_t(offset) + row_bytes * uint64_t(h) <= n,
              decode_error(label, "truncated BMP: " + std::to_string(w) + "x" + std::to_string(h) + " pixels of " +
                                      std::to_string(bits) + " bits need more than the file's " + std::to_string(n) + " bytes"));
    stbi_uc* pixels = stbi_load_from_memory(bytes, int(n), &w, &h, &channels, 3);
    if (!pixels) throw Error(decode_error(label, stbi_failure_reason()));
    Image image;
    image.width = w;
    image.height = h;
    image.rgb.assign(pixels, pixels + size_t(w) * size_t(h) * 3);
    stbi_image_free(pixels);
    return image;
}

Image decode_image(const uint8_t* bytes, size_t n, const std::string& label, const ImageDecoding& how) {
    LFR_CHECK(n > 0, decode_error(label, "empty file"));
    LFR_CHECK(n <= how.limits.max_file_bytes && n <= size_t(INT_MAX),
              decode_error(label, "file of " + std::to_string(n) + " bytes, the limit is " + std::to_string(how.limits.max_file_bytes)));
    if (is_png(bytes, n)) return decode_png(bytes, n, label, how.limits);
    if (is_bmp(bytes, n)) return decode_bmp(bytes, n, label, how.limits);
    LFR_CHECK(is_jpeg(bytes, n), decode_error(label, "not a JPEG, PNG or BMP file"));
    if (how.jpeg == JpegDecoder::JpegJs) return decode_jpeg(bytes, n, label, how.limits);
    LFR_CHECK(jpeg_reaches_eoi(bytes, n), decode_error(label, "truncated JPEG: the data ends before the end-of-image marker"));
    return decode_libjpeg(bytes, n, label, how.limits);
}

Image load_image(const std::string& path, const ImageDecoding& how) {
    std::FILE* raw = std::fopen(path.c_str(), "rb");
    LFR_CHECK(raw, path + ": cannot open (" + std::strerror(errno) + ")");
    std::unique_ptr<std::FILE, FileCloser> f(raw);
    std::vector<uint8_t> bytes;
    uint8_t chunk[1 << 16];
    while (true) {
        const size_t got = std::fread(chunk, 1, sizeof chunk, f.get());
        bytes.insert(bytes.end(), chunk, chunk + got);
        LFR_CHECK(bytes.size() <= how.limits.max_file_bytes,
                  decode_error(path, "file larger than the limit of " + std::to_string(how.limits.max_file_bytes) + " bytes"));
        if (got < sizeof chunk) break;
    }
    LFR_CHECK(!std::ferror(f.get()), path + ": cannot read (" + std::strerror(errno) + ")");
    return decode_image(bytes.data(), bytes.size(), path, how);
}

std::vector<uint8_t> encode_png(const Image& image) {
    check_encodable(image, "PNG");
    std::vector<uint8_t> out;
    LFR_CHECK(stbi_write_png_to_func(append_bytes, &out, image.width, image.height, 3, image.rgb.data(), image.width * 3),
              "PNG: encoding failed");
    return out;
}

std::vector<uint8_t> encode_jpg(const Image& image, int quality) {
    check_encodable(image, "JPEG");
    LFR_CHECK(quality >= 1 && quality <= 100, "JPEG: quality " + std::to_string(quality) + " is outside 1..100");
    return encode_libjpeg(image, quality);
}

void save_png(const std::string& path, const Image& image) {
    check_encodable(image, path);
    write_file(path, encode_png(image));
}

void save_jpg(const std::string& path, const Image& image, int quality) {
    check_encodable(image, path);
    write_file(path, encode_jpg(image, quality));
}

}  // namespace lfr
