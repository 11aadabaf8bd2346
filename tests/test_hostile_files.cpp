// Regression tests for the hostile files of tests/hostile/ (reproducers that once crashed, hung or
// exhausted lfr; fuzz/: what the fuzzers found): each now gives one lfr::Error naming the file, through the library and through `lfr`
// (exit 1, one line on stderr). The pictures are also seeds of fuzz/corpus/fuzz_image.
#include <doctest/doctest.h>

#include <fstream>

#include "cli_test_util.h"
#include "lfr/core/npy.h"
#include "lfr/face/gallery.h"
#include "lfr/format/model_file.h"
#include "lfr/image/io.h"
#include "lfr/image/jpeg.h"
#include "tfjs_graph.h"

using namespace cli_test;

namespace {

const std::string kHostile = kSource + "/tests/hostile/";

// The one lfr::Error f throws ("" if none); any other exception fails the test.
template <class F> std::string error_of(F&& f) {
    try {
        f();
    } catch (const lfr::Error& e) {
        return e.what();
    }
    return "";
}

void check_error(const std::string& message, const std::string& file, const std::string& why) {
    INFO("error: " << message);
    CHECK(message.find(file) != std::string::npos);
    CHECK(message.find(why) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
}

}  // namespace

TEST_CASE("hostile pictures: refused by both JPEG decoders, before allocating pixels") {
    const std::pair<const char*, const char*> files[] = {
        {"image/min-stb-dht-overflow.jpg", "cannot decode image"},
        {"image/stb-dht-heap-overflow-crafted.jpg", "cannot decode image"},
        {"image/leading_ff_routes_to_stb.jpg", "not a JPEG, PNG or BMP file"},
        {"bombs/jpeg_prog_eob_10000x10000_cmyk.jpg", "image too large: 10000x10000"},
        {"bombs/jpeg_prog_eob_10000x10000_grey.jpg", "image too large: 10000x10000"},
        {"bombs/jpeg_prog_eob_16384x6103_rgb.jpg", "image too large: 16384x6103"},
        {"bombs/png_zlib_10000x10000.png", "image too large: 10000x10000"},
        {"bombs/jpeg_header_60000x60000.jpg", "image too large: 60000x60000"},
        {"bombs/png_header_60000x60000.png", "image too large: 60000x60000"},
        {"fuzz/bmp_1bit_rows_missing.bmp", "truncated BMP: 13568x247"},  // 13 s in stb before (fuzz_image)
    };
    for (const auto& [file, why] : files) {
        CAPTURE(file);
        for (lfr::JpegDecoder d : {lfr::JpegDecoder::Libjpeg, lfr::JpegDecoder::JpegJs})
            check_error(error_of([&] { lfr::load_image(kHostile + file, d); }), file, why);
    }
}

TEST_CASE("hostile pictures: libpng refuses the PNG that made stb pass null to memcpy (its CRCs are wrong)") {
    const std::string file = "image/min-stb-png-empty-idat-null-memcpy.png";
    check_error(error_of([&] { lfr::load_image(kHostile + file); }), file, "CRC error");
}

TEST_CASE("image limits: pixels, side and file size are the caller's, checked from the header") {
    const std::string photo = kSource + "/tests/golden/jpeg/odd17x9.jpg";
    lfr::ImageLimits l;
    l.max_pixels = 17 * 9;
    CHECK(lfr::load_image(photo, {lfr::JpegDecoder::Libjpeg, l}).width == 17);
    l.max_pixels = 17 * 9 - 1;
    for (lfr::JpegDecoder d : {lfr::JpegDecoder::Libjpeg, lfr::JpegDecoder::JpegJs})
        check_error(error_of([&] { lfr::load_image(photo, {d, l}); }), "odd17x9.jpg", "image too large: 17x9");
    l = {};
    l.max_side = 16;
    check_error(error_of([&] { lfr::load_image(photo, {lfr::JpegDecoder::Libjpeg, l}); }), "odd17x9.jpg", "16 a side");
    l = {};
    l.max_file_bytes = 100;
    check_error(error_of([&] { lfr::load_image(photo, {lfr::JpegDecoder::Libjpeg, l}); }), "odd17x9.jpg", "limit of 100 bytes");
}

TEST_CASE("hostile models: element counts past int64 are refused at load") {
    for (const char* file : {"model/numel_wrap_transpose.lfr", "model/numel_wrap_conv_weight.lfr"}) {
        CAPTURE(file);
        check_error(error_of([&] { lfr::Model::load(kHostile + file); }), file, "more than 2^40 elements");
    }
    CHECK(lfr::read_npy(kHostile + "model/in_1.npy").values.size() == 1);
}

TEST_CASE("hostile .npy headers: lfr::Error naming the file, never std::invalid_argument") {
    TempDir dir;
    const std::pair<const char*, const char*> headers[] = {
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (x,), }", "unsupported .npy shape"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }", "unsupported .npy shape"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", "more than 2^40 elements"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (-3,), }", "unsupported .npy shape"},
    };
    for (const auto& [header, why] : headers) {
        CAPTURE(header);
        const std::string path = dir / "bad.npy";
        std::string h = header;
        std::ofstream f(path, std::ios::binary);
        f << "\x93NUMPY" << char(1) << char(0) << char(h.size() & 0xff) << char(h.size() >> 8) << h;
        f.close();
        check_error(error_of([&] { lfr::read_npy(path); }), "bad.npy", why);
    }
}

