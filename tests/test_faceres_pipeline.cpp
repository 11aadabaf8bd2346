// The Pipeline with Human's faceres embedder (PipelineOptions::embedder = "faceres"): Human's
// pre-processing against the reference's faceres input (tests/golden/faceres), the wiring (the
// pipeline's descriptors = models/faceres.lfr run by hand on Human's crop), batching, distances, age
// and gender on the sample photos. Skips without models/ (fails under LFR_REQUIRE_MODELS).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "lfr/core/npy.h"
#include "lfr/face/pipeline.h"
#include "lfr/image/io.h"
#include "test_support.h"

using namespace lfr;
using lfr::test::fs::path;
using lfr::test::models_dir;

namespace {

path source_dir() { return path(LFR_SOURCE_DIR); }

// True when every file is there; otherwise a visible skip (or a failure under LFR_REQUIRE_MODELS).
bool have_files(const std::vector<path>& paths) {
    for (const path& p : paths)
        if (!lfr::test::have_file(p)) return false;
    return true;
}

PipelineOptions faceres_options() {
    PipelineOptions o;
    o.models_dir = models_dir().string();
    o.detector = "tiny_face_detector";
    o.embedder = "faceres";
    return o;
}

Image sample(const char* name) { return load_image((lfr::test::pipeline_golden_dir() / name).string()); }

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i) m = std::max(m, double(std::fabs(a[i] - b[i])));
    return m;
}

}  // namespace

TEST_CASE("faceres pipeline: options, names and thresholds") {
    CHECK(find_stage(embedder_registry(), "faceres") != nullptr);
    CHECK(find_stage(embedder_registry(), "face_recognition_model") != nullptr);
    // Human's similarity: 0.5 at Euclidean distance 10, 1 for identical, clamped to 0 far away.
    CHECK(human_similarity(0) == 1.f);
    CHECK(human_similarity(10) == doctest::Approx(0.5));
    CHECK(human_similarity(4) == doctest::Approx(1.0));
    CHECK(human_similarity(20) == 0.f);
    // Human's age decoding: argmax i -+ 10 x the larger neighbour, to 0.1.
    std::vector<float> p(100, 0.f);
    p[30] = 0.6f, p[29] = 0.1f, p[31] = 0.3f;
    CHECK(human_faceres_age(p.data()) == doctest::Approx(33.0));
    p[29] = 0.35f, p[31] = 0.05f;
    CHECK(human_faceres_age(p.data()) == doctest::Approx(26.5));
    std::fill(p.begin(), p.end(), 0.f);
    p[0] = 0.9f, p[1] = 0.1f;
    CHECK(human_faceres_age(p.data()) == doctest::Approx(1.0));
    // Human's crop box: 1.4x around the centre, square on the larger side, corners rounded.
    const Box c = human_crop_box(Box{100, 200, 200, 280});
    CHECK(c.x1 == 80.f);
    CHECK(c.x2 == 220.f);
    CHECK(c.y1 == 170.f);
    CHECK(c.y2 == 310.f);
}

// tests/golden/faceres/in0.npy is Human's faceres input for one face of face-api's sample1.jpg, made by
// TF.js from jpeg-js's pixels with the face tensor at 192 (mesh on). Our JPEG decoder differs from
// jpeg-js by a little, so the check is on the mean difference: the same box at 192 lands at ~0.3 (decoder
// noise), a box 2 px off, another face size or cropping straight to 224 at > 1.
TEST_CASE("faceres pipeline: Human's pre-processing against the reference's faceres input") {
    const path jpg = source_dir() / ".cache/packages/face-api/package/demo/sample1.jpg";
    const path npy = source_dir() / "tests/golden/faceres/in0.npy";
    if (!have_files({jpg, npy})) return;
    const Image img = load_image(jpg.string());
    const Tensor want = read_npy(npy.string());
    REQUIRE(want.shape == Shape{1, 224, 224, 3});
    auto mean_diff = [&](const Tensor& got) {
        REQUIRE(got.values.size() == want.values.size());
        double s = 0;
        for (size_t i = 0; i < got.values.size(); ++i) s += std::fabs(got.values[i] - want.values[i]);
        return s / double(got.values.size());
    };
    const Box box{713, 354, 713 + 439, 354 + 438};  // meta.json's crop [x, y, w, h]
    const double same = mean_diff(human_faceres_input(img, box, 192));
    MESSAGE("faceres input vs reference, mean |diff| (0..255): " << same);
    CHECK(same < 0.6);
    CHECK(mean_diff(human_faceres_input(img, Box{715, 354, 715 + 439, 354 + 438}, 192)) > 1.0);
    CHECK(mean_diff(human_faceres_input(img, box, 256)) > 1.0);
    // The tiny detector's box for this face, enlarged and squared as Human does, is that very crop.
    if (!have_files({models_dir() / "tiny_face_detector.lfr", models_dir() / "face_landmark_68.lfr",
                     models_dir() / "faceres.lfr"}))
        return;
    const Pipeline faces(faceres_options());
    bool found = false;
    for (const Detection& d : faces.detect_boxes(img)) {
        const Box c = human_crop_box(d.box);
        found = found || (c.x1 == box.x1 && c.y1 == box.y1 && c.x2 == box.x2 && c.y2 == box.y2);
    }
    CHECK(found);
}

