// Bilinear resize of NHWC images with TF ResizeBilinear's exact arithmetic, in its three modes:
// legacy (src = dst * in/out), align_corners (src = dst * (in-1)/(out-1)) and half_pixel_centers
// (src = (dst + 0.5) * in/out - 0.5). The op and the face pipeline's preprocessing share it.
#pragma once
#include <algorithm>
#include <cmath>

#include "lfr/ops/nd.h"

namespace lfr {

namespace detail {

struct LerpCell {
    int64_t lo, hi;  // the two source cells, clamped to the image
    float frac;      // weight of hi
};

// TF's compute_interpolation_weights, in float as TF computes it.
inline std::vector<LerpCell> lerp_cells(int in, int out, bool align_corners, bool half_pixel) {
    const float scale = align_corners && out > 1 ? float(in - 1) / float(out - 1) : float(in) / float(out);
    std::vector<LerpCell> cells(static_cast<size_t>(out));
    for (int i = 0; i < out; ++i) {
        const float src = half_pixel ? (float(i) + 0.5f) * scale - 0.5f : float(i) * scale;
        const float f = std::floor(src);
        cells[i] = {std::max<int64_t>(int64_t(f), 0), std::min<int64_t>(int64_t(std::ceil(src)), in - 1), src - f};
    }
    return cells;
}

}  // namespace detail

// src [n,h,w,c] -> dst [n,oh,ow,c].
inline void resize_bilinear(const float* src, int n, int h, int w, int c, float* dst, int oh, int ow,
                            bool align_corners, bool half_pixel) {
    LFR_CHECK(n >= 0 && c >= 0 && h > 0 && w > 0 && oh > 0 && ow > 0,
              "resize_bilinear: bad sizes " + std::to_string(h) + "x" + std::to_string(w) + " -> " + std::to_string(oh) +
                  "x" + std::to_string(ow));
    LFR_CHECK(!(align_corners && half_pixel), "resize_bilinear: align_corners and half_pixel_centers exclude each other");
    const std::vector<detail::LerpCell> ys = detail::lerp_cells(h, oh, align_corners, half_pixel);
    const std::vector<detail::LerpCell> xs = detail::lerp_cells(w, ow, align_corners, half_pixel);
    for (int64_t b = 0; b < n; ++b)
        for (const detail::LerpCell& y : ys) {
            const float* top = src + (b * h + y.lo) * w * c;
            const float* bottom = src + (b * h + y.hi) * w * c;
            for (const detail::LerpCell& x : xs)
                for (int64_t k = 0; k < c; ++k) {
                    // TF's order of operations: lerp along x on both rows, then along y.
                    const float tl = top[x.lo * c + k], tr = top[x.hi * c + k];
                    const float bl = bottom[x.lo * c + k], br = bottom[x.hi * c + k];
                    const float t = tl + (tr - tl) * x.frac, bo = bl + (br - bl) * x.frac;
                    *dst++ = t + (bo - t) * y.frac;
                }
        }
}

// attrs.ints = [out_h, out_w]; flags: 1 = align_corners, 2 = half_pixel_centers.
inline Shape infer_resize_bilinear(const Node& node, const std::vector<Shape>& in) {
    check_inputs(node, in, 1);
    const Shape& x = in[0];
    const std::vector<int32_t>& size = node.attrs.ints;
    LFR_CHECK(x.rank == 4 && x[1] > 0 && x[2] > 0, node_msg(node, "ResizeBilinear needs a non-empty NHWC input, got " + x.str()));
    LFR_CHECK(size.size() == 2 && size[0] > 0 && size[1] > 0, node_msg(node, "ResizeBilinear needs ints = [out_h, out_w] > 0"));
    LFR_CHECK(node.attrs.flags == 0 || node.attrs.flags == 1 || node.attrs.flags == 2,
              node_msg(node, "ResizeBilinear flags " + std::to_string(node.attrs.flags) +
                                 ": 1 (align_corners) and 2 (half_pixel_centers) exclude each other"));
    return {x[0], size[0], size[1], x[3]};
}

inline void resize_bilinear_ref(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace&) {
    const Shape& x = in[0].shape;
    resize_bilinear(in[0].data, int(x[0]), int(x[1]), int(x[2]), int(x[3]), out.data, int(out.shape[1]),
                    int(out.shape[2]), node.attrs.flags & 1, node.attrs.flags & 2);
}

}  // namespace lfr
