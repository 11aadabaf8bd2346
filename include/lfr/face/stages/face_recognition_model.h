// face-api's face_recognition_model (dlib's ResNet-29, 128-d) as an embedder stage. Alignment "dlib"
// (default): similarity transform of the 68 landmarks onto dlib's mean face, 150x150, padding 0.25,
// and the mean of the chip's and its mirror image's descriptors. Alignment "faceapi": face-api's
// axis-aligned crop from the eye and mouth centres, no mirror: face-api's pipeline exactly.
// Euclidean distance, same person below 0.6 (face-api's FaceMatcher default).
#pragma once
#include <algorithm>

#include "lfr/face/align.h"
#include "lfr/face/distance.h"
#include "lfr/face/landmarks.h"
#include "lfr/face/stages/stage.h"
#include "lfr/runtime/executor.h"
#include "lfr/image/preprocess.h"

namespace lfr {

class FaceRecognitionEmbedder : public FaceEmbedder {
public:
    static constexpr int kSize = 150, kDim = 128;
    explicit FaceRecognitionEmbedder(const PipelineOptions& o)
        : model_(o, "face_recognition_model"), faceapi_(o.faceapi_mode()),
          mirror_(o.mirror_average && !o.faceapi_mode()) {
        LFR_CHECK(o.alignment.empty() || o.alignment == "dlib" || o.alignment == "faceapi",
                  "face_recognition_model aligns with dlib or faceapi, not '" + o.alignment + "'");
    }
    int descriptor_size() const override { return kDim; }
    float default_threshold() const override { return kFaceApiDistanceThreshold; }

    void embed(const Image& img, std::vector<Face>& faces) const override {
        if (faces.empty()) return;
        const int64_t n = int64_t(faces.size()), per = mirror_ ? 2 : 1;
        Tensor batch(Shape{n * per, kSize, kSize, 3});
        for (int64_t i = 0; i < n; ++i) {
            write_crop(img, faces[size_t(i)], batch.view(), i * per);
            if (mirror_) mirror_slot(batch, i * per, i * per + 1);
        }
        const auto out = model_.run({batch.view()});
        for (int64_t i = 0; i < n; ++i) {
            std::vector<float>& d = faces[size_t(i)].descriptor;
            const float* a = out[0].values.data() + i * per * kDim;
            d.assign(a, a + kDim);
            if (mirror_)
                for (int k = 0; k < kDim; ++k) d[size_t(k)] = (d[size_t(k)] + a[kDim + k]) / 2;
        }
    }
    Tensor aligned_crop(const Image& img, const Face& face) const override {
        Tensor t(Shape{1, kSize, kSize, 3});
        write_crop(img, face, t.view(), 0);
        return t;
    }

private:
    void write_crop(const Image& img, const Face& face, TensorView batch, int64_t slot) const {
        LFR_CHECK(face.landmarks.size() == 68, "face_recognition_model's alignment needs 68 landmarks (got " +
                                                   std::to_string(face.landmarks.size()) + "): use a 68-point landmarker");
        if (!faceapi_) {
            warp_affine_into(img, dlib_face_chip(face.landmarks, kSize, 0.25), batch, slot);
            return;
        }
        // face-api: alignDlib's rect relative to the landmark crop, clipped to the image.
        const Box lm_crop = faceapi_landmark_crop(face.detection.box, img.width, img.height);
        const Box crop = faceapi_descriptor_crop(face.landmarks, lm_crop.width(), lm_crop.height(), img.width, img.height);
        LFR_CHECK(crop.width() >= 1 && crop.height() >= 1, "face-api alignment: the face crop lies outside the image");
        faceapi_extract_square_into(img, crop, batch, slot);
    }

    StageModel model_;
    bool faceapi_, mirror_;
};

}  // namespace lfr
