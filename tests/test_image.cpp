// Pictures in and out (lfr::image), drawing, and the face-api / Human input preparation.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <unistd.h>

#include "lfr/face/draw.h"
#include "lfr/image/io.h"
#include "lfr/image/preprocess.h"

using namespace lfr;
namespace fs = std::filesystem;

namespace {

const std::string kSample = std::string(LFR_SOURCE_DIR) + "/.cache/packages/face-api/package/demo/sample1.jpg";

std::vector<uint8_t> read_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// A file in the temp directory, removed when the test ends.
struct TempFile {
    fs::path path;
    explicit TempFile(const std::string& name)
        : path(fs::temp_directory_path() / ("lfr_test_image_" + std::to_string(::getpid()) + "_" + name)) {}
    ~TempFile() {
        std::error_code ec;
        fs::remove(path, ec);
    }
    void write(const std::vector<uint8_t>& bytes) const {
        std::ofstream f(path, std::ios::binary);
        f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    }
    std::string str() const { return path.string(); }
};

Image pattern_image(int w, int h) {
    Image img(w, h);
    for (size_t i = 0; i < img.rgb.size(); ++i) img.rgb[i] = uint8_t((i * 37 + i / 7) % 251);
    return img;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

bool is_color(const Image& img, int x, int y, Color c) {
    const uint8_t* p = img.at(x, y);
    return p[0] == c.r && p[1] == c.g && p[2] == c.b;
}

}  // namespace

// --- Decoding and encoding ---------------------------------------------------------------------

TEST_CASE("load_image decodes the face-api sample photo") {
    if (!fs::exists(kSample)) {
        MESSAGE("skipped: " << kSample << " is absent (run the setup step)");
        return;
    }
    const Image img = load_image(kSample);
    CHECK(img.width > 0);
    CHECK(img.height > 0);
    CHECK(img.rgb.size() == size_t(img.width) * img.height * 3);
    MESSAGE("sample1.jpg: " << img.width << "x" << img.height);
    // A real photo: not one flat colour.
    uint8_t lo = 255, hi = 0;
    for (uint8_t v : img.rgb) lo = std::min(lo, v), hi = std::max(hi, v);
    CHECK(hi - lo > 100);
    // Decoding from memory gives the same pixels.
    const std::vector<uint8_t> bytes = read_bytes(kSample);
    CHECK(decode_image(bytes.data(), bytes.size(), "mem").rgb == img.rgb);
}

TEST_CASE("load_image refuses missing, truncated, empty and non-image files with one clear line") {
    const std::string missing = "/nonexistent/dir/photo.jpg";
    std::string msg = error_of([&] { load_image(missing); });
    CHECK(msg.find(missing + ": cannot open") == 0);
    CHECK(msg.find('\n') == std::string::npos);

    TempFile text("notes.jpg");
    text.write(std::vector<uint8_t>{'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '\n'});
    msg = error_of([&] { load_image(text.str()); });
    CHECK(msg.find(text.str() + ": cannot decode image (") == 0);
    MESSAGE("text file: " << msg);

    TempFile empty("empty.png");
    empty.write({});
    msg = error_of([&] { load_image(empty.str()); });
    CHECK(msg.find("empty file") != std::string::npos);

    msg = error_of([&] { load_image(fs::temp_directory_path().string()); });  // a directory
    CHECK(!msg.empty());

    // A PNG header that claims 10000 x 10001 pixels: refused before any allocation.
    std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                0, 0, 0x27, 0x10, 0, 0, 0x27, 0x11, 8, 2, 0, 0, 0, 0, 0, 0, 0};
    msg = error_of([&] { decode_image(png.data(), png.size(), "huge.png"); });
    CHECK(msg.find("huge.png: cannot decode image (image too large") == 0);
    png[18] = 0x7F;  // width 0x7F2710: over the per-side limit
    CHECK(error_of([&] { decode_image(png.data(), png.size(), "huge.png"); }).find("huge.png: cannot decode") == 0);

    if (!fs::exists(kSample)) {
        MESSAGE("truncated-JPEG cases skipped: " << kSample << " is absent");
        return;
    }
    const std::vector<uint8_t> jpeg = read_bytes(kSample);
    for (size_t keep : {size_t(1000), jpeg.size() / 2, jpeg.size() - 2}) {
        TempFile cut("cut.jpg");
        cut.write(std::vector<uint8_t>(jpeg.begin(), jpeg.begin() + std::ptrdiff_t(keep)));
        msg = error_of([&] { load_image(cut.str()); });
        CAPTURE(keep);
        CHECK(msg.find(cut.str() + ": cannot decode image (") == 0);
        CHECK(msg.find('\n') == std::string::npos);
        MESSAGE("first " << keep << " bytes: " << msg);
    }
}

TEST_CASE("PNG round trip is exact, JPEG is close, and writing errors name the path") {
    const Image img = pattern_image(37, 23);
    TempFile png("round.png");
    save_png(png.str(), img);
    const Image back = load_image(png.str());
    CHECK(back.width == 37);
    CHECK(back.height == 23);
    CHECK(back.rgb == img.rgb);

    const std::vector<uint8_t> mem = encode_png(img);
    CHECK(decode_image(mem.data(), mem.size(), "mem.png").rgb == img.rgb);

    Image smooth(64, 48);
    for (int y = 0; y < 48; ++y)
        for (int x = 0; x < 64; ++x) {
            uint8_t* p = smooth.at(x, y);
            p[0] = uint8_t(x * 4), p[1] = uint8_t(y * 5), p[2] = uint8_t(128);
        }
    TempFile jpg("round.jpg");
    save_jpg(jpg.str(), smooth, 95);
    const Image jback = load_image(jpg.str());
    REQUIRE(jback.rgb.size() == smooth.rgb.size());
    double err = 0;
    for (size_t i = 0; i < smooth.rgb.size(); ++i) err += std::abs(int(jback.rgb[i]) - int(smooth.rgb[i]));
    CHECK(err / double(smooth.rgb.size()) < 3.0);

    const std::string bad = "/nonexistent/dir/out.png";
    CHECK(error_of([&] { save_png(bad, img); }).find(bad + ": cannot open for writing") == 0);
    CHECK(error_of([&] { save_png(png.str(), Image()); }).find("cannot encode an empty image") != std::string::npos);
    CHECK_THROWS_AS(encode_jpg(img, 0), Error);
}

// --- Drawing -----------------------------------------------------------------------------------

TEST_CASE("drawing is clipped at the borders and survives absurd coordinates") {
    Image img(40, 30);
    const Color red = colors::kRed;
    draw_rect(img, Box{-10, -10, 5, 5}, red, 2);  // partly outside, top-left
    CHECK(is_color(img, 4, 0, red));                // right edge, columns 3..4
    CHECK(is_color(img, 0, 4, red));                // bottom edge, rows 3..4
    CHECK(is_color(img, 3, 3, red));
    CHECK(is_color(img, 2, 2, colors::kBlack));     // inside the box: untouched
    draw_rect(img, Box{35, 25, 60, 60}, red, 3);    // partly outside, bottom-right
    CHECK(is_color(img, 39, 25, red));
    CHECK(is_color(img, 35, 29, red));
    CHECK(is_color(img, 37, 28, red));              // left/top edges are 3 wide: 35..37, 25..27
    CHECK(is_color(img, 38, 28, colors::kBlack));
    Image before = img;
    draw_rect(img, Box{100, 100, 200, 200}, red, 5);  // wholly outside
    draw_rect(img, Box{-1e30f, -1e30f, -1e29f, -1e29f}, red, 5);
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    draw_rect(img, Box{nan, nan, nan, nan}, red, 2);
    fill_circle(img, nan, 3, 2, red);
    fill_circle(img, 1e30f, 1e30f, 1e30f, red);
    draw_line(img, {inf, 0}, {0, 0}, red, 3);
    draw_line(img, {-1e9f, 50}, {1e9f, 50}, red, 3);  // horizontal line below the image
    CHECK(img.rgb == before.rgb);

    draw_line(img, {-1e9f, -1e9f}, {1e9f, 1e9f}, colors::kGreen, 1);  // the diagonal, clipped
    CHECK(is_color(img, 10, 10, colors::kGreen));
    CHECK(is_color(img, 20, 20, colors::kGreen));
    fill_circle(img, 39.6f, -0.4f, 3, colors::kBlue);  // corner
    CHECK(is_color(img, 39, 0, colors::kBlue));
    CHECK(img.width == 40);
    CHECK(img.height == 30);
    CHECK(img.rgb.size() == size_t(40 * 30 * 3));
}

TEST_CASE("text uses the 5x7 font on a background box and is clipped") {
    Image img(20, 12);
    const Color fg = colors::kWhite, bg = colors::kBlue;
    draw_text(img, 2, 2, "A", fg, bg, 1);
    // 'A' column 0 is 0x7E: rows 1..6 on, row 0 off.
    CHECK(is_color(img, 2, 2, bg));
    CHECK(is_color(img, 2, 3, fg));
    CHECK(is_color(img, 2, 8, fg));
    CHECK(is_color(img, 1, 1, bg));  // the margin
    CHECK(is_color(img, 0, 0, colors::kBlack));
    CHECK(text_width("AB", 2) == 2 * 6 * 2 - 2);
    CHECK(text_height(3) == 21);

    Image big(1920, 1080);
    CHECK(text_scale_for(big) == 3);
    Image small(320, 240);
    CHECK(text_scale_for(small) == 1);
    const Image blank = img;
    for (int x : {-1000, -30, -5, 15, 19, 100000})
        for (int y : {-1000, -7, 10, 11, 5000}) draw_text(img, x, y, "bob 0.41 \x01\xff~", fg, bg, 3);
    draw_text(img, 0, 0, std::string(100000, 'W'), fg, bg, 64);
    CHECK(img.rgb != blank.rgb);
    // Labels keep inside the picture even for boxes at the edges.
    Image pic(200, 100);
    draw_label(pic, Box{190, 95, 260, 140}, "carol 0.33", fg, bg, 2);
    CHECK(is_color(pic, 199, 78, bg));  // 122 px wide: shifted left to end at the right border
    CHECK(is_color(pic, 77, 78, colors::kBlack));
    Face face;
    face.detection.box = Box{-20, 80, 50, 130};
    face.landmarks = {{0, 99}, {-5, -5}, {199, 50}};
    draw_face(pic, face, "unknown", colors::kYellow);
}

TEST_CASE("every printable glyph is distinct and inside its 5x7 cell") {
    for (int a = 32; a <= 126; ++a) {
        const uint8_t* g = detail::glyph(static_cast<unsigned char>(a));
        for (int col = 0; col < 5; ++col) CHECK((g[col] & 0x80) == 0);
        for (int b = a + 1; b <= 126; ++b) {
            const uint8_t* h = detail::glyph(static_cast<unsigned char>(b));
            bool same = true;
            for (int col = 0; col < 5; ++col) same = same && g[col] == h[col];
            CAPTURE(a);
            CAPTURE(b);
            CHECK_FALSE(same);
        }
    }
}

// --- Resize and crop arithmetic ----------------------------------------------------------------

TEST_CASE("resize_bilinear matches TF on tiny known cases") {
    const float row[2] = {0, 10};
    float out[4];
    resize_bilinear(row, 1, 1, 2, 1, out, 1, 4, false, false);  // src = x / 2
    CHECK(std::vector<float>(out, out + 4) == std::vector<float>{0, 5, 10, 10});
    resize_bilinear(row, 1, 1, 2, 1, out, 1, 3, true, false);  // src = x / 2, corners aligned
    CHECK(std::vector<float>(out, out + 3) == std::vector<float>{0, 5, 10});
    resize_bilinear(row, 1, 1, 2, 1, out, 1, 4, false, true);  // src = (x + .5) / 2 - .5
    CHECK(std::vector<float>(out, out + 4) == std::vector<float>{0, 2.5f, 7.5f, 10});
    const float four[4] = {1, 2, 3, 4};
    resize_bilinear(four, 1, 4, 1, 1, out, 2, 1, false, false);  // downsampling picks rows 0 and 2
    CHECK(out[0] == 1);
    CHECK(out[1] == 3);
    // 2x2 -> 3x3, two channels: src = 2/3 * i, lerp x then y.
    const float sq[8] = {0, 100, 10, 110, 20, 120, 30, 130};
    float o9[18];
    resize_bilinear(sq, 1, 2, 2, 2, o9, 3, 3, false, false);
    const double f = 2.0 / 3.0;
    const double expect[9] = {0, 10 * f, 10, 20 * f, 20 * f + 10 * f, 20 * f + 10, 20, 20 + 10 * f, 30};
    for (int i = 0; i < 9; ++i) {
        CAPTURE(i);
        CHECK(o9[2 * i] == doctest::Approx(expect[i]).epsilon(1e-6));
        CHECK(o9[2 * i + 1] == doctest::Approx(expect[i] + 100).epsilon(1e-6));
    }
}

TEST_CASE("crop_and_resize follows tf.image.cropAndResize") {
    const float img[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};  // 3x3, one channel, value = 3y + x
    float out[9];
    crop_and_resize(img, 3, 3, 1, 0, 0, 1, 1, 3, 3, out);  // the whole image: identity
    CHECK(std::vector<float>(out, out + 9) == std::vector<float>(img, img + 9));
    crop_and_resize(img, 3, 3, 1, 0, 0, 0.5f, 0.5f, 2, 2, out);
    CHECK(std::vector<float>(out, out + 4) == std::vector<float>{0, 1, 3, 4});
    crop_and_resize(img, 3, 3, 1, 0.25f, 0.25f, 0.75f, 0.75f, 2, 2, out);  // 0.5 .. 1.5
    CHECK(std::vector<float>(out, out + 4) == std::vector<float>{2, 3, 5, 6});
    crop_and_resize(img, 3, 3, 1, -1, -1, 0, 0, 2, 2, out, -7.f);  // one sample inside
    CHECK(std::vector<float>(out, out + 4) == std::vector<float>{-7, -7, -7, 0});
    crop_and_resize(img, 3, 3, 1, 0, 0, 1, 1, 1, 1, out);  // one sample: the box centre
    CHECK(out[0] == 4);
    const uint8_t img8[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    crop_and_resize(img8, 3, 3, 1, 0.25f, 0.25f, 0.75f, 0.75f, 2, 2, out);
    CHECK(std::vector<float>(out, out + 4) == std::vector<float>{2, 3, 5, 6});
}

// --- face-api --------------------------------------------------------------------------------

TEST_CASE("face-api padToSquare geometry: both orientations, odd and even differences") {
    struct Case {
        int w, h;
        bool centred;
        int top, left, bottom, right;
    };
    const Case cases[] = {
        {10, 7, false, 0, 0, 3, 0},  {7, 10, false, 0, 0, 0, 3},  // detectors: bottom/right only
        {10, 7, true, 1, 0, 2, 0},   {7, 10, true, 0, 1, 0, 2},   // diff 3: round(1.5) = 2 after
        {10, 6, true, 2, 0, 2, 0},   {6, 10, true, 0, 2, 0, 2},   // diff 4: 2 and 2
        {10, 9, true, 0, 0, 1, 0},   {9, 10, true, 0, 0, 0, 1},   // diff 1: all after
        {10, 5, true, 2, 0, 3, 0},   {5, 10, true, 0, 2, 0, 3},   // diff 5: 2 before, 3 after
        {8, 8, true, 0, 0, 0, 0},    {8, 8, false, 0, 0, 0, 0},
    };
    for (const Case& c : cases) {
        CAPTURE(c.w);
        CAPTURE(c.h);
        CAPTURE(c.centred);
        const SquarePad p = faceapi_square_pad(c.w, c.h, c.centred);
        CHECK(p.size == std::max(c.w, c.h));
        CHECK(p.top == c.top);
        CHECK(p.left == c.left);
        CHECK(p.bottom == c.bottom);
        CHECK(p.right == c.right);
        CHECK(p.top + c.h + p.bottom == p.size);
        CHECK(p.left + c.w + p.right == p.size);
    }
}

TEST_CASE("face-api toBatchTensor pads with zeros, then resizes the square") {
    const Image img = pattern_image(5, 3);
    SUBCASE("no resize when the square is already the input size: pixels land where the pad says") {
        for (bool centred : {false, true}) {
            SquarePad pad;
            const Tensor t = faceapi_batch_tensor(img, 5, centred, &pad);
            REQUIRE(t.shape == Shape({1, 5, 5, 3}));
            CHECK(pad.top == (centred ? 1 : 0));
            for (int y = 0; y < 5; ++y)
                for (int x = 0; x < 5; ++x)
                    for (int k = 0; k < 3; ++k) {
                        const int iy = y - pad.top;
                        const float want = iy >= 0 && iy < 3 ? float(img.at(x, iy)[k]) : 0.f;
                        CHECK(t.values[(size_t(y) * 5 + x) * 3 + k] == want);
                    }
        }
    }
    SUBCASE("with a resize: identical to resizing the padded square") {
        const Tensor padded = faceapi_batch_tensor(img, 5, true);
        const Tensor t = faceapi_batch_tensor(img, 4, true);
        REQUIRE(t.shape == Shape({1, 4, 4, 3}));
        std::vector<float> want(4 * 4 * 3);
        resize_bilinear(padded.values.data(), 1, 5, 5, 3, want.data(), 4, 4, false, false);
        CHECK(t.values == want);
        // Row 0 of the output samples padded row 0 (zeros: the centred pad put one row on top).
        for (int i = 0; i < 12; ++i) CHECK(t.values[size_t(i)] == 0.f);
    }
}

namespace {

// The zero-padded square of crop (x0, y0, w, h), built pixel by pixel: padToSquare as written.
std::vector<float> padded_square(const Image& img, int x0, int y0, int w, int h, bool centred, int& side) {
    side = std::max(w, h);
    const int diff = std::abs(w - h);
    const int after = centred ? int(std::floor(diff * 0.5 + 0.5)) : diff, before = diff - after;
    const int left = w < h ? before : 0, top = h < w ? before : 0;
    std::vector<float> sq(size_t(side) * size_t(side) * 3, 0.f);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int k = 0; k < 3; ++k)
                sq[(size_t(y + top) * size_t(side) + size_t(x + left)) * 3 + size_t(k)] = img.at(x0 + x, y0 + y)[k];
    return sq;
}

// tf.image.resizeBilinear (legacy mode) written out in double from its definition: src = dst * in / out,
// neighbours floor and min(in - 1, ceil).
std::vector<float> resize_in_double(const std::vector<float>& sq, int side, int size) {
    std::vector<float> out(size_t(size) * size_t(size) * 3);
    const double ratio = double(side) / size;
    auto px = [&](int x, int y, int k) { return double(sq[(size_t(y) * size_t(side) + size_t(x)) * 3 + size_t(k)]); };
    for (int r = 0; r < size; ++r)
        for (int c = 0; c < size; ++c) {
            const double fy = ratio * r, fx = ratio * c;
            const int ty = int(std::floor(fy)), by = std::min(side - 1, int(std::ceil(fy)));
            const int lx = int(std::floor(fx)), rx = std::min(side - 1, int(std::ceil(fx)));
            for (int k = 0; k < 3; ++k) {
                const double t = px(lx, ty, k) + (px(rx, ty, k) - px(lx, ty, k)) * (fx - lx);
                const double b = px(lx, by, k) + (px(rx, by, k) - px(lx, by, k)) * (fx - lx);
                out[(size_t(r) * size_t(size) + size_t(c)) * 3 + size_t(k)] = float(t + (b - t) * (fy - ty));
            }
        }
    return out;
}

}  // namespace

TEST_CASE("face-api square input of a crop: never builds the square, equals resizing it") {
    // Odd shapes on purpose: both orientations, odd and even padding, up- and down-sampling, a crop
    // touching the image edge and the whole image.
    const Image img = pattern_image(23, 17);
    struct Case {
        int x0, y0, w, h, size;
    };
    const Case cases[] = {{3, 2, 11, 6, 7},  {3, 2, 6, 11, 7},  {0, 0, 23, 17, 13}, {0, 0, 23, 17, 40},
                          {12, 5, 11, 12, 5}, {4, 1, 9, 14, 14}, {7, 7, 1, 10, 3},  {2, 16, 20, 1, 9}};
    for (const Case& c : cases)
        for (bool centred : {true, false}) {
            CAPTURE(c.x0);
            CAPTURE(c.y0);
            CAPTURE(c.w);
            CAPTURE(c.h);
            CAPTURE(c.size);
            CAPTURE(centred);
            int side = 0;
            const std::vector<float> sq = padded_square(img, c.x0, c.y0, c.w, c.h, centred, side);
            std::vector<float> want(size_t(c.size) * size_t(c.size) * 3);
            resize_bilinear(sq.data(), 1, side, side, 3, want.data(), c.size, c.size, false, false);
            // Junk in the other slots: only the asked one is written, all of it.
            Tensor batch(Shape{3, c.size, c.size, 3}, -7.f);
            const Box crop{float(c.x0), float(c.y0), float(c.x0 + c.w), float(c.y0 + c.h)};
            faceapi_extract_square_into(img, crop, batch.view(), 1, centred);
            const size_t n = want.size();
            CHECK(std::vector<float>(batch.values.begin() + long(n), batch.values.begin() + long(2 * n)) == want);
            CHECK(std::all_of(batch.values.begin(), batch.values.begin() + long(n), [](float v) { return v == -7.f; }));
            CHECK(std::all_of(batch.values.begin() + long(2 * n), batch.values.end(), [](float v) { return v == -7.f; }));
            // Against the definition in double (independent of lerp_cells): float weights cost < 1e-3 of 0..255.
            const std::vector<float> ref = resize_in_double(sq, side, c.size);
            double err = 0;
            for (size_t i = 0; i < n; ++i) err = std::max(err, std::fabs(double(want[i]) - ref[i]));
            CHECK(err < 1e-3);
            if (c.x0 == 0 && c.y0 == 0 && c.w == img.width && c.h == img.height) {
                SquarePad pad;
                CHECK(faceapi_batch_tensor(img, c.size, centred, &pad).values == want);
                CHECK(pad.size == side);
            }
        }
    Tensor out(Shape{1, 4, 4, 3});
    CHECK(error_of([&] { faceapi_extract_square_into(img, Box{20, 0, 24, 5}, out.view(), 0); }).find("not inside") !=
          std::string::npos);
    CHECK(!error_of([&] { faceapi_extract_square_into(img, Box{0, 0, 5, 5}, out.view(), 1); }).empty());
    CHECK(!error_of([&] { faceapi_extract_square_into(img, Box{3, 3, 3, 8}, out.view(), 0); }).empty());
}

// --- Human -----------------------------------------------------------------------------------

TEST_CASE("Human's BlazeFace input: stretch-resize, then x / 127.5 - 1") {
    Image img = pattern_image(7, 3);
    const Tensor t = human_blazeface_input(img, 4);
    REQUIRE(t.shape == Shape({1, 4, 4, 3}));
    const Tensor src = image_to_tensor(img);
    std::vector<float> want(4 * 4 * 3);
    resize_bilinear(src.values.data(), 1, 3, 7, 3, want.data(), 4, 4, false, false);
    for (size_t i = 0; i < want.size(); ++i) CHECK(t.values[i] == want[i] / 127.5f - 1.f);
    std::fill(img.rgb.begin(), img.rgb.end(), uint8_t(255));
    for (float v : human_blazeface_input(img, 8).values) CHECK(v == 1.f);
    std::fill(img.rgb.begin(), img.rgb.end(), uint8_t(0));
    for (float v : human_blazeface_input(img, 8).values) CHECK(v == -1.f);
}

TEST_CASE("Human's face crop: cropAndResize of box / image size, zeros outside, / 255") {
    const Image img = pattern_image(9, 6);
    // Human divides by W and H (not W-1, H-1): a box to (8, 5) ends its samples at 8/9 * 8 and 5/6 * 5.
    const Tensor t = human_face_crop(img, Box{0, 0, 8, 5}, 3);
    REQUIRE(t.shape == Shape({1, 3, 3, 3}));
    std::vector<float> want(27);
    crop_and_resize(img.rgb.data(), 6, 9, 3, 0.f, 0.f, 5.f / 6.f, 8.f / 9.f, 3, 3, want.data());
    for (size_t i = 0; i < want.size(); ++i) CHECK(t.values[i] == want[i] / 255.f);
    for (int k = 0; k < 3; ++k) CHECK(t.values[size_t(k)] == float(img.at(0, 0)[k]) / 255.f);
    // A box hanging off the top-left: the samples outside are 0.
    const Tensor off = human_face_crop(img, Box{-9, -6, 9, 6}, 3);
    for (int k = 0; k < 3; ++k) CHECK(off.values[size_t(k)] == 0.f);
    for (float v : off.values) CHECK((v >= 0.f && v <= 1.f));
}
