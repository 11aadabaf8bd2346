// The face pipeline against the original JavaScript on whole photos, stage by stage
// (tests/golden/pipeline, made by weights_tools/golden/make_pipeline_golden.js; meta.json there
// documents every field):
//   1. decoders alone on the references' raw network outputs (no models needed)
//   2. detectors end to end from the PNG pixels (tiny_face_detector 416 / 0.5; BlazeFace-back)
//   3. 68 landmarks from the golden detection boxes
//   4. descriptors (face-api alignment) from the golden landmarks, and the whole embed()
// Each stage prints its largest observed error with MESSAGE.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "lfr/core/npy.h"
#include "lfr/face/pipeline.h"
#include "lfr/image/io.h"
#include "sha256.h"
#include "test_support.h"

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace lfr;
using namespace lfr::test;

namespace {

const char* const kSamples[] = {"sample1", "sample5", "sample6"};

// Bounds the stages must meet.
constexpr double kBoxTolPx = 1.0;        // detection boxes and BlazeFace keypoints
constexpr double kScoreTol = 1e-3;       // detection scores
constexpr double kLandmarkTolPx = 0.5;   // each of the 68 landmarks
constexpr double kDescriptorTol = 1e-3;  // Euclidean distance between descriptors

fs::path golden_dir() { return pipeline_golden_dir(); }

// A sample's PNG, checked against meta.json (size and pixel hash) before any stage uses it.
Image load_sample(const std::string& name) {
    const json meta = load_json(golden_dir() / "meta.json").at("images").at(name);
    Image img = load_image((golden_dir() / (name + ".png")).string());
    REQUIRE(img.width == meta.at("width").get<int>());
    REQUIRE(img.height == meta.at("height").get<int>());
    REQUIRE_MESSAGE(sha256_hex(img.rgb.data(), img.rgb.size()) == meta.at("pixels_sha256").get<std::string>(),
                    name << ".png decodes to other pixels than the references used");
    return img;
}

std::array<int, 4> xywh_int(const json& j) {
    return {int(std::lround(j[0].get<double>())), int(std::lround(j[1].get<double>())),
            int(std::lround(j[2].get<double>())), int(std::lround(j[3].get<double>()))};
}
std::array<int, 4> xywh_int(const Box& b) { return {int(b.x1), int(b.y1), int(b.width()), int(b.height())}; }

double points_error(const std::vector<Point>& a, const std::vector<Point>& b) {
    REQUIRE(a.size() == b.size());
    double e = 0;
    for (size_t i = 0; i < a.size(); ++i)
        e = std::max({e, std::fabs(double(a[i].x) - b[i].x), std::fabs(double(a[i].y) - b[i].y)});
    return e;
}

// The index in `dets` of the box that overlaps `ref` most (IoU > 0.5), or -1.
int match_by_iou(const Box& ref, const std::vector<Box>& boxes) {
    int best = -1;
    double best_iou = 0.5;
    for (size_t i = 0; i < boxes.size(); ++i) {
        const double iou = iou_faceapi(ref, boxes[i]);
        if (iou > best_iou) best_iou = iou, best = int(i);
    }
    return best;
}

PipelineOptions blazeface_options() {
    PipelineOptions o = faceapi_options();
    o.detector = "blazeface-back";
    o.score_threshold = 0.2f;
    o.nms_iou = 0.1f;
    o.max_faces = 20;
    return o;
}

// Compare end-to-end detections with the golden faces: same count and order, each matched by IoU.
// Returns the largest box and score errors through box_err / score_err.
void compare_detections(const std::string& tag, const std::vector<Detection>& dets, const json& gold, double& box_err,
                        double& score_err, double& kp_err) {
    CHECK_MESSAGE(dets.size() == gold.size(), tag << ": " << dets.size() << " faces, reference " << gold.size());
    std::vector<Box> boxes;
    for (const Detection& d : dets) boxes.push_back(d.box);
    for (size_t i = 0; i < gold.size(); ++i) {
        const json& g = gold[i];
        const int m = match_by_iou(box_xyxy(g.at("box")), boxes);
        CHECK_MESSAGE(m >= 0, tag << " face " << i << ": no detection overlaps the reference box");
        if (m < 0) continue;
        CHECK_MESSAGE(m == int(i), tag << " face " << i << " comes out at position " << m);
        const Detection& d = dets[size_t(m)];
        const double be = box_error(d.box, box_xyxy(g.at("box")));
        const double se = std::fabs(double(d.score) - g.at("score").get<double>());
        CHECK_MESSAGE(be <= kBoxTolPx, tag << " face " << i << " box error " << be << " px");
        CHECK_MESSAGE(se <= kScoreTol, tag << " face " << i << " score error " << se);
        box_err = std::max(box_err, be), score_err = std::max(score_err, se);
        if (g.contains("keypoints")) {
            const double ke = points_error(d.keypoints, points(g.at("keypoints")));
            CHECK_MESSAGE(ke <= kBoxTolPx, tag << " face " << i << " keypoint error " << ke << " px");
            kp_err = std::max(kp_err, ke);
        }
    }
}

}  // namespace

