// lfr's JPEG decoder (include/lfr/image/jpeg.h) against jpeg-js, the decoder under the reference
// pipelines: the exact RGB bytes (SHA-256 in tests/golden/jpeg/pixels.json, made by
// weights_tools/golden/make_jpeg_golden.js) for every coding variant in tests/golden/jpeg and for face-api's
// six demo photos; then hostile input: every truncation, random corruption. Also built under
// AddressSanitizer + UBSan (lfr_jpeg_tests_asan), where reading out of range or overflowing is an error.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lfr/core/error.h"
#include "lfr/image/jpeg.h"
#include "sha256.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

const fs::path kJpegDir = fs::path(LFR_SOURCE_DIR) / "tests/golden/jpeg";
const fs::path kDemoDir = fs::path(LFR_SOURCE_DIR) / ".cache/packages/face-api/package/demo";

std::vector<uint8_t> read_file(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    REQUIRE_MESSAGE(f, "cannot open " << p);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// The lfr::Error message of decoding bytes, or "" when it decodes.
std::string decode_error(const std::vector<uint8_t>& bytes, const std::string& label = "t.jpg") {
    try {
        lfr::decode_jpeg(bytes.data(), bytes.size(), label);
        return "";
    } catch (const lfr::Error& e) {
        return e.what();
    }
}

void check_against_jpeg_js(const fs::path& file, const json& ref) {
    CAPTURE(file);
    const std::vector<uint8_t> bytes = read_file(file);
    if (ref.contains("error")) {
        const std::string msg = decode_error(bytes);
        CHECK_MESSAGE(!msg.empty(), "jpeg-js refuses it (" << ref["error"] << "), lfr decodes it");
        MESSAGE(file.filename().string() << ": jpeg-js: " << ref["error"].get<std::string>() << "; lfr: " << msg);
        return;
    }
    const lfr::Image img = lfr::decode_jpeg(bytes.data(), bytes.size(), file.string());
    CHECK(img.width == ref.at("width").get<int>());
    CHECK(img.height == ref.at("height").get<int>());
    CHECK_MESSAGE(lfr::test::sha256_hex(img.rgb.data(), img.rgb.size()) == ref.at("sha256").get<std::string>(),
                  "RGB bytes differ from jpeg-js's");
}

}  // namespace

TEST_CASE("jpeg: every coding variant decodes to jpeg-js's exact bytes") {
    std::ifstream f(kJpegDir / "pixels.json");
    REQUIRE(f);
    const json golden = json::parse(f);
    size_t files = 0;
    for (const json& ref : golden.at("files")) {
        check_against_jpeg_js(kJpegDir / ref.at("file").get<std::string>(), ref);
        ++files;
    }
    CHECK(files >= 17);
    if (!fs::exists(kDemoDir / "sample1.jpg")) {
        if (std::getenv("LFR_REQUIRE_MODELS")) FAIL_CHECK("missing " << kDemoDir << " (run scripts/setup.sh)");
        else MESSAGE("skipping the demo photos: " << kDemoDir << " missing (run scripts/setup.sh)");
        return;
    }
    for (const json& ref : golden.at("face_api_demo")) check_against_jpeg_js(kDemoDir / ref.at("file").get<std::string>(), ref);
}

TEST_CASE("jpeg: refusals name the file and the reason in one line") {
    const std::vector<uint8_t> arith = read_file(kJpegDir / "arith.jpg");
    CHECK(decode_error(arith, "a.jpg") == "a.jpg: cannot decode image (unsupported JPEG: arithmetic coding)");
    CHECK(decode_error({}).find("not a JPEG") != std::string::npos);
    CHECK(decode_error({0xFF, 0xD8}).find("truncated JPEG") != std::string::npos);
    CHECK(decode_error({0xFF, 0xD8, 0xFF, 0xD9}).find("no frame header") != std::string::npos);

    // A 12-bit frame header and a 2-component one.
    std::vector<uint8_t> bytes = read_file(kJpegDir / "gray.jpg");
    size_t sof = 2;
    while (!(bytes[sof] == 0xFF && bytes[sof + 1] == 0xC0)) ++sof;
    std::vector<uint8_t> twelve = bytes;
    twelve[sof + 4] = 12;
    CHECK(decode_error(twelve).find("12-bit samples") != std::string::npos);
    std::vector<uint8_t> two = bytes;
    two[sof + 9] = 2;
    CHECK(decode_error(two).find("2 components") != std::string::npos);
    // A frame over the size limit is refused before anything is allocated for it.
    std::vector<uint8_t> huge = bytes;
    huge[sof + 5] = huge[sof + 7] = 0xFF;  // 65xxx x 65xxx
    CHECK(decode_error(huge).find("image too large") != std::string::npos);
}

TEST_CASE("jpeg: every truncation is an error, never a crash or a partial picture") {
    for (const char* name : {"odd17x9.jpg", "prog2x2.jpg", "progrst2x1.jpg"}) {
        const std::vector<uint8_t> bytes = read_file(kJpegDir / name);
        const size_t step = bytes.size() > 1000 ? 7 : 1;
        size_t refused = 0, tried = 0;
        for (size_t keep = 0; keep < bytes.size(); keep += step, ++tried) {
            const std::string msg = decode_error(std::vector<uint8_t>(bytes.begin(), bytes.begin() + std::ptrdiff_t(keep)), "cut.jpg");
            CAPTURE(keep);
            CHECK(msg.rfind("cut.jpg: cannot decode image (", 0) == 0);
            CHECK(msg.find('\n') == std::string::npos);
            refused += !msg.empty();
        }
        MESSAGE(std::string(name) << ": " << refused << " of " << tried << " truncations refused");
    }
}

TEST_CASE("jpeg: corrupted bytes give a picture or one error, never a crash") {
    std::mt19937 rng(20261122);
    for (const char* name : {"base2x2.jpg", "prog2x2.jpg", "progrst2x1.jpg", "cmyk.jpg", "rst2x2.jpg"}) {
        const std::vector<uint8_t> bytes = read_file(kJpegDir / name);
        size_t refused = 0;
        const int mutants = 200;
        for (int m = 0; m < mutants; ++m) {
            std::vector<uint8_t> bad = bytes;
            const int flips = 1 + int(rng() % 4);
            for (int k = 0; k < flips; ++k) bad[2 + rng() % (bad.size() - 2)] = uint8_t(rng());
            const std::string msg = decode_error(bad, "bad.jpg");
            CHECK((msg.empty() || (msg.rfind("bad.jpg: cannot decode image (", 0) == 0 && msg.find('\n') == std::string::npos)));
            refused += !msg.empty();
        }
        MESSAGE(std::string(name) << ": " << refused << " of " << mutants << " corrupted copies refused, the rest decode");
    }
}