TEST_CASE("hostile TF.js manifest: a rank-8 weight shape is refused") {
    TempDir dir;
    std::ofstream(dir / "model.json") << read_text(kHostile + "tfjs/manifest_rank8_min.json");
    std::ofstream(dir / "liveness.bin", std::ios::binary) << std::string(4096 * 4, '\0');
    check_error(error_of([&] { lfr::tools::convert_tfjs_graph(dir / "model.json"); }), "weight w", "rank 8");
}

TEST_CASE("hostile gallery: a descriptors VIEW (an endless query) is not a gallery") {
    TempDir dir;
    fs::copy_file(kHostile + "gallery/view_bomb.db", dir / "g.db");
    lfr::GalleryOptions ro;
    ro.read_only = true;
    check_error(error_of([&] { lfr::Gallery::open(dir / "g.db", "", 0, ro); }), "g.db", "not an lfr gallery");
    check_error(error_of([&] { lfr::Gallery::open(dir / "g.db", "", 0); }), "g.db", "not an lfr gallery");
}

TEST_CASE("hostile files through `lfr`: exit 1 and one line naming the file") {
    if (!have_models()) return;
    for (const char* file : {"image/min-stb-dht-overflow.jpg", "image/leading_ff_routes_to_stb.jpg",
                             "bombs/jpeg_prog_eob_16384x6103_rgb.jpg", "bombs/png_zlib_10000x10000.png"}) {
        CAPTURE(file);
        for (const char* cmd : {"detect ", "detect --jpeg jpeg-js "}) {
            const Result r = run_lfr(cmd + quote(kHostile + file));
            CHECK(r.rc == 1);
            check_one_error_line(r, file);
        }
    }
    const Result big = run_lfr("detect --max-pixels 100 " + quote(kSource + "/tests/golden/jpeg/odd17x9.jpg"));
    CHECK(big.rc == 1);
    check_one_error_line(big, "image too large: 17x9");
    for (const char* model : {"model/numel_wrap_transpose.lfr", "model/numel_wrap_conv_weight.lfr"}) {
        const Result r = run_lfr("run " + quote(kHostile + model) + " --input " + quote(kHostile + "model/in_1.npy"));
        CHECK(r.rc == 1);
        check_one_error_line(r, model);
    }
    TempDir dir;
    fs::copy_file(kHostile + "gallery/view_bomb.db", dir / "g.db");
    for (const std::string cmd : {"gallery list --db ", "identify --db "}) {
        const Result r = run_lfr(cmd + quote(dir / "g.db") + (cmd[0] == 'i' ? " " + quote(photo(1)) : ""));
        CHECK(r.rc == 1);
        check_one_error_line(r, "not an lfr gallery");
    }
}

TEST_CASE("hostile pictures: a progressive JPEG of more than 500 scans is refused by both decoders") {
    // proggray.jpg's DC refinement scan (SOS: 1 component, Ss 0, Se 0, Ah 1, Al 0) repeated 600 times:
    // each is a pass over every block, so a few bytes each make a CPU bomb.
    const std::string bytes = read_text(kSource + "/tests/golden/jpeg/proggray.jpg");
    size_t start = 0;
    for (size_t at = bytes.find("\xFF\xDA"); at != std::string::npos; at = bytes.find("\xFF\xDA", at + 1))
        if (bytes.compare(at + 2, 3, std::string("\x00\x08\x01", 3)) == 0 && bytes.compare(at + 7, 3, std::string("\x00\x00\x10", 3)) == 0)
            start = at;
    REQUIRE(start > 0);
    const std::string scan = bytes.substr(start, bytes.find("\xFF\xDA", start + 2) - start);
    std::string bomb = bytes.substr(0, start);
    for (int i = 0; i < 600; ++i) bomb += scan;
    bomb += bytes.substr(start);
    for (lfr::JpegDecoder d : {lfr::JpegDecoder::Libjpeg, lfr::JpegDecoder::JpegJs})
        check_error(error_of([&] { lfr::decode_image(reinterpret_cast<const uint8_t*>(bomb.data()), bomb.size(), "scans.jpg", d); }),
                    "scans.jpg", "more than 500 scans");
}
