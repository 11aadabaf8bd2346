// tiny_face_detector decoding: raw conv8 output [1, S/32, S/32, 25] -> face boxes in original
// image pixels, exactly as face-api 1.7.15 does it:
//
//  - input: the W x H image padded bottom/right to a square and resized to S x S, so the image
//    occupies round(W*S/max(W,H)) x round(H*S/max(W,H)) input pixels (utils computeReshapedDimensions).
//  - TinyYolov2Base.extractBoxes: channel = anchor * 5 + k; score = sigmoid(t4), kept when
//    score > threshold (strict); with corr = max(rw,rh) / rw (y alike),
//      cx = (col + sigmoid(tx)) / cells * corrX,   w = exp(tw) * anchor_w / cells * corrX
//    gives a box relative to the image (0..1 spans the image, not the padded square).
//  - detect(): NMS (nms_faceapi, IoU > 0.4 suppressed) on the relative boxes rescaled by S; the
//    result keeps the NMS pick order (best first).
//  - ObjectDetection / FaceDetection: box = relative box * (W, H). No clipping here: boxes may
//    reach outside the image (the landmark crop clips them later, see landmarks.h).
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "lfr/core/error.h"
#include "lfr/core/tensor.h"
#include "lfr/face/nms.h"
#include "lfr/face/types.h"
#include "lfr/image/preprocess.h"

namespace lfr {

// TinyFaceDetectorOptions / tinyFaceDetector/const.ts defaults.
struct TinyYoloOptions {
    int input_size = 416;          // S, a multiple of 32
    float score_threshold = 0.5f;  // kept when sigmoid(t4) > score_threshold; 0 keeps every box
                                   // (face-api's options would turn 0 into 0.5)
    float iou_threshold = 0.4f;    // IOU_THRESHOLD: suppressed when IoU > this
};

// BOX_ANCHORS (width, height) in output cells.
inline const std::array<Point, 5>& tiny_face_anchors() {
    static const std::array<Point, 5> a = {{{1.603231f, 2.094468f},
                                            {6.041143f, 7.080126f},
                                            {2.882459f, 3.518061f},
                                            {4.266906f, 5.178857f},
                                            {9.041765f, 10.66308f}}};
    return a;
}

namespace detail {
inline double sigmoid_js(double x) { return 1.0 / (1.0 + std::exp(-x)); }
}  // namespace detail

// Decode the raw output for an img_w x img_h image: detections in image pixels, best first.
inline std::vector<Detection> decode_tiny_yolo(ConstTensorView out, int img_w, int img_h,
                                               const TinyYoloOptions& opt = {}) {
    LFR_CHECK(out.shape.rank == 4 && out.shape[0] == 1 && out.shape[1] == out.shape[2] && out.shape[3] == 25,
              "tiny-yolo output must be [1,cells,cells,25], got " + out.shape.str());
    LFR_CHECK(img_w > 0 && img_h > 0, "tiny-yolo decode: empty image");
    LFR_CHECK(opt.input_size > 0 && opt.input_size % 32 == 0, "tiny-yolo input size must be a multiple of 32");
    const int cells = int(out.shape[1]);
    LFR_CHECK(cells * 32 == opt.input_size, "tiny-yolo output " + out.shape.str() + " does not match input size " +
                                                std::to_string(opt.input_size));
    const auto& anchors = tiny_face_anchors();
    double rw, rh;
    faceapi_reshaped_dims(img_w, img_h, opt.input_size, rw, rh);
    const double in_size = std::max(rw, rh);
    const double corr_x = in_size / rw, corr_y = in_size / rh;

    std::vector<float> scores;
    std::vector<double> rx, ry, rwid, rhei;  // boxes relative to the image
    for (int row = 0; row < cells; ++row)
        for (int col = 0; col < cells; ++col)
            for (int a = 0; a < 5; ++a) {
                const float* t = out.data + (int64_t(row) * cells + col) * 25 + a * 5;
                const double score = detail::sigmoid_js(t[4]);
                if (!(opt.score_threshold == 0.f || score > double(opt.score_threshold))) continue;
                const double cx = (col + detail::sigmoid_js(t[0])) / cells * corr_x;
                const double cy = (row + detail::sigmoid_js(t[1])) / cells * corr_y;
                const double w = std::exp(double(t[2])) * double(anchors[size_t(a)].x) / cells * corr_x;
                const double h = std::exp(double(t[3])) * double(anchors[size_t(a)].y) / cells * corr_y;
                const double x = cx - w / 2, y = cy - h / 2;
                rx.push_back(x), ry.push_back(y), rwid.push_back(w), rhei.push_back(h);
                scores.push_back(float(score));
            }
    // NMS on the boxes rescaled by the input size (as detect() does), in double.
    std::vector<Box> nms_boxes(scores.size());
    const double s = opt.input_size;
    for (size_t i = 0; i < scores.size(); ++i)
        nms_boxes[i] = {float(rx[i] * s), float(ry[i] * s), float((rx[i] + rwid[i]) * s), float((ry[i] + rhei[i]) * s)};
    // face-api sorts the JS doubles; sort keys are the float scores here (the parity bound is 1e-3).
    const std::vector<int> keep = nms_faceapi(nms_boxes, scores, opt.iou_threshold);

    std::vector<Detection> dets;
    dets.reserve(keep.size());
    for (int i : keep) {
        Detection d;
        const double x = rx[size_t(i)] * img_w, y = ry[size_t(i)] * img_h;
        const double w = rwid[size_t(i)] * img_w, h = rhei[size_t(i)] * img_h;
        d.box = {float(x), float(y), float(x + w), float(y + h)};
        d.score = scores[size_t(i)];
        dets.push_back(std::move(d));
    }
    return dets;
}

}  // namespace lfr
