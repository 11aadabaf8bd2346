// Human's faceres as an embedder stage: 1024-d descriptor (non-negative, not normalised) + age +
// gender, from Human's face crop (no landmarks needed). What Human does with the face mesh and
// rotation off (face.ts -> facemesh.ts -> faceres.ts): the crop box is the detection box enlarged
// around its centre and made square (human_crop_box: 1.4x for BlazeFace boxes, scaled down for
// detectors with larger boxes, see PipelineOptions::faceres_crop_scale), cut and resized to the face
// size and / 255 (human_face_crop), then resized to 224 and x 255 (faceres.ts enhance). Outputs found
// by width as faceres.ts does (1: gender sigmoid, 1024: descriptor, 100: age softmax).
// Euclidean distance, same person below 10: Human's match.ts calls similarity above 0.5 a match,
// i.e. d < 10 (human_similarity). Checked, not tuned: on identity-dev/faceapi-bbt's tight 150x150 crops
// it accepts 0/700 different-person pairs and rejects 58/80 same-person pairs (the 1.4x crop runs off
// those small images); tune it on your own pairs (--threshold).
#pragma once
#include <algorithm>
#include <cmath>

#include "lfr/face/blazeface.h"
#include "lfr/face/distance.h"
#include "lfr/face/stages/stage.h"
#include "lfr/runtime/executor.h"
#include "lfr/image/preprocess.h"

namespace lfr {

// Human's age from faceres' 100-way softmax p (faceres.ts predict): i = argmax (the first), then
// Math.round(p[i-1] > p[i+1] ? 10 i - 100 p[i-1] : 10 i + 100 p[i+1]) / 10, i.e. i -+ 10 x the larger
// neighbour, to 0.1 year. A missing neighbour (JS undefined) loses the comparison; at i = 99, where the
// JS gives NaN, the lower neighbour is used.
inline float human_faceres_age(const float* p) {
    int i = 0;
    for (int k = 1; k < 100; ++k)
        if (p[k] > p[i]) i = k;
    const bool lower = i == 99 || (i > 0 && p[i - 1] > p[i + 1]);
    const double a = lower ? 10.0 * i - 100.0 * double(p[i - 1]) : 10.0 * i + 100.0 * double(p[i + 1]);
    return float(std::floor(a + 0.5) / 10);
}

class FaceResEmbedder : public FaceEmbedder {
public:
    static constexpr int kSize = 224, kDim = 1024;
    // face_size and crop_scale resolved by the Pipeline (see PipelineOptions).
    FaceResEmbedder(const PipelineOptions& o, const std::string& name)
        : model_(o, name), face_size_(o.faceres_face_size), crop_scale_(o.faceres_crop_scale) {
        LFR_CHECK(face_size_ > 0 && crop_scale_ > 0, "faceres: face size and crop scale must be positive");
    }
    int descriptor_size() const override { return kDim; }
    float default_threshold() const override { return kFaceResDistanceThreshold; }

    void embed(const Image& img, std::vector<Face>& faces) const override {
        if (faces.empty()) return;
        check_image(img);
        const int64_t n = int64_t(faces.size());
        Tensor batch(Shape{n, kSize, kSize, 3});
        for (int64_t i = 0; i < n; ++i)
            human_faceres_input_into(img, crop_box(faces[size_t(i)].detection.box), face_size_, batch.view(), i);
        const auto out = model_.run({batch.view()});
        const float *gender = nullptr, *desc = nullptr, *age = nullptr;
        for (const Tensor& t : out) {
            LFR_CHECK(t.shape.rank == 2 && t.shape[0] == n, "faceres: unexpected output " + t.shape.str());
            if (t.shape[1] == 1) gender = t.values.data();
            else if (t.shape[1] == kDim) desc = t.values.data();
            else if (t.shape[1] == 100) age = t.values.data();
        }
        LFR_CHECK(gender && desc && age, "faceres: expected outputs [N,1], [N,1024] and [N,100]");
        for (int64_t i = 0; i < n; ++i) {
            Face& f = faces[size_t(i)];
            f.descriptor.assign(desc + i * kDim, desc + (i + 1) * kDim);
            const float g = gender[i];
            f.gender = g <= 0.5f ? 0 : 1;
            f.gender_score = std::min(0.99f, float(std::trunc(200 * std::fabs(double(g) - 0.5)) / 100));
            f.age = human_faceres_age(age + i * 100);
        }
    }
    Tensor aligned_crop(const Image& img, const Face& face) const override {
        return human_faceres_input(img, crop_box(face.detection.box), face_size_, kSize);
    }
    // The square box cut out for a face.
    Box crop_box(const Box& detection) const { return human_crop_box(detection, crop_scale_); }

private:
    StageModel model_;
    int face_size_;
    float crop_scale_;
};

}  // namespace lfr
