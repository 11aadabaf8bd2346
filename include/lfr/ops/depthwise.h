// DepthwiseConv2D: x [N,H,W,C] with w [KH,KW,C,M] -> C*M channels (output channel c*M + m, as TF),
// + bias [C*M] (optional), then the fused activation (Prelu slopes [C*M] as input 3). Attrs as Conv2D.
//
// Fast path (M == 1, which every model here uses): NHWC keeps channels contiguous, so each output
// pixel is a few channel-vector multiply-adds. Interior pixels of a 3x3 kernel sum all nine taps in
// one pass over the channels (registers, no partial sums in memory); border pixels, dilated and
// other kernels add one in-bounds tap at a time into the output row. Bias and activation follow per
// output row. Rows are split over the Workspace's thread pool.
#pragma once
#include <algorithm>

#include "lfr/ops/conv.h"
#include "lfr/ops/epilogue.h"

namespace lfr {

inline Shape infer_depthwise(const Node& node, const std::vector<Shape>& in) {
    check_conv_inputs(node, in, in.size() >= 2 ? in[1][2] * in[1][3] : 0);
    const ConvGeometry g = conv_geometry(node.attrs, in[0], in[1]);
    return {g.N, g.OH, g.OW, g.C * in[1][3]};
}

inline void depthwise_ref(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace&) {
    const Attrs& a = node.attrs;
    const ConvGeometry g = conv_geometry(a, in[0].shape, in[1].shape);
    const int64_t M = in[1].shape[3], Co = g.C * M;
    const float *x = in[0].data, *w = in[1].data;
    for (int64_t n = 0; n < g.N; ++n)
        for (int64_t oy = 0; oy < g.OH; ++oy)
            for (int64_t ox = 0; ox < g.OW; ++ox)
                for (int64_t c = 0; c < g.C; ++c)
                    for (int64_t m = 0; m < M; ++m) {
                        const int64_t co = c * M + m;
                        float acc = has_input(in, 2) ? in[2].data[co] : 0.f;
                        for (int64_t ky = 0; ky < g.KH; ++ky)
                            for (int64_t kx = 0; kx < g.KW; ++kx) {
                                const int64_t iy = oy * g.sh - g.pt + ky * g.dh, ix = ox * g.sw - g.pl + kx * g.dw;
                                if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) continue;  // zero padding
                                acc += x[((n * g.H + iy) * g.W + ix) * g.C + c] * w[((ky * g.KW + kx) * g.C + c) * M + m];
                            }
                        const float slope = has_input(in, 3) ? in[3].data[co] : 0.f;
                        out.data[((n * g.OH + oy) * g.OW + ox) * Co + co] = activate(acc, a.act, a.alpha, slope);
                    }
}

namespace depthwise_detail {

// One output pixel of a 3x3 window entirely inside the input; r0: its top-left input pixel.
inline void pixel_3x3(const float* r0, int64_t row_stride, const float* w, int64_t C, float* __restrict y) {
    const float *__restrict r1 = r0 + row_stride, *__restrict r2 = r1 + row_stride;
    for (int64_t c = 0; c < C; ++c)
        y[c] = r0[c] * w[c] + r0[C + c] * w[C + c] + r0[2 * C + c] * w[2 * C + c] +
               r1[c] * w[3 * C + c] + r1[C + c] * w[4 * C + c] + r1[2 * C + c] * w[5 * C + c] +
               r2[c] * w[6 * C + c] + r2[C + c] * w[7 * C + c] + r2[2 * C + c] * w[8 * C + c];
}

// Any output pixel: each in-bounds tap added over the channels.
inline void pixel_any(const ConvGeometry& g, const float* x, const float* w, int64_t n, int64_t oy, int64_t ox,
                      float* __restrict y) {
    std::fill(y, y + g.C, 0.f);
    for (int64_t ky = 0; ky < g.KH; ++ky) {
        const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
        if (iy < 0 || iy >= g.H) continue;
        for (int64_t kx = 0; kx < g.KW; ++kx) {
            const int64_t ix = ox * g.sw - g.pl + kx * g.dw;
            if (ix < 0 || ix >= g.W) continue;
            const float* __restrict xi = x + ((n * g.H + iy) * g.W + ix) * g.C;
            const float* __restrict wk = w + (ky * g.KW + kx) * g.C;
            for (int64_t c = 0; c < g.C; ++c) y[c] += xi[c] * wk[c];
        }
    }
}

}  // namespace depthwise_detail

