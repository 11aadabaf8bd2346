// Model inputs prepared exactly as the reference JavaScript prepares them, as float32 NHWC tensors.
//
// face-api 1.7.15, tensor inputs (what runs in Node, and what our golden outputs were made with):
//   NetInput.toBatchTensor(inputSize, isCenterInputs)   src/dom/NetInput.ts:122-151
//     1. padToSquare(img, isCenterInputs)               src/ops/padToSquare.ts:11-30
//          diff = |h - w|; the short side is padded with zeros (float 0)
//          after  = round(diff * (centred ? 0.5 : 1))   (JS Math.round: .5 goes up)
//          before = centred ? diff - after : 0
//        so detectors (isCenterInputs = false: tinyYolov2/TinyYolov2Base.ts:93,
//        ssdMobilenetv1/SsdMobilenetv1.ts:25) pad bottom/right only, and landmarks / recognition
//        (true: faceFeatureExtractor/*.ts:24, faceRecognitionNet/FaceRecognitionNet.ts:25) pad
//        centred with the odd pixel AFTER (bottom/right): diff 5 -> 2 before, 3 after.
//     2. if the square is not inputSize already:
//          tf.image.resizeBilinear(sq, [inputSize, inputSize], alignCorners=false, halfPixelCenters=false)
//     3. float32, RGB 0..255; each model then applies its own mean/scale.
//   Pad first, resize second. (Only the browser canvas path, dom/imageToSquare.ts, resizes first
//   and then draws into the square; we follow the tensor path.)
//   extractFaceTensors (dom/extractFaceTensors.ts:45-62) crops a face with
//   Box.clipAtImageBorders (faceapi_clip_at_image_borders, lfr/face/landmarks.h) and slices it;
//   the crop then goes through toBatchTensor(size, true) (faceapi_extract_square_into here).
//
// Human 3.3.6:
//   BlazeFace (src/face/blazeface.ts:69-71): tf.image.resizeBilinear(img, [S, S]) (stretch, both
//   flags false), then x / 127.5, then - 1 (two float32 ops).
//   Face crops (src/face/facemeshutil.ts:49-56, cutAndResize): the pixel box becomes
//   [y1/H, x1/W, y2/H, x2/W] (float32), tf.image.cropAndResize(img, box, [0], [S, S]) bilinear with
//   extrapolation value 0, then / 255.
//
// Resizing goes through lfr::resize_bilinear (lfr/ops/resize.h), shared with the ResizeBilinear op.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "lfr/core/error.h"
#include "lfr/core/tensor.h"
#include "lfr/core/geometry.h"
#include "lfr/image/image.h"
#include "lfr/ops/resize.h"