TEST_CASE("pipeline goldens: the PNG inputs decode to the references' pixels") {
    for (const char* name : kSamples) {
        INFO(name);
        const Image img = load_sample(name);
        CHECK(img.width == 800);
    }
}

TEST_CASE("pipeline stage 1: tiny_face_detector decoding of face-api's raw output") {
    double box_err = 0, score_err = 0;
    for (const char* name : kSamples) {
        const json gold = load_json(golden_dir() / (std::string("faceapi_") + name + ".json"));
        const Tensor raw = read_npy((golden_dir() / (std::string("tiny_") + name + ".npy")).string());
        TinyYoloOptions o;  // face-api defaults: 416, score 0.5, IoU 0.4
        const auto dets = decode_tiny_yolo(raw.view(), gold.at("width").get<int>(), gold.at("height").get<int>(), o);
        const json& faces = gold.at("faces");
        REQUIRE_MESSAGE(dets.size() == faces.size(), name << ": " << dets.size() << " boxes, face-api " << faces.size());
        for (size_t i = 0; i < faces.size(); ++i) {  // same order: face-api's NMS pick order
            const double be = box_error(dets[i].box, box_xyxy(faces[i].at("box")));
            const double se = std::fabs(double(dets[i].score) - faces[i].at("score").get<double>());
            CHECK_MESSAGE(be <= kBoxTolPx, name << " face " << i << " box error " << be);
            CHECK_MESSAGE(se <= kScoreTol, name << " face " << i << " score error " << se);
            box_err = std::max(box_err, be), score_err = std::max(score_err, se);
        }
    }
    MESSAGE("stage 1 tiny decode: max box error " << box_err << " px, max score error " << score_err);
}

TEST_CASE("pipeline stage 1: BlazeFace decoding of Human's raw [896,17]") {
    double box_err = 0, score_err = 0, kp_err = 0;
    for (const char* name : kSamples) {
        const json gold = load_json(golden_dir() / (std::string("blazeface_") + name + ".json"));
        const Tensor raw = read_npy((golden_dir() / (std::string("blazeface_") + name + ".npy")).string());
        REQUIRE(raw.shape.numel() == int64_t(kBlazeFaceAnchors) * kBlazeFaceStride);
        BlazeFaceOptions o;
        o.max_faces = gold.at("options").at("maxDetected").get<int>();
        o.score_threshold = gold.at("options").at("minConfidence").get<float>();
        o.iou_threshold = gold.at("options").at("iouThreshold").get<float>();
        o.crop_scale = gold.at("options").at("scale").get<float>();
        o.min_size = gold.at("options").at("minSize").get<float>();
        // One output of 896 x 17 values is taken as Human's merged t.batch (blazeface_merge_outputs).
        const auto dets = decode_blazeface({raw.view()}, gold.at("input_size").get<int>(), gold.at("width").get<int>(),
                                           gold.at("height").get<int>(), o);
        const json& faces = gold.at("faces");
        REQUIRE_MESSAGE(dets.size() == faces.size(), name << ": " << dets.size() << " boxes, Human " << faces.size());
        for (size_t i = 0; i < faces.size(); ++i) {
            INFO(name << " face " << i);
            const Detection& d = dets[i].detection;
            const double be = box_error(d.box, box_xyxy(faces[i].at("box")));
            const double se = std::fabs(double(d.score) - faces[i].at("score").get<double>());
            const double ke = points_error(d.keypoints, points(faces[i].at("keypoints")));
            CHECK(be <= kBoxTolPx);
            CHECK(se <= kScoreTol);
            CHECK(ke <= kBoxTolPx);
            box_err = std::max(box_err, be), score_err = std::max(score_err, se), kp_err = std::max(kp_err, ke);
            CHECK(box_error(dets[i].crop_box, box_xyxy(faces[i].at("crop_box"))) == 0.0);
            CHECK(dets[i].size_w == faces[i].at("crop_size")[0].get<float>());
            CHECK(dets[i].size_h == faces[i].at("crop_size")[1].get<float>());
        }
    }
    MESSAGE("stage 1 blazeface decode: max box error " << box_err << " px, keypoints " << kp_err
                                                       << " px, max score error " << score_err << "; crop boxes equal");
}

