// The samples that read like documentation (samples/verify_photos, enrol_identify, video_faces), run as a
// user would run them on the sample photos of the face-api package: their answers, and one clear line on
// stderr with a non-zero exit when an input is missing or unusable.
// The packages hold no second photo of any one person, so "another photo of them" is made here: the
// photo mirrored, darkened and saved again as a JPEG (other pixels everywhere, the same faces).
#include <cstdlib>
#include <string>

#include "cli_test_util.h"
#include "lfr/image/io.h"

namespace {

using cli_test::lines;
using cli_test::photo;
using cli_test::quote;
using cli_test::Result;

Result run_sample(const std::string& name, const std::string& args) {
    return cli_test::run_program((fs::path(LFR_CLI_PATH).parent_path() / name).string(), args);
}

// The photo mirrored left to right, at 80% brightness, as a JPEG of quality 75.
std::string other_photo_of(const std::string& path, const cli_test::TempDir& dir, const std::string& name) {
    const lfr::Image in = lfr::load_image(path);
    lfr::Image out(in.width, in.height);
    for (int y = 0; y < in.height; ++y)
        for (int x = 0; x < in.width; ++x)
            for (int c = 0; c < 3; ++c) out.at(in.width - 1 - x, y)[c] = uint8_t(in.at(x, y)[c] * 4 / 5);
    lfr::save_jpg(dir / name, out, 75);
    return dir / name;
}

// A folder of sample1 (0.jpg) and its other photo (1.jpg).
std::string two_photos_of_sample1(const cli_test::TempDir& dir, const std::string& folder) {
    fs::create_directories(dir / folder);
    fs::copy_file(photo(1), dir / (folder + "/0.jpg"));
    other_photo_of(photo(1), dir, folder + "/1.jpg");
    return dir / folder;
}

// One line on stderr naming `what`, and exit status `rc`.
void check_fails(const Result& r, int rc, const std::string& what) {
    CHECK(r.rc == rc);
    CHECK(r.out.empty());
    cli_test::check_one_error_line(r, what);
}

}  // namespace

TEST_CASE("samples/verify_photos: the same person in two photos, different people, and a missing photo") {
    if (!cli_test::have_models()) return;
    cli_test::TempDir dir;
    // Each photo's main face is the one nearest its centre.
    Result r = run_sample("verify_photos", quote(photo(1)) + " " + quote(photo(1)));
    INFO("stderr: " << r.err);
    REQUIRE(r.rc == 0);
    CHECK(r.out == "distance 0.000 (threshold 1.1): same person\n");

    r = run_sample("verify_photos", quote(photo(1)) + " " + quote(other_photo_of(photo(1), dir, "mirrored.jpg")));
    REQUIRE(r.rc == 0);
    CHECK(r.out.find("same person") != std::string::npos);
    CHECK(r.out.find("distance 0.000") == std::string::npos);  // other pixels: not the same descriptor

    for (int other : {2, 3, 4}) {
        r = run_sample("verify_photos", quote(photo(1)) + " " + quote(photo(other)));
        REQUIRE(r.rc == 0);
        CHECK_MESSAGE(r.out.find("different people") != std::string::npos, "sample" << other << ": " << r.out);
    }

    check_fails(run_sample("verify_photos", quote(photo(1)) + " " + quote(dir / "none.jpg")), 1, "none.jpg");
    lfr::save_png(dir / "black.png", lfr::Image(64, 64));
    check_fails(run_sample("verify_photos", quote(photo(1)) + " " + quote(dir / "black.png")), 1, "black.png: no face found");
    check_fails(run_sample("verify_photos", quote(photo(1))), 2, "usage: verify_photos");
}

