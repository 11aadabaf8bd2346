// `lfr watch` run as a user would: on a small video made here from face-api's sample photos with
// FFmpeg's command line, on a stream served over loopback TCP whose server is killed mid-way, on bad
// input, and on the real clips of ../shared/data/video-dev when they are there (a visible skip when not).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include "test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kSrc = LFR_SOURCE_DIR;
const std::string kDemo = kSrc + "/.cache/packages/face-api/package/demo";
const fs::path kVideoDev = fs::path(kSrc) / "../shared/data/video-dev";

struct Run {
    int rc = -1;
    std::string out, err;
    std::vector<json> events;  // stdout's JSON lines
};

std::string slurp(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// Runs a shell command line; stdout and stderr captured.
Run sh(const std::string& cmd, const fs::path& dir) {
    const fs::path out = dir / "stdout", err = dir / "stderr";
    const int status = std::system(("(" + cmd + ") >'" + out.string() + "' 2>'" + err.string() + "' </dev/null").c_str());
    Run r;
    r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    r.out = slurp(out), r.err = slurp(err);
    std::stringstream ss(r.out);
    for (std::string line; std::getline(ss, line);)
        if (!line.empty() && line[0] == '{') r.events.push_back(json::parse(line));
    return r;
}

std::string lfr_cmd() { return std::string("LFR_MODELS='") + kSrc + "/models' '" + LFR_CLI_PATH + "'"; }

struct Dir {
    fs::path path;
    Dir() {
        static int n = 0;
        path = fs::temp_directory_path() / ("lfr_test_watch_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
        fs::create_directories(path);
    }
    ~Dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string operator/(const std::string& f) const { return (path / f).string(); }
};

bool have_tools() {
    if (!lfr::test::have_models({"mtcnn-pnet", "mtcnn-rnet", "mtcnn-onet", "mobilefacenet"})) return false;
    if (!lfr::test::have_file(kDemo + "/sample1.jpg")) return false;
    if (std::system("ffmpeg -version >/dev/null 2>&1") != 0) {
        if (lfr::test::models_required()) FAIL_CHECK("ffmpeg missing (scripts/setup.sh installs it)");
        else MESSAGE("skipping: the ffmpeg command is missing (scripts/setup.sh installs it)");
        return false;
    }
    return true;
}

// 4 s at 10 fps, 640x480: sample1.jpg panning right for 2 s, a cut, sample2.jpg panning left.
std::string make_video(const Dir& d) {
    const std::string out = d / "pan.mp4";
    const std::string cmd = "ffmpeg -v error -y -loop 1 -t 2 -i '" + kDemo + "/sample1.jpg' -loop 1 -t 2 -i '" + kDemo +
                            "/sample2.jpg' -filter_complex \"[0]scale=960:-2,crop=640:480:'t*40':20,setsar=1,fps=10[a];"
                            "[1]scale=960:-2,crop=640:480:'80-t*40':20,setsar=1,fps=10[b];[a][b]concat=n=2:v=1[v]\" "
                            "-map '[v]' -pix_fmt yuv420p '" + out + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    return out;
}

std::vector<json> of_type(const std::vector<json>& events, const std::string& type) {
    std::vector<json> out;
    for (const json& e : events)
        if (e["event"] == type) out.push_back(e);
    return out;
}

}  // namespace

TEST_CASE("lfr watch: tracks through a pan, ends them at a cut, names the enrolled face once per track") {
    if (!have_tools()) return;
    Dir d;
    const std::string video = make_video(d);
    // The face nearest the centre of sample1.jpg becomes "centre".
    REQUIRE(sh(lfr_cmd() + " enroll --db " + d / "g.db" + " centre '" + kDemo + "/sample1.jpg'", d.path).rc == 0);
    const Run r = sh(lfr_cmd() + " watch '" + video + "' --db " + d / "g.db" + " --draw " + d / "frames", d.path);
    INFO(r.err);
    REQUIRE(r.rc == 0);
    const auto started = of_type(r.events, "track_started"), ended = of_type(r.events, "track_ended");
    CHECK(started.size() == ended.size());
    // The crop of sample1 shows 2 faces, that of sample2 2: one track each, none carried over the cut at 2 s.
    std::set<int> first, second;
    for (const json& e : ended) (e["time"].get<double>() < 2.05 ? first : second).insert(e["track"].get<int>());
    CHECK(first.size() == 2);
    CHECK(second.size() == 2);
    // "centre" is identified exactly once in the first shot (two faces of one frame are never one person).
    int centre_first = 0;
    for (const json& e : of_type(r.events, "identified")) {
        CHECK(e["name"] == "centre");
        CHECK(e["views"].get<int>() >= 2);
        if (first.count(e["track"].get<int>())) ++centre_first;
    }
    CHECK(centre_first == 1);
    const json summary = r.events.back();
    CHECK(summary["event"] == "summary");
    CHECK(summary["frames"] == 40);
    CHECK(summary["dropped"] == 0);
    CHECK(std::distance(fs::directory_iterator(d / "frames"), fs::directory_iterator()) == 40);

    // The same events from one thread as from two.
    const Run one = sh(lfr_cmd() + " watch '" + video + "' --db " + d / "g.db" + " --threads 1", d.path);
    REQUIRE(one.rc == 0);
    REQUIRE(one.events.size() == r.events.size());
    for (size_t i = 0; i + 1 < r.events.size(); ++i) CHECK(one.events[i] == r.events[i]);
}

TEST_CASE("lfr watch: --watchlist, cooldown, --exec and --draw OUT.mp4") {
    if (!have_tools()) return;
    Dir d;
    const std::string video = make_video(d);
    REQUIRE(sh(lfr_cmd() + " enroll --db " + d / "g.db" + " centre '" + kDemo + "/sample1.jpg'", d.path).rc == 0);
    const Run r = sh(lfr_cmd() + " watch '" + video + "' --db " + d / "g.db" + " --watchlist centre --alert-threshold 2 --exec 'cat >> " +
                         d / "alerts.jsonl" + "' --draw " + d / "out.mp4",
                     d.path);
    REQUIRE(r.rc == 0);
    // The annotated video holds every frame.
    const Run probe = sh("ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 " +
                             d / "out.mp4",
                         d.path);
    CHECK(probe.out.find("40") == 0);
    const auto ids = of_type(r.events, "identified");
    REQUIRE(!ids.empty());
    CHECK(ids[0]["alert"] == true);
    // --exec got each alert's event line on stdin.
    std::stringstream alerts(slurp(d / "alerts.jsonl"));
    int n = 0;
    for (std::string line; std::getline(alerts, line); ++n) CHECK(json::parse(line)["name"] == "centre");
    CHECK(n == r.events.back()["alerts"].get<int>());
    for (size_t i = 1; i < ids.size(); ++i) CHECK(ids[i]["why_not"] == "cooldown");  // within 60 s

    const Run other = sh(lfr_cmd() + " watch '" + video + "' --db " + d / "g.db" + " --watchlist someone-else", d.path);
    for (const json& e : of_type(other.events, "identified")) CHECK(e["alert"] == false);
}

TEST_CASE("lfr watch: bad input gives one clear error line each") {
    if (!have_tools()) return;
    Dir d;
    const std::string video = make_video(d);
    const std::string db = d / "g.db";
    REQUIRE(sh(lfr_cmd() + " enroll --db " + db + " centre '" + kDemo + "/sample1.jpg'", d.path).rc == 0);
    auto one_line = [&](const std::string& args, const std::string& what, int rc = 1) {
        CAPTURE(args);
        const Run r = sh(lfr_cmd() + " watch " + args, d.path);
        INFO(r.err);
        CHECK(r.rc == rc);
        CHECK(r.err.find(what) != std::string::npos);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    };
    {
        std::ofstream(d / "junk.mp4") << std::string(5000, 'x');
        one_line(d / "junk.mp4 --db " + db, "junk.mp4: cannot open");
    }
    {
        const std::string bytes = slurp(video);  // the index (moov) is at the end: a cut file has none
        std::ofstream(d / "cut.mp4", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
        one_line(d / "cut.mp4 --db " + db, "cut.mp4: cannot open");
    }
    one_line(d / "missing.mp4 --db " + db, "missing.mp4: no such file");
    one_line("tcp://127.0.0.1:9 --db " + db + " --timeout 2", "tcp://127.0.0.1:9: cannot open");
    one_line(video + " --db " + d / "none.db", "no such gallery");
    REQUIRE(sh(lfr_cmd() + " enroll --db " + d / "empty.db" + " x '" + kDemo + "/sample1.jpg' && " + lfr_cmd() +
                   " gallery remove x --db " + d / "empty.db",
               d.path).rc == 0);
    one_line(video + " --db " + d / "empty.db", "the gallery is empty");
    one_line(video + " --db " + db + " --embedder face_recognition_model", "was made with mobilefacenet");
    one_line(video + " --db " + db + " --threads 0", "--threads must be between 1 and 16", 2);
}

TEST_CASE("lfr watch: a network stream that dies is retried, then given up with a clear error") {
    if (!have_tools()) return;
    Dir d;
    const std::string video = make_video(d);
    REQUIRE(sh(lfr_cmd() + " enroll --db " + d / "g.db" + " centre '" + kDemo + "/sample1.jpg'", d.path).rc == 0);
    const std::string port = std::to_string(20000 + ::getpid() % 20000);
    const std::string url = "tcp://127.0.0.1:" + port;
    // ffmpeg serves the 4 s video at its own pace on loopback, then closes the connection and exits: for a
    // live stream that is a break, and the reconnects find nobody listening. (No kill timer: under a
    // sanitizer lfr can take seconds to start, and a timer could end the stream before any frame.)
    const std::string cmd = "ffmpeg -v error -re -i '" + video + "' -c copy -f mpegts '" + url + "?listen=1' & sleep 1; " +
                            lfr_cmd() + " watch '" + url + "' --db " + d / "g.db" + " --reconnects 2 --timeout 1 --quiet";
    const Run r = sh(cmd, d.path);
    INFO(r.err);
    CHECK(r.rc == 1);
    CHECK(r.err.find("gave up after 2 reconnect attempts") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    // What came before the break was watched, and the summary still comes.
    REQUIRE(!r.events.empty());
    CHECK(r.events.back()["event"] == "summary");
    CHECK(r.events.back()["frames"].get<int>() > 0);
    CHECK(!of_type(r.events, "track_started").empty());
}

// The acceptance run on the real clip (about a minute on two cores).
TEST_CASE("lfr watch: short_hamilton_clip.mp4 with Miranda, Lacamoire, Obama and Biden enrolled") {
    const fs::path clip = kVideoDev / "short_hamilton_clip.mp4";
    if (!fs::exists(clip)) {
        MESSAGE("skipped: " << clip << " missing (../shared/data/video-dev beside the repository)");
        return;
    }
    if (!have_tools()) return;
    Dir d;
    const std::string db = d / "g.db", enrol = (kVideoDev / "enrol").string();
    for (const char* p : {"lin-manuel-miranda lin-manuel-miranda.png", "alex-lacamoire alex-lacamoire.png",
                          "obama obama.jpg obama2.jpg", "biden biden.jpg"}) {
        std::stringstream ss(p);
        std::string name, cmd = lfr_cmd() + " enroll --db " + db;
        ss >> name;
        cmd += " " + name;
        for (std::string f; ss >> f;) cmd += " '" + enrol + "/" + f + "'";
        REQUIRE(sh(cmd, d.path).rc == 0);
    }
    const Run r = sh(lfr_cmd() + " watch '" + clip.string() + "' --db " + db + " --quiet", d.path);
    INFO(r.err);
    REQUIRE(r.rc == 0);
    std::map<std::string, std::set<int>> named;
    for (const json& e : of_type(r.events, "track_ended")) {
        const std::string name = e["name"];
        if (name != "unknown" && name != "undecided") named[name].insert(e["track"].get<int>());
    }
    // The performer's frontal tracks (the long shot at the start, the medium shot from 2.7 s) are him;
    // Obama is named in the audience shot (from 7 s); Biden never; nobody else is named.
    CHECK(named["lin-manuel-miranda"].size() >= 2);
    CHECK(named["obama"].size() == 1);
    CHECK(named.count("biden") == 0);
    CHECK(named.size() == 2);
    for (const json& e : of_type(r.events, "identified"))
        if (e["name"] == "obama") CHECK(e["time"].get<double>() > 7);
}

// street_walk.mp4: the three walkers who come towards the camera keep one track each from the first
// frame to the last (seen in the annotated output: ids 1, 4 and 6, the boy, the red-haired man, the
// white-haired woman), and the background adds only a few short tracks.
TEST_CASE("lfr watch: street_walk.mp4, every walker one track") {
    const fs::path clip = kVideoDev / "street_walk.mp4";
    if (!fs::exists(clip)) {
        MESSAGE("skipped: " << clip << " missing (../shared/data/video-dev beside the repository)");
        return;
    }
    if (!have_tools()) return;
    Dir d;
    REQUIRE(sh(lfr_cmd() + " enroll --db " + d / "g.db" + " obama '" + (kVideoDev / "enrol/obama.jpg").string() + "'", d.path).rc == 0);
    const Run r = sh(lfr_cmd() + " watch '" + clip.string() + "' --db " + d / "g.db" + " --quiet", d.path);
    INFO(r.err);
    REQUIRE(r.rc == 0);
    const auto ended = of_type(r.events, "track_ended");
    const int last = r.events.back()["frames"].get<int>() - 1;
    int whole = 0;
    for (const json& e : ended)
        if (e["frame"].get<int>() == last) {
            for (const json& s : of_type(r.events, "track_started"))
                if (s["track"] == e["track"] && s["frame"].get<int>() == 0) ++whole;
        }
    CHECK(whole == 3);
    CHECK(ended.size() <= 10);
    CHECK(of_type(r.events, "identified").empty());
}

TEST_CASE("lfr enroll --video: the main track's best, most varied views; --augment adds copies") {
    if (!have_tools()) return;
    Dir d;
    const std::string video = make_video(d);
    const Run r = sh(lfr_cmd() + " enroll --db " + d / "g.db" + " main --video '" + video + "' --views 3 --augment", d.path);
    INFO(r.err);
    REQUIRE(r.rc == 0);
    CHECK(r.out.find("from 3 views") != std::string::npos);
    // Each view with its mirror image and four jittered copies.
    CHECK(r.out.find("enrolled main: 18 descriptors") != std::string::npos);
    const Run list = sh(lfr_cmd() + " gallery list --db " + d / "g.db" + " --json", d.path);
    CHECK(json::parse(list.out)["people"][0]["descriptors"] == 18);

    // No face at all: one clear error, nothing enrolled.
    REQUIRE(std::system(("ffmpeg -v error -f lavfi -i color=gray:s=320x240:d=1 -pix_fmt yuv420p '" + d / "grey.mp4" + "'").c_str()) == 0);
    const Run none = sh(lfr_cmd() + " enroll --db " + d / "g2.db" + " nobody --video " + d / "grey.mp4", d.path);
    CHECK(none.rc == 1);
    CHECK(none.err.find("no face good enough to enroll") != std::string::npos);
    CHECK(!fs::exists(d / "g2.db"));
}

TEST_CASE("lfr watch --require-live: live/spoof per track, alerts only once a track is live") {
    if (!have_tools() || !lfr::test::have_models({"antispoof", "liveness", "face_landmark_68"})) return;
    Dir d;
    const std::string video = make_video(d);
    REQUIRE(sh(lfr_cmd() + " enroll --db " + d / "g.db" + " centre '" + kDemo + "/sample1.jpg'", d.path).rc == 0);
    const Run r = sh(lfr_cmd() + " watch '" + video + "' --db " + d / "g.db" + " --require-live --alert-threshold 2", d.path);
    INFO(r.err);
    REQUIRE(r.rc == 0);
    std::map<int, std::string> verdict;
    int alerts = 0;
    for (const json& e : r.events) {
        if (e["event"] == "live" || e["event"] == "spoof") {
            CHECK(!verdict.count(e["track"].get<int>()));  // one verdict per track
            verdict[e["track"].get<int>()] = e["event"];
            CHECK(e["liveness"]["frames"] == 10);
        }
        if (e.value("alert", false)) {
            ++alerts;
            CHECK(verdict[e["track"].get<int>()] == "live");
        }
        if (e["event"] == "identified" && !verdict.count(e["track"].get<int>())) CHECK(e["why_not"] == "not live yet");
    }
    CHECK(!verdict.empty());
    CHECK(alerts == r.events.back()["alerts"].get<int>());
}

TEST_CASE("lfr calibrate: the FPIR threshold is stored in the gallery, watch uses it and warns when the gallery grew") {
    if (!have_tools()) return;
    for (const char* cmd : {"watch --help", "calibrate --help"}) {
        const Run h = sh(lfr_cmd() + " " + cmd, fs::temp_directory_path());
        CHECK(h.rc == 0);
        CHECK(h.out.find("usage: lfr") != std::string::npos);
    }
    Dir d;
    const std::string db = d / "g.db";
    REQUIRE(sh(lfr_cmd() + " enroll --db " + db + " one '" + kDemo + "/sample1.jpg'", d.path).rc == 0);
    const Run c = sh(lfr_cmd() + " calibrate --db " + db + " '" + kDemo + "/sample4.jpg' '" + kDemo + "/sample5.jpg' --fpir 0.2", d.path);
    INFO(c.err);
    REQUIRE(c.rc == 0);
    const json cal = json::parse(c.out);
    CHECK(cal["people"] == 1);
    CHECK(cal["impostors"] == 10);  // 5 faces in each photo
    // FPIR 0.2 of 10 searches: the threshold is the 3rd smallest nearest distance, so 2 fall below it.
    CHECK(cal["threshold"].get<double>() > cal["min"].get<double>());
    CHECK(cal["threshold"].get<double>() <= cal["median"].get<double>());

    const std::string video = make_video(d);
    const Run w = sh(lfr_cmd() + " watch '" + video + "' --db " + db, d.path);
    REQUIRE(w.rc == 0);
    CHECK(std::abs(w.events.back()["threshold"].get<double>() - cal["threshold"].get<double>()) < 1e-3);
    CHECK(w.err.find("calibration (FPIR 0.2 at 1 people)") != std::string::npos);
    CHECK(w.err.find("warning") == std::string::npos);
    REQUIRE(sh(lfr_cmd() + " enroll --db " + db + " two '" + kDemo + "/sample2.jpg'", d.path).rc == 0);
    const Run grown = sh(lfr_cmd() + " watch '" + video + "' --db " + db + " --quiet", d.path);
    CHECK(grown.err.find("has 2 people but was calibrated with 1") != std::string::npos);
}