TEST_CASE("pipeline stage 2: detect_boxes from pixels") {
    if (!have_models({"tiny_face_detector", "blazeface-back", "ssd_mobilenetv1", "face_landmark_68", "face_recognition_model"}))
        return;
    const Pipeline tiny(faceapi_options());
    const Pipeline blaze(blazeface_options());
    PipelineOptions ssd_options = faceapi_options();  // face-api's SsdMobilenetv1Options defaults
    ssd_options.detector = "ssd_mobilenetv1";
    ssd_options.nms_iou = -1;  // its own 0.5
    const Pipeline ssd(ssd_options);
    double tb = 0, ts = 0, tk = 0, bb = 0, bs = 0, bk = 0, sb = 0, ss = 0, sk = 0;
    for (const char* name : kSamples) {
        const Image img = load_sample(name);
        const json fa = load_json(golden_dir() / (std::string("faceapi_") + name + ".json"));
        compare_detections(std::string(name) + " tiny", tiny.detect_boxes(img), fa.at("faces"), tb, ts, tk);
        const json hu = load_json(golden_dir() / (std::string("blazeface_") + name + ".json"));
        compare_detections(std::string(name) + " blazeface", blaze.detect_boxes(img), hu.at("faces"), bb, bs, bk);
        const json fs = load_json(golden_dir() / (std::string("faceapi_ssd_") + name + ".json"));
        compare_detections(std::string(name) + " ssd", ssd.detect_boxes(img), fs.at("faces"), sb, ss, sk);
    }
    MESSAGE("stage 2 tiny detect from pixels: max box error " << tb << " px, max score error " << ts);
    MESSAGE("stage 2 ssd_mobilenetv1 detect from pixels: max box error " << sb << " px, max score error " << ss);
    MESSAGE("stage 2 blazeface-back detect from pixels: max box error " << bb << " px, keypoints " << bk
                                                                        << " px, max score error " << bs);
}

TEST_CASE("pipeline stage 3: 68 landmarks from the reference boxes") {
    if (!have_models({"tiny_face_detector", "face_landmark_68", "face_recognition_model"})) return;
    const Pipeline faces(faceapi_options());
    const Model lm_model = Model::load((models_dir() / "face_landmark_68.lfr").string());
    double lm_err = 0, raw_err = 0;
    for (const char* name : kSamples) {
        const Image img = load_sample(name);
        const json gold = load_json(golden_dir() / (std::string("faceapi_") + name + ".json"));
        std::vector<Detection> dets;
        for (const json& g : gold.at("faces")) {
            Detection d;
            d.box = box_xyxy(g.at("box"));
            d.score = g.at("score").get<float>();
            dets.push_back(d);
        }
        const std::vector<Face> out = faces.add_landmarks(img, dets);
        REQUIRE(out.size() == dets.size());
        for (size_t i = 0; i < out.size(); ++i) {
            INFO(name << " face " << i);
            const json& g = gold.at("faces")[i];
            const Box crop = faceapi_landmark_crop(dets[i].box, img.width, img.height);
            CHECK(xywh_int(crop) == xywh_int(g.at("landmark_crop")));
            const double e = points_error(out[i].landmarks, points(g.at("landmarks")));
            CHECK(e <= kLandmarkTolPx);
            lm_err = std::max(lm_err, e);
            // Diagnostic: the raw net output on that crop against face-api's runNet output.
            Session s(lm_model);
            const Tensor x = faceapi_extract_square(img, crop, kLandmarkInputSize);
            const auto raw = s.run({x.view()});
            const json& gr = g.at("landmarks_raw");
            REQUIRE(raw[0].values.size() == gr.size());
            for (size_t k = 0; k < gr.size(); ++k)
                raw_err = std::max(raw_err, std::fabs(double(raw[0].values[k]) - gr[k].get<double>()));
        }
    }
    MESSAGE("stage 3 landmarks from reference boxes: max error " << lm_err << " px (raw net output max error "
                                                                 << raw_err << " of the 112 input); crops equal");
}

