// The live-video building blocks without models: the Kalman filter and tracker, the quality gate's
// pose and sharpness, the sequential decision, the threaded source's dropping and reconnecting, and
// image folders and lists as sources.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

#include "lfr/video/decision.h"
#include "lfr/video/live_source.h"
#include "lfr/video/liveness.h"
#include "lfr/video/open_source.h"
#include "lfr/video/quality.h"
#include "lfr/video/scene_cut.h"
#include "lfr/video/tracker.h"

using namespace lfr;

namespace {

Box square(float x, float y, float side) { return {x, y, x + side, y + side}; }

}  // namespace

TEST_CASE("video: the Kalman filter learns a constant velocity") {
    BoxKalman k(square(0, 0, 40));
    for (int i = 1; i <= 20; ++i) {
        k.predict();
        k.update(square(5.f * float(i), 2.f * float(i), 40));
    }
    const Box p = k.predict();  // frame 21
    CHECK(p.x1 == doctest::Approx(105).epsilon(0.02));
    CHECK(p.y1 == doctest::Approx(42).epsilon(0.05));
    CHECK(p.width() == doctest::Approx(40).epsilon(0.02));
}

TEST_CASE("video: two faces walking past each other keep their track ids") {
    Tracker tracker;
    std::vector<int> ids_a, ids_b;
    for (int f = 0; f < 40; ++f) {
        // A walks right, B walks left, one row apart; their boxes never overlap much.
        const std::vector<Box> dets = {square(10.f + 8.f * float(f), 100, 50), square(400.f - 8.f * float(f), 170, 50)};
        CHECK(tracker.step(&dets).empty());
        for (const Track& t : tracker.tracks()) (t.detection == 0 ? ids_a : ids_b).push_back(t.id);
    }
    REQUIRE(ids_a.size() == 40);
    CHECK(std::all_of(ids_a.begin(), ids_a.end(), [&](int i) { return i == ids_a[0]; }));
    CHECK(std::all_of(ids_b.begin(), ids_b.end(), [&](int i) { return i == ids_b[0]; }));
    CHECK(ids_a[0] != ids_b[0]);
}

TEST_CASE("video: tracks bridge missed detections and frames without detection, then die") {
    TrackerOptions o;
    o.max_missed = 4;
    Tracker tracker(o);
    std::vector<Box> dets;
    for (int f = 0; f < 10; ++f) {
        dets = {square(100.f + 4.f * float(f), 100, 60)};
        // Detector only every third frame: the prediction carries the track between.
        tracker.step(f % 3 == 0 ? &dets : nullptr);
        REQUIRE(tracker.tracks().size() == 1);
        CHECK(tracker.tracks()[0].id == 1);
    }
    const std::vector<Box> none;
    int ended = 0;
    for (int f = 0; f < 6; ++f) ended += int(tracker.step(&none).size());
    CHECK(ended == 1);
    CHECK(tracker.tracks().empty());
}

TEST_CASE("video: a new face needs min_hits detections to be confirmed (after the first frames)") {
    Tracker tracker;
    const std::vector<Box> first = {square(0, 0, 50)};
    for (int f = 0; f < 5; ++f) tracker.step(&first);
    const std::vector<Box> both = {square(0, 0, 50), square(300, 0, 50)};
    tracker.step(&both);
    REQUIRE(tracker.tracks().size() == 2);
    CHECK(!tracker.tracks()[1].confirmed);
    tracker.step(&both);
    tracker.step(&both);
    CHECK(tracker.tracks()[1].confirmed);
}

TEST_CASE("video: pose from five points; sharpness falls with blur") {
    float yaw = 0, pitch = 0;
    pose_from_points({{40, 50}, {80, 50}, {60, 72}, {45, 90}, {75, 90}}, yaw, pitch);
    CHECK(std::fabs(yaw) < 1);
    CHECK(std::fabs(pitch) < 0.05f);
    pose_from_points({{40, 50}, {80, 50}, {78, 72}, {45, 90}, {75, 90}}, yaw, pitch);  // nose far right
    CHECK(yaw > 35);

    Image sharp(64, 64), flat(64, 64);
    for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x) {
            const uint8_t v = ((x / 2 + y / 2) % 2) ? 220 : 30;
            std::fill_n(sharp.at(x, y), 3, v);
            std::fill_n(flat.at(x, y), 3, uint8_t(120 + x / 8));
        }
    CHECK(sharpness(sharp, square(0, 0, 64)) > 1000);
    CHECK(sharpness(flat, square(0, 0, 64)) < 5);
}

