// eval_lfw: LFW face verification accuracy of the lfr pipeline (standard View-2 protocol on the
// folds in pairs.txt).
//
//   eval_lfw [--data DIR] [--pairs FILE] [pipeline options] [--roc OUT.svg] [--cache FILE] [--threads N]
//
// 1. Reads DIR/pairs.txt (or --pairs FILE, e.g. cfp-dev's pairs_FF.txt / pairs_FP.txt) (header "<folds> <n>": per fold n same-person lines "name i j" then n
//    different-person lines "name1 i name2 j"); images are DIR/images/<name>/<name>_<iiii>.jpg.
// 2. Embeds every image that occurs in a pair once, one thread per core over images sharing one
//    Pipeline: Pipeline::embed_subject (detection at the subject threshold, the box nearest the centre,
//    68 landmarks, alignment, embedding).
//    An image where the pipeline finds no face is left without a descriptor and every pair with it
//    counts as "different" (a wrong answer for same-person pairs): the rule `lfr verify` uses, with no
//    evaluation-only fallback.
// 3. k-fold protocol: for each fold, the Euclidean distance threshold that maximises accuracy on the
//    other folds is tested on the held-out fold; reports mean +- std (population) over folds.
//    TAR at FAR=1e-3 over all pairs: the threshold is the k-th smallest different-pair distance with
//    k = floor(1e-3 * different pairs) + 1, so at most floor(1e-3 * N) impostor pairs are accepted
//    (accept = distance < threshold); TAR is the share of same-person pairs accepted.
// 4. --roc OUT.svg: the ROC curve over all pairs (log-scale FAR), the fold thresholds and the
//    FAR=1e-3 point marked.
// The last line of stdout is one machine-readable summary:
//   LFW accuracy=0.9912 std=0.0041 tar@far1e-3=0.9500 no_face=3 images=3811 detector=... align=...
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lfr/face/pipeline.h"
#include "lfr/image/io.h"
#include "svg_plot.h"

using namespace lfr;

namespace {

struct Args {
    std::string data = "../shared/data/lfw-dev";
    std::string pairs;  // default DIR/pairs.txt
    std::string roc, cache, dump_chips;
    int dump_count = 12;
    int threads = 0;
    PipelineOptions opt;
    JpegDecoder jpeg = JpegDecoder::Libjpeg;
    bool list_no_face = false;
};

[[noreturn]] void usage(const std::string& err) {
    if (!err.empty()) std::fprintf(stderr, "eval_lfw: %s\n", err.c_str());
    std::fprintf(stderr,
                 "usage: eval_lfw [--data DIR] [--pairs FILE] [--models DIR] [--detector NAME] [--landmarks NAME]\n"
                 "                [--embedder NAME] [--input-size N] [--min-face N] [--score-threshold T] [--nms-iou T]\n"
                 "                [--max-faces N] [--align NAME] [--no-refine] [--no-mirror] [--jpeg libjpeg|jpeg-js]\n"
                 "                [--threads N]\n"
                 "                [--roc OUT.svg] [--cache FILE] [--dump-chips DIR [--dump-count N]]\n"
                 "                [--list-no-face]\n");
    std::exit(err.empty() ? 0 : 2);
}

template <class Stage>
std::string parse_stage(const std::vector<StageEntry<Stage>>& registry, const std::string& s, const char* what) {
    if (const StageEntry<Stage>* e = find_stage(registry, s)) return e->name;
    usage(std::string("unknown ") + what + " '" + s + "' (one of: " + stage_names(registry) + ")");
}

JpegDecoder parse_jpeg_decoder(const std::string& s) {
    if (const std::optional<JpegDecoder> d = jpeg_decoder_from_name(s)) return *d;
    usage("unknown JPEG decoder '" + s + "'");
}

Args parse_args(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc) usage(k + " needs a value");
            return argv[++i];
        };
        if (k == "--data") a.data = val();
        else if (k == "--models") a.opt.models_dir = val();
        else if (k == "--pairs") a.pairs = val();
        else if (k == "--detector") a.opt.detector = parse_stage(detector_registry(), val(), "detector");
        else if (k == "--landmarks") a.opt.landmarker = parse_stage(landmarker_registry(), val(), "landmarker");
        else if (k == "--embedder") a.opt.embedder = parse_stage(embedder_registry(), val(), "embedder");
        else if (k == "--min-face") a.opt.min_face = std::atoi(val().c_str());
        else if (k == "--input-size") a.opt.detector_input = std::atoi(val().c_str());
        else if (k == "--score-threshold") a.opt.subject_score_threshold = std::strtof(val().c_str(), nullptr);
        else if (k == "--nms-iou") a.opt.nms_iou = std::strtof(val().c_str(), nullptr);
        else if (k == "--max-faces") a.opt.max_faces = std::atoi(val().c_str());
        else if (k == "--align") a.opt.alignment = val();
        else if (k == "--jpeg") a.jpeg = parse_jpeg_decoder(val());
        else if (k == "--no-refine") a.opt.refine_landmarks = false;
        else if (k == "--no-mirror") a.opt.mirror_average = false;
        else if (k == "--threads") a.threads = std::atoi(val().c_str());
        else if (k == "--roc") a.roc = val();
        else if (k == "--cache") a.cache = val();
        else if (k == "--dump-chips") a.dump_chips = val();
        else if (k == "--dump-count") a.dump_count = std::atoi(val().c_str());
        else if (k == "--list-no-face") a.list_no_face = true;
        else if (k == "-h" || k == "--help") usage("");
        else usage("unknown option '" + k + "'");
    }
    if (a.pairs.empty()) a.pairs = a.data + "/pairs.txt";
    if (a.threads <= 0) a.threads = int(std::max(1u, std::thread::hardware_concurrency()));
    return a;
}

