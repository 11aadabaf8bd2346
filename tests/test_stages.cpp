// The stage registry and the stages added beside face-api's: each detector finds the faces face-api's
// ssd_mobilenetv1 found on the sample photos, ONet's five points sit where eyes, nose and mouth are,
// MobileFaceNet gives unit vectors that tell the people of a photo apart, and the portrait rule finds
// a face that fills the whole picture (a tight crop) with every detector.
#include <doctest/doctest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "lfr/face/pipeline.h"
#include "lfr/image/io.h"
#include "test_support.h"

using namespace lfr;
using namespace lfr::test;

namespace {

Image sample(const std::string& name) { return load_image((pipeline_golden_dir() / (name + ".png")).string()); }

std::vector<Box> ssd_faces(const std::string& name) {
    std::vector<Box> boxes;
    const json golden = load_json(pipeline_golden_dir() / ("faceapi_ssd_" + name + ".json"));
    for (const json& f : golden.at("faces")) boxes.push_back(box_xyxy(f.at("box")));
    return boxes;
}

PipelineOptions with(const std::string& detector, const std::string& landmarker, const std::string& embedder) {
    PipelineOptions o;
    o.models_dir = models_dir().string();
    o.detector = detector, o.landmarker = landmarker, o.embedder = embedder;
    return o;
}

bool have_stages(const PipelineOptions& o) {
    std::vector<std::string> names;
    for (const auto* models : {&stage_entry(detector_registry(), o.detector, "detector").models,
                               &stage_entry(landmarker_registry(), o.landmarker, "landmarker").models,
                               &stage_entry(embedder_registry(), o.embedder, "embedder").models})
        names.insert(names.end(), models->begin(), models->end());
    return have_models(names);
}

double best_iou(const Box& ref, const std::vector<Detection>& dets) {
    double best = 0;
    for (const Detection& d : dets) best = std::max(best, iou_faceapi(ref, d.box));
    return best;
}

}  // namespace

TEST_CASE("stage registry: unique names, aliases resolve, unknown names list the choices") {
    std::set<std::string> seen;
    auto check = [&](const auto& registry) {
        for (const auto& e : registry) {
            CHECK(seen.insert(e.name).second);
            for (const std::string& a : e.aliases) CHECK(find_stage(registry, a) == &e);
            CHECK(!e.models.empty());
            CHECK(!e.summary.empty());
        }
    };
    check(detector_registry());
    seen.clear();
    check(landmarker_registry());
    seen.clear();
    check(embedder_registry());
    CHECK(find_stage(detector_registry(), "tiny")->name == "tiny_face_detector");
    CHECK(find_stage(detector_registry(), "yolo") == nullptr);
    try {
        stage_entry(detector_registry(), "yolo", "detector");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("mtcnn") != std::string::npos);
    }
    PipelineOptions o = with("nope", "face_landmark_68", "face_recognition_model");
    CHECK_THROWS_AS(Pipeline{o}, Error);
}

TEST_CASE("new detectors find the faces face-api's ssd_mobilenetv1 finds on the sample photos") {
    for (const std::string det : {"blazeface-full", "ultralight", "mtcnn"}) {
        CAPTURE(det);
        const PipelineOptions o = with(det, "mtcnn-onet", "mobilefacenet");
        if (!have_stages(o)) continue;
        const Pipeline p(o);
        int found = 0, total = 0;
        for (const char* name : {"sample1", "sample5", "sample6"}) {
            const std::vector<Detection> dets = p.detect_boxes(sample(name));
            for (const Box& ref : ssd_faces(name)) ++total, found += best_iou(ref, dets) > 0.4;
            for (const Detection& d : dets) {
                CHECK(d.score > 0);
                CHECK(d.score <= 1);
                CHECK(d.box.width() > 0);
            }
        }
        MESSAGE(det << ": " << found << " of face-api ssd's " << total << " faces found");
        CHECK(found * 10 >= total * 9);
    }
}