TEST_CASE("samples/enrol_identify: the enrolled person is named in another photo, everyone else is unknown") {
    if (!cli_test::have_models()) return;
    cli_test::TempDir dir;
    // centre: sample1's middle face, from a photo and from a folder of two; other: sample4's middle face.
    // (Not sample2's: it is 1.09-1.13 from sample1's left face, a pair of strangers at the threshold.)
    const std::string query = quote(other_photo_of(photo(1), dir, "query.jpg"));
    for (const std::string& centre : {photo(1), two_photos_of_sample1(dir, "centre")}) {
        const Result r = run_sample("enrol_identify", quote("centre=" + centre) + " " + quote("other=" + photo(4)) + " " + query);
        INFO("stderr: " << r.err);
        REQUIRE(r.rc == 0);
        INFO("stdout: " << r.out);
        const std::vector<std::string> faces = lines(r.out);
        CHECK(faces.size() == 3);  // sample1 has three faces
        int named = 0, unknown = 0;
        for (const std::string& f : faces) {
            INFO(f);
            CHECK(f.rfind("face at ", 0) == 0);
            if (f.find(": centre (distance ") != std::string::npos) ++named;
            if (f.find(": unknown (distance ") != std::string::npos && f.find(", nearest ") != std::string::npos) ++unknown;
        }
        CHECK(named == 1);
        CHECK(unknown == 2);
    }

    // Nobody in sample3 or sample6 is enrolled: every face is unknown (open set), none is named for being nearest.
    for (int k : {3, 6}) {
        const Result r = run_sample("enrol_identify", quote("centre=" + photo(1)) + " " + quote("other=" + photo(4)) + " " +
                                                          quote(photo(k)));
        REQUIRE(r.rc == 0);
        CHECK(lines(r.out).size() == (k == 3 ? 3u : 4u));
        for (const std::string& f : lines(r.out)) CHECK_MESSAGE(f.find(": unknown (") != std::string::npos, f);
    }

    lfr::save_png(dir / "black.png", lfr::Image(64, 64));
    check_fails(run_sample("enrol_identify", quote("x=" + dir / "none.jpg") + " " + query), 1, "none.jpg: no such file");
    check_fails(run_sample("enrol_identify", quote("x=" + dir / "black.png") + " " + query), 1, "black.png: no face found");
    check_fails(run_sample("enrol_identify", quote("x=" + photo(1)) + " " + quote(dir / "none.jpg")), 1, "none.jpg");
    check_fails(run_sample("enrol_identify", quote(photo(1)) + " " + query), 2, "give NAME=PHOTO or NAME=FOLDER");
}

TEST_CASE("samples/video_faces: faces in every frame of an image folder and of a video; missing and dead sources") {
    if (!cli_test::have_models()) return;
    cli_test::TempDir dir;
    Result r = run_sample("video_faces", quote(two_photos_of_sample1(dir, "frames")));
    INFO("stderr: " << r.err);
    REQUIRE(r.rc == 0);
    std::vector<std::string> out = lines(r.out);
    REQUIRE(out.size() == 3);
    CHECK(out[0].rfind("frame 0 at 0.000 s: 3 faces [", 0) == 0);
    CHECK(out[1].rfind("frame 1 at 0.040 s: 3 faces [", 0) == 0);  // image folders run at a nominal 25 fps
    CHECK(out[2] == "2 frames, 0 dropped");

    check_fails(run_sample("video_faces", quote(dir / "none.mp4")), 1, "none.mp4: no such file");
#ifdef LFR_HAVE_FFMPEG
    // Nothing listens on port 1: a dead stream is one line, not a hang or a crash.
    check_fails(run_sample("video_faces", "tcp://127.0.0.1:1"), 1, "tcp://127.0.0.1:1: cannot open");
    if (std::system("ffmpeg -version >/dev/null 2>&1") != 0) {
        MESSAGE("skipping the video file: the ffmpeg command is missing (scripts/setup.sh installs it)");
        return;
    }
    // Five frames of sample1 at 5 fps in an .mp4, made by the ffmpeg command.
    const std::string clip = dir / "clip.mp4";
    REQUIRE(std::system(("ffmpeg -v error -loop 1 -i " + quote(photo(1)) + " -r 5 -frames:v 5 -vf scale=640:-2 -pix_fmt yuv420p " +
                         quote(clip)).c_str()) == 0);
    r = run_sample("video_faces", quote(clip));
    REQUIRE(r.rc == 0);
    out = lines(r.out);
    REQUIRE(out.size() == 6);
    for (int i = 0; i < 5; ++i) CHECK_MESSAGE(out[size_t(i)].rfind("frame " + std::to_string(i) + " at ", 0) == 0, out[size_t(i)]);
    for (int i = 0; i < 5; ++i) CHECK_MESSAGE(out[size_t(i)].find(" s: 3 faces [") != std::string::npos, out[size_t(i)]);
    CHECK(out[5] == "5 frames, 0 dropped");
#endif
}
