// eval_detect: face detection average precision of the lfr detectors on a Pascal-VOC style set.
//
//   eval_detect [--data DIR] [--detector tiny|blazeface-back|blazeface-front] [--input-size N]
//               [--score-threshold T] [--nms-iou T] [--iou 0.5] [--plus1] [--pr OUT.svg]
//
// DIR/annotations/*.xml are Pascal-VOC annotations; every <object> is a face whatever its <name>
// (facemask's classes are mask states); <difficult>1</difficult> objects are ignored as in VOC
// (neither a hit nor a miss). Images are DIR/images/<filename>.
// AP at IoU >= 0.5, VOC all-point interpolation (the VOC2010+ devkit): all detections of all
// images sorted by score, each matched greedily to the unmatched ground-truth box of its image
// with the highest IoU; precision made monotone from the right and integrated over recall.
// Boxes are continuous (IoU of [x1,x2) x [y1,y2)); --plus1 uses the VOC devkit's integer-pixel
// "+1" widths instead. AP needs the whole precision/recall curve, so detections are kept down to a
// low score: --score-threshold defaults to 0.05 here for every detector (the pipeline's defaults,
// tiny 0.1 / BlazeFace 0.2, are marked on the curve). ANCHORS.md's tiny figures (16.6 / 23.2) match
// --score-threshold 0.1 (16.4 / 23.4); at 0.05 AP is about 0.6-1.3 points higher. BlazeFace boxes are
// its raw decoded boxes (not Human's enlarged, squarified crop boxes).
// The last line of stdout is one machine-readable summary:
//   DETECT ap50=0.1720 detector=tiny_face_detector input=416 images=426 faces=2052
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lfr/face/pipeline.h"
#include "lfr/image/io.h"
#include "svg_plot.h"

using namespace lfr;
namespace fs = std::filesystem;

namespace {

struct Args {
    std::string data = "../shared/data/detect-dev/facemask";
    std::string pr;
    float iou = 0.5f;
    bool plus1 = false;
    int threads = 0;
    PipelineOptions opt;
    JpegDecoder jpeg = JpegDecoder::Libjpeg;
};

[[noreturn]] void usage(const std::string& err) {
    if (!err.empty()) std::fprintf(stderr, "eval_detect: %s\n", err.c_str());
    std::fprintf(stderr,
                 "usage: eval_detect [--data DIR] [--models DIR] [--detector NAME]\n"
                 "                   [--input-size N] [--min-face N] [--score-threshold T (0.05)] [--nms-iou T] [--max-faces N]\n"
                 "                   [--iou T (0.5)] [--plus1] [--threads N] [--pr OUT.svg] [--jpeg libjpeg|jpeg-js]\n");
    std::exit(err.empty() ? 0 : 2);
}

Args parse_args(int argc, char** argv) {
    Args a;
    a.opt.score_threshold = 0.05f;
    a.opt.max_faces = 200;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc) usage(k + " needs a value");
            return argv[++i];
        };
        if (k == "--data") a.data = val();
        else if (k == "--models") a.opt.models_dir = val();
        else if (k == "--detector") {
            const std::string s = val();
            const StageEntry<FaceDetector>* d = find_stage(detector_registry(), s);
            if (!d) usage("unknown detector '" + s + "' (one of: " + stage_names(detector_registry()) + ")");
            a.opt.detector = d->name;
        } else if (k == "--min-face") a.opt.min_face = std::atoi(val().c_str());
        else if (k == "--input-size") a.opt.detector_input = std::atoi(val().c_str());
        else if (k == "--score-threshold") a.opt.score_threshold = std::strtof(val().c_str(), nullptr);
        else if (k == "--nms-iou") a.opt.nms_iou = std::strtof(val().c_str(), nullptr);
        else if (k == "--max-faces") a.opt.max_faces = std::atoi(val().c_str());
        else if (k == "--iou") a.iou = std::strtof(val().c_str(), nullptr);
        else if (k == "--plus1") a.plus1 = true;
        else if (k == "--threads") a.threads = std::atoi(val().c_str());
        else if (k == "--pr") a.pr = val();
        else if (k == "--jpeg") {
            const std::string v = val();
            const std::optional<JpegDecoder> d = jpeg_decoder_from_name(v);
            if (!d) usage("unknown JPEG decoder '" + v + "'");
            a.jpeg = *d;
        }
        else if (k == "-h" || k == "--help") usage("");
        else usage("unknown option '" + k + "'");
    }
    if (a.threads <= 0) a.threads = int(std::max(1u, std::thread::hardware_concurrency()));
    return a;
}

