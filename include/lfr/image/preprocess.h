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
//   Box.clipAtImageBorders (classes/Box.ts:134-145): x' = max(x, 0), y' = max(y, 0),
//   w' = min(right - x', W - x'), h' = min(bottom - y', H - y'), then floor() of x', y', w', h'
//   each; boxes with w' <= 0 or h' <= 0 are dropped; then a plain slice.
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
#include "lfr/face/types.h"
#include "lfr/image/image.h"
#include "lfr/ops/resize.h"

namespace lfr {

// --- Geometry ---------------------------------------------------------------------------------

// An integer pixel rectangle: columns [x, x + width), rows [y, y + height).
struct PixelRect {
    int x = 0, y = 0, width = 0, height = 0;
    bool empty() const { return width <= 0 || height <= 0; }
};

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

// face-api's Box.clipAtImageBorders + floor (classes/Box.ts:134), as used by extractFaceTensors.
// box is in image pixels; the result may be empty (extractFaceTensors then drops the face).
inline PixelRect faceapi_clip_box(const Box& box, int image_w, int image_h) {
    const double x = std::max<double>(box.x1, 0.0), y = std::max<double>(box.y1, 0.0);
    const double w = std::min<double>(double(box.x2) - x, double(image_w) - x);
    const double h = std::min<double>(double(box.y2) - y, double(image_h) - y);
    PixelRect r;
    if (!(std::isfinite(x) && std::isfinite(y) && std::isfinite(w) && std::isfinite(h))) return r;
    if (w < 1 || h < 1 || x >= image_w || y >= image_h) return r;  // floors to nothing
    r.x = int(std::floor(x));
    r.y = int(std::floor(y));
    r.width = int(std::floor(w));
    r.height = int(std::floor(h));
    return r;  // floor(x) + floor(w) <= floor(x + w) <= image_w, so it lies inside the image
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

// A copy of the pixels inside r (which must lie inside the image).
inline Image crop_image(const Image& image, const PixelRect& r) {
    LFR_CHECK(!r.empty() && r.x >= 0 && r.y >= 0 && r.x + r.width <= image.width && r.y + r.height <= image.height,
              "crop_image: rectangle (" + std::to_string(r.x) + "," + std::to_string(r.y) + " " +
                  std::to_string(r.width) + "x" + std::to_string(r.height) + ") is not inside the " +
                  std::to_string(image.width) + "x" + std::to_string(image.height) + " image");
    Image out(r.width, r.height);
    for (int row = 0; row < r.height; ++row)
        std::copy_n(image.at(r.x, r.y + row), size_t(r.width) * 3, out.at(0, row));
    return out;
}

// face-api's extractFaceTensors for one box: the clipped, floored crop (empty Image when nothing
// of the box lies inside the picture).
inline Image faceapi_extract_face(const Image& image, const Box& box) {
    const PixelRect r = faceapi_clip_box(box, image.width, image.height);
    return r.empty() ? Image() : crop_image(image, r);
}

// --- face-api ---------------------------------------------------------------------------------

// NetInput.toBatchTensor(input_size, centred) for one image: [1, input_size, input_size, 3], 0..255.
// Detectors: centred = false. Landmarks (112) and recognition (150): centred = true.
// pad, when given, receives the padToSquare geometry (to map outputs back to the image).
inline Tensor faceapi_batch_tensor(const Image& image, int input_size, bool centred, SquarePad* pad = nullptr) {
    LFR_CHECK(input_size > 0, "toBatchTensor: input size " + std::to_string(input_size));
    const SquarePad p = faceapi_square_pad(image.width, image.height, centred);
    if (pad) *pad = p;
    const int s = p.size;
    Tensor square(Shape{1, s, s, 3});  // zeros
    for (int row = 0; row < image.height; ++row) {
        const uint8_t* src = image.at(0, row);
        float* dst = square.values.data() + (size_t(row + p.top) * size_t(s) + size_t(p.left)) * 3;
        for (size_t i = 0; i < size_t(image.width) * 3; ++i) dst[i] = float(src[i]);
    }
    if (s == input_size) return square;
    Tensor out(Shape{1, input_size, input_size, 3});
    resize_bilinear(square.values.data(), 1, s, s, 3, out.values.data(), input_size, input_size,
                    /*align_corners=*/false, /*half_pixel=*/false);
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

}  // namespace lfr
