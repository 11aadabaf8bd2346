// Face alignment: from landmarks to the pixels an embedding network sees.
//
//  - faceapi_align_dlib / faceapi_descriptor_crop: face-api's axis-aligned "dlib-like" crop
//    (classes/FaceLandmarks.ts alignDlib); the crop then goes through faceapi_extract_square_into
//    (lfr/image/preprocess.h: NetInput.toBatchTensor(size, true) = padToSquare + resizeBilinear).
//  - similarity_transform: least-squares scale + rotation + translation (dlib's
//    find_similarity_transform, Umeyama, reflections excluded), closed form.
//  - dlib_face_chip: dlib's get_face_chip_details(shape, size, padding) + extract_image_chip
//    geometry, as a chip -> image affine.
//  - five_point_alignment: ArcFace / insightface 5-point template alignment.
//  - warp_affine: bilinear sampling of an Image through a chip -> image affine into float32 RGB
//    0..255 NHWC, zero outside the image.
// Pixel centres sit at integer coordinates throughout (pixel (x, y) is the point (x, y)).
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "lfr/core/error.h"
#include "lfr/core/tensor.h"
#include "lfr/face/landmarks.h"
#include "lfr/face/types.h"
#include "lfr/image/image.h"
#include "lfr/image/preprocess.h"