struct Pair {
    int a, b;  // image indices
    bool same;
};

std::string image_rel(const std::string& name, int n) {
    char num[16];
    std::snprintf(num, sizeof num, "%04d", n);
    return "images/" + name + "/" + name + "_" + num + ".jpg";
}

// pairs.txt -> pairs (fold-major, as in the file) and the distinct images they use.
void read_pairs(const std::string& path, int& folds, int& per_fold, std::vector<Pair>& pairs,
                std::vector<std::string>& images) {
    std::ifstream f(path);
    LFR_CHECK(bool(f), path + ": cannot open");
    std::string line;
    LFR_CHECK(bool(std::getline(f, line)), path + ": empty");
    {
        std::istringstream h(line);
        LFR_CHECK(bool(h >> folds >> per_fold) && folds > 1 && per_fold > 0,
                  path + ": bad header '" + line + "' (want '<folds> <pairs per class>')");
    }
    std::map<std::string, int> index;
    auto id = [&](const std::string& rel) {
        auto it = index.find(rel);
        if (it != index.end()) return it->second;
        images.push_back(rel);
        return index[rel] = int(images.size()) - 1;
    };
    int lineno = 1;
    for (int fold = 0; fold < folds; ++fold)
        for (int k = 0; k < 2 * per_fold; ++k) {
            ++lineno;
            LFR_CHECK(bool(std::getline(f, line)), path + ": ends at line " + std::to_string(lineno));
            std::istringstream s(line);
            std::string n1, n2;
            int i1 = 0, i2 = 0;
            if (k < per_fold) {
                LFR_CHECK(bool(s >> n1 >> i1 >> i2), path + ":" + std::to_string(lineno) + ": want 'name i j'");
                pairs.push_back({id(image_rel(n1, i1)), id(image_rel(n1, i2)), true});
            } else {
                LFR_CHECK(bool(s >> n1 >> i1 >> n2 >> i2),
                          path + ":" + std::to_string(lineno) + ": want 'name1 i name2 j'");
                pairs.push_back({id(image_rel(n1, i1)), id(image_rel(n2, i2)), false});
            }
        }
}

// What one image contributed.
enum class Source { Detected = 0, Missing = 2 };
struct Embedding {
    Source source = Source::Missing;
    int faces = 0;  // faces the detector found
    Box box;
    float score = 0;
    std::vector<float> descriptor;
};

// What the cached descriptors depend on (Pipeline options as resolved, the decoder).
std::string settings_key(const Args& a, const PipelineOptions& o) {
    std::ostringstream s;
    s << "detector=" << o.detector << ",input=" << o.detector_input << ",minface=" << o.min_face
      << ",score=" << o.subject_score_threshold << ",nms=" << o.nms_iou << ",max=" << o.max_faces
      << ",landmarks=" << o.landmarker << ",refine2=" << o.refine_landmarks << ",mirror=" << o.mirror_average
      << ",embedder=" << o.embedder << ",align=" << o.alignment << ",jpeg=" << jpeg_decoder_name(a.jpeg);
    return s.str();
}

constexpr const char* kCacheMagic = "lfr-eval-lfw-cache-v2";

