// Linzaer's Ultra-Light-Fast-Generic-Face-Detector-1MB, RFB-320 (MIT, (c) 2019 linzai), as shipped in
// faceplugin-face-recognition-js as fr_detect.onnx (BatchNorm folded; its box decoding is inside the
// graph) as a detector stage:
//  - input: the image stretched to 320x240, BGR as the npm package feeds it, (v - 127) / 128;
//  - outputs: scores [1,4420,2] (softmaxed; [.,1] is "face"), boxes [1,4420,4] corners in 0..1;
//  - kept at score > 0.7 (Linzaer's detect_imgs_onnx.py), hard NMS at IoU 0.4 (the package's), boxes
//    scaled to the image.
// Linzaer's scripts feed RGB, but measured on facemask (AP@0.5, eval_detect) BGR does better: 65.71%
// against 63.13% for RGB (both at NMS 0.4; at Linzaer's NMS 0.3, 65.00% and 62.19%).
#pragma once
#include <algorithm>

#include "lfr/face/align.h"
#include "lfr/face/nms.h"
#include "lfr/face/stages/stage.h"
#include "lfr/runtime/executor.h"

namespace lfr {

class UltraLightDetector : public FaceDetector {
public:
    static constexpr int kW = 320, kH = 240;
    explicit UltraLightDetector(const PipelineOptions& o)
        : model_(o, "ultralight"), max_faces_(o.max_faces), iou_(o.nms_iou >= 0 ? o.nms_iou : 0.4f) {}

    std::vector<Detection> detect(const Image& img, float score_threshold) const override {
        check_image(img);
        const float thr = score_threshold >= 0 ? score_threshold : default_score_threshold();
        Tensor x(Shape{1, kH, kW, 3});
        warp_affine_into(img, box_to_chip(Box{0, 0, float(img.width), float(img.height)}, kW, kH), x.view(), 0);
        for (size_t i = 0; i < x.values.size(); i += 3) {  // BGR, (v - 127) / 128
            std::swap(x.values[i], x.values[i + 2]);
            for (size_t c = i; c < i + 3; ++c) x.values[c] = (x.values[c] - 127.f) / 128.f;
        }
        const auto out = model_.run({x.view()});
        LFR_CHECK(out.size() == 2 && out[0].values.size() % 2 == 0 && out[1].values.size() == out[0].values.size() * 2,
                  "ultralight: expected outputs scores [1,N,2] and boxes [1,N,4]");
        const size_t n = out[0].values.size() / 2;
        std::vector<Box> boxes(n);
        std::vector<float> scores(n);
        for (size_t i = 0; i < n; ++i) {
            const float* b = out[1].values.data() + i * 4;
            boxes[i] = {b[0] * img.width, b[1] * img.height, b[2] * img.width, b[3] * img.height};
            scores[i] = out[0].values[i * 2 + 1];
        }
        std::vector<Detection> dets;
        for (int k : nms_tf(boxes, scores, max_faces_, iou_, thr, /*suppress_at_threshold=*/false))
            dets.push_back({boxes[size_t(k)], scores[size_t(k)], {}});
        return dets;
    }
    float default_score_threshold() const override { return 0.7f; }
    float subject_score_threshold() const override { return 0.3f; }
    int input_size() const override { return kW; }

private:
    StageModel model_;
    int max_faces_;
    float iou_;
};

}  // namespace lfr
