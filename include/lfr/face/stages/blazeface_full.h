// MediaPipe's BlazeFace full-range (face_detection_full_range.tflite, @mediapipe/face_detection,
// Apache-2.0) as a detector stage, with MediaPipe's own pre/post-processing (face_detection.pbtxt and
// face_detection_full_range_common.pbtxt):
//  - input: the image letterboxed into 192x192 (aspect kept, centred, black border), RGB in [-1, 1];
//  - anchors: one SSD layer, stride 4, 48x48 cells, one anchor per cell, fixed size 1, offset 0.5;
//  - decode: outputs regressors [1,2304,16] and classificators [1,2304,1]; box centre = reg[0..1]/192 +
//    anchor, size = reg[2..3]/192 (x first: reverse_output_order), 6 keypoints reg[4+2k..5+2k]/192 +
//    anchor; score = sigmoid(clip(logit, +-100)), kept at >= 0.6;
//  - weighted NMS at IoU 0.3 (nms_weighted), then the letterbox removed.
// Keypoints: right eye, left eye (the subject's), nose tip, mouth centre, right and left ear tragion.
#pragma once
#include <algorithm>
#include <cmath>

#include "lfr/face/align.h"
#include "lfr/face/nms.h"
#include "lfr/face/stages/stage.h"
#include "lfr/runtime/executor.h"

namespace lfr {

class BlazeFaceFullDetector : public FaceDetector {
public:
    static constexpr int kSize = 192, kGrid = 48, kAnchors = kGrid * kGrid;
    explicit BlazeFaceFullDetector(const PipelineOptions& o)
        : model_(o, "blazeface-full"), max_faces_(o.max_faces),
          iou_(o.nms_iou >= 0 ? o.nms_iou : 0.3f) {}

    std::vector<Detection> detect(const Image& img, float score_threshold) const override {
        check_image(img);
        const float thr = score_threshold >= 0 ? score_threshold : default_score_threshold();
        const Box square = letterbox_box(img.width, img.height);
        Tensor x(Shape{1, kSize, kSize, 3});
        warp_affine_into(img, box_to_chip(square, kSize, kSize), x.view(), 0);
        for (float& v : x.values) v = v / 127.5f - 1.f;
        const auto out = model_.run({x.view()});
        LFR_CHECK(out.size() == 2 && out[0].values.size() == size_t(kAnchors) * 16 && out[1].values.size() == size_t(kAnchors),
                  "blazeface-full: expected outputs [1,2304,16] and [1,2304,1]");
        const float* reg = out[0].values.data();
        const float* cls = out[1].values.data();
        const double side = square.width();
        auto to_image = [&](double u, double v) { return Point{float(square.x1 + u * side), float(square.y1 + v * side)}; };
        std::vector<Detection> dets;
        for (int i = 0; i < kAnchors; ++i) {
            const float score = 1.f / (1.f + std::exp(-std::min(100.f, std::max(-100.f, cls[i]))));
            if (score < thr) continue;
            const float* r = reg + size_t(i) * 16;
            const double ax = (i % kGrid + 0.5) / kGrid, ay = (i / kGrid + 0.5) / kGrid;
            const double cx = r[0] / kSize + ax, cy = r[1] / kSize + ay, w = r[2] / kSize, h = r[3] / kSize;
            Detection d;
            const Point p1 = to_image(cx - w / 2, cy - h / 2), p2 = to_image(cx + w / 2, cy + h / 2);
            d.box = {p1.x, p1.y, p2.x, p2.y};
            d.score = score;
            for (int k = 0; k < 6; ++k) d.keypoints.push_back(to_image(r[4 + 2 * k] / kSize + ax, r[5 + 2 * k] / kSize + ay));
            dets.push_back(std::move(d));
        }
        return nms_weighted(std::move(dets), iou_, size_t(std::max(0, max_faces_)));
    }
    float default_score_threshold() const override { return 0.6f; }
    float subject_score_threshold() const override { return 0.3f; }
    int input_size() const override { return kSize; }

private:
    StageModel model_;
    int max_faces_;
    float iou_;
};

}  // namespace lfr