namespace lfr {

// --- Geometry ---------------------------------------------------------------------------------

// Where face-api's padToSquare puts an image of w x h inside its square of side `size`.
struct SquarePad {
    int size = 0;                      // side of the square: max(w, h)
    int top = 0, left = 0;             // zero rows / columns before the image
    int bottom = 0, right = 0;         // zero rows / columns after it
};

// padToSquare's geometry (src/ops/padToSquare.ts). centred = face-api's isCenterImage.
inline SquarePad faceapi_square_pad(int w, int h, bool centred) {
    LFR_CHECK(w > 0 && h > 0, "padToSquare: empty image " + std::to_string(w) + "x" + std::to_string(h));
    SquarePad p;
    p.size = std::max(w, h);
    const int diff = std::abs(h - w);
    // Math.round(diff * 0.5) for integers: (diff + 1) / 2, the .5 case rounding up.
    const int after = centred ? (diff + 1) / 2 : diff;
    const int before = diff - after;
    if (h > w) {  // padding along the width axis
        p.left = before;
        p.right = after;
    } else {
        p.top = before;
        p.bottom = after;
    }
    return p;
}

// --- Image <-> tensor -------------------------------------------------------------------------

// [1, H, W, 3] float32 holding the 0..255 pixel values.
inline Tensor image_to_tensor(const Image& image) {
    LFR_CHECK(image.width > 0 && image.height > 0 &&
                  image.rgb.size() == size_t(image.width) * size_t(image.height) * 3,
              "image_to_tensor: bad image " + std::to_string(image.width) + "x" + std::to_string(image.height));
    Tensor t(Shape{1, image.height, image.width, 3});
    std::copy(image.rgb.begin(), image.rgb.end(), t.values.begin());
    return t;
}

// --- face-api ---------------------------------------------------------------------------------

// NetInput.toBatchTensor(size, centred) for the integer box `crop` of img (which must lie inside
// the image): the crop zero-padded to a square (faceapi_square_pad), then resized to size x size
// with resize_bilinear's arithmetic (TF legacy mode, float weights from detail::lerp_cells), written
// as float RGB 0..255 into batch slot `slot` of out [N, size, size, 3]. The padded square is never
// materialised: samples in the padding read 0. The result equals resize_bilinear of the padded
// square bit for bit. Landmarks (112) and recognition (150) crops: centred = true.
inline void faceapi_extract_square_into(const Image& img, const Box& crop, TensorView out, int64_t slot,
                                        bool centred = true) {
    LFR_CHECK(out.shape.rank == 4 && out.shape[1] > 0 && out.shape[1] == out.shape[2] && out.shape[3] == 3 &&
                  slot >= 0 && slot < out.shape[0],
              "faceapi_extract_square: bad output " + out.shape.str() + " for slot " + std::to_string(slot));
    const int x0 = int(crop.x1), y0 = int(crop.y1), w = int(crop.x2) - x0, h = int(crop.y2) - y0;
    LFR_CHECK(w > 0 && h > 0 && x0 >= 0 && y0 >= 0 && x0 + w <= img.width && y0 + h <= img.height &&
                  img.rgb.size() == size_t(img.width) * size_t(img.height) * 3,
              "faceapi_extract_square: crop (" + std::to_string(x0) + "," + std::to_string(y0) + " " +
                  std::to_string(w) + "x" + std::to_string(h) + ") is not inside the " + std::to_string(img.width) +
                  "x" + std::to_string(img.height) + " image");
    const SquarePad p = faceapi_square_pad(w, h, centred);
    const int size = int(out.shape[1]);
    const std::vector<detail::LerpCell> ys = detail::lerp_cells(p.size, size, false, false);
    const std::vector<detail::LerpCell> xs = detail::lerp_cells(p.size, size, false, false);
    // Square column -> byte offset of that image pixel within a row, -1 in the padding.
    auto column = [&](int64_t sx) -> int64_t {
        const int64_t cx = sx - p.left;
        return cx >= 0 && cx < w ? (x0 + cx) * 3 : -1;
    };
    auto row = [&](int64_t sy) -> const uint8_t* {
        const int64_t cy = sy - p.top;
        return cy >= 0 && cy < h ? img.at(0, y0 + int(cy)) : nullptr;
    };
    std::vector<int64_t> lo(xs.size()), hi(xs.size());
    for (size_t i = 0; i < xs.size(); ++i) lo[i] = column(xs[i].lo), hi[i] = column(xs[i].hi);
    float* dst = out.data + slot * int64_t(size) * size * 3;
    for (const detail::LerpCell& y : ys) {
        const uint8_t* top = row(y.lo);
        const uint8_t* bottom = row(y.hi);
        for (size_t i = 0; i < xs.size(); ++i)
            for (int64_t k = 0; k < 3; ++k) {
                auto at = [&](const uint8_t* r, int64_t c) { return r && c >= 0 ? float(r[c + k]) : 0.f; };
                // resize_bilinear's order of operations: lerp along x on both rows, then along y.
                const float tl = at(top, lo[i]), tr = at(top, hi[i]);
                const float bl = at(bottom, lo[i]), br = at(bottom, hi[i]);
                const float t = tl + (tr - tl) * xs[i].frac, bo = bl + (br - bl) * xs[i].frac;
                *dst++ = t + (bo - t) * y.frac;
            }
    }
}

inline Tensor faceapi_extract_square(const Image& img, const Box& crop, int size, bool centred = true) {
    LFR_CHECK(size > 0, "faceapi_extract_square: size " + std::to_string(size));
    Tensor t(Shape{1, size, size, 3});
    faceapi_extract_square_into(img, crop, t.view(), 0, centred);
    return t;
}

// The size a W x H image occupies inside the S x S batch tensor, padded bottom/right (face-api's
// computeReshapedDimensions; Math.round, whose halves go towards +infinity).
inline void faceapi_reshaped_dims(int img_w, int img_h, int input_size, double& rw, double& rh) {
    const double scale = double(input_size) / double(std::max(img_w, img_h));
    rw = std::floor(img_w * scale + 0.5);
    rh = std::floor(img_h * scale + 0.5);
}

// NetInput.toBatchTensor(input_size, centred) for one image: [1, input_size, input_size, 3], 0..255.
// Detectors: centred = false. Landmarks (112) and recognition (150): centred = true.
// pad, when given, receives the padToSquare geometry (to map outputs back to the image).
inline Tensor faceapi_batch_tensor(const Image& image, int input_size, bool centred, SquarePad* pad = nullptr) {
    LFR_CHECK(input_size > 0, "toBatchTensor: input size " + std::to_string(input_size));
    const SquarePad p = faceapi_square_pad(image.width, image.height, centred);
    if (pad) *pad = p;
    Tensor out(Shape{1, input_size, input_size, 3});
    faceapi_extract_square_into(image, Box{0, 0, float(image.width), float(image.height)}, out.view(), 0, centred);
    return out;
}

// --- Human ------------------------------------------------------------------------------------

// BlazeFace input: stretch to size x size, then x / 127.5 - 1 (src/face/blazeface.ts:69-71).
inline Tensor human_blazeface_input(const Image& image, int size) {
    LFR_CHECK(size > 0, "blazeface input size " + std::to_string(size));
    const Tensor src = image_to_tensor(image);
    Tensor out(Shape{1, size, size, 3});
    resize_bilinear(src.values.data(), 1, image.height, image.width, 3, out.values.data(), size, size, false, false);
    for (float& v : out.values) {
        const float scaled = v / 127.5f;  // tf.div, stored as float32
        v = scaled - 1.f;                 // tf.sub
    }
    return out;
}

// tf.image.cropAndResize for one box, bilinear, TF/TF.js arithmetic (crop_and_resize_op.cc): box =
// normalised [y1, x1, y2, x2] where 0 and 1 are the centres of the first and last pixels; samples
// outside the image get `extrapolation`. src [H, W, C] of T (uint8_t or float), dst [oh, ow, C].
template <typename T>
void crop_and_resize(const T* src, int h, int w, int c, float y1, float x1, float y2, float x2, int oh, int ow,
                     float* dst, float extrapolation = 0.f) {
    LFR_CHECK(h > 0 && w > 0 && c > 0 && oh > 0 && ow > 0,
              "crop_and_resize: bad sizes " + std::to_string(h) + "x" + std::to_string(w) + " -> " +
                  std::to_string(oh) + "x" + std::to_string(ow));
    // TF.js reads the float32 box and computes in double; TF in float. Double it is, as TF.js.
    const double hs = oh > 1 ? (double(y2) - y1) * (h - 1) / (oh - 1) : 0.0;
    const double ws = ow > 1 ? (double(x2) - x1) * (w - 1) / (ow - 1) : 0.0;
    for (int y = 0; y < oh; ++y) {
        float* row_out = dst + size_t(y) * size_t(ow) * size_t(c);
        const double in_y = oh > 1 ? double(y1) * (h - 1) + y * hs : 0.5 * (double(y1) + y2) * (h - 1);
        if (!(in_y >= 0 && in_y <= h - 1)) {  // also catches NaN
            std::fill(row_out, row_out + size_t(ow) * size_t(c), extrapolation);
            continue;
        }
        const int top = int(std::floor(in_y)), bottom = int(std::ceil(in_y));
        const double y_lerp = in_y - top;
        const T* top_row = src + size_t(top) * size_t(w) * size_t(c);
        const T* bottom_row = src + size_t(bottom) * size_t(w) * size_t(c);
        for (int x = 0; x < ow; ++x) {
            float* px = row_out + size_t(x) * size_t(c);
            const double in_x = ow > 1 ? double(x1) * (w - 1) + x * ws : 0.5 * (double(x1) + x2) * (w - 1);
            if (!(in_x >= 0 && in_x <= w - 1)) {
                std::fill(px, px + c, extrapolation);
                continue;
            }
            const int left = int(std::floor(in_x)), right = int(std::ceil(in_x));
            const double x_lerp = in_x - left;
            for (int k = 0; k < c; ++k) {
                const double tl = double(top_row[size_t(left) * c + k]), tr = double(top_row[size_t(right) * c + k]);
                const double bl = double(bottom_row[size_t(left) * c + k]), br = double(bottom_row[size_t(right) * c + k]);
                const double t = tl + (tr - tl) * x_lerp, b = bl + (br - bl) * x_lerp;
                px[k] = float(t + (b - t) * y_lerp);
            }
        }
    }
}

// Human's cutAndResize (src/face/facemeshutil.ts:49): crop the pixel box to size x size with
// cropAndResize, then / 255. Returns [1, size, size, 3] in 0..1, zeros outside the picture.
inline Tensor human_face_crop(const Image& image, const Box& box, int size) {
    LFR_CHECK(image.width > 0 && image.height > 0, "human_face_crop: empty image");
    const float h = float(image.height), w = float(image.width);
    // The JS divides in double; the box tensor stores float32.
    const float y1 = float(double(box.y1) / h), x1 = float(double(box.x1) / w);
    const float y2 = float(double(box.y2) / h), x2 = float(double(box.x2) / w);
    Tensor out(Shape{1, size, size, 3});
    crop_and_resize(image.rgb.data(), image.height, image.width, 3, y1, x1, y2, x2, size, size, out.values.data(), 0.f);
    for (float& v : out.values) v = v / 255.f;
    return out;
}

// Human's faceres input for one face (mesh off, rotation off): the face tensor = cutAndResize of the
// square crop box to face_size x face_size, / 255 (human_face_crop; face_size = blazeface.size()), then
// faceres.ts enhance: resizeBilinear to out_size (align_corners and half_pixel_centers false), x 255.
// Writes slot `slot` of out [N, out_size, out_size, 3] (0..255).
inline void human_faceres_input_into(const Image& image, const Box& crop_box, int face_size, TensorView out,
                                     int64_t slot) {
    LFR_CHECK(out.shape.rank == 4 && out.shape[1] == out.shape[2] && out.shape[3] == 3 && slot >= 0 &&
                  slot < out.shape[0],
              "human_faceres_input_into: bad output " + out.shape.str() + " for slot " + std::to_string(slot));
    const int size = int(out.shape[1]);
    const Tensor face = human_face_crop(image, crop_box, face_size);
    float* dst = out.data + slot * int64_t(size) * size * 3;
    resize_bilinear(face.values.data(), 1, face_size, face_size, 3, dst, size, size, false, false);
    for (int64_t i = 0; i < int64_t(size) * size * 3; ++i) dst[i] = dst[i] * 255.f;  // tf.mul(crop, 255)
}

inline Tensor human_faceres_input(const Image& image, const Box& crop_box, int face_size, int out_size = 224) {
    Tensor t(Shape{1, out_size, out_size, 3});
    human_faceres_input_into(image, crop_box, face_size, t.view(), 0);
    return t;
}

}  // namespace lfr