TEST_CASE("video: the sequential decision needs several agreeing views and never names a taken person") {
    const std::vector<std::string> names = {"ann", "bob"};
    DecisionOptions o;  // threshold 1.1, slope 10, cap 2, accept 3
    TrackDecision d(o);
    d.add_view({0.8f, 1.4f}, names, {});
    CHECK(d.verdict() == Verdict::Undecided);  // one view: +2 at most
    d.add_view({0.85f, 1.4f}, names, {});
    CHECK(d.verdict() == Verdict::Known);
    CHECK(d.name() == "ann");
    CHECK(d.views() == 2);

    TrackDecision stranger(o);
    for (int i = 0; i < 2; ++i) stranger.add_view({1.35f, 1.5f}, names, {});
    CHECK(stranger.verdict() == Verdict::Unknown);

    TrackDecision ambiguous(o);  // matches both equally: no evidence for either
    for (int i = 0; i < 8; ++i) ambiguous.add_view({0.9f, 0.9f}, names, {});
    CHECK(ambiguous.verdict() == Verdict::Undecided);
    CHECK(!ambiguous.wants_views());

    TrackDecision second(o);  // ann is already in the frame: this face is not her
    for (int i = 0; i < 4; ++i) second.add_view({0.8f, 1.4f}, names, {"ann"});
    CHECK(second.verdict() != Verdict::Known);
}

TEST_CASE("video: a turned face may be farther from the portraits, and a poor match of it proves little") {
    const std::vector<std::string> names = {"ann", "bob"};
    TrackDecision frontal, turned;
    for (int i = 0; i < 7; ++i) {
        frontal.add_view({1.15f, 1.45f}, names, {}, 0.f);
        turned.add_view({1.15f, 1.45f}, names, {}, 0.9f);  // 54 degrees of a 60-degree gate
    }
    CHECK(frontal.verdict() == Verdict::Unknown);  // 1.15 is past the frontal threshold of 1.1: -0.5 a view
    CHECK(turned.verdict() == Verdict::Known);     // within 1.1 + 0.15 * 0.81 for a turned face: +0.7 a view
    CHECK(turned.views() == 5);
    TrackDecision profile;
    for (int i = 0; i < 8; ++i) profile.add_view({1.5f, 1.5f}, names, {}, 0.9f);
    CHECK(profile.verdict() == Verdict::Undecided);  // each view counts a tenth against
}

TEST_CASE("video: scene cuts are frame changes, not small motion") {
    SceneCuts cuts;
    Image a(160, 90), b(160, 90), c(160, 90);
    for (int y = 0; y < 90; ++y)
        for (int x = 0; x < 160; ++x) {
            std::fill_n(a.at(x, y), 3, uint8_t(x));
            std::fill_n(b.at(x, y), 3, uint8_t(x + 3));  // a slight change
            std::fill_n(c.at(x, y), 3, uint8_t(255 - x));
        }
    CHECK(!cuts.is_cut(a));
    CHECK(!cuts.is_cut(b));
    CHECK(cuts.is_cut(c));
}

namespace {

// Frames as fast as asked, numbered; breaks (throws) after `fail_after` frames when set. `made`, when
// given, counts the frames handed out (read by the test's thread).
class CountingSource : public FrameSource {
public:
    CountingSource(int frames, int fail_after = -1, std::atomic<int>* made = nullptr)
        : frames_(frames), fail_after_(fail_after), made_(made) {}
    std::optional<Frame> next() override {
        if (fail_after_ >= 0 && n_ >= fail_after_) throw Error("counting: connection reset");
        if (n_ >= frames_) return std::nullopt;
        Frame f;
        f.image = Image(4, 4);
        f.time = n_ * 0.01;
        f.index = n_++;
        if (made_) ++*made_;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return f;
    }
    std::string name() const override { return "counting"; }

private:
    int frames_, fail_after_;
    std::atomic<int>* made_;
    int n_ = 0;
};

}  // namespace

