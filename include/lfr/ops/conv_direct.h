// Direct convolution for inputs with few channels (a network's first conv, on RGB): the GEMM's
// register tile (MR output pixels of one output row x NV vectors of output channels) fed straight
// from the NHWC input, one input value broadcast per FMA. The GEMM path would first gather an
// [pixels, KH*KW*C] patch matrix and pack it, and with C = 3 that copying costs more than the FMAs
// (tiny_face_detector's 416x416x3->16 conv ran at 6% of the FMA peak). conv2d_fast also uses it for a
// single strip of output channels on wide rows, where a packed A block would never be reused.
//
// The weight is the GEMM's packed B (one K block, so K <= kKC): tap p = (ky, kx, ci) of the strip
// at column c is NR floats at data + c*K + p*NR. Sums run in the GEMM's order (ky, kx, ci) and the
// epilogue is the GEMM's store_tile; taps in the zero padding are skipped instead of multiplied.
#pragma once
#include <algorithm>
#include <cstdint>

#include "lfr/ops/gemm_kernel.h"

namespace lfr {

struct ConvGeometry {
    int64_t N, H, W, C;  // input
    int64_t KH, KW;      // kernel
    int64_t OH, OW;      // output
    int64_t sh, sw;      // strides
    int64_t pt, pl;      // leading (top, left) zero padding
    int64_t dh, dw;      // dilation: tap ky reads input row oy*sh - pt + ky*dh
};

// Output rows [row0, row0 + rows) of the N*OH, columns [col0, col0 + cols) (col0 a multiple of the
// packing's strip width), of y [N,OH,OW,co] from output pixel y_first on (a band of rows in scratch
// has y_first = row0 * OW).
struct DirectConvArgs {
    ConvGeometry g;
    const float* x;
    PackedB w;
    float* y;
    int64_t co;
    GemmEpilogue ep;  // pointers at column 0 and output pixel 0; residual with ldr = co
    int64_t row0, rows, col0, cols;
    int64_t y_first = 0;
};

namespace gemm_detail {

// One tile: MR pixels from output pixel (n, oy, ox0), NV vectors from the strip at `w`. Clip: check
// each tap against the left and right edges (edge pixels, one at a time); otherwise every tap of
// every pixel is inside the row.
template <class V, int MR, int NV, bool Clip>
inline void direct_tile(const DirectConvArgs& a, int64_t n, int64_t oy, int64_t ox0, const float* w, int64_t col) {
    constexpr int L = sizeof(V) / sizeof(float), NR = NV * L;
    const ConvGeometry& g = a.g;
    V acc[MR][NV];
    zero_tile(acc);
    for (int64_t ky = 0; ky < g.KH; ++ky) {
        const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
        if (iy < 0 || iy >= g.H) continue;
        const float* row = a.x + (n * g.H + iy) * g.W * g.C;
        for (int64_t kx = 0; kx < g.KW; ++kx) {
            const int64_t ix = ox0 * g.sw - g.pl + kx * g.dw;  // pixel i reads column ix + i*sw
            if (Clip && (ix < 0 || ix >= g.W)) continue;
            const float* px = row + ix * g.C;
            const float* wk = w + (ky * g.KW + kx) * g.C * NR;
            for (int64_t ci = 0; ci < g.C; ++ci, wk += NR) {
                V wv[NV];
                for (int v = 0; v < NV; ++v) load(wv[v], wk + v * L);
#pragma GCC unroll 16
                for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
                    for (int v = 0; v < NV; ++v) acc[i][v] += px[i * g.sw * g.C + ci] * wv[v];
            }
        }
    }
    const int64_t pixel = (n * g.OH + oy) * g.OW + ox0;
    const GemmEpilogue ep = tile_epilogue(a.ep, pixel, col);
    store_tile<V, MR, NV>(acc, a.y + (pixel - a.y_first) * a.co + col, a.co, MR, std::min<int64_t>(NR, a.co - col), false, &ep);
}

template <class V, int MR, int NV>
inline void conv_direct(const DirectConvArgs& a) {
    constexpr int NR = NV * int(sizeof(V) / sizeof(float));
    const ConvGeometry& g = a.g;
    const int64_t K = g.KH * g.KW * g.C;
    // Output columns whose whole window lies inside the row: ox*sw - pl >= 0 and
    // ox*sw - pl + (KW-1)*dw <= W-1.
    const int64_t lo = std::min(g.OW, (g.pl + g.sw - 1) / g.sw);
    const int64_t last = g.W - 1 + g.pl - (g.KW - 1) * g.dw;  // the largest ox*sw allowed
    const int64_t hi = std::max(lo, std::min(g.OW, last < 0 ? 0 : last / g.sw + 1));
    for (int64_t c = a.col0; c < a.col0 + a.cols; c += NR) {
        const float* w = a.w.data + (a.w.col0 + c) * K;
        for (int64_t r = a.row0; r < a.row0 + a.rows; ++r) {
            const int64_t n = r / g.OH, oy = r % g.OH;
            int64_t ox = 0;
            for (; ox < lo; ++ox) direct_tile<V, 1, NV, true>(a, n, oy, ox, w, c);
            for (; ox + MR <= hi; ox += MR) direct_tile<V, MR, NV, false>(a, n, oy, ox, w, c);
            // The rest of the inside in a half and a quarter tile: a one-pixel tile is one chain of
            // dependent FMAs per vector (blazeface's 128-pixel rows left 8 such pixels of 12-pixel tiles).
            if (MR / 2 > 1 && ox + MR / 2 <= hi) direct_tile<V, std::max(1, MR / 2), NV, false>(a, n, oy, ox, w, c), ox += MR / 2;
            if (MR / 4 > 1 && ox + MR / 4 <= hi) direct_tile<V, std::max(1, MR / 4), NV, false>(a, n, oy, ox, w, c), ox += MR / 4;
            for (; ox < g.OW; ++ox) direct_tile<V, 1, NV, true>(a, n, oy, ox, w, c);
        }
    }
}

}  // namespace gemm_detail
}  // namespace lfr