// Both detectors: BlazeFace-back gives Human's own boxes (crop scale 1.4), tiny_face_detector its larger
// boxes (crop scale 1.16).
TEST_CASE("faceres pipeline: descriptors, age and gender on the sample photos") {
    for (const std::string det : {"blazeface-back", "tiny_face_detector"}) {
        const std::string& det_name = det;
        const bool tiny = det == "tiny_face_detector";
        CAPTURE(det_name);
        if (!have_files({models_dir() / (det + ".lfr"),
                         models_dir() / "face_landmark_68.lfr", models_dir() / "faceres.lfr"}))
            return;
        PipelineOptions o = faceres_options();
        o.detector = det;
        const Pipeline faces(o);
        CHECK(faces.descriptor_size() == 1024);
        CHECK(std::string(faces.embedder_name()) == "faceres");
        CHECK(faces.match_threshold() == doctest::Approx(kFaceResDistanceThreshold));
        CHECK(faces.options().faceres_face_size == 256);
        CHECK(faces.options().faceres_crop_scale == doctest::Approx(tiny ? 1.16 : 1.4));
        const Model faceres = Model::load((models_dir() / "faceres.lfr").string());

        std::vector<float> different;  // between two faces of one photo: different people
        for (const char* name : {"sample1.png", "sample5.png", "sample6.png"}) {
            CAPTURE(name);
            const Image img = sample(name);
            const std::vector<Face> batch = faces.embed(img);
            REQUIRE(batch.size() >= 2);
            for (size_t i = 0; i < batch.size(); ++i) {
                CAPTURE(i);
                const Face& f = batch[i];
                REQUIRE(f.descriptor.size() == 1024);
                for (float v : f.descriptor) REQUIRE(v >= 0.f);  // a mean of ReLU outputs
                CHECK(f.age >= 15.f);
                CHECK(f.age <= 80.f);
                CHECK((f.gender == 0 || f.gender == 1));
                CHECK(f.gender_score >= 0.f);
                CHECK(f.gender_score <= 0.99f);

                // Wiring: models/faceres.lfr run by hand on Human's crop of the same box.
                const Box box = human_crop_box(f.detection.box, tiny ? 1.16 : 1.4);
                const Tensor crop = human_face_crop(img, box, 256);
                Tensor x(Shape{1, 224, 224, 3});
                resize_bilinear(crop.values.data(), 1, 256, 256, 3, x.values.data(), 224, 224, false, false);
                for (float& v : x.values) v *= 255.f;
                CHECK(max_abs_diff(faces.aligned_crop(img, f).values, x.values) == 0.0);
                Session s(faceres);
                const auto out = s.run({x.view()});
                REQUIRE(out.size() == 3);
                CHECK(max_abs_diff(f.descriptor, out[1].values) < 1e-4);
                CHECK(f.age == doctest::Approx(human_faceres_age(out[2].values.data())).epsilon(1e-3));
                CHECK(f.gender == (out[0].values[0] <= 0.5f ? 0 : 1));

                // One by one == the batch.
                const std::vector<Face> alone = faces.add_descriptors(img, {f});
                REQUIRE(alone.size() == 1);
                CHECK(max_abs_diff(alone[0].descriptor, f.descriptor) < 1e-4);
                CHECK(alone[0].age == doctest::Approx(f.age).epsilon(1e-3));
                CHECK(alone[0].gender == f.gender);

                CHECK(faces.distance(f.descriptor, alone[0].descriptor) < 1e-3);
                CHECK(faces.same_person(f.descriptor, alone[0].descriptor));
                for (size_t k = 0; k < i; ++k) different.push_back(faces.distance(f.descriptor, batch[k].descriptor));
            }
        }
        std::sort(different.begin(), different.end());
        MESSAGE("faceres with " << det_name << ": different faces at Euclidean distance "
                                << different.front() << " .. " << different.back());
        if (!tiny) {
            CHECK(different.front() > faces.match_threshold());
        } else {
            // tiny's boxes separate less: 2 of 23 pairs fall below 10 (8.4: two cheek-to-cheek faces of
            // sample6 whose crops overlap; 9.7 in sample5). Most must still lie beyond the threshold.
            const size_t below = size_t(std::count_if(different.begin(), different.end(),
                                                      [&](float d) { return d < faces.match_threshold(); }));
            CHECK(below * 10 <= different.size());
        }
    }
}

TEST_CASE("the default pipeline: MTCNN, ONet's five points, MobileFaceNet; no age or gender") {
    if (!have_files({models_dir() / "mtcnn-pnet.lfr", models_dir() / "mtcnn-rnet.lfr", models_dir() / "mtcnn-onet.lfr",
                     models_dir() / "mobilefacenet.lfr"}))
        return;
    PipelineOptions o;
    o.models_dir = models_dir().string();
    const Pipeline faces(o);
    CHECK(faces.options().detector == "mtcnn");
    CHECK(faces.options().landmarker == "mtcnn-onet");
    CHECK(faces.descriptor_size() == 192);
    CHECK(faces.embedder_name() == "mobilefacenet");
    CHECK(faces.match_threshold() == doctest::Approx(1.1));
    const std::vector<Face> got = faces.embed(sample("sample1.png"));
    REQUIRE(!got.empty());
    CHECK(got[0].descriptor.size() == 192);
    CHECK(got[0].landmarks.size() == 5);
    CHECK(got[0].age == -1.f);
    CHECK(got[0].gender == -1);
}
