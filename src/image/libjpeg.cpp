// JPEG through libjpeg-turbo: the default decoder (JpegDecoder::Libjpeg) and the encoder (stb's
// writer shifts negative values, undefined behaviour that UBSan reports).
//
// Why libjpeg-turbo and not stb or lfr's own decoder: stb_image 2.27 (Debian 12's) overflows the heap
// on a 10-byte file; libjpeg-turbo is fuzzed continuously upstream (OSS-Fuzz), interpolates chroma as
// stb did when the default pipeline's accuracy was measured (its pixels differ from stb's by 0.03-0.09
// levels on average on the face-api sample photos), and is the fastest (SIMD). Median decode times on
// the 2-core machine under load (2026-11-30), libjpeg-turbo / lfr's decoder / stb: the six face-api
// samples (1920x1280..1537) 11-27 / 40-63 / 26-36 ms; a 4352x2903 photo 114 / 395 / 232 ms.
// lfr's decoder stays for what it is for, jpeg-js's exact pixels (jpeg.h).
//
// libjpeg reports errors by calling error_exit, which must not return: it longjmps back to guarded(),
// whose frame and the lambdas it runs hold only plain data, so nothing is skipped that needed a destructor.
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <jpeglib.h>
#include <jerror.h>

#include "codecs.h"

namespace lfr {

namespace {

struct ErrorManager {
    jpeg_error_mgr pub;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void fail(j_common_ptr c, const char* why = nullptr) {
    auto* e = reinterpret_cast<ErrorManager*>(c->err);
    if (why) std::snprintf(e->message, sizeof e->message, "%s", why);
    else c->err->format_message(c, e->message);
    std::longjmp(e->jump, 1);
}

void on_error(j_common_ptr c) { fail(c); }

// Warnings are mostly harmless (extraneous bytes before a marker), but a premature end of data makes
// libjpeg pad the picture with grey: a truncated file is an error, as with the other decoders.
void on_message(j_common_ptr c, int level) {
    if (level < 0 && c->err->msg_code == JWRN_JPEG_EOF) fail(c, "truncated JPEG: the data ends before the end-of-image marker");
}

void on_progress(j_common_ptr c) {
    static const std::string too_many = "progressive JPEG with more than " + std::to_string(kMaxJpegScans) + " scans";
    if (reinterpret_cast<j_decompress_ptr>(c)->input_scan_number > kMaxJpegScans) fail(c, too_many.c_str());
}

// Runs f() under the error handler: false, with err.message set, when libjpeg failed inside it.
template <class F> bool guarded(ErrorManager& err, F&& f) {
    if (setjmp(err.jump)) return false;
    f();
    return true;
}

// Adobe CMYK (and YCCK, which libjpeg turns into CMYK) is stored inverted: R = C * K / 255 (as stb does).
void cmyk_to_rgb(const uint8_t* cmyk, uint8_t* rgb, size_t pixels) {
    for (size_t i = 0; i < pixels; ++i, cmyk += 4, rgb += 3)
        for (int c = 0; c < 3; ++c) rgb[c] = uint8_t((cmyk[c] * cmyk[3] + 127) / 255);
}

}  // namespace

Image decode_libjpeg(const uint8_t* bytes, size_t n, const std::string& label, const ImageLimits& limits) {
    jpeg_decompress_struct cinfo{};
    ErrorManager err{};
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = on_error;
    err.pub.emit_message = on_message;
    jpeg_progress_mgr progress{};
    progress.progress_monitor = on_progress;
    jpeg_create_decompress(&cinfo);
    cinfo.progress = &progress;
    struct Destroy {
        jpeg_decompress_struct* c;
        ~Destroy() { jpeg_destroy_decompress(c); }
    } destroy{&cinfo};

    auto check = [&](bool ok) { LFR_CHECK(ok, decode_error(label, err.message)); };
    check(guarded(err, [&] {
        jpeg_mem_src(&cinfo, bytes, static_cast<unsigned long>(n));
        jpeg_read_header(&cinfo, TRUE);
    }));
    const std::string refusal = limits.refusal(cinfo.image_width, cinfo.image_height);
    LFR_CHECK(refusal.empty(), decode_error(label, refusal));
    const bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;

    Image image;
    image.width = int(cinfo.image_width);
    image.height = int(cinfo.image_height);
    const size_t pixels = size_t(image.width) * size_t(image.height), channels = cmyk ? 4 : 3;
    std::vector<uint8_t> decoded(pixels * channels);
    uint8_t* out = decoded.data();
    check(guarded(err, [&] {
        jpeg_start_decompress(&cinfo);
        while (cinfo.output_scanline < cinfo.output_height) {
            JSAMPROW row = out + size_t(cinfo.output_scanline) * size_t(image.width) * channels;
            jpeg_read_scanlines(&cinfo, &row, 1);
        }
        jpeg_finish_decompress(&cinfo);
    }));
    if (!cmyk) {
        image.rgb = std::move(decoded);
    } else {
        image.rgb.resize(pixels * 3);
        cmyk_to_rgb(decoded.data(), image.rgb.data(), pixels);
    }
    return image;
}

std::vector<uint8_t> encode_libjpeg(const Image& image, int quality) {
    jpeg_compress_struct cinfo{};
    ErrorManager err{};
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = on_error;
    jpeg_create_compress(&cinfo);
    unsigned char* buffer = nullptr;  // libjpeg's, grown as it writes; freed below
    unsigned long size = 0;
    struct Destroy {
        jpeg_compress_struct* c;
        unsigned char** buffer;
        ~Destroy() {
            jpeg_destroy_compress(c);
            std::free(*buffer);
        }
    } destroy{&cinfo, &buffer};
    const bool ok = guarded(err, [&] {
        jpeg_mem_dest(&cinfo, &buffer, &size);
        cinfo.image_width = JDIMENSION(image.width);
        cinfo.image_height = JDIMENSION(image.height);
        cinfo.input_components = 3;
        cinfo.in_color_space = JCS_RGB;
        jpeg_set_defaults(&cinfo);
        jpeg_set_quality(&cinfo, quality, TRUE);
        jpeg_start_compress(&cinfo, TRUE);
        while (cinfo.next_scanline < cinfo.image_height) {
            JSAMPROW row = const_cast<uint8_t*>(image.rgb.data()) + size_t(cinfo.next_scanline) * size_t(image.width) * 3;
            jpeg_write_scanlines(&cinfo, &row, 1);
        }
        jpeg_finish_compress(&cinfo);
    });
    LFR_CHECK(ok, std::string("JPEG: encoding failed (") + err.message + ")");
    return std::vector<uint8_t>(buffer, buffer + size);
}

}  // namespace lfr