TEST_CASE("video: a live source drops old frames when the reader is slow; a file source never does") {
    LiveOptions o;
    o.capacity = 2;
    o.reconnects = 0;
    ThreadedSource live([] { return std::make_unique<CountingSource>(200); }, /*live=*/false, o);
    int got = 0;
    while (live.next()) ++got;
    CHECK(got == 200);
    CHECK(live.dropped() == 0);

    // The reader takes one frame, then falls behind until the source has made all 100 (no race with
    // the clock: on a loaded machine the source could be the slower one); only the newest 2 are left.
    std::atomic<int> opens{0}, made{0};
    ThreadedSource stream([&] {
        ++opens;
        return std::make_unique<CountingSource>(opens == 1 ? 100 : 0, opens == 1 ? 100 : 0, &made);
    }, /*live=*/true, o);
    std::vector<int64_t> indices;
    try {
        while (std::optional<Frame> f = stream.next()) {
            indices.push_back(f->index);
            for (int ms = 0; made < 100 && ms < 20000; ++ms) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        FAIL("a broken live stream must end with an error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("gave up after 0 reconnect attempts") != std::string::npos);
        CHECK(std::string(e.what()).find("connection reset") != std::string::npos);
    }
    REQUIRE(made == 100);
    CHECK(indices.size() < 100);
    CHECK(stream.dropped() > 0);
    CHECK(int64_t(indices.size()) + stream.dropped() == 100);
    CHECK(std::is_sorted(indices.begin(), indices.end()));
    CHECK(indices.back() == 99);  // the newest frame is never the one dropped
}

TEST_CASE("video: a broken live stream is reopened with back-off, and timestamps go on") {
    LiveOptions o;
    o.reconnects = 3;
    o.first_backoff_s = 0.01;
    o.capacity = 1000;
    std::atomic<int> opens{0};
    ThreadedSource stream([&] {
        const int n = ++opens;
        // The 1st and 3rd connections give 10 frames each, every other one breaks at once.
        return std::make_unique<CountingSource>(100, n == 1 || n == 3 ? 10 : 0);
    }, /*live=*/true, o);
    std::vector<double> times;
    try {
        while (std::optional<Frame> f = stream.next()) times.push_back(f->time);
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("gave up after 3 reconnect attempts") != std::string::npos);
    }
    // A connection that delivers resets the count: 1, 2 (breaks), 3 (delivers), 4, 5, 6 (3 breaks in a row).
    CHECK(opens == 6);
    CHECK(stream.reconnected() == 5);
    REQUIRE(times.size() == 20);
    CHECK(std::is_sorted(times.begin(), times.end()));
}

TEST_CASE("video: image folders and lists are frame sources; a missing path is one clear error") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("lfr_test_video_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    Image img(8, 6);
    for (const char* name : {"b.png", "a.png", "c.png"}) save_png((dir / name).string(), img);
    std::ofstream(dir / "notes.txt") << "not a picture";
    SourceOptions o;
    o.image_fps = 10;
    std::unique_ptr<FrameSource> folder = open_frame_source(dir.string(), o);
    std::vector<double> times;
    while (std::optional<Frame> f = folder->next()) {
        CHECK(f->image.width == 8);
        times.push_back(f->time);
    }
    CHECK(times == std::vector<double>{0, 0.1, 0.2});
    std::ofstream(dir / "list.txt") << (dir / "c.png").string() << "\n# a comment\n" << (dir / "a.png").string() << "\n";
    std::unique_ptr<FrameSource> list = open_frame_source((dir / "list.txt").string(), o);
    int n = 0;
    while (list->next()) ++n;
    CHECK(n == 2);
    CHECK_THROWS_WITH_AS(open_frame_source((dir / "none.mp4").string()), doctest::Contains("none.mp4: no such file"), Error);
    fs::remove_all(dir);
}

// Blinks from a made-up sequence of eye openings: the eye aspect ratio of six points per eye (iBUG 36-47),
// open then closed then open again, is one blink; a steady or slowly drifting ratio is none.
TEST_CASE("video: a blink is an eye aspect ratio that drops and comes back") {
    auto face_with_eyes = [](float open) {  // 68 points; only the eyes matter here
        std::vector<lfr::Point> lm(68, lfr::Point{0, 0});
        for (int o : {36, 42}) {
            const float x0 = o == 36 ? 10.f : 40.f;
            lm[size_t(o)] = {x0, 20};                               // outer corner
            lm[size_t(o + 3)] = {x0 + 20, 20};                      // inner corner
            lm[size_t(o + 1)] = {x0 + 7, 20 - open}, lm[size_t(o + 2)] = {x0 + 13, 20 - open};  // upper lid
            lm[size_t(o + 5)] = {x0 + 7, 20 + open}, lm[size_t(o + 4)] = {x0 + 13, 20 + open};  // lower lid
        }
        return lm;
    };
    CHECK(lfr::eye_aspect_ratio(face_with_eyes(3)) == doctest::Approx(0.3));  // (6 + 6) / (2 * 20)
    CHECK(lfr::eye_aspect_ratio(face_with_eyes(0.5f)) == doctest::Approx(0.05));

    lfr::TrackLiveness blinking(100), staring(100);
    for (float open : {3.f, 3.f, 3.f, 0.5f, 0.5f, 3.f, 3.f, 3.f, 0.4f, 3.f}) {
        blinking.add({0.9f, 0.9f, lfr::eye_aspect_ratio(face_with_eyes(open))});
        staring.add({0.9f, 0.9f, lfr::eye_aspect_ratio(face_with_eyes(3.f - 0.05f * open))});
    }
    CHECK(blinking.blinks() == 2);
    CHECK(staring.blinks() == 0);
}
