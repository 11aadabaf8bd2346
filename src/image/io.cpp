// lfr::image's codecs behind the declarations of io.h: stb_image and stb_image_write, configured for
// hostile input, and lfr's jpeg-js-exact JPEG decoder (jpeg.cpp) when the caller asks for it. Built with
// jpeg.cpp as the static library lfr_image (CMake target lfr::image).
// The stb functions are compiled `static` (STB_IMAGE_STATIC), so a program that has its own copy of
// stb links without duplicate symbols.
#include "lfr/image/io.h"
#include "lfr/image/jpeg.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <memory>

// --- stb configuration: only the three formats we promise, no stdio inside stb, bounded sizes. ----
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
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

constexpr size_t kMaxFileBytes = size_t(512) << 20;  // no supported picture this size is sane

std::string decode_error(const std::string& label, const std::string& why) {
    return label + ": cannot decode image (" + why + ")";
}

// Whether a JPEG stream reaches its end-of-image marker. stb_image decodes a JPEG cut off inside
// its scan data without complaint (the missing part comes back grey), so a truncated upload or an
// interrupted copy would silently become a wrong picture. This walks the marker segments (APPn
// segments, and the EXIF thumbnail inside them, are skipped by length) and the entropy-coded data
// (where 0xFF is always followed by 0x00 or a restart marker). Returns false only when the data
// ends early; anything it does not understand is left to stb to judge.
bool jpeg_reaches_eoi(const uint8_t* p, size_t n) {
    size_t i = 2;  // after SOI
    while (true) {
        if (i >= n) return false;
        if (p[i] != 0xFF) return true;  // not a marker where one belongs: stb decides
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

bool is_jpeg(const uint8_t* p, size_t n) { return n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF; }

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

Image decode_image(const uint8_t* bytes, size_t n, const std::string& label, JpegDecoder jpeg) {
    LFR_CHECK(n > 0, decode_error(label, "empty file"));
    LFR_CHECK(n <= size_t(INT_MAX), decode_error(label, "file too large"));
    if (jpeg == JpegDecoder::JpegJs && is_jpeg(bytes, n)) return decode_jpeg(bytes, n, label);
    LFR_CHECK(!is_jpeg(bytes, n) || jpeg_reaches_eoi(bytes, n),
              decode_error(label, "truncated JPEG: the data ends before the end-of-image marker"));
    int w = 0, h = 0, channels = 0;
    if (!stbi_info_from_memory(bytes, int(n), &w, &h, &channels))
        throw Error(decode_error(label, stbi_failure_reason()));
    LFR_CHECK(w > 0 && h > 0 && w <= kMaxImageSide && h <= kMaxImageSide && int64_t(w) * h <= kMaxImagePixels,
              decode_error(label, "image too large: " + std::to_string(w) + "x" + std::to_string(h) +
                                      ", the limit is " + std::to_string(kMaxImageSide) + " a side and " +
                                      std::to_string(kMaxImagePixels) + " pixels"));
    stbi_uc* pixels = stbi_load_from_memory(bytes, int(n), &w, &h, &channels, 3);
    if (!pixels) throw Error(decode_error(label, stbi_failure_reason()));
    Image image;
    image.width = w;
    image.height = h;
    image.rgb.assign(pixels, pixels + size_t(w) * size_t(h) * 3);
    stbi_image_free(pixels);
    return image;
}

Image load_image(const std::string& path, JpegDecoder jpeg) {
    std::FILE* raw = std::fopen(path.c_str(), "rb");
    LFR_CHECK(raw, path + ": cannot open (" + std::strerror(errno) + ")");
    std::unique_ptr<std::FILE, FileCloser> f(raw);
    std::vector<uint8_t> bytes;
    uint8_t chunk[1 << 16];
    while (true) {
        const size_t got = std::fread(chunk, 1, sizeof chunk, f.get());
        bytes.insert(bytes.end(), chunk, chunk + got);
        LFR_CHECK(bytes.size() <= kMaxFileBytes,
                  path + ": cannot decode image (file larger than " + std::to_string(kMaxFileBytes >> 20) + " MiB)");
        if (got < sizeof chunk) break;
    }
    LFR_CHECK(!std::ferror(f.get()), path + ": cannot read (" + std::strerror(errno) + ")");
    return decode_image(bytes.data(), bytes.size(), path, jpeg);
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
    std::vector<uint8_t> out;
    LFR_CHECK(stbi_write_jpg_to_func(append_bytes, &out, image.width, image.height, 3, image.rgb.data(), quality),
              "JPEG: encoding failed");
    return out;
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
