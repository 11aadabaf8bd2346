// ssd_mobilenetv1 post-processing: the converted model's outputs -> face boxes in original image
// pixels, as face-api 1.7.15 does it (src/ssdMobilenetv1/SsdMobilenetv1.ts, locateFaces):
//
//  - input: the W x H image padded bottom/right to a square and resized to 512 x 512 (0..255; the
//    model itself computes x / 127.5 - 1), so the image occupies faceapi_reshaped_dims of it.
//  - the model's outputs are already decoded (face-api's outputLayer is part of the graph): boxes
//    [1, N, 4] as [ymin, xmin, ymax, xmax] relative to the padded square, scores [1, N] (sigmoid).
//  - NMS on those relative boxes: score > min confidence, best first, suppressed when IoU > 0.5,
//    at most max_results (nms_tf with suppress_at_threshold = false).
//  - each kept box is clipped to [0, 1] of the square, scaled by 512 / reshaped size (relative to the
//    image) and then by (W, H): FaceDetection's rescale.
#pragma once
#include <algorithm>
#include <vector>

#include "lfr/core/error.h"
#include "lfr/core/tensor.h"
#include "lfr/face/nms.h"
#include "lfr/face/types.h"
#include "lfr/image/preprocess.h"

namespace lfr {

constexpr int kSsdInputSize = 512;

// SsdMobilenetv1Options defaults.
struct SsdOptions {
    float score_threshold = 0.5f;  // minConfidence: kept when score > this
    float iou_threshold = 0.5f;    // locateFaces' fixed iouThreshold
    int max_results = 100;
};

// Decodes the model's boxes [1,N,4] and scores [1,N] for an img_w x img_h image: detections in image
// pixels, best first.
inline std::vector<Detection> decode_ssd(ConstTensorView boxes, ConstTensorView scores, int img_w, int img_h,
                                         const SsdOptions& opt = {}) {
    LFR_CHECK(boxes.shape.rank == 3 && boxes.shape[0] == 1 && boxes.shape[2] == 4,
              "ssd boxes must be [1,N,4], got " + boxes.shape.str());
    LFR_CHECK(scores.shape.rank == 2 && scores.shape[0] == 1 && scores.shape[1] == boxes.shape[1],
              "ssd scores must be [1,N] matching the boxes, got " + scores.shape.str());
    LFR_CHECK(img_w > 0 && img_h > 0, "ssd decode: empty image");
    const size_t n = size_t(boxes.shape[1]);
    std::vector<Box> square(n);  // x1, y1, x2, y2 relative to the padded square
    std::vector<float> score(scores.data, scores.data + n);
    for (size_t i = 0; i < n; ++i) {
        const float* b = boxes.data + 4 * i;
        square[i] = {b[1], b[0], b[3], b[2]};
    }
    const std::vector<int> keep =
        nms_tf(square, score, opt.max_results, opt.iou_threshold, opt.score_threshold, /*suppress_at_threshold=*/false);
    double rw, rh;
    faceapi_reshaped_dims(img_w, img_h, kSsdInputSize, rw, rh);
    const double pad_x = kSsdInputSize / rw, pad_y = kSsdInputSize / rh;
    std::vector<Detection> dets;
    dets.reserve(keep.size());
    for (int i : keep) {
        const Box& b = square[size_t(i)];
        const double top = std::max(0.0, double(b.y1)) * pad_y, bottom = std::min(1.0, double(b.y2)) * pad_y;
        const double left = std::max(0.0, double(b.x1)) * pad_x, right = std::min(1.0, double(b.x2)) * pad_x;
        Detection d;
        const double x = left * img_w, y = top * img_h;
        d.box = {float(x), float(y), float(x + (right - left) * img_w), float(y + (bottom - top) * img_h)};
        d.score = score[size_t(i)];
        dets.push_back(std::move(d));
    }
    return dets;
}

}  // namespace lfr
