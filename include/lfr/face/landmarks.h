// face_landmark_68 (and _tiny) output -> 68 points in image pixels, as face-api 1.7.15 does it:
//
//  - crop (dom/extractFaceTensors.ts + classes/Box.ts clipAtImageBorders): the detection box
//    clipped to the image, x = max(x, 0), w = min(right - x, W - x) (y, h alike), then x, y, w, h
//    each floored. A crop with w <= 0 or h <= 0 is skipped.
//  - the crop is zero-padded centred to a square and resized to 112 (NetInput.toBatchTensor(112,
//    true)); faceapi_extract_square_into in lfr/image/preprocess.h.
//  - FaceLandmark68NetBase.postProcess: with s = 112 / max(w, h), sw = w s, sh = h s (not rounded),
//    pad_x = sw < sh ? (sh - sw) / 2 : 0 (pad_y alike), rel_x = (out_x * 112 - pad_x) / sw.
//  - FaceLandmarks: position = rel * (w, h) + shift; extendWithFaceLandmarks shifts by the
//    detection box's own x, y (unclipped and unfloored; face-api's quirk, kept here).
// Output layout: [x0, y0, x1, y1, ...] (136 values), iBUG 68-point order.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "lfr/core/error.h"
#include "lfr/face/types.h"

namespace lfr {

constexpr int kLandmarkInputSize = 112;

// Box.clipAtImageBorders(W, H) (classes/Box.ts:134) as extractFaceTensors uses it: the integer
// crop face-api cuts for a box. x' = max(x, 0), w' = min(right - x', W - x') (y, h alike), then
// x', y', w', h' each floored on its own (so the width is not right - floor(x')). The result lies
// inside the image. When nothing of the box is left (floored width or height 0 or less, which
// extractFaceTensors drops) or a coordinate is NaN, the result is the zero-size Box{}.
inline Box faceapi_clip_at_image_borders(const Box& b, int img_w, int img_h) {
    const double cx = std::max(double(b.x1), 0.0), cy = std::max(double(b.y1), 0.0);
    const double w = std::min(double(b.x2) - cx, img_w - cx), h = std::min(double(b.y2) - cy, img_h - cy);
    if (!(std::isfinite(cx) && std::isfinite(cy) && std::isfinite(w) && std::isfinite(h)) || w < 1 || h < 1)
        return {};
    const double x = std::floor(cx), y = std::floor(cy), fw = std::floor(w), fh = std::floor(h);
    return {float(x), float(y), float(x + fw), float(y + fh)};
}

// The crop the landmark net sees for a detection box (zero-size when nothing of it is in the image).
inline Box faceapi_landmark_crop(const Box& det, int img_w, int img_h) {
    return faceapi_clip_at_image_borders(det, img_w, img_h);
}

// Map the raw [136] output to image pixels. crop_w, crop_h: the size of faceapi_landmark_crop;
// shift: the detection box's top-left (det.x1, det.y1), as face-api shifts by it.
inline std::vector<Point> faceapi_map_landmarks(const float* raw, float crop_w, float crop_h, Point shift,
                                                int input_size = kLandmarkInputSize) {
    LFR_CHECK(crop_w > 0 && crop_h > 0, "landmarks: empty crop");
    const double scale = double(input_size) / std::max(crop_w, crop_h);
    // postProcess runs in float32 tensors: the fills are float32 values of these doubles.
    const float sw = float(crop_w * scale), sh = float(crop_h * scale);
    const float pad_x = sw < sh ? std::fabs(sw - sh) / 2.f : 0.f;
    const float pad_y = sh < sw ? std::fabs(sw - sh) / 2.f : 0.f;
    const float in = float(input_size);
    std::vector<Point> pts(68);
    for (int i = 0; i < 68; ++i) {
        const float rx = (raw[2 * i] * in - pad_x) / sw;
        const float ry = (raw[2 * i + 1] * in - pad_y) / sh;
        pts[size_t(i)] = {float(double(rx) * crop_w + shift.x), float(double(ry) * crop_h + shift.y)};
    }
    return pts;
}

// The whole step for one detection box in an img_w x img_h image.
inline std::vector<Point> faceapi_landmarks_to_image(const float* raw, const Box& det, int img_w, int img_h) {
    const Box crop = faceapi_landmark_crop(det, img_w, img_h);
    return faceapi_map_landmarks(raw, crop.width(), crop.height(), {det.x1, det.y1});
}

// The inverse, for tests and for teaching signals: image points -> the raw [136] the net would
// have to output for them.
inline std::vector<float> faceapi_unmap_landmarks(const std::vector<Point>& pts, float crop_w, float crop_h, Point shift,
                                                  int input_size = kLandmarkInputSize) {
    const double scale = double(input_size) / std::max(crop_w, crop_h);
    const double sw = crop_w * scale, sh = crop_h * scale;
    const double pad_x = sw < sh ? std::fabs(sw - sh) / 2 : 0, pad_y = sh < sw ? std::fabs(sw - sh) / 2 : 0;
    std::vector<float> raw(pts.size() * 2);
    for (size_t i = 0; i < pts.size(); ++i) {
        raw[2 * i] = float(((pts[i].x - shift.x) / crop_w * sw + pad_x) / input_size);
        raw[2 * i + 1] = float(((pts[i].y - shift.y) / crop_h * sh + pad_y) / input_size);
    }
    return raw;
}

}  // namespace lfr
