// The `lfr` program itself, run as a user would (the real binary through the shell) on face-api's
// sample photos: JSON contracts, verify/enroll/identify/gallery, exit codes and one-line errors.
// Needs models/ (scripts/setup.sh) and .cache/packages; skips with a message without them, unless the
// environment sets LFR_REQUIRE_MODELS, in which case their absence is a failure.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include "lfr/image/io.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kSource = LFR_SOURCE_DIR;
const std::string kModels = kSource + "/models";
const std::string kPhotos = kSource + "/.cache/packages/face-api/package/demo";

std::string photo(int i) { return kPhotos + "/sample" + std::to_string(i) + ".jpg"; }

std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string read_text(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    for (std::string line; std::getline(ss, line);)
        if (!line.empty()) out.push_back(line);
    return out;
}

// A directory of its own for one test case, removed afterwards.
struct TempDir {
    fs::path path;
    TempDir() {
        static int n = 0;
        path = fs::temp_directory_path() / ("lfr_test_cli_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

struct Result {
    int rc = -1;
    std::string out, err;
};

// Runs `lfr ARGS` through the shell (args already quoted where needed), with the models of this tree
// unless the arguments name others.
Result run_lfr(const std::string& args) {
    static int n = 0;
    const fs::path base = fs::temp_directory_path() / ("lfr_test_cli_run_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    const std::string out = base.string() + ".out", err = base.string() + ".err";
    const std::string cmd = "LFR_MODELS=" + quote(kModels) + " " + quote(LFR_CLI_PATH) + " " + args + " >" + quote(out) +
                            " 2>" + quote(err) + " </dev/null";
    const int status = std::system(cmd.c_str());
    Result r;
    r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    r.out = read_text(out);
    r.err = read_text(err);
    fs::remove(out);
    fs::remove(err);
    return r;
}

// Models and photos present? Otherwise a visible skip (or a failure under LFR_REQUIRE_MODELS).
bool have_models() {
    bool ok = fs::exists(photo(1)) && fs::exists(photo(2));
    for (const char* m : {"tiny_face_detector", "face_landmark_68", "face_recognition_model", "mtcnn-pnet", "mtcnn-rnet",
                          "mtcnn-onet", "mobilefacenet"})
        ok = ok && fs::exists(kModels + "/" + m + ".lfr");
    if (!ok) {
        if (std::getenv("LFR_REQUIRE_MODELS")) FAIL("models/ or .cache/packages missing (run scripts/setup.sh)");
        MESSAGE("skipped: models/ or .cache/packages missing (run scripts/setup.sh)");
    }
    return ok;
}

// One line on stderr that names `what`.
void check_one_error_line(const Result& r, const std::string& what) {
    INFO("stderr: " << r.err);
    CHECK(lines(r.err).size() == 1);
    CHECK(r.err.find(what) != std::string::npos);
}

// A face of the default pipeline: ONet's 5 points, MobileFaceNet's 192-d descriptor.
void check_face(const json& face, bool descriptor) {
    REQUIRE(face.contains("box"));
    REQUIRE(face["box"].size() == 4);
    CHECK(face["box"][0].get<double>() < face["box"][2].get<double>());
    CHECK(face["box"][1].get<double>() < face["box"][3].get<double>());
    CHECK(face["score"].get<double>() > 0);
    CHECK(face["score"].get<double>() <= 1);
    REQUIRE(face["landmarks"].size() == 5);
    for (const json& p : face["landmarks"]) CHECK(p.size() == 2);
    CHECK(face.contains("descriptor") == descriptor);
    if (descriptor) CHECK(face["descriptor"].size() == 192);
}

}  // namespace

TEST_CASE("lfr --help, and --help on every subcommand, exit 0") {
    for (const char* cmd : {"", "run ", "detect ", "embed ", "verify ", "enroll ", "identify ", "gallery "}) {
        CAPTURE(cmd);
        const Result r = run_lfr(std::string(cmd) + "--help");
        CHECK(r.rc == 0);
        CHECK(r.out.find("usage: lfr") != std::string::npos);
    }
    const Result none = run_lfr("");
    CHECK(none.rc == 2);
    const Result unknown = run_lfr("frobnicate");
    CHECK(unknown.rc == 2);
    check_one_error_line(unknown, "frobnicate");
}

TEST_CASE("lfr: missing models point at scripts/setup.sh") {
    TempDir dir;
    const Result r = run_lfr("detect --models " + quote(dir / "empty") + " " + quote(photo(1)));
    CHECK(r.rc == 1);
    check_one_error_line(r, "scripts/setup.sh");
}

TEST_CASE("lfr detect/embed --json: one line per image with the documented fields") {
    if (!have_models()) return;
    SUBCASE("detect") {
        const Result r = run_lfr("detect --json " + quote(photo(1)) + " " + quote(photo(2)));
        REQUIRE(r.rc == 0);
        const auto out = lines(r.out);
        REQUIRE(out.size() == 2);
        for (int i = 0; i < 2; ++i) {
            const json j = json::parse(out[size_t(i)]);
            CHECK(j["image"] == photo(i + 1));
            CHECK(j["width"].get<int>() == 1920);
            CHECK(j["height"].get<int>() > 1000);
            REQUIRE(j["faces"].is_array());
            REQUIRE(!j["faces"].empty());
            for (const json& f : j["faces"]) check_face(f, false);
        }
        CHECK(json::parse(out[1])["faces"].size() == 2);  // sample2: the woman facing us and the one in profile
    }
    SUBCASE("embed, images from --list") {
        TempDir dir;
        std::ofstream(dir / "list.txt") << "# photos\n" << photo(2) << "\n\n";
        const Result r = run_lfr("embed --json --list " + quote(dir / "list.txt"));
        REQUIRE(r.rc == 0);
        const auto out = lines(r.out);
        REQUIRE(out.size() == 1);
        const json j = json::parse(out[0]);
        REQUIRE(j["faces"].size() == 2);
        check_face(j["faces"][0], true);
    }
    SUBCASE("face-api's mode reproduces face-api from the JPEG file (jpeg-js's pixels by default)") {
        std::ifstream f(kSource + "/tests/golden/pipeline/faceapi_jpeg_sample5.json");
        REQUIRE(f);
        const json ref = json::parse(f).at("faces");
        auto max_distance = [&](const std::string& extra) {
            const Result r = run_lfr("embed --json --detector tiny --align faceapi --score 0.5 " + extra + quote(photo(5)));
            REQUIRE(r.rc == 0);
            const json faces = json::parse(lines(r.out).at(0)).at("faces");
            REQUIRE(faces.size() == ref.size());
            double worst = 0;
            for (size_t i = 0; i < ref.size(); ++i) {  // both in detection order
                double s = 0;
                for (size_t k = 0; k < 128; ++k)
                    s += std::pow(faces[i]["descriptor"][k].get<double>() - ref[i]["descriptor"][k].get<double>(), 2);
                worst = std::max(worst, std::sqrt(s));
            }
            return worst;
        };
        const double exact = max_distance(""), stb = max_distance("--jpeg stb ");
        MESSAGE("sample5.jpg, face-api mode: largest descriptor distance from face-api " << exact << " (stb's pixels: " << stb << ")");
        CHECK(exact < 1e-3);
        CHECK(stb > exact);
    }
    SUBCASE("human-readable summary") {
        const Result r = run_lfr("detect " + quote(photo(2)));
        REQUIRE(r.rc == 0);
        CHECK(lines(r.out).size() == 1);
        CHECK(r.out.find("2 faces") != std::string::npos);
    }
}

TEST_CASE("lfr detect --draw-dir / --draw write annotated pictures") {
    if (!have_models()) return;
    TempDir dir;
    Result r = run_lfr("detect --draw-dir " + quote(dir / "ann") + " " + quote(photo(2)));
    REQUIRE(r.rc == 0);
    const lfr::Image drawn = lfr::load_image(dir / "ann/sample2.png");
    const lfr::Image original = lfr::load_image(photo(2));
    CHECK(drawn.width == original.width);
    CHECK(drawn.height == original.height);
    CHECK(drawn.rgb != original.rgb);

    r = run_lfr("detect --draw " + quote(dir / "one.png") + " " + quote(photo(2)));
    REQUIRE(r.rc == 0);
    CHECK(lfr::load_image(dir / "one.png").width == original.width);

    r = run_lfr("detect --draw " + quote(dir / "two.png") + " " + quote(photo(1)) + " " + quote(photo(2)));
    CHECK(r.rc == 2);  // --draw takes one image
    CHECK(!fs::exists(dir / "two.png"));
}

TEST_CASE("lfr verify: the same photo twice is the same person at distance ~0") {
    if (!have_models()) return;
    Result r = run_lfr("verify --json " + quote(photo(2)) + " " + quote(photo(2)));
    REQUIRE(r.rc == 0);
    const json j = json::parse(r.out);
    CHECK(j["distance"].get<double>() < 1e-4);
    CHECK(j["same"] == true);
    CHECK(j["threshold"].get<double>() == doctest::Approx(1.1));  // MobileFaceNet's

    r = run_lfr("verify " + quote(photo(2)) + " " + quote(photo(2)));
    CHECK(r.rc == 0);
    CHECK(r.out.find("same person") != std::string::npos);

    // A very small threshold makes them "different", still exit 0.
    r = run_lfr("verify --json --threshold 0.01 " + quote(photo(1)) + " " + quote(photo(2)));
    CHECK(r.rc == 0);
    CHECK(json::parse(r.out)["same"] == false);

    r = run_lfr("verify " + quote(photo(2)));
    CHECK(r.rc == 2);
}

TEST_CASE("lfr enroll + identify + gallery: round trip in a temporary gallery") {
    if (!have_models()) return;
    TempDir dir;
    const std::string db = quote(dir / "g.db");
    // sample1: three people; enroll takes the one nearest the centre and says it had a choice.
    Result r = run_lfr("enroll --db " + db + " alice " + quote(photo(1)));
    REQUIRE(r.rc == 0);
    CHECK(r.out.find("enrolled alice") != std::string::npos);
    CHECK(r.err.find("nearest the centre") != std::string::npos);

    r = run_lfr("identify --json --db " + db + " " + quote(photo(1)) + " " + quote(photo(5)));
    REQUIRE(r.rc == 0);
    const auto out = lines(r.out);
    REQUIRE(out.size() == 2);
    json j = json::parse(out[0]);
    REQUIRE(j["faces"].size() == 3);
    const json* who = nullptr;  // the face identified with the smallest distance: the enrolled one
    for (const json& f : j["faces"]) {
        check_face(f, true);
        if (!who || f["identity"]["distance"].get<double>() < (*who)["distance"].get<double>()) who = &f["identity"];
    }
    CHECK((*who)["name"] == "alice");
    CHECK((*who)["known"] == true);
    CHECK((*who)["distance"].get<double>() < 1e-4);
    // sample5's women are not alice... unless the model thinks so; at least every face has an identity.
    j = json::parse(out[1]);
    REQUIRE(!j["faces"].empty());
    for (const json& f : j["faces"]) {
        CHECK(f["identity"]["known"] == (f["identity"]["name"] == "alice"));
        CHECK(f["identity"]["distance"].get<double>() > 0.1);
    }

    r = run_lfr("identify --db " + db + " --draw " + quote(dir / "who.png") + " " + quote(photo(1)));
    CHECK(r.rc == 0);
    CHECK(r.out.find("alice") != std::string::npos);
    CHECK(fs::exists(dir / "who.png"));

    r = run_lfr("gallery list --json --db " + db);
    REQUIRE(r.rc == 0);
    j = json::parse(r.out);
    REQUIRE(j["people"].size() == 1);
    CHECK(j["people"][0]["name"] == "alice");
    CHECK(j["people"][0]["descriptors"] == 1);

    CHECK(run_lfr("gallery rename alice carol --db " + db).rc == 0);
    r = run_lfr("identify --json --db " + db + " " + quote(photo(1)));
    j = json::parse(r.out);
    bool carol = false;
    for (const json& f : j["faces"]) carol = carol || f["identity"]["name"] == "carol";
    CHECK(carol);
    r = run_lfr("gallery remove alice --db " + db);
    CHECK(r.rc == 1);
    check_one_error_line(r, "alice");
    CHECK(run_lfr("gallery remove carol --db " + db).rc == 0);
    r = run_lfr("gallery list --json --db " + db);
    CHECK(json::parse(r.out)["people"].empty());
    r = run_lfr("identify --db " + db + " " + quote(photo(2)));
    CHECK(r.rc == 1);
    check_one_error_line(r, "empty");
}

TEST_CASE("lfr enroll: faceless images are skipped, or refused with --strict") {
    if (!have_models()) return;
    TempDir dir;
    lfr::Image gray(320, 240);
    for (auto& v : gray.rgb) v = 128;
    lfr::save_png(dir / "gray.png", gray);

    const std::string db = dir / "g.db";
    Result r = run_lfr("enroll --strict --db " + quote(db) + " bob " + quote(photo(2)) + " " + quote(dir / "gray.png"));
    CHECK(r.rc == 1);
    CHECK(r.err.find("gray.png") != std::string::npos);
    CHECK(!fs::exists(db));  // nothing enrolled, no gallery left behind

    r = run_lfr("enroll --db " + quote(db) + " bob " + quote(photo(2)) + " " + quote(dir / "gray.png"));
    CHECK(r.rc == 0);
    CHECK(r.err.find("gray.png: no face found") != std::string::npos);
    r = run_lfr("gallery list --json --db " + quote(db));
    CHECK(json::parse(r.out)["people"][0]["descriptors"] == 1);

    r = run_lfr("verify " + quote(photo(2)) + " " + quote(dir / "gray.png"));
    CHECK(r.rc == 1);
    check_one_error_line(r, "gray.png: no face found");
}

TEST_CASE("lfr: bad input gives exit 1 and one line naming the file") {
    if (!have_models()) return;
    TempDir dir;
    const std::string bytes = read_text(photo(1));
    std::ofstream(dir / "corrupt.jpg", std::ios::binary) << bytes.substr(0, bytes.size() / 3);
    std::ofstream(dir / "notes.jpg") << "this is not a picture\n";
    const std::string missing = dir / "missing.jpg";

    for (const std::string& bad : {missing, dir / "corrupt.jpg", dir / "notes.jpg"}) {
        CAPTURE(bad);
        for (const char* cmd : {"detect", "embed --json"}) {
            const Result r = run_lfr(std::string(cmd) + " " + quote(bad));
            CHECK(r.rc == 1);
            CHECK(r.out.empty());
            check_one_error_line(r, bad);
        }
        const Result v = run_lfr("verify " + quote(bad) + " " + quote(photo(2)));
        CHECK(v.rc == 1);
        check_one_error_line(v, bad);
    }

    // Several images: each bad one reported, the good ones still done, exit 1 at the end.
    const Result r = run_lfr("detect --json " + quote(dir / "corrupt.jpg") + " " + quote(photo(2)) + " " + quote(dir / "notes.jpg"));
    CHECK(r.rc == 1);
    REQUIRE(lines(r.out).size() == 1);
    CHECK(json::parse(r.out)["image"] == photo(2));
    const auto err = lines(r.err);
    REQUIRE(err.size() == 2);
    CHECK(err[0].find("corrupt.jpg") != std::string::npos);
    CHECK(err[1].find("notes.jpg") != std::string::npos);
}

TEST_CASE("lfr: usage errors (unknown option, missing --db, bad values) exit 2 with one line") {
    const std::pair<std::string, std::string> cases[] = {{"detect --frobnicate ", "--frobnicate"},
                                                          {"identify ", "--db"},
                                                          {"enroll alice ", "--db"},
                                                          {"detect --detector yolo ", "--detector"},
                                                          {"detect --input-size 100 ", "--input-size"},
                                                          {"detect --jpeg libjpeg ", "--jpeg"}};
    for (const auto& [args, word] : cases) {
        CAPTURE(args);
        const Result bad = run_lfr(args + quote(photo(1)));
        CHECK(bad.rc == 2);
        check_one_error_line(bad, word);
    }
    Result r = run_lfr("detect");
    CHECK(r.rc == 2);

    // A --db that does not exist is bad input, not a usage error.
    TempDir dir;
    for (const char* cmd : {"identify --db ", "gallery list --db "}) {
        r = run_lfr(std::string(cmd) + quote(dir / "none.db") + (std::string(cmd) == "identify --db " ? " " + quote(photo(1)) : ""));
        CHECK(r.rc == 1);
        check_one_error_line(r, "none.db");
        CHECK(!fs::exists(dir / "none.db"));
    }
    // A file that is not a gallery is refused and left alone.
    std::ofstream(dir / "text.db") << "hello\n";
    r = run_lfr("gallery list --db " + quote(dir / "text.db"));
    CHECK(r.rc == 1);
    check_one_error_line(r, "text.db");
    CHECK(read_text(dir / "text.db") == "hello\n");
}
