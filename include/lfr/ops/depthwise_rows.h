// DepthwiseConv2D's row kernels (M == 1, which every model here uses): NHWC keeps channels
// contiguous, so each output pixel is a few channel-vector multiply-adds. Interior pixels of a 3x3
// kernel run a register kernel per block of channels at the ISA level's vector width (weights held in
// registers along the row, bias and activation applied before the store); border pixels, dilated and
// other kernels add one in-bounds tap at a time into the output row.
#pragma once
#include <algorithm>

#include "lfr/ops/conv.h"
#include "lfr/ops/epilogue.h"

namespace lfr {

namespace depthwise_detail {

using gemm_detail::activate_vec, gemm_detail::load, gemm_detail::load_lanes, gemm_detail::store, gemm_detail::store_lanes;  // the GEMM tile's vector helpers
using gemm_detail::v16f, gemm_detail::v4f, gemm_detail::v8f;

// Any output pixel: each in-bounds tap added over the channels (borders, dilated and other kernels).
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

struct Rows {
    ConvGeometry g;
    const float *x, *w, *bias, *prelu;
    const Attrs* a;
    float* y;                            // output row y_row0 (of the N*OH): the whole output, or a band in scratch
    int64_t y_row0 = 0;
    int64_t oy_lo, oy_hi, ox_lo, ox_hi;  // the interior: windows entirely inside the input
};

// Pixels [ox0, ox1) of output row yrow the general way, then their bias and activation.
inline void pixels_any(const Rows& d, int64_t n, int64_t oy, int64_t ox0, int64_t ox1, float* yrow) {
    const int64_t C = d.g.C;
    for (int64_t ox = ox0; ox < ox1; ++ox) pixel_any(d.g, d.x, d.w, n, oy, ox, yrow + ox * C);
    bias_activate(yrow + ox0 * C, ox1 - ox0, C, d.bias, d.a->act, d.a->alpha, d.prelu);
}

// Channels [c0, c0 + w) of the interior pixels of one output row of a 3x3 undilated window (x_top:
// the input row under its top taps), bias and activation A included. The nine weight vectors stay
// in registers while the window slides along the row: one load and one FMA per tap, nothing in
// memory between taps. The taps are summed in pixel_any's order, so the bits do not depend on
// whether a pixel is interior. Full: w is the vector width (plain loads; the last block masks).
template <class V, Activation A, bool Full>
inline void interior_3x3(const Rows& d, const float* x_top, float* yrow, int64_t c0, int64_t w) {
    const ConvGeometry& g = d.g;
    const int64_t C = g.C, row = g.W * C, step = g.sw * C;
    auto ld = [w](V& v, const float* p) { Full ? load(v, p) : load_lanes(v, p, w); };
    V wk[9], bias = {}, slope = {};
    for (int t = 0; t < 9; ++t) ld(wk[t], d.w + t * C + c0);
    if (d.bias) ld(bias, d.bias + c0);
    if (A == Activation::Prelu) ld(slope, d.prelu + c0);
    const float* x = x_top + (d.ox_lo * g.sw - g.pl) * C + c0;
    float* y = yrow + d.ox_lo * C + c0;
    // Locals, not d's fields: the stores to y could alias d, so the compiler would reload each per pixel.
    const int64_t ox_hi = d.ox_hi;
    const bool has_bias = d.bias;
    const float alpha = d.a->alpha;
    for (int64_t ox = d.ox_lo; ox < ox_hi; ++ox, x += step, y += C) {  // (two pixels at a time: slower)
        V acc = {}, t;
        for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) ld(t, x + ky * row + kx * C), acc += t * wk[ky * 3 + kx];
        if (has_bias) acc += bias;
        activate_vec<A>(acc, alpha, slope);
        Full ? store(y, acc) : store_lanes(y, acc, w);
    }
}

// Output rows [r0, r1) of all images (row r = n * OH + oy), bias and activation included.
template <class V, Activation A>
inline void rows_act(const Rows& d, int64_t r0, int64_t r1) {
    const ConvGeometry& g = d.g;
    const bool k3 = g.KH == 3 && g.KW == 3 && g.dh == 1 && g.dw == 1;
    for (int64_t r = r0; r < r1; ++r) {
        const int64_t n = r / g.OH, oy = r % g.OH;
        float* yrow = d.y + (r - d.y_row0) * g.OW * g.C;
        if (!k3 || oy < d.oy_lo || oy >= d.oy_hi || d.ox_lo >= d.ox_hi) {
            pixels_any(d, n, oy, 0, g.OW, yrow);
            continue;
        }
        pixels_any(d, n, oy, 0, d.ox_lo, yrow);
        const float* x_top = d.x + (n * g.H + oy * g.sh - g.pt) * g.W * g.C;
        constexpr int64_t L = sizeof(V) / sizeof(float);
        for (int64_t c0 = 0; c0 < g.C; c0 += L)
            if (g.C - c0 >= L) interior_3x3<V, A, true>(d, x_top, yrow, c0, L);
            else interior_3x3<V, A, false>(d, x_top, yrow, c0, g.C - c0);
        pixels_any(d, n, oy, d.ox_hi, g.OW, yrow);
    }
}

template <class V>
inline void rows(const Rows& d, int64_t r0, int64_t r1) {
    switch (d.a->act) {  // once per task, not per pixel
        case Activation::None: return rows_act<V, Activation::None>(d, r0, r1);
        case Activation::Relu: return rows_act<V, Activation::Relu>(d, r0, r1);
        case Activation::Relu6: return rows_act<V, Activation::Relu6>(d, r0, r1);
        case Activation::Leaky: return rows_act<V, Activation::Leaky>(d, r0, r1);
        case Activation::Prelu: return rows_act<V, Activation::Prelu>(d, r0, r1);
        case Activation::Sigmoid: return rows_act<V, Activation::Sigmoid>(d, r0, r1);
    }
}

using RowsFn = void (*)(const Rows&, int64_t, int64_t);

// rows<V> at this level's vector width, compiled for its instruction set.
inline RowsFn rows_for(Isa isa) {
#ifdef LFR_HAVE_X86_KERNELS
    if (isa == Isa::Avx512) return level_kernel<Isa::Avx512, rows<v16f>>();
    if (isa == Isa::Avx2) return level_kernel<Isa::Avx2, rows<v8f>>();
#endif
    return level_kernel<Isa::Portable, rows<v4f>>();
}

constexpr int64_t kRowsPerTask = 4;         // enough work per task to hide the hand-off
constexpr int64_t kMinSplitMacs = 1 << 18;  // smaller ones run on one thread: waking others costs more

}  // namespace depthwise_detail

}  // namespace lfr