struct Truth {
    Box box;
    bool difficult = false;
};
struct Sample {
    std::string image;
    std::vector<Truth> faces;
};

// The text of the first <tag>...</tag> in s at or after pos (end: just past the closing tag).
bool xml_tag(const std::string& s, const std::string& tag, size_t pos, std::string& text, size_t& end) {
    const std::string open = "<" + tag + ">", close = "</" + tag + ">";
    const size_t a = s.find(open, pos);
    if (a == std::string::npos) return false;
    const size_t b = s.find(close, a + open.size());
    if (b == std::string::npos) return false;
    text = s.substr(a + open.size(), b - a - open.size());
    end = b + close.size();
    return true;
}

float xml_number(const std::string& s, const std::string& tag, const std::string& file) {
    std::string t;
    size_t e;
    LFR_CHECK(xml_tag(s, tag, 0, t, e), file + ": <" + tag + "> missing");
    char* stop = nullptr;
    const float v = std::strtof(t.c_str(), &stop);
    LFR_CHECK(stop != t.c_str(), file + ": <" + tag + "> is not a number: '" + t + "'");
    return v;
}

std::vector<Sample> read_annotations(const std::string& dir) {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(dir + "/annotations"))
        if (e.path().extension() == ".xml") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    LFR_CHECK(!files.empty(), dir + "/annotations: no .xml files");
    std::vector<Sample> out;
    for (const std::string& file : files) {
        std::ifstream f(file);
        std::stringstream ss;
        ss << f.rdbuf();
        const std::string s = ss.str();
        Sample smp;
        std::string name;
        size_t end = 0;
        if (!xml_tag(s, "filename", 0, name, end)) name = fs::path(file).stem().string() + ".jpg";
        smp.image = dir + "/images/" + name;
        if (!fs::exists(smp.image)) smp.image = dir + "/images/" + fs::path(file).stem().string() + ".jpg";
        size_t pos = 0;
        std::string obj;
        while (xml_tag(s, "object", pos, obj, end)) {
            pos = end;
            std::string bb;
            size_t e2;
            LFR_CHECK(xml_tag(obj, "bndbox", 0, bb, e2), file + ": <object> without <bndbox>");
            Truth t;
            t.box = {xml_number(bb, "xmin", file), xml_number(bb, "ymin", file), xml_number(bb, "xmax", file),
                     xml_number(bb, "ymax", file)};
            std::string d;
            t.difficult = xml_tag(obj, "difficult", 0, d, e2) && std::atoi(d.c_str()) == 1;
            smp.faces.push_back(t);
        }
        out.push_back(std::move(smp));
    }
    return out;
}

double iou(const Box& a, const Box& b, bool plus1) {
    const double p = plus1 ? 1 : 0;
    const double iw = std::min(a.x2, b.x2) - std::max(a.x1, b.x1) + p;
    const double ih = std::min(a.y2, b.y2) - std::max(a.y1, b.y1) + p;
    if (iw <= 0 || ih <= 0) return 0;
    const double inter = iw * ih;
    const double ua = (a.x2 - a.x1 + p) * (a.y2 - a.y1 + p) + (b.x2 - b.x1 + p) * (b.y2 - b.y1 + p) - inter;
    return ua > 0 ? inter / ua : 0;
}

struct Scored {
    float score;
    int image;
    Box box;
};

}  // namespace

