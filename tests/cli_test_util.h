// Helpers for the tests that run the real `lfr` program: temporary directories, running it through the
// shell with this tree's models, the sample photos, and checks on its output.
#pragma once
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace cli_test {

inline const std::string kSource = LFR_SOURCE_DIR;
inline const std::string kModels = kSource + "/models";
inline const std::string kPhotos = kSource + "/.cache/packages/face-api/package/demo";

inline std::string photo(int i) { return kPhotos + "/sample" + std::to_string(i) + ".jpg"; }

inline std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

inline std::string read_text(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

inline std::vector<std::string> lines(const std::string& text) {
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

// Runs `PROGRAM ARGS` through the shell (args already quoted where needed), with the models of this
// tree unless the arguments name others.
inline Result run_program(const std::string& program, const std::string& args) {
    static int n = 0;
    const fs::path base = fs::temp_directory_path() / ("lfr_test_cli_run_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    const std::string out = base.string() + ".out", err = base.string() + ".err";
    const std::string cmd = "LFR_MODELS=" + quote(kModels) + " " + quote(program) + " " + args + " >" + quote(out) +
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

inline Result run_lfr(const std::string& args) { return run_program(LFR_CLI_PATH, args); }

// Models and photos present? Otherwise a visible skip (or a failure under LFR_REQUIRE_MODELS).
inline bool have_models() {
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
inline void check_one_error_line(const Result& r, const std::string& what) {
    INFO("stderr: " << r.err);
    CHECK(lines(r.err).size() == 1);
    CHECK(r.err.find(what) != std::string::npos);
}

// A face of the default pipeline: ONet's 5 points, MobileFaceNet's 192-d descriptor.
inline void check_face(const json& face, bool descriptor) {
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

}  // namespace cli_test
