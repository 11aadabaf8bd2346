// Shared by the model and pipeline tests: where the models and references live, the skip-or-fail rule for
// missing models (a visible skip, a failure when LFR_REQUIRE_MODELS is set, as CI sets it), and the
// comparisons against face-api's JSON.
#pragma once
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lfr/face/pipeline.h"

namespace lfr::test {

namespace fs = std::filesystem;
using json = nlohmann::json;

// Deterministic values in [-1.75, 1.75], multiples of 1/8; salt varies the pattern between tensors.
inline Tensor pattern(const Shape& s, int salt) {
    Tensor t(s);
    for (size_t i = 0; i < t.values.size(); ++i) t.values[i] = float(int64_t((i * 37 + salt * 11) % 29) - 14) * 0.125f;
    return t;
}

inline fs::path models_dir() { return fs::path(LFR_SOURCE_DIR) / "models"; }
inline fs::path pipeline_golden_dir() { return fs::path(LFR_SOURCE_DIR) / "tests/golden/pipeline"; }
inline bool models_required() { return std::getenv("LFR_REQUIRE_MODELS") != nullptr; }

// True when the file exists; otherwise a visible skip, or a failure under LFR_REQUIRE_MODELS.
inline bool have_file(const fs::path& p, const char* how = "run scripts/setup.sh") {
    if (fs::exists(p)) return true;
    if (models_required()) FAIL_CHECK("missing " << p << " (" << how << ")");
    else MESSAGE("skipping: " << p << " missing (" << how << ")");
    return false;
}

inline bool have_models(const std::vector<std::string>& names) {
    for (const std::string& n : names)
        if (!have_file(models_dir() / (n + ".lfr"))) return false;
    return true;
}

inline json load_json(const fs::path& p) {
    std::ifstream f(p);
    REQUIRE_MESSAGE(f, "cannot open " << p);
    return json::parse(f);
}

inline Box box_xyxy(const json& j) { return {j[0].get<float>(), j[1].get<float>(), j[2].get<float>(), j[3].get<float>()}; }

inline std::vector<Point> points(const json& j) {
    std::vector<Point> p;
    for (const json& q : j) p.push_back({q[0].get<float>(), q[1].get<float>()});
    return p;
}

// The reference's faces (box, score, 68 landmarks) as a Pipeline takes them, e.g. for add_descriptors.
inline std::vector<Face> golden_faces(const json& faces) {
    std::vector<Face> out;
    for (const json& g : faces) {
        Face f;
        f.detection.box = box_xyxy(g.at("box"));
        f.detection.score = g.at("score").get<float>();
        f.landmarks = points(g.at("landmarks"));
        out.push_back(f);
    }
    return out;
}

inline double box_error(const Box& a, const Box& b) {
    return std::max({std::fabs(double(a.x1) - b.x1), std::fabs(double(a.y1) - b.y1), std::fabs(double(a.x2) - b.x2),
                     std::fabs(double(a.y2) - b.y2)});
}

inline double descriptor_distance(const std::vector<float>& a, const json& ref) {
    REQUIRE(a.size() == ref.size());
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) s += std::pow(double(a[i]) - ref[i].get<double>(), 2);
    return std::sqrt(s);
}

// face-api's own settings: tiny_face_detector 416 at 0.5, NMS 0.4, face_landmark_68, its crop.
inline PipelineOptions faceapi_options() {
    PipelineOptions o;
    o.models_dir = models_dir().string();
    o.detector = "tiny_face_detector";
    o.detector_input = 416;
    o.score_threshold = 0.5f;
    o.nms_iou = 0.4f;
    o.landmarker = "face_landmark_68";
    o.embedder = "face_recognition_model";
    o.alignment = "faceapi";
    return o;
}

}  // namespace lfr::test
