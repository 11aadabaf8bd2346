// PNG through libpng (stb_image 2.27 passes a null pointer to memcpy on an empty IDAT, and its PNG path
// is not fuzzed upstream as libpng's is). Every colour type and depth becomes 8-bit RGB as stb made it:
// 16-bit samples keep their high byte, alpha is dropped, palettes and grey expanded, gamma ignored, and
// chunks after the image data are not read (a missing IEND does not lose a complete picture).
//
// libpng reports errors by longjmp to png_jmpbuf; as in libjpeg.cpp, guarded() holds the setjmp and
// only plain data lives in the frames a longjmp skips.
#include <csetjmp>
#include <cstring>

#include <png.h>

#include "codecs.h"

namespace lfr {

namespace {

struct Source {
    const uint8_t* p;
    size_t left;
    char message[200];
};

void read_bytes(png_structp png, png_bytep out, png_size_t n) {
    auto* s = static_cast<Source*>(png_get_io_ptr(png));
    if (n > s->left) png_error(png, "truncated PNG: the data ends early");
    std::memcpy(out, s->p, n);
    s->p += n;
    s->left -= n;
}

void on_error(png_structp png, png_const_charp why) {
    auto* s = static_cast<Source*>(png_get_io_ptr(png));
    std::strncpy(s->message, why, sizeof s->message - 1);
    png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}  // benign (bad ancillary chunks); errors still stop it

template <class F> bool guarded(png_structp png, F&& f) {
    if (setjmp(png_jmpbuf(png))) return false;
    f();
    return true;
}

uint32_t big_endian(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

}  // namespace

Image decode_png(const uint8_t* bytes, size_t n, const std::string& label, const ImageLimits& limits) {
    // IHDR is the first chunk, after the 8-byte signature: the size is refused from it before libpng
    // reads anything (its CRC included).
    LFR_CHECK(n >= 24 && std::memcmp(bytes + 12, "IHDR", 4) == 0, decode_error(label, "corrupt PNG: no IHDR chunk first"));
    const uint32_t width = big_endian(bytes + 16), height = big_endian(bytes + 20);
    const std::string refusal = limits.refusal(width, height);
    LFR_CHECK(refusal.empty(), decode_error(label, refusal));

    Source src{bytes, n, {}};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, on_error, on_warning);
    LFR_CHECK(png, decode_error(label, "out of memory"));
    png_infop info = png_create_info_struct(png);
    struct Destroy {
        png_structp* png;
        png_infop* info;
        ~Destroy() { png_destroy_read_struct(png, info, nullptr); }
    } destroy{&png, &info};
    LFR_CHECK(info, decode_error(label, "out of memory"));
    png_set_read_fn(png, &src, read_bytes);

    auto check = [&](bool ok) { LFR_CHECK(ok, decode_error(label, src.message)); };
    check(guarded(png, [&] { png_read_info(png, info); }));
    LFR_CHECK(png_get_image_width(png, info) == width && png_get_image_height(png, info) == height,
              decode_error(label, "corrupt PNG: size changed"));

    Image image;
    image.width = int(width);
    image.height = int(height);
    image.rgb.resize(size_t(width) * height * 3);
    uint8_t* out = image.rgb.data();
    check(guarded(png, [&] {
        png_set_strip_16(png);
        png_set_strip_alpha(png);
        png_set_palette_to_rgb(png);
        png_set_expand_gray_1_2_4_to_8(png);
        png_set_gray_to_rgb(png);
        const int passes = png_set_interlace_handling(png);
        png_read_update_info(png, info);
        if (png_get_rowbytes(png, info) != size_t(width) * 3) png_error(png, "unexpected row layout");
        for (int pass = 0; pass < passes; ++pass)
            for (uint32_t y = 0; y < height; ++y) png_read_row(png, out + size_t(y) * width * 3, nullptr);
    }));
    return image;
}

}  // namespace lfr
