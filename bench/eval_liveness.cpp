// eval_liveness: what Human's passive `antispoof` and `liveness` models say on real portraits and on
// simulated presentation attacks made from them (spoof_render.h: a screen replay and a paper print).
//
//   eval_liveness [--models DIR] [--limit N (100)] [--out DIR] [IMAGE ...]
//
// Without images: the first image of each of the first N people of ../shared/data/lfw-dev plus the
// portraits of ../shared/data/video-dev/enrol. Per condition: faces found (default detector, the face
// nearest the centre), the mean and median of each score, and how many reach 0.5 on each and on
// both (LivenessScorer's reading: live when both do). With --out, the first 12 renders of each
// condition are written with the face's box and scores drawn on them.
// Simulated attacks are not attack data: these numbers show the models' reaction to the simulated
// cues, and no threshold is validated by them.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "lfr/face/pipeline.h"
#include "lfr/face/draw.h"
#include "lfr/image/io.h"
#include "lfr/video/liveness.h"
#include "spoof_render.h"

using namespace lfr;
namespace fs = std::filesystem;

namespace {

[[noreturn]] void usage(const std::string& err) {
    if (!err.empty()) std::fprintf(stderr, "eval_liveness: %s\n", err.c_str());
    std::fprintf(stderr, "usage: eval_liveness [--models DIR] [--limit N (100)] [--out DIR] [IMAGE ...]\n");
    std::exit(err.empty() ? 0 : 2);
}

std::vector<std::string> default_images(int limit) {
    std::vector<std::string> out;
    const fs::path lfw = "../shared/data/lfw-dev/images", enrol = "../shared/data/video-dev/enrol";
    if (fs::is_directory(lfw)) {
        std::vector<fs::path> people;
        for (const auto& e : fs::directory_iterator(lfw)) people.push_back(e.path());
        std::sort(people.begin(), people.end());
        for (const fs::path& p : people) {
            if (int(out.size()) >= limit) break;
            std::vector<fs::path> files;
            for (const auto& f : fs::directory_iterator(p)) files.push_back(f.path());
            if (!files.empty()) out.push_back(std::min_element(files.begin(), files.end())->string());
        }
    }
    if (fs::is_directory(enrol))
        for (const auto& f : fs::directory_iterator(enrol)) out.push_back(f.path().string());
    return out;
}

struct Tally {
    std::vector<float> real, live;
    int images = 0, both = 0;
};

float median(std::vector<float> v) {
    if (v.empty()) return 0;
    std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
    return v[v.size() / 2];
}
float mean(const std::vector<float>& v) {
    double s = 0;
    for (float x : v) s += x;
    return v.empty() ? 0 : float(s / double(v.size()));
}
int at_least(const std::vector<float>& v, float t) { return int(std::count_if(v.begin(), v.end(), [&](float x) { return x >= t; })); }

}  // namespace

int main(int argc, char** argv) {
    PipelineOptions po;
    int limit = 100;
    std::string out_dir;
    std::vector<std::string> images;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(a + " needs a value");
            return argv[++i];
        };
        if (a == "--help" || a == "-h") usage("");
        else if (a == "--models") po.models_dir = value();
        else if (a == "--limit") limit = std::atoi(value().c_str());
        else if (a == "--out") out_dir = value();
        else if (!a.empty() && a[0] == '-') usage("unknown option " + a);
        else images.push_back(a);
    }
    if (images.empty()) images = default_images(limit);
    if (images.empty()) usage("no images (give some, or run where ../shared/data is)");
    try {
        const Pipeline pipeline(po);
        const LivenessScorer scorer(po, pipeline.options().faceres_crop_scale);
        const std::vector<std::pair<std::string, std::function<Image(const Image&)>>> conditions = {
            {"real photo", [](const Image& im) { return im; }},
            {"screen replay", spoof::screen_replay},
            {"paper print", spoof::paper_print},
        };
        if (!out_dir.empty()) fs::create_directories(out_dir);
        std::vector<Tally> tallies(conditions.size());
        for (size_t n = 0; n < images.size(); ++n) {
            const Image photo = load_image(images[n]);
            for (size_t c = 0; c < conditions.size(); ++c) {
                Image shown = conditions[c].second(photo);
                Tally& t = tallies[c];
                ++t.images;
                const std::vector<Detection> dets = pipeline.detect_boxes(shown);
                const int main = main_face(dets, shown.width, shown.height);
                if (main < 0) continue;
                const LivenessScores s = scorer.score(shown, dets[size_t(main)]);
                t.real.push_back(s.real), t.live.push_back(s.live);
                t.both += s.real >= 0.5f && s.live >= 0.5f;
                if (!out_dir.empty() && n < 12) {
                    Face f;
                    f.detection = dets[size_t(main)];
                    char label[64];
                    std::snprintf(label, sizeof label, "real %.2f live %.2f", s.real, s.live);
                    draw_face(shown, f, label, s.real >= 0.5f && s.live >= 0.5f ? colors::kGreen : colors::kRed);
                    std::string name = conditions[c].first;
                    std::replace(name.begin(), name.end(), ' ', '_');
                    save_png((fs::path(out_dir) / (name + "_" + std::to_string(n) + ".png")).string(), shown);
                }
            }
            if ((n + 1) % 20 == 0) std::fprintf(stderr, "eval_liveness: %zu/%zu images\n", n + 1, images.size());
        }
        std::printf("| condition | images | faces | antispoof real: mean / median / >=0.5 | liveness live: mean / median / >=0.5 | both >=0.5 |\n");
        std::printf("|---|---|---|---|---|---|\n");
        for (size_t c = 0; c < conditions.size(); ++c) {
            const Tally& t = tallies[c];
            const size_t f = t.real.size();
            std::printf("| %s | %d | %zu | %.3f / %.3f / %d | %.3f / %.3f / %d | %d (%.0f%%) |\n", conditions[c].first.c_str(),
                        t.images, f, mean(t.real), median(t.real), at_least(t.real, 0.5f), mean(t.live), median(t.live),
                        at_least(t.live, 0.5f), t.both, f ? 100.0 * t.both / double(f) : 0.0);
        }
        return 0;
    } catch (const Error& e) {
        std::fprintf(stderr, "eval_liveness: %s\n", e.what());
        return 1;
    }
}
