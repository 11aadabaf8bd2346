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

// Output rows [r0, r1) of all images (row r = n * oh + oy). K > 0: windows wholly inside the image
// take a K x K path with the taps unrolled inside the channel loop, so the channels vectorise and
// each output is written once; the border, and every window when K == 0, takes pool_window. Both
// combine the cells in pool_window's order (from -inf or 0, row by row), so results are identical.
template <bool Max, int K>
void pool_rows(const PoolGeom& g, const float* x, float* out, int64_t r0, int64_t r1) {
    int64_t y_lo = 0, y_hi = 0, x_lo = 0, x_hi = 0;  // output rows and columns whose window is inside
    if (K > 0) {
        window_interior(g.h, K, g.sh, g.pad_top, g.oh, y_lo, y_hi);
        window_interior(g.w, K, g.sw, g.pad_left, g.ow, x_lo, x_hi);
    }
    for (int64_t r = r0; r < r1; ++r) {
        const int64_t n = r / g.oh, oy = r % g.oh;
        const float* img = x + n * g.h * g.w * g.c;
        float* orow = out + r * g.ow * g.c;
        const bool row_inside = oy >= y_lo && oy < y_hi;
        for (int64_t ox = 0; ox < g.ow; ++ox) {
            float* __restrict o = orow + ox * g.c;
            if (!row_inside || ox < x_lo || ox >= x_hi) {
                pool_window<Max>(img, g, oy, ox, o);
                continue;
            }
            const float* __restrict p = img + ((oy * g.sh - g.pad_top) * g.w + ox * g.sw - g.pad_left) * g.c;
            for (int64_t c = 0; c < g.c; ++c) {
                float m = Max ? -std::numeric_limits<float>::infinity() : 0.f;
                for (int ky = 0; ky < K; ++ky)
                    for (int kx = 0; kx < K; ++kx) {
                        const float v = p[(ky * g.w + kx) * g.c + c];
                        m = Max ? (m < v ? v : m) : m + v;  // m < v ? v : m is std::max, NaNs included
                    }
                o[c] = Max ? m : m / float(K * K);
            }
        }
    }
}

using PoolRowsFn = void (*)(const PoolGeom&, const float*, float*, int64_t, int64_t);

// K x K interiors for 2 and 3, none (pool_window throughout) for other windows.
template <bool Max>
PoolRowsFn pool_rows_for(Isa isa, int64_t k) {
    return k == 2 ? isa_kernel<pool_rows<Max, 2>>(isa) : k == 3 ? isa_kernel<pool_rows<Max, 3>>(isa) : isa_kernel<pool_rows<Max, 0>>(isa);
}

constexpr int64_t kPoolRowsPerTask = 8;
constexpr int64_t kPoolMinSplitCells = 1 << 18;  // input cells read; fewer run on one thread (waking costs more)

}  // namespace detail

inline void pool_ref(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace&) {
    const detail::PoolGeom g = detail::pool_geom(node.attrs, in[0].shape);
    if (node.op == OpType::MaxPool)
        detail::pool_rows<true, 0>(g, in[0].data, out.data, 0, in[0].shape[0] * g.oh);
    else
        detail::pool_rows<false, 0>(g, in[0].data, out.data, 0, in[0].shape[0] * g.oh);
}

// Square 2x2 and 3x3 windows (the face models' pools) get vectorised interiors, other windows
// pool_window at the ISA's width; output rows are split over the thread pool.
inline void pool_fast(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace& ws) {
    using namespace detail;
    const Attrs& a = node.attrs;
    const PoolGeom g = pool_geom(a, in[0].shape);
    const int64_t k = a.kernel_h == a.kernel_w ? a.kernel_h : 0;
    const PoolRowsFn fn = node.op == OpType::MaxPool ? pool_rows_for<true>(ws.isa, k) : pool_rows_for<false>(ws.isa, k);
    const int64_t rows = in[0].shape[0] * g.oh, cells = out.numel() * a.kernel_h * a.kernel_w;
    const int64_t tasks = cells < kPoolMinSplitCells ? 1
                                                     : std::min<int64_t>(pool_size(ws.pool), (rows + kPoolRowsPerTask - 1) / kPoolRowsPerTask);
    parallel_for(ws.pool, tasks, [&](int64_t t, int) { fn(g, in[0].data, out.data, rows * t / tasks, rows * (t + 1) / tasks); });
}

}  // namespace lfr