TEST_CASE("pipeline stage 4: descriptors with face-api alignment, and embed() end to end") {
    if (!have_models({"tiny_face_detector", "face_landmark_68", "face_recognition_model"})) return;
    const Pipeline faces(faceapi_options());
    double desc_err = 0, e2e_err = 0, e2e_lm_err = 0;
    for (const char* name : kSamples) {
        const Image img = load_sample(name);
        const json gold = load_json(golden_dir() / (std::string("faceapi_") + name + ".json"));
        const json& gf = gold.at("faces");
        // From the golden landmarks (one batched run over all faces of the photo).
        const std::vector<Face> in = golden_faces(gf);
        const std::vector<Face> out = faces.add_descriptors(img, in);
        REQUIRE(out.size() == gf.size());
        for (size_t i = 0; i < out.size(); ++i) {
            INFO(name << " face " << i);
            const json& g = gf[i];
            const Box lm_crop = faceapi_landmark_crop(in[i].detection.box, img.width, img.height);
            const Box rect = faceapi_align_dlib(in[i].landmarks, lm_crop.width(), lm_crop.height());
            CHECK(xywh_int(rect) == xywh_int(g.at("descriptor_rect")));
            const Box crop =
                faceapi_descriptor_crop(in[i].landmarks, lm_crop.width(), lm_crop.height(), img.width, img.height);
            CHECK(xywh_int(crop) == xywh_int(g.at("descriptor_crop")));
            const double d = descriptor_distance(out[i].descriptor, g.at("descriptor"));
            CHECK(d <= kDescriptorTol);
            desc_err = std::max(desc_err, d);
        }
        // End to end from the pixels.
        const std::vector<Face> e2e = faces.embed(img);
        CHECK_MESSAGE(e2e.size() == gf.size(), name << ": embed found " << e2e.size() << " faces, face-api " << gf.size());
        std::vector<Box> boxes;
        for (const Face& f : e2e) boxes.push_back(f.detection.box);
        for (size_t i = 0; i < gf.size(); ++i) {
            INFO(name << " face " << i << " (end to end)");
            const int m = match_by_iou(box_xyxy(gf[i].at("box")), boxes);
            REQUIRE(m >= 0);
            const double le = points_error(e2e[size_t(m)].landmarks, points(gf[i].at("landmarks")));
            const double d = descriptor_distance(e2e[size_t(m)].descriptor, gf[i].at("descriptor"));
            CHECK(le <= kLandmarkTolPx);
            CHECK(d <= kDescriptorTol);
            e2e_lm_err = std::max(e2e_lm_err, le), e2e_err = std::max(e2e_err, d);
        }
    }
    MESSAGE("stage 4 descriptors from reference landmarks: max Euclidean error " << desc_err << "; descriptor crops equal");
    MESSAGE("stage 4 embed() end to end: max landmark error " << e2e_lm_err << " px, max descriptor error " << e2e_err);
}

TEST_CASE("pipeline: one Pipeline used from several threads at once gives the single-thread answers") {
    if (!have_models({"tiny_face_detector", "face_landmark_68", "face_recognition_model"})) return;
    PipelineOptions o;  // the default pipeline
    o.models_dir = models_dir().string();
    const Pipeline faces(o);
    std::vector<Image> images;
    std::vector<std::vector<Face>> alone;
    for (const char* name : kSamples) {
        images.push_back(load_sample(name));
        alone.push_back(faces.embed(images.back()));
    }
    // Each thread embeds every photo twice, starting at a different one, so the calls overlap.
    constexpr int kThreads = 4;
    std::vector<std::vector<std::vector<Face>>> got(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (size_t k = 0; k < 2 * images.size(); ++k)
                got[size_t(t)].push_back(faces.embed(images[(size_t(t) + k) % images.size()]));
        });
    for (auto& th : threads) th.join();
    for (int t = 0; t < kThreads; ++t)
        for (size_t k = 0; k < got[size_t(t)].size(); ++k) {
            const std::vector<Face>& want = alone[(size_t(t) + k) % images.size()];
            const std::vector<Face>& have = got[size_t(t)][k];
            REQUIRE(have.size() == want.size());
            for (size_t i = 0; i < want.size(); ++i) CHECK(have[i].descriptor == want[i].descriptor);  // bit-identical
        }
}