bool load_cache(const std::string& path, const std::string& key, const std::vector<std::string>& images,
                std::vector<Embedding>& out) {
    std::ifstream f(path);
    if (!f) return false;
    std::string line;
    if (!std::getline(f, line) || line != std::string(kCacheMagic) + " " + key) {
        std::fprintf(stderr, "[eval_lfw] cache %s was made with other settings: recomputing\n", path.c_str());
        return false;
    }
    std::map<std::string, Embedding> m;
    while (std::getline(f, line)) {
        std::istringstream s(line);
        std::string rel;
        int src = 0;
        Embedding e;
        if (!(s >> rel >> src >> e.faces >> e.score >> e.box.x1 >> e.box.y1 >> e.box.x2 >> e.box.y2)) return false;
        e.source = Source(src);
        float v;
        while (s >> v) e.descriptor.push_back(v);
        m[rel] = std::move(e);
    }
    out.assign(images.size(), {});
    for (size_t i = 0; i < images.size(); ++i) {
        auto it = m.find(images[i]);
        if (it == m.end()) return false;
        out[i] = it->second;
    }
    return true;
}

void save_cache(const std::string& path, const std::string& key, const std::vector<std::string>& images,
                const std::vector<Embedding>& emb) {
    std::ofstream f(path);
    LFR_CHECK(bool(f), path + ": cannot write the cache");
    f << kCacheMagic << " " << key << "\n";
    char buf[32];
    for (size_t i = 0; i < images.size(); ++i) {
        const Embedding& e = emb[i];
        f << images[i] << " " << int(e.source) << " " << e.faces << " " << e.score << " " << e.box.x1 << " "
          << e.box.y1 << " " << e.box.x2 << " " << e.box.y2;
        for (float v : e.descriptor) {
            std::snprintf(buf, sizeof buf, " %.9g", double(v));
            f << buf;
        }
        f << "\n";
    }
}

void save_chip(const std::string& path, const Tensor& chip) {
    const int h = int(chip.shape[1]), w = int(chip.shape[2]);
    Image im(w, h);
    for (size_t i = 0; i < im.rgb.size(); ++i)
        im.rgb[i] = uint8_t(std::lround(std::min(255.f, std::max(0.f, chip.values[i]))));
    save_png(path, im);
}

Embedding embed_one(const Pipeline& p, const Image& img, const std::string& chip_path) {
    Embedding e;
    const std::optional<Face> face = p.embed_subject(img, &e.faces);
    if (!face) return e;
    e.source = Source::Detected;
    e.box = face->detection.box;
    e.score = face->detection.score;
    if (!chip_path.empty()) save_chip(chip_path, p.aligned_crop(img, *face));
    e.descriptor = face->descriptor;
    return e;
}

// Accuracy of "same when d < t" over the given pairs.
double accuracy_at(const std::vector<double>& d, const std::vector<bool>& same, const std::vector<int>& idx, double t) {
    int ok = 0;
    for (int i : idx) ok += (d[size_t(i)] < t) == same[size_t(i)];
    return idx.empty() ? 0 : double(ok) / double(idx.size());
}

// The threshold maximising accuracy on idx: candidates are midpoints between consecutive sorted
// distances (and one below / above all); among equal accuracies the middle candidate of the
// first best run is taken.
double best_threshold(const std::vector<double>& d, const std::vector<bool>& same, const std::vector<int>& idx) {
    std::vector<std::pair<double, bool>> v;
    for (int i : idx) v.push_back({d[size_t(i)], same[size_t(i)]});
    std::sort(v.begin(), v.end());
    // Sweep: at threshold below v[0], every pair is "different": correct = #different.
    int correct = 0;
    for (auto& x : v) correct += !x.second;
    int best = correct;
    double best_t = v.empty() ? 0 : v[0].first - 1e-6;
    size_t j = 0;
    while (j < v.size()) {
        size_t k = j;
        while (k < v.size() && v[k].first == v[j].first) {  // cross all pairs with this distance
            correct += v[k].second ? 1 : -1;
            ++k;
        }
        const double t = k < v.size() ? (v[j].first + v[k].first) / 2 : v[j].first + 1e-6;
        if (correct > best) best = correct, best_t = t;
        j = k;
    }
    return best_t;
}

}  // namespace

