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

// SHA-256 (FIPS 180-4), to check the decoded pixels against meta.json's pixels_sha256.
std::string sha256_hex(const std::vector<uint8_t>& data) {
    static const uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    std::vector<uint8_t> m = data;
    const uint64_t bits = uint64_t(data.size()) * 8;
    m.push_back(0x80);
    while (m.size() % 64 != 56) m.push_back(0);
    for (int i = 7; i >= 0; --i) m.push_back(uint8_t(bits >> (8 * i)));
    auto rotr = [](uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
    for (size_t off = 0; off < m.size(); off += 64) {
        uint32_t w[64];
        for (int i = 0; i < 16; ++i)
            w[i] = uint32_t(m[off + 4 * i]) << 24 | uint32_t(m[off + 4 * i + 1]) << 16 |
                   uint32_t(m[off + 4 * i + 2]) << 8 | uint32_t(m[off + 4 * i + 3]);
        for (int i = 16; i < 64; ++i) {
            const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int i = 0; i < 64; ++i) {
            const uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
            const uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
        }
        h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
    }
    char hex[65];
    for (int i = 0; i < 8; ++i) std::snprintf(hex + 8 * i, 9, "%08x", h[i]);
    return std::string(hex, 64);
}

// A sample's PNG, checked against meta.json (size and pixel hash) before any stage uses it.
Image load_sample(const std::string& name) {
    const json meta = load_json(golden_dir() / "meta.json").at("images").at(name);
    Image img = load_image((golden_dir() / (name + ".png")).string());
    REQUIRE(img.width == meta.at("width").get<int>());
    REQUIRE(img.height == meta.at("height").get<int>());
    REQUIRE_MESSAGE(sha256_hex(img.rgb) == meta.at("pixels_sha256").get<std::string>(),
                    name << ".png decodes to other pixels than the references used");
    return img;
}

std::array<int, 4> xywh_int(const json& j) {
    return {int(std::lround(j[0].get<double>())), int(std::lround(j[1].get<double>())),
            int(std::lround(j[2].get<double>())), int(std::lround(j[3].get<double>()))};
}
std::array<int, 4> xywh_int(const Box& b) { return {int(b.x1), int(b.y1), int(b.width()), int(b.height())}; }
std::vector<Point> points(const json& j) {
    std::vector<Point> p;
    for (const json& q : j) p.push_back({q[0].get<float>(), q[1].get<float>()});
    return p;
}

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
    o.detector = Detector::BlazeFaceBack;
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
    if (!have_models({"tiny_face_detector", "blazeface-back", "face_landmark_68", "face_recognition_model"})) return;
    const Pipeline tiny(faceapi_options());
    const Pipeline blaze(blazeface_options());
    double tb = 0, ts = 0, tk = 0, bb = 0, bs = 0, bk = 0;
    for (const char* name : kSamples) {
        const Image img = load_sample(name);
        const json fa = load_json(golden_dir() / (std::string("faceapi_") + name + ".json"));
        compare_detections(std::string(name) + " tiny", tiny.detect_boxes(img), fa.at("faces"), tb, ts, tk);
        const json hu = load_json(golden_dir() / (std::string("blazeface_") + name + ".json"));
        compare_detections(std::string(name) + " blazeface", blaze.detect_boxes(img), hu.at("faces"), bb, bs, bk);
    }
    MESSAGE("stage 2 tiny detect from pixels: max box error " << tb << " px, max score error " << ts);
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
        std::vector<Face> in;
        for (const json& g : gf) {
            Face f;
            f.detection.box = box_xyxy(g.at("box"));
            f.detection.score = g.at("score").get<float>();
            f.landmarks = points(g.at("landmarks"));
            in.push_back(f);
        }
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
    PipelineOptions o;  // the default pipeline (dlib alignment, refinement, mirror averaging)
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
