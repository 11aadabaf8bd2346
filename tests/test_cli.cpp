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
#include "lfr/version.h"

#include "cli_test_util.h"

using namespace cli_test;

TEST_CASE("lfr --help, and --help on every subcommand, exit 0") {
    for (const char* cmd : {"", "run ", "detect ", "embed ", "verify ", "enroll ", "identify ", "gallery ", "cluster ",
                            "observe ", "search "}) {
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
    const Result version = run_lfr("--version");
    CHECK(version.rc == 0);
    CHECK(version.out == std::string("lfr ") + lfr::kVersionString + "\n");
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
        const double exact = max_distance(""), libjpeg = max_distance("--jpeg libjpeg ");
        MESSAGE("sample5.jpg, face-api mode: largest descriptor distance from face-api " << exact << " (libjpeg's pixels: " << libjpeg << ")");
        CHECK(exact < 1e-3);
        CHECK(libjpeg > exact);
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
                                                          {"detect --jpeg stb ", "--jpeg"},
                                                          {"detect --max-pixels 0 ", "--max-pixels"},
                                                          {"detect --backend tpu ", "--backend"}};
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

TEST_CASE("lfr: every subcommand exits 0 on --help, 2 on an unknown option, 1 on a missing file") {
    if (!have_models()) return;
    TempDir dir;
    const std::string none = quote(dir / "missing"), db = quote(dir / "missing.db");
    // Each subcommand with arguments that name only missing files (and, for the galleries, a missing one).
    const std::pair<const char*, std::string> cases[] = {
        {"run", none + ".lfr --input " + none + ".npy"},
        {"detect", none + ".jpg"},
        {"embed", none + ".jpg"},
        {"verify", none + "1.jpg " + none + "2.jpg"},
        {"enroll", "--db " + quote(dir / "new.db") + " alice " + none + ".jpg"},
        {"identify", "--db " + db + " " + quote(photo(1))},
        {"gallery", "list --db " + db},
        {"models", "--models " + none},
        {"cluster", none + ".jpg --out " + quote(dir / "clusters")},
        {"observe", "--db " + quote(dir / "new.db") + " " + none + ".jpg"},
        {"search", "--db " + db + " " + quote(photo(1))},
        {"watch", none + ".mp4 --db " + db},
        {"calibrate", "--db " + db + " " + quote(photo(1))},
    };
    for (const auto& [cmd, args] : cases) {
        CAPTURE(cmd);
        const Result help = run_lfr(std::string(cmd) + " --help");
        CHECK(help.rc == 0);
        CHECK(help.out.find("usage: lfr") == 0);
        CHECK(help.out.find("lfr " + std::string(cmd) + " ") != std::string::npos);
        const Result unknown = run_lfr(std::string(cmd) + " --frobnicate " + args);
        CHECK(unknown.rc == 2);
        check_one_error_line(unknown, "--frobnicate");
        // Commands of many images report each bad one, then that nothing was done: the first line names it.
        const Result missing = run_lfr(std::string(cmd) + " " + args);
        CHECK(missing.rc == 1);
        INFO("stderr: " << missing.err);
        REQUIRE(!lines(missing.err).empty());
        CHECK(lines(missing.err)[0].find("missing") != std::string::npos);
    }
}