int main(int argc, char** argv) try {
    const Args a = parse_args(argc, argv);
    int folds = 0, per_fold = 0;
    std::vector<Pair> pairs;
    std::vector<std::string> images;
    read_pairs(a.pairs, folds, per_fold, pairs, images);
    const Pipeline pipeline(a.opt);  // loads the models and resolves the options' defaults
    const std::string key = settings_key(a, pipeline.options());
    std::fprintf(stderr, "[eval_lfw] %d folds x %d pairs, %zu images; %s\n", folds, 2 * per_fold, images.size(),
                 key.c_str());

    std::vector<Embedding> emb;
    const bool cached = !a.cache.empty() && a.dump_chips.empty() && load_cache(a.cache, key, images, emb);
    double seconds = 0;
    if (cached) {
        std::fprintf(stderr, "[eval_lfw] descriptors from cache %s\n", a.cache.c_str());
    } else {
        if (!a.dump_chips.empty()) std::filesystem::create_directories(a.dump_chips);
        emb.assign(images.size(), {});
        std::atomic<size_t> next{0}, done{0};
        std::mutex err_mu;
        std::string first_error;
        const auto t0 = std::chrono::steady_clock::now();
        auto worker = [&] {
            for (size_t i; (i = next++) < images.size();) {
                try {
                    std::string chip;
                    if (!a.dump_chips.empty() && int(i) < a.dump_count) {
                        const std::string& r = images[i];
                        chip = a.dump_chips + "/" + r.substr(r.rfind('/') + 1) + ".png";
                    }
                    emb[i] = embed_one(pipeline, load_image(a.data + "/" + images[i], a.jpeg), chip);
                } catch (const std::exception& ex) {
                    std::lock_guard<std::mutex> lk(err_mu);
                    if (first_error.empty()) first_error = ex.what();
                    next = images.size();
                }
                const size_t n = ++done;
                if (n % 100 == 0 || n == images.size()) {
                    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                    std::lock_guard<std::mutex> lk(err_mu);
                    std::fprintf(stderr, "\r[eval_lfw] %zu/%zu images, %.1f img/s   ", n, images.size(), n / s);
                }
            }
        };
        std::vector<std::thread> pool;
        for (int t = 0; t < a.threads; ++t) pool.emplace_back(worker);
        for (auto& t : pool) t.join();
        std::fprintf(stderr, "\n");
        LFR_CHECK(first_error.empty(), first_error);
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (!a.cache.empty()) save_cache(a.cache, key, images, emb);
    }

    // Image statistics.
    int n_missing = 0, n_multi = 0;
    std::vector<float> bx1, by1, bx2, by2;
    for (size_t i = 0; i < images.size(); ++i) {
        const Embedding& e = emb[i];
        if (e.source == Source::Missing) ++n_missing;
        if (e.faces > 1) ++n_multi;
        if (e.source == Source::Detected)
            bx1.push_back(e.box.x1), by1.push_back(e.box.y1), bx2.push_back(e.box.x2), by2.push_back(e.box.y2);
        if (a.list_no_face && e.source != Source::Detected) std::printf("no face: %s\n", images[i].c_str());
    }
    auto median = [](std::vector<float> v) {
        if (v.empty()) return 0.f;
        std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
        return v[v.size() / 2];
    };
    const int no_face = n_missing;
    std::printf("images: %zu embedded%s%s; no face found in %d (left without a descriptor: their pairs count as "
                "'different'), several faces in %d\n",
                images.size(), cached ? " (from cache)" : "",
                cached ? "" : (" in " + std::to_string(int(seconds)) + " s").c_str(), no_face, n_multi);
    std::printf("median detected box (picked face): %.0f,%.0f,%.0f,%.0f\n", median(bx1), median(by1), median(bx2),
                median(by2));

    // Distances; a pair with a missing descriptor gets +inf (answered "different").
    std::vector<double> dist(pairs.size());
    std::vector<bool> same(pairs.size());
    for (size_t i = 0; i < pairs.size(); ++i) {
        const Embedding &x = emb[size_t(pairs[i].a)], &y = emb[size_t(pairs[i].b)];
        same[i] = pairs[i].same;
        dist[i] = x.descriptor.empty() || y.descriptor.empty() ? HUGE_VAL
                                                                 : double(euclidean_distance(x.descriptor, y.descriptor));
    }

    // k-fold.
    const int fold_n = 2 * per_fold;
    std::vector<double> accs, thresholds;
    for (int f = 0; f < folds; ++f) {
        std::vector<int> train, test;
        for (int i = 0; i < int(pairs.size()); ++i) (i / fold_n == f ? test : train).push_back(i);
        const double t = best_threshold(dist, same, train);
        const double acc = accuracy_at(dist, same, test, t);
        accs.push_back(acc);
        thresholds.push_back(t);
        std::printf("fold %d: threshold %.4f (train acc %.4f)  test accuracy %.4f\n", f + 1, t,
                    accuracy_at(dist, same, train, t), acc);
    }
    double mean = 0, var = 0;
    for (double x : accs) mean += x;
    mean /= double(accs.size());
    for (double x : accs) var += (x - mean) * (x - mean);
    const double sd = std::sqrt(var / double(accs.size()));

    // TAR at FAR = 1e-3 over all pairs.
    std::vector<double> gen, imp;
    for (size_t i = 0; i < pairs.size(); ++i) (same[i] ? gen : imp).push_back(dist[i]);
    std::sort(gen.begin(), gen.end());
    std::sort(imp.begin(), imp.end());
    auto tar_at = [&](double far) {
        const size_t k = size_t(std::floor(far * double(imp.size())));  // impostors allowed through
        const double t = k < imp.size() ? imp[k] : HUGE_VAL;               // accept d < t
        return std::make_pair(double(std::lower_bound(gen.begin(), gen.end(), t) - gen.begin()) / double(gen.size()), t);
    };
    const auto [tar3, t3] = tar_at(1e-3);
    std::printf("accuracy %.4f +- %.4f (mean +- population std over %d folds)\n", mean, sd, folds);
    std::printf("TAR@FAR=1e-3: %.4f at threshold %.4f (all %zu same / %zu different pairs; at most %d false accepts)\n",
                tar3, t3, gen.size(), imp.size(), int(std::floor(1e-3 * double(imp.size()))));

    if (!a.roc.empty()) {
        lfr_bench::Plot p;
        const PipelineOptions& o = pipeline.options();
        p.title = "ROC (" + o.detector + ", " + o.landmarker + ", " + o.embedder + ")";
        p.x_label = "false accept rate";
        p.y_label = "true accept rate";
        p.log_x = true;
        p.x_min = 1e-4, p.x_max = 1, p.y_min = std::max(0.0, std::floor(tar_at(1e-4).first * 10) / 10 - 0.1);
        // Sweep the threshold over every distance.
        lfr_bench::PlotSeries s;
        char lab[96];
        std::snprintf(lab, sizeof lab, "acc %.2f%% +- %.2f", 100 * mean, 100 * sd);
        s.label = lab, s.color = "#1f77b4";
        size_t gi = 0, ii = 0;
        s.x.push_back(0), s.y.push_back(0);
        while (gi < gen.size() || ii < imp.size()) {
            const double t = std::min(gi < gen.size() ? gen[gi] : HUGE_VAL, ii < imp.size() ? imp[ii] : HUGE_VAL);
            if (!std::isfinite(t)) break;
            while (gi < gen.size() && gen[gi] == t) ++gi;
            while (ii < imp.size() && imp[ii] == t) ++ii;
            s.x.push_back(double(ii) / double(imp.size())), s.y.push_back(double(gi) / double(gen.size()));
        }
        s.x.push_back(1), s.y.push_back(s.y.back());
        p.series.push_back(s);
        for (int f = 0; f < folds; ++f) {
            const double t = thresholds[size_t(f)];
            const double far = double(std::lower_bound(imp.begin(), imp.end(), t) - imp.begin()) / double(imp.size());
            const double tar = double(std::lower_bound(gen.begin(), gen.end(), t) - gen.begin()) / double(gen.size());
            std::snprintf(lab, sizeof lab, f == 0 ? "fold thresholds (%.3f..)" : "", t);
            p.marks.push_back({far, tar, lab, "#d62728"});
        }
        std::snprintf(lab, sizeof lab, "FAR=1e-3: TAR %.3f (t=%.3f)", tar3, t3);
        p.marks.push_back({1e-3, tar3, lab, "#2ca02c"});
        lfr_bench::save_svg(a.roc, p);
        std::printf("ROC written to %s\n", a.roc.c_str());
    }

    std::printf("thresholds:");
    for (double t : thresholds) std::printf(" %.4f", t);
    std::printf("\n");
    const PipelineOptions& o = pipeline.options();
    std::printf("LFW accuracy=%.4f std=%.4f tar@far1e-3=%.4f no_face=%d images=%zu detector=%s input=%d "
                "score_threshold=%g landmarks=%s embedder=%s align=%s refine=%d mirror=%d jpeg=%s pairs=%s\n",
                mean, sd, tar3, no_face, images.size(), o.detector.c_str(), pipeline.detector().input_size(),
                double(o.subject_score_threshold), o.landmarker.c_str(), o.embedder.c_str(),
                o.alignment.empty() ? "default" : o.alignment.c_str(), int(o.refine_landmarks), int(o.mirror_average),
                jpeg_decoder_name(a.jpeg), a.pairs.c_str());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "eval_lfw: %s\n", e.what());
    return 1;
}