namespace depthwise_detail {

struct Rows {
    ConvGeometry g;
    const float *x, *w, *bias, *prelu;
    const Attrs* a;
    float* y;
    int64_t oy_lo, oy_hi, ox_lo, ox_hi;  // the interior: windows entirely inside the input
};

// Output rows [r0, r1) of all images (row r = n * OH + oy), bias and activation included.
inline void rows(const Rows& d, int64_t r0, int64_t r1) {
    const ConvGeometry& g = d.g;
    const bool k3 = g.KH == 3 && g.KW == 3 && g.dh == 1 && g.dw == 1;  // pixel_3x3 reads adjacent taps
    for (int64_t r = r0; r < r1; ++r) {
        const int64_t n = r / g.OH, oy = r % g.OH;
        float* yrow = d.y + r * g.OW * g.C;
        const bool row_inside = k3 && oy >= d.oy_lo && oy < d.oy_hi;
        for (int64_t ox = 0; ox < g.OW; ++ox) {
            float* y = yrow + ox * g.C;
            if (row_inside && ox >= d.ox_lo && ox < d.ox_hi) {
                const float* r0p = d.x + ((n * g.H + oy * g.sh - g.pt) * g.W + ox * g.sw - g.pl) * g.C;
                pixel_3x3(r0p, g.W * g.C, d.w, g.C, y);
            } else {
                pixel_any(g, d.x, d.w, n, oy, ox, y);
            }
        }
        bias_activate(yrow, g.OW, g.C, d.bias, d.a->act, d.a->alpha, d.prelu);  // the row is still in cache
    }
}

constexpr int64_t kRowsPerTask = 4;         // enough work per task to hide the hand-off
constexpr int64_t kMinSplitMacs = 1 << 21;  // smaller ones run on one thread: waking others costs more

}  // namespace depthwise_detail

inline void depthwise_fast(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace& ws) {
    using namespace depthwise_detail;
    if (in[1].shape[3] != 1) return depthwise_ref(node, in, out, ws);  // channel multiplier: not used by our models
    Rows d;
    d.g = conv_geometry(node.attrs, in[0].shape, in[1].shape);
    d.x = in[0].data;
    d.w = in[1].data;
    d.bias = has_input(in, 2) ? in[2].data : nullptr;
    d.prelu = has_input(in, 3) ? in[3].data : nullptr;
    d.a = &node.attrs;
    d.y = out.data;
    window_interior(d.g.H, d.g.KH, d.g.sh, d.g.pt, d.g.OH, d.oy_lo, d.oy_hi);
    window_interior(d.g.W, d.g.KW, d.g.sw, d.g.pl, d.g.OW, d.ox_lo, d.ox_hi);
    const auto fn = isa_kernel<rows>(ws.isa);  // the channel loops vectorise at the level's width
    const int64_t total = d.g.N * d.g.OH, work = total * d.g.OW * d.g.C * d.g.KH * d.g.KW;
    const int64_t tasks = work < kMinSplitMacs ? 1 : std::min<int64_t>(pool_size(ws.pool), (total + kRowsPerTask - 1) / kRowsPerTask);
    parallel_for(ws.pool, tasks, [&](int64_t t, int) { fn(d, total * t / tasks, total * (t + 1) / tasks); });
}

}  // namespace lfr
