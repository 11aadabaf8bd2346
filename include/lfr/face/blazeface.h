// BlazeFace decoding (front 128, back 256) as Human 3.3.6 does it (src/face/blazeface.ts getBoxes and
// decodeBoxes, src/face/facemeshutil.ts generateAnchors / scaleBoxCoordinates / enlargeBox /
// squarifyBox / clampBox), with Human's default config (face.detector: no `square` padding).
//
//  - The graph has 4 outputs ([1,512,1], [1,384,1], [1,512,16], [1,384,16], in a model-specific
//    order). Human sorts them by element count (384, 512, 6144, 8192) and concatenates
//    [512 x (1+16) ; 384 x (1+16)] into [896,17]: col 0 logit, 1-2 centre offset, 3-4 size,
//    5-16 six keypoint offsets, all in input pixels.
//  - Anchors: strides [S/16, S/8] with [2, 6] anchors per cell, grid ceil(S/stride) (16 and 8),
//    anchor = stride * (g + 0.5), row-major, the finer 16x16 grid first: 512 + 384 = 896.
//  - Box: centre = offset + anchor, corners = (centre/S -+ size/S/2) * S, in float32 like the
//    tf ops. Score = sigmoid(logit). tf.image.nonMaxSuppressionAsync(maxDetected, IoU 0.1,
//    score 0.2) = nms_tf, then `score > minConfidence` again.
//  - Back to the image: corners * (W/S, H/S); keypoint = (offset + anchor) * (W/S, H/S).
//  - Crop box for the mesh/crop stage: enlarged by `scale` (1.4) around its centre, then made
//    square on the larger side with Math.round on each corner; dropped unless its rounded
//    (enlarged) size is > minSize on both axes.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "lfr/core/error.h"
#include "lfr/core/tensor.h"
#include "lfr/face/nms.h"
#include "lfr/face/types.h"

namespace lfr {

// Human config.face.detector defaults.
struct BlazeFaceOptions {
    int max_faces = 1;           // maxDetected (Human's default is 1: raise it for group photos)
    float score_threshold = 0.2f;  // minConfidence: kept when sigmoid(logit) > this
    float iou_threshold = 0.1f;    // iouThreshold: suppressed when IoU >= this
    float crop_scale = 1.4f;       // scale: enlargement of the crop box
    float min_size = 0.f;          // minSize: on the rounded enlarged size
};

struct BlazeFaceDetection {
    Detection detection;  // raw box in image pixels (for detection AP), score, 6 keypoints in
                          // Human's order: leftEye, rightEye, nose, mouth, leftEar, rightEar
    Box crop_box;         // Human's enlarged + squarified box (integer corners), what facemesh crops
    float size_w = 0, size_h = 0;  // Human's DetectBox.size: rounded enlarged box size
};

constexpr int kBlazeFaceAnchors = 896;
constexpr int kBlazeFaceStride = 17;

// facemeshutil.generateAnchors(S): (x, y) centres in input pixels.
inline std::vector<std::array<float, 2>> blazeface_anchors(int input_size) {
    std::vector<std::array<float, 2>> anchors;
    struct Level {
        int stride, per_cell;
    };
    std::vector<Level> spec;
    if (input_size == 192) spec = {{4, 1}};  // facemesh-detector variant
    else spec = {{input_size / 16, 2}, {input_size / 8, 6}};
    for (const Level& l : spec) {
        const int grid = (input_size + l.stride - 1) / l.stride;
        for (int gy = 0; gy < grid; ++gy)
            for (int gx = 0; gx < grid; ++gx)
                for (int n = 0; n < l.per_cell; ++n)
                    anchors.push_back({float(l.stride * (gx + 0.5)), float(l.stride * (gy + 0.5))});
    }
    return anchors;
}

// Human's merge of the 4 raw outputs into [896,17], row-major. One output of 896*17 values is
// taken as already merged (the facemesh-detection model's layout).
inline std::vector<float> blazeface_merge_outputs(const std::vector<ConstTensorView>& outs) {
    std::vector<float> m;
    if (outs.size() == 1) {
        LFR_CHECK(outs[0].numel() % kBlazeFaceStride == 0, "blazeface: output is not N x 17: " + outs[0].shape.str());
        m.assign(outs[0].data, outs[0].data + outs[0].numel());
        return m;
    }
    LFR_CHECK(outs.size() == 4, "blazeface: expected 4 outputs, got " + std::to_string(outs.size()));
    std::vector<size_t> idx = {0, 1, 2, 3};
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return outs[a].numel() < outs[b].numel(); });
    const ConstTensorView &s0 = outs[idx[0]], &s1 = outs[idx[1]], &s2 = outs[idx[2]], &s3 = outs[idx[3]];
    const int64_t n384 = s0.numel(), n512 = s1.numel();
    LFR_CHECK(s2.numel() == n384 * 16 && s3.numel() == n512 * 16,
              "blazeface: output sizes do not pair as [n,1]+[n,16]: " + s0.shape.str() + " " + s1.shape.str() + " " +
                  s2.shape.str() + " " + s3.shape.str());
    m.resize(size_t((n384 + n512) * kBlazeFaceStride));
    auto put = [&](int64_t row0, const ConstTensorView& logit, const ConstTensorView& rest, int64_t n) {
        for (int64_t i = 0; i < n; ++i) {
            float* r = m.data() + (row0 + i) * kBlazeFaceStride;
            r[0] = logit.data[i];
            std::copy(rest.data + i * 16, rest.data + i * 16 + 16, r + 1);
        }
    };
    put(0, s1, s3, n512);     // concat512 first
    put(n512, s0, s2, n384);  // then concat384
    return m;
}

