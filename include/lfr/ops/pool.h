// MaxPool and AvgPool over NHWC, TF semantics: padded cells are skipped, so they never win a max and
// an average divides by the count of real cells in its window.
#pragma once
#include <algorithm>
#include <limits>

#include "lfr/ops/nd.h"
#include "lfr/ops/window.h"

namespace lfr {

inline Shape infer_pool(const Node& node, const std::vector<Shape>& in) {
    check_inputs(node, in, 1);
    const Shape& x = in[0];
    const Attrs& a = node.attrs;
    LFR_CHECK(x.rank == 4, node_msg(node, "pooling needs an NHWC input, got " + x.str()));
    LFR_CHECK(a.kernel_h > 0 && a.kernel_w > 0, node_msg(node, "pooling window is not set"));
    // Pads narrower than the window leave a real cell in every window.
    LFR_CHECK(a.padding != Padding::Explicit || (std::max(a.pad_top, a.pad_bottom) < a.kernel_h &&
                                                 std::max(a.pad_left, a.pad_right) < a.kernel_w),
              node_msg(node, "explicit pads must be smaller than the pooling window"));
    try {
        return {x[0], window_h(a, x[1], a.kernel_h).out, window_w(a, x[2], a.kernel_w).out, x[3]};
    } catch (const Error& e) {
        throw Error(node_msg(node, std::string(e.what()) + " (input " + x.str() + ")"));
    }
}

namespace detail {

struct PoolGeom {
    int64_t h, w, c;           // input size
    int64_t oh, ow;            // output size
    int64_t kh, kw, sh, sw;    // window and stride
    int64_t pad_top, pad_left;
};

inline PoolGeom pool_geom(const Attrs& a, const Shape& x) {
    const Window1D wy = window_h(a, x[1], a.kernel_h), wx = window_w(a, x[2], a.kernel_w);
    return {x[1], x[2], x[3], wy.out, wx.out, a.kernel_h, a.kernel_w, a.stride_h, a.stride_w, wy.pad_before, wx.pad_before};
}

// One output pixel, all channels, over the window clipped to the image.
template <bool Max>
void pool_window(const float* img, const PoolGeom& g, int64_t oy, int64_t ox, float* o) {
    const int64_t y0 = oy * g.sh - g.pad_top, x0 = ox * g.sw - g.pad_left;
    const int64_t y1 = std::min(y0 + g.kh, g.h), x1 = std::min(x0 + g.kw, g.w);
    const int64_t ys = std::max<int64_t>(y0, 0), xs = std::max<int64_t>(x0, 0);
    std::fill(o, o + g.c, Max ? -std::numeric_limits<float>::infinity() : 0.f);
    for (int64_t y = ys; y < y1; ++y)
        for (int64_t x = xs; x < x1; ++x) {
            const float* p = img + (y * g.w + x) * g.c;
            for (int64_t c = 0; c < g.c; ++c) o[c] = Max ? std::max(o[c], p[c]) : o[c] + p[c];
        }
    if (!Max)
        for (int64_t c = 0; c < g.c; ++c) o[c] /= float((y1 - ys) * (x1 - xs));
}

// A K x K window wholly inside the image, from its top-left cell p: unrolled, no clipping. Same
// order of operations as pool_window, so results are bit-identical.
template <bool Max, int K>
void pool_window_inside(const float* p, const PoolGeom& g, float* o) {
    std::copy(p, p + g.c, o);
    for (int ky = 0; ky < K; ++ky)
        for (int kx = ky == 0 ? 1 : 0; kx < K; ++kx) {
            const float* q = p + (ky * g.w + kx) * g.c;
            for (int64_t c = 0; c < g.c; ++c) o[c] = Max ? std::max(o[c], q[c]) : o[c] + q[c];
        }
    if (!Max)
        for (int64_t c = 0; c < g.c; ++c) o[c] /= float(K * K);
}

// K > 0: windows inside the image take the unrolled K x K path, the border the clipped one.
template <bool Max, int K>
void pool_all(const Node& node, const ConstTensorView& x, TensorView out) {
    const PoolGeom g = pool_geom(node.attrs, x.shape);
    for (int64_t n = 0; n < x.shape[0]; ++n) {
        const float* img = x.data + n * g.h * g.w * g.c;
        for (int64_t oy = 0; oy < g.oh; ++oy)
            for (int64_t ox = 0; ox < g.ow; ++ox) {
                float* o = out.data + ((n * g.oh + oy) * g.ow + ox) * g.c;
                const int64_t y0 = oy * g.sh - g.pad_top, x0 = ox * g.sw - g.pad_left;
                if constexpr (K > 0) {
                    if (y0 >= 0 && x0 >= 0 && y0 + K <= g.h && x0 + K <= g.w) {
                        pool_window_inside<Max, K>(img + (y0 * g.w + x0) * g.c, g, o);
                        continue;
                    }
                }
                pool_window<Max>(img, g, oy, ox, o);
            }
    }
}

}  // namespace detail

inline void pool_ref(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace&) {
    if (node.op == OpType::MaxPool)
        detail::pool_all<true, 0>(node, in[0], out);
    else
        detail::pool_all<false, 0>(node, in[0], out);
}

// Square 2x2 and 3x3 windows (the face models' pools) get unrolled interiors; others the reference.
inline void pool_fast(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace& ws) {
    const Attrs& a = node.attrs;
    const bool max = node.op == OpType::MaxPool;
    if (a.kernel_h != a.kernel_w || (a.kernel_h != 2 && a.kernel_h != 3)) return pool_ref(node, in, out, ws);
    if (a.kernel_h == 2)
        max ? detail::pool_all<true, 2>(node, in[0], out) : detail::pool_all<false, 2>(node, in[0], out);
    else
        max ? detail::pool_all<true, 3>(node, in[0], out) : detail::pool_all<false, 3>(node, in[0], out);
}

}  // namespace lfr