namespace lfr {

// x' = a x + b y + c,  y' = d x + e y + f.
struct Affine {
    double a = 1, b = 0, c = 0, d = 0, e = 1, f = 0;
    Point apply(Point p) const { return {float(a * p.x + b * p.y + c), float(d * p.x + e * p.y + f)}; }
    void apply(double x, double y, double& ox, double& oy) const {
        ox = a * x + b * y + c;
        oy = d * x + e * y + f;
    }
    Affine inverse() const {
        const double det = a * e - b * d;
        LFR_CHECK(det != 0, "affine transform is singular");
        Affine r;
        r.a = e / det, r.b = -b / det, r.d = -d / det, r.e = a / det;
        r.c = -(r.a * c + r.b * f), r.f = -(r.d * c + r.e * f);
        return r;
    }
};

// ---------------------------------------------------------------------------------------------
// face-api's crop for the recognition net.

namespace detail {
inline void mean_of(const std::vector<Point>& p, int from, int to, double& x, double& y) {
    x = y = 0;
    for (int i = from; i < to; ++i) x += p[size_t(i)].x, y += p[size_t(i)].y;
    x /= (to - from), y /= (to - from);
}
}  // namespace detail

// alignDlib on 68 landmarks in image pixels. ref_w, ref_h: face-api's FaceLandmarks image
// dimensions, which after detection are the landmark crop's size (not the image's), so the
// `Math.min(size, imageWidth + x)` there hardly ever binds; pass the landmark crop size to match.
inline Box faceapi_align_dlib(const std::vector<Point>& lm, double ref_w, double ref_h) {
    LFR_CHECK(lm.size() == 68, "alignDlib needs 68 landmarks");
    double lx, ly, rx, ry, mx, my;
    detail::mean_of(lm, 36, 42, lx, ly);
    detail::mean_of(lm, 42, 48, rx, ry);
    detail::mean_of(lm, 48, 68, mx, my);
    const double dist = (std::hypot(mx - lx, my - ly) + std::hypot(mx - rx, my - ry)) / 2;
    const double size = std::floor(dist / 0.45);
    const double refx = (lx + rx + mx) / 3, refy = (ly + ry + my) / 3;
    const double x = std::floor(std::max(0.0, refx - 0.5 * size));
    const double y = std::floor(std::max(0.0, refy - 0.43 * size));
    const double w = std::min(size, ref_w + x), h = std::min(size, ref_h + y);
    return {float(x), float(y), float(x + w), float(y + h)};
}

// The crop face-api cuts for the recognition net: alignDlib, clipped at the image borders.
inline Box faceapi_descriptor_crop(const std::vector<Point>& lm, double landmark_crop_w, double landmark_crop_h,
                                   int img_w, int img_h) {
    return faceapi_clip_at_image_borders(faceapi_align_dlib(lm, landmark_crop_w, landmark_crop_h), img_w, img_h);
}

// ---------------------------------------------------------------------------------------------
// Similarity transforms.

// Least-squares similarity (uniform scale, rotation, translation; no reflection) mapping
// from[i] -> to[i]. Closed form of Umeyama's solution restricted to 2-D proper rotations, which
// is what dlib::find_similarity_transform computes.
inline Affine similarity_transform(const std::vector<Point>& from, const std::vector<Point>& to) {
    LFR_CHECK(from.size() == to.size() && from.size() >= 2, "similarity transform needs >= 2 point pairs");
    const size_t n = from.size();
    double mfx = 0, mfy = 0, mtx = 0, mty = 0;
    for (size_t i = 0; i < n; ++i) mfx += from[i].x, mfy += from[i].y, mtx += to[i].x, mty += to[i].y;
    mfx /= double(n), mfy /= double(n), mtx /= double(n), mty /= double(n);
    double sxx = 0, num_a = 0, num_b = 0;
    for (size_t i = 0; i < n; ++i) {
        const double fx = from[i].x - mfx, fy = from[i].y - mfy, tx = to[i].x - mtx, ty = to[i].y - mty;
        sxx += fx * fx + fy * fy;
        num_a += fx * tx + fy * ty;
        num_b += fx * ty - fy * tx;
    }
    Affine t;
    if (sxx > 0) {
        t.a = num_a / sxx, t.b = -num_b / sxx, t.d = num_b / sxx, t.e = num_a / sxx;
    }  // all source points equal: dlib keeps scale 1 and the best rotation; we keep identity
    t.c = mtx - (t.a * mfx + t.b * mfy);
    t.f = mty - (t.d * mfx + t.e * mfy);
    return t;
}

// ---------------------------------------------------------------------------------------------
// dlib's face chip.

// dlib (not in this repo) dlib/image_transforms/interpolation.h, get_face_chip_details: mean face shape of points 17..67
// (x, y in a unit square).
inline const std::array<double, 51>& dlib_mean_face_x() {
    static const std::array<double, 51> v = {
        0.000213256, 0.0752622, 0.18113,  0.29077,  0.393397, 0.586856, 0.689483, 0.799124, 0.904991,
        0.98004,     0.490127,  0.490127, 0.490127, 0.490127, 0.36688,  0.426036, 0.490127, 0.554217,
        0.613373,    0.121737,  0.187122, 0.265825, 0.334606, 0.260918, 0.182743, 0.645647, 0.714428,
        0.793132,    0.858516,  0.79751,  0.719335, 0.254149, 0.340985, 0.428858, 0.490127, 0.551395,
        0.639268,    0.726104,  0.642159, 0.556721, 0.490127, 0.423532, 0.338094, 0.290379, 0.428096,
        0.490127,    0.552157,  0.689874, 0.553364, 0.490127, 0.42689};
    return v;
}
inline const std::array<double, 51>& dlib_mean_face_y() {
    static const std::array<double, 51> v = {
        0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915,
        0.106454, 0.203352, 0.307009,  0.409805,  0.515625,  0.587326,  0.609345,  0.628106,  0.609345,
        0.587326, 0.216423, 0.178758,  0.179852,  0.231733,  0.245099,  0.244077,  0.231733,  0.179852,
        0.178758, 0.216423, 0.244077,  0.245099,  0.780233,  0.745405,  0.727388,  0.742578,  0.727388,
        0.745405, 0.780233, 0.864805,  0.902192,  0.909281,  0.902192,  0.864805,  0.784792,  0.778746,
        0.785343, 0.778746, 0.784792,  0.824182,  0.831803,  0.824182};
    return v;
}

// The landmark indices dlib fits and their chip positions. 68 points: 17..67 minus the eyebrows
// (17..26) and the lower lip (55..59, 65..67), i.e. 27..54 and 60..64, 33 points. 5 points (dlib's
// 5-point predictor layout): its own 5 constants.
inline void dlib_chip_template(size_t num_parts, int size, double padding, std::vector<int>& indices,
                               std::vector<Point>& chip_points) {
    indices.clear();
    chip_points.clear();
    auto put = [&](int i, double x, double y) {
        indices.push_back(i);
        chip_points.push_back({float((padding + x) / (2 * padding + 1) * size),
                               float((padding + y) / (2 * padding + 1) * size)});
    };
    if (num_parts == 5) {
        static const double p5[5][2] = {{0.8595674595992, 0.2134981538014},
                                        {0.6460604764104, 0.2289674387677},
                                        {0.1205750620789, 0.2137274526848},
                                        {0.3340850613712, 0.2290642403242},
                                        {0.4901123135679, 0.6277975316475}};
        for (int i = 0; i < 5; ++i) put(i, p5[i][0], p5[i][1]);
        return;
    }
    LFR_CHECK(num_parts == 68, "dlib face chip needs 68 or 5 landmarks, got " + std::to_string(num_parts));
    for (int i = 17; i < 68; ++i) {
        if ((55 <= i && i <= 59) || (65 <= i && i <= 67)) continue;  // lower lip
        if (i <= 26) continue;                                       // eyebrows
        put(i, dlib_mean_face_x()[size_t(i - 17)], dlib_mean_face_y()[size_t(i - 17)]);
    }
}

// get_face_chip_details(det, size, padding) then extract_image_chip: the chip -> image affine.
// dlib turns the fitted similarity into a rotated rectangle (centre = T(size/2, size/2), side
// size * scale, centered_drect shrinks it by one pixel) and maps chip corners (0,0), (size-1,0),
// (0,size-1) onto its corners, so chip pixel (c, r) lands at
//   centre + R(angle) * ((c - (size-1)/2) * k, (r - (size-1)/2) * k),  k = (size*scale - 1)/(size - 1).
// That differs from the fitted similarity by up to about half a chip pixel; it is dlib's geometry.
// (dlib samples big faces from a blurred image pyramid level; this is plain bilinear geometry.)
inline Affine dlib_face_chip(const std::vector<Point>& shape, int size = 150, double padding = 0.25) {
    LFR_CHECK(size > 1 && padding >= 0, "dlib face chip: bad size or padding");
    std::vector<int> idx;
    std::vector<Point> chip_pts, img_pts;
    dlib_chip_template(shape.size(), size, padding, idx, chip_pts);
    for (int i : idx) img_pts.push_back(shape[size_t(i)]);
    // dlib fits in double from double points; the template is rebuilt in double here.
    const Affine t = similarity_transform(chip_pts, img_pts);
    const double angle = std::atan2(t.d, t.a), scale = std::hypot(t.a, t.d);
    double cx, cy;
    t.apply(size / 2.0, size / 2.0, cx, cy);
    const double k = (size * scale - 1) / (size - 1);
    const double cs = std::cos(angle), sn = std::sin(angle);
    const double h = (size - 1) / 2.0;
    Affine r;
    r.a = cs * k, r.b = -sn * k, r.d = sn * k, r.e = cs * k;
    r.c = cx - (r.a * h + r.b * h);
    r.f = cy - (r.d * h + r.e * h);
    return r;
}

// ---------------------------------------------------------------------------------------------
// 5-point template alignment (ArcFace / insightface).

// insightface arcface_dst for 112 x 112: eye (image left), eye (image right), nose tip, mouth
// corner (image left), mouth corner (image right).
inline std::array<Point, 5> arcface_template(int out_w, int out_h) {
    static const double dst[5][2] = {{38.2946, 51.6963}, {73.5318, 51.5014}, {56.0252, 71.7366},
                                     {41.5493, 92.3655}, {70.7299, 92.2041}};
    // insightface estimate_norm: size % 112 == 0 scales by size/112; size % 128 == 0 scales by
    // size/128 and shifts x by 8*ratio. Other sizes scale by size/112. A non-square output uses
    // its smaller side and centres the template in the larger one.
    const int s = std::min(out_w, out_h);
    double ratio = s / 112.0, dx = 0;
    if (s % 112 != 0 && s % 128 == 0) ratio = s / 128.0, dx = 8.0 * ratio;
    dx += (out_w - s) / 2.0;
    const double dy = (out_h - s) / 2.0;
    std::array<Point, 5> t;
    for (int i = 0; i < 5; ++i) t[size_t(i)] = {float(dst[i][0] * ratio + dx), float(dst[i][1] * ratio + dy)};
    return t;
}

// The five points from 68 iBUG landmarks: eye centres (36-41, 42-47), nose tip 30, mouth corners 48, 54.
inline std::vector<Point> five_points_from_68(const std::vector<Point>& lm) {
    LFR_CHECK(lm.size() == 68, "five_points_from_68 needs 68 landmarks");
    double lx, ly, rx, ry;
    detail::mean_of(lm, 36, 42, lx, ly);
    detail::mean_of(lm, 42, 48, rx, ry);
    return {{float(lx), float(ly)}, {float(rx), float(ry)}, lm[30], lm[48], lm[54]};
}

// chip -> image affine for a 5-point alignment. As insightface does, the similarity is fitted
// image -> template (least squares in chip space) and inverted.
inline Affine five_point_alignment(const std::vector<Point>& pts5, int out_w, int out_h) {
    LFR_CHECK(pts5.size() == 5, "five_point_alignment needs 5 points");
    const auto t = arcface_template(out_w, out_h);
    return similarity_transform(pts5, std::vector<Point>(t.begin(), t.end())).inverse();
}

// ---------------------------------------------------------------------------------------------
// Warping.

// Sample img at chip pixels through chip_to_image into batch slot `slot` of out [N, h, w, 3]
// (float RGB 0..255). Bilinear; every neighbour outside the image reads 0 (OpenCV
// BORDER_CONSTANT 0), so points within one pixel of the border blend with black.
inline void warp_affine_into(const Image& img, const Affine& chip_to_image, TensorView out, int64_t slot) {
    LFR_CHECK(out.shape.rank == 4 && out.shape[3] == 3 && slot >= 0 && slot < out.shape[0],
              "warp_affine: bad output " + out.shape.str() + " for slot " + std::to_string(slot));
    const int oh = int(out.shape[1]), ow = int(out.shape[2]);
    const int W = img.width, H = img.height;
    float* o = out.data + slot * int64_t(oh) * ow * 3;
    const Affine& t = chip_to_image;
    for (int r = 0; r < oh; ++r)
        for (int c = 0; c < ow; ++c) {
            float* dst = o + (int64_t(r) * ow + c) * 3;
            double x, y;
            t.apply(c, r, x, y);
            if (!(x > -1 && x < W && y > -1 && y < H)) {  // also catches NaN
                dst[0] = dst[1] = dst[2] = 0.f;
                continue;
            }
            const int x0 = int(std::floor(x)), y0 = int(std::floor(y)), x1 = x0 + 1, y1 = y0 + 1;
            const float fx = float(x - x0), fy = float(y - y0);
            const bool in_x0 = x0 >= 0 && x0 < W, in_x1 = x1 >= 0 && x1 < W;
            const bool in_y0 = y0 >= 0 && y0 < H, in_y1 = y1 >= 0 && y1 < H;
            const uint8_t* tl = in_x0 && in_y0 ? img.at(x0, y0) : nullptr;
            const uint8_t* tr = in_x1 && in_y0 ? img.at(x1, y0) : nullptr;
            const uint8_t* bl = in_x0 && in_y1 ? img.at(x0, y1) : nullptr;
            const uint8_t* br = in_x1 && in_y1 ? img.at(x1, y1) : nullptr;
            for (int ch = 0; ch < 3; ++ch) {
                const float vtl = tl ? float(tl[ch]) : 0.f, vtr = tr ? float(tr[ch]) : 0.f;
                const float vbl = bl ? float(bl[ch]) : 0.f, vbr = br ? float(br[ch]) : 0.f;
                const float top = vtl + (vtr - vtl) * fx, bot = vbl + (vbr - vbl) * fx;
                dst[ch] = top + (bot - top) * fy;
            }
        }
}

// chip -> image affine that resizes the region `box` (pixel edges, may reach outside the image) to an
// out_w x out_h chip, pixel centres to pixel centres (OpenCV's INTER_LINEAR resize geometry). With
// warp_affine_into this is a crop-and-resize whose outside reads black.
inline Affine box_to_chip(const Box& box, int out_w, int out_h) {
    LFR_CHECK(out_w > 0 && out_h > 0, "box_to_chip: empty chip");
    Affine t;
    t.a = double(box.x2 - box.x1) / out_w, t.b = 0, t.c = box.x1 + 0.5 * t.a - 0.5;
    t.d = 0, t.e = double(box.y2 - box.y1) / out_h, t.f = box.y1 + 0.5 * t.e - 0.5;
    return t;
}

// The square a letterboxed input shows of a w x h image: the image scaled to fit, centred, black
// around it (MediaPipe's keep_aspect_ratio). box_to_chip(letterbox_box(w, h), S, S) makes the S x S
// input; a point at fraction (u, v) of the input lies at box.x1 + u * side, box.y1 + v * side.
inline Box letterbox_box(int w, int h) {
    const double side = std::max(w, h);
    const double x1 = (w - side) / 2, y1 = (h - side) / 2;
    return {float(x1), float(y1), float(x1 + side), float(y1 + side)};
}

inline Tensor warp_affine(const Image& img, const Affine& chip_to_image, int out_w, int out_h) {
    LFR_CHECK(out_w > 0 && out_h > 0, "warp_affine: empty output");
    Tensor t(Shape{1, out_h, out_w, 3});
    warp_affine_into(img, chip_to_image, t.view(), 0);
    return t;
}

}  // namespace lfr