TEST_CASE("ONet's five points: eyes above the nose above the mouth, left of right, inside the box") {
    const PipelineOptions o = with("blazeface-back", "mtcnn-onet", "mobilefacenet");
    if (!have_stages(o)) return;
    const Pipeline p(o);
    for (const char* name : {"sample1", "sample5"}) {
        const Image img = sample(name);
        const std::vector<Face> faces = p.detect(img);
        REQUIRE(faces.size() >= 2);
        for (const Face& f : faces) {
            REQUIRE(f.landmarks.size() == 5);
            const auto& q = f.landmarks;
            CHECK(q[0].x < q[1].x);  // eyes, image-left first
            CHECK(q[3].x < q[4].x);  // mouth corners
            CHECK(std::max(q[0].y, q[1].y) < q[2].y);
            CHECK(q[2].y < std::max(q[3].y, q[4].y));
            const Box& b = f.detection.box;
            for (const Point& pt : q) {
                CHECK(pt.x > b.x1 - 0.1f * b.width());
                CHECK(pt.x < b.x2 + 0.1f * b.width());
                CHECK(pt.y > b.y1 - 0.1f * b.height());
                CHECK(pt.y < b.y2 + 0.1f * b.height());
            }
        }
    }
}

TEST_CASE("MobileFaceNet: unit descriptors, batch equals one by one, the people of a photo told apart") {
    const PipelineOptions o = with("mtcnn", "mtcnn-onet", "mobilefacenet");
    if (!have_stages(o)) return;
    const Pipeline p(o);
    CHECK(p.descriptor_size() == 192);
    CHECK(p.match_threshold() == doctest::Approx(1.1));
    for (const char* name : {"sample1", "sample6"}) {
        const Image img = sample(name);
        const std::vector<Face> faces = p.embed(img);
        REQUIRE(faces.size() >= 2);
        for (size_t i = 0; i < faces.size(); ++i) {
            double n = 0;
            for (float v : faces[i].descriptor) n += double(v) * v;
            CHECK(std::sqrt(n) == doctest::Approx(1.0).epsilon(1e-5));
            const std::vector<Face> alone = p.add_descriptors(img, {faces[i]});
            CHECK(p.distance(alone[0].descriptor, faces[i].descriptor) < 1e-5);
            for (size_t k = 0; k < i; ++k) CHECK_FALSE(p.same_person(faces[i].descriptor, faces[k].descriptor));
        }
    }
}

// A face cut out to its box, as ID photos and CFP's crops are: every detector's portrait rule finds it
// (the black-border retry where the first look fails), and the descriptor matches the one from the photo.
TEST_CASE("portrait rule: a tight crop of a face is found and matches the face in the photo") {
    const Image img = sample("sample5");
    for (const std::string det : {"tiny_face_detector", "blazeface-full", "ultralight", "mtcnn"}) {
        CAPTURE(det);
        const bool five = det == "mtcnn";
        const PipelineOptions o = with(det, five ? "mtcnn-onet" : "face_landmark_68", five ? "mobilefacenet" : "face_recognition_model");
        if (!have_stages(o)) continue;
        const Pipeline p(o);
        const std::vector<Face> faces = p.embed(img);
        REQUIRE(!faces.empty());
        const Box b = faces[0].detection.box;
        const int x1 = std::max(0, int(b.x1)), y1 = std::max(0, int(b.y1));
        const int x2 = std::min(img.width, int(b.x2)), y2 = std::min(img.height, int(b.y2));
        Image crop(x2 - x1, y2 - y1);
        for (int y = y1; y < y2; ++y) std::copy_n(img.at(x1, y), size_t(x2 - x1) * 3, crop.at(0, y - y1));
        const std::optional<Face> f = p.embed_subject(crop);
        REQUIRE(f);
        CHECK(f->detection.box.x1 < crop.width / 2.f);
        CHECK(p.same_person(f->descriptor, faces[0].descriptor));
    }
}