int main(int argc, char** argv) try {
    const Args a = parse_args(argc, argv);
    const std::vector<Sample> samples = read_annotations(a.data);
    int n_faces = 0;
    for (const Sample& s : samples)
        for (const Truth& t : s.faces) n_faces += !t.difficult;
    const Pipeline pipeline(a.opt);
    const char* det = pipeline.options().detector.c_str();
    const int input = pipeline.detector().input_size();
    std::fprintf(stderr, "[eval_detect] %zu images, %d faces; %s input %d, score > %g\n", samples.size(), n_faces, det,
                 input, double(a.opt.score_threshold));

    // Detect, one thread per core over images.
    std::vector<std::vector<Detection>> dets(samples.size());
    std::atomic<size_t> next{0};
    std::mutex mu;
    std::string first_error;
    auto worker = [&] {
        for (size_t i; (i = next++) < samples.size();) {
            try {
                dets[i] = pipeline.detect_boxes(load_image(samples[i].image, a.jpeg));
            } catch (const std::exception& e) {
                std::lock_guard<std::mutex> lk(mu);
                if (first_error.empty()) first_error = e.what();
                next = samples.size();
            }
        }
    };
    std::vector<std::thread> pool;
    for (int t = 0; t < a.threads; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
    LFR_CHECK(first_error.empty(), first_error);

    // Greedy matching in global score order.
    std::vector<Scored> all;
    for (size_t i = 0; i < samples.size(); ++i)
        for (const Detection& d : dets[i]) all.push_back({d.score, int(i), d.box});
    std::stable_sort(all.begin(), all.end(), [](const Scored& x, const Scored& y) { return x.score > y.score; });
    std::vector<std::vector<char>> used(samples.size());
    for (size_t i = 0; i < samples.size(); ++i) used[i].assign(samples[i].faces.size(), 0);
    std::vector<double> precision, recall, scores;
    int tp = 0, fp = 0;
    for (const Scored& d : all) {
        const Sample& s = samples[size_t(d.image)];
        double best = -1;
        int bj = -1;
        for (size_t j = 0; j < s.faces.size(); ++j) {
            const double o = iou(d.box, s.faces[j].box, a.plus1);
            if (o > best) best = o, bj = int(j);
        }
        bool skip = false;
        if (bj >= 0 && best >= a.iou) {
            if (s.faces[size_t(bj)].difficult) skip = true;  // VOC: neither TP nor FP
            else if (!used[size_t(d.image)][size_t(bj)]) used[size_t(d.image)][size_t(bj)] = 1, ++tp;
            else ++fp;
        } else {
            ++fp;
        }
        if (skip) continue;
        precision.push_back(double(tp) / double(tp + fp));
        recall.push_back(double(tp) / double(std::max(1, n_faces)));
        scores.push_back(d.score);
    }
    // VOC all-point interpolated AP.
    std::vector<double> mrec = {0}, mpre = {0};
    mrec.insert(mrec.end(), recall.begin(), recall.end());
    mpre.insert(mpre.end(), precision.begin(), precision.end());
    mrec.push_back(1), mpre.push_back(0);
    for (size_t i = mpre.size() - 1; i-- > 0;) mpre[i] = std::max(mpre[i], mpre[i + 1]);
    double ap = 0;
    for (size_t i = 1; i < mrec.size(); ++i) ap += (mrec[i] - mrec[i - 1]) * mpre[i];

    const float default_thr = pipeline.detector().default_score_threshold();
    size_t at_default = 0;  // detections with score > default threshold
    while (at_default < scores.size() && scores[at_default] > default_thr) ++at_default;
    const double p_def = at_default ? precision[at_default - 1] : 1, r_def = at_default ? recall[at_default - 1] : 0;
    std::printf("%zu detections with score > %g; final recall %.4f\n", all.size(), double(a.opt.score_threshold),
                recall.empty() ? 0.0 : recall.back());
    std::printf("at the pipeline's default threshold %.2f: precision %.4f recall %.4f (%zu detections)\n",
                double(default_thr), p_def, r_def, at_default);
    std::printf("AP@IoU%.2f (VOC all-point, %s boxes) = %.4f\n", double(a.iou), a.plus1 ? "+1 pixel" : "continuous",
                ap);

    if (!a.pr.empty()) {
        lfr_bench::Plot p;
        p.title = std::string("Precision / recall: ") + det + " " + std::to_string(input) + " on " +
                  fs::path(a.data).filename().string();
        p.x_label = "recall";
        p.y_label = "precision";
        lfr_bench::PlotSeries s;
        char lab[96];
        std::snprintf(lab, sizeof lab, "AP50 %.1f%%", 100 * ap);
        s.label = lab, s.color = "#1f77b4", s.x = recall, s.y = precision;
        p.series.push_back(s);
        std::snprintf(lab, sizeof lab, "score > %.2f: P %.2f R %.2f", double(default_thr), p_def, r_def);
        p.marks.push_back({r_def, p_def, lab, "#d62728"});
        lfr_bench::save_svg(a.pr, p);
        std::printf("precision/recall curve written to %s\n", a.pr.c_str());
    }
    std::printf("DETECT ap50=%.4f detector=%s input=%d images=%zu faces=%d score_threshold=%g jpeg=%s\n", ap, det, input,
                samples.size(), n_faces, double(a.opt.score_threshold), jpeg_decoder_name(a.jpeg));
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "eval_detect: %s\n", e.what());
    return 1;
}