// Human's face crop box (facemeshutil enlargeBox then squarifyBox), in doubles as the JS computes it:
// the box enlarged `scale` times around its centre, then square on its larger side around the same
// centre, each corner Math.round-ed. size_w/size_h (optional) get DetectBox.size, the rounded enlarged size.
inline Box human_crop_box(double x1, double y1, double x2, double y2, double scale = 1.4, float* size_w = nullptr,
                          float* size_h = nullptr) {
    // enlargeBox(scale): centre and |size| of the box.
    const double ccx = x1 + (x2 - x1) / 2, ccy = y1 + (y2 - y1) / 2;
    const double sw = std::fabs(x2 - x1), sh = std::fabs(y2 - y1);
    const double ex1 = ccx - scale * sw / 2, ey1 = ccy - scale * sh / 2, ex2 = ccx + scale * sw / 2,
                 ey2 = ccy + scale * sh / 2;
    // squarifyBox: centre of the enlarged box, half of its larger side, Math.round.
    const double qcx = ex1 + (ex2 - ex1) / 2, qcy = ey1 + (ey2 - ey1) / 2;
    const double qw = std::fabs(ex2 - ex1), qh = std::fabs(ey2 - ey1);
    const double half = std::max(qw, qh) / 2;
    if (size_w) *size_w = float(std::floor(qw + 0.5));
    if (size_h) *size_h = float(std::floor(qh + 0.5));
    return {float(std::floor(qcx - half + 0.5)), float(std::floor(qcy - half + 0.5)), float(std::floor(qcx + half + 0.5)),
            float(std::floor(qcy + half + 0.5))};
}

// The same for a box in image pixels (e.g. Detection::box).
inline Box human_crop_box(const Box& b, double scale = 1.4) { return human_crop_box(b.x1, b.y1, b.x2, b.y2, scale); }

// Decode the model outputs for an img_w x img_h image stretch-resized to input_size (128 or 256).
inline std::vector<BlazeFaceDetection> decode_blazeface(const std::vector<ConstTensorView>& outs, int input_size,
                                                        int img_w, int img_h, const BlazeFaceOptions& opt = {}) {
    LFR_CHECK(img_w > 0 && img_h > 0, "blazeface decode: empty image");
    const std::vector<float> m = blazeface_merge_outputs(outs);
    const auto anchors = blazeface_anchors(input_size);
    const size_t n = m.size() / kBlazeFaceStride;
    LFR_CHECK(n == anchors.size(), "blazeface: " + std::to_string(n) + " rows for " + std::to_string(anchors.size()) +
                                       " anchors at input size " + std::to_string(input_size));
    const float S = float(input_size);
    std::vector<Box> boxes(n);
    std::vector<float> scores(n);
    for (size_t i = 0; i < n; ++i) {
        const float* r = m.data() + i * kBlazeFaceStride;
        // decodeBoxes, op by op in float32.
        const float cx = r[1] + anchors[i][0], cy = r[2] + anchors[i][1];
        const float hw = (r[3] / S) / 2.f, hh = (r[4] / S) / 2.f;
        const float cnx = cx / S, cny = cy / S;
        boxes[i] = {(cnx - hw) * S, (cny - hh) * S, (cnx + hw) * S, (cny + hh) * S};
        scores[i] = 1.f / (1.f + std::exp(-r[0]));
    }
    const std::vector<int> keep = nms_tf(boxes, scores, opt.max_faces, opt.iou_threshold, opt.score_threshold);

    const double fx = double(img_w) / input_size, fy = double(img_h) / input_size;
    std::vector<BlazeFaceDetection> res;
    for (int k : keep) {
        const size_t i = size_t(k);
        if (!(double(scores[i]) > double(opt.score_threshold))) continue;
        const float* r = m.data() + i * kBlazeFaceStride;
        BlazeFaceDetection d;
        // scaleBoxCoordinates
        const double x1 = boxes[i].x1 * fx, y1 = boxes[i].y1 * fy, x2 = boxes[i].x2 * fx, y2 = boxes[i].y2 * fy;
        d.detection.box = {float(x1), float(y1), float(x2), float(y2)};
        d.detection.score = scores[i];
        for (int p = 0; p < 6; ++p)
            d.detection.keypoints.push_back({float((double(r[5 + 2 * p]) + anchors[i][0]) * fx),
                                             float((double(r[6 + 2 * p]) + anchors[i][1]) * fy)});
        d.crop_box = human_crop_box(x1, y1, x2, y2, opt.crop_scale, &d.size_w, &d.size_h);
        if (d.size_w > opt.min_size && d.size_h > opt.min_size) res.push_back(std::move(d));
    }
    return res;
}

// Human's clampBox(box, image) -> [x, y, w, h] truncated; returned as x1,y1,x2 = x+w,y2 = y+h.
// This is Human's face.box when the mesh model is off.
inline Box human_clamp_box(const Box& b, int img_w, int img_h) {
    const double x = std::trunc(std::max(0.0, double(b.x1))), y = std::trunc(std::max(0.0, double(b.y1)));
    const double w = std::trunc(std::min(double(img_w), double(b.x2)) - std::max(0.0, double(b.x1)));
    const double h = std::trunc(std::min(double(img_h), double(b.y2)) - std::max(0.0, double(b.y1)));
    return {float(x), float(y), float(x + w), float(y + h)};
}

}  // namespace lfr
