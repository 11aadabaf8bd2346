// Conv2D: x [N,H,W,Ci] * w [KH,KW,Ci,Co] (TF HWIO) + bias [Co] (optional) + residual (input 4,
// the output's shape; set only by the executor's fuse pass, runtime/fuse.h), then the fused activation
// (Prelu slopes [Co] as input 3). Attrs: stride_h/w, dilation_h/w (taps d cells apart: the window
// spans (k-1)*d+1 cells, as TF and ONNX), padding (+ pad_* when Explicit), act, alpha.
// The shared geometry and input checks here are also used by depthwise.h. Attrs::pool (set only by
// the executor's fuse pass): a k x k, stride-k MaxPool of the activated output, computed band by band
// from a few conv rows in scratch, so the full-size conv output never goes through memory.
//
// Fast path: the convolution is a GEMM of the patch matrix [N*OH*OW, KH*KW*Ci] with the weight,
// which HWIO already lays out as a [KH*KW*Ci, Co] row-major matrix. A 1x1 stride-1 unpadded conv
// needs no patch matrix at all (the NHWC input is it); otherwise patches are gathered (im2col) one
// tile of output pixels at a time so the buffer stays cache-sized. With few input channels (RGB), or
// a single strip of output channels on wide rows, the same register tile reads the input directly
// instead (conv_direct.h). Bias and activation are
// applied as each register tile is stored; tiles run on the Workspace's thread pool.
#pragma once
#include <algorithm>
#include <string>

#include "lfr/ops/activation.h"
#include "lfr/ops/gemm.h"
#include "lfr/ops/op.h"
#include "lfr/ops/pool.h"
#include "lfr/ops/window.h"

namespace lfr {

inline ConvGeometry conv_geometry(const Attrs& a, const Shape& x, const Shape& w) {
    const Window1D wh = window_h(a, x[1], w[0], a.dilation_h), ww = window_w(a, x[2], w[1], a.dilation_w);
    return {x[0], x[1], x[2], x[3], w[0], w[1], wh.out, ww.out, a.stride_h, a.stride_w, wh.pad_before, ww.pad_before,
            a.dilation_h, a.dilation_w};
}

// Checks x, w and the optional bias/prelu inputs shared by Conv2D and DepthwiseConv2D; out_c: the
// number of output channels bias and prelu alpha must match.
inline void check_conv_inputs(const Node& node, const std::vector<Shape>& in, int64_t out_c) {
    const std::string op = op_name(node.op);
    LFR_CHECK(in.size() >= 2 && has_input(in, 0) && has_input(in, 1), op + " needs x and w");
    LFR_CHECK(in[0].rank == 4, op + " x must be NHWC, got " + in[0].str());
    LFR_CHECK(in[1].rank == 4, op + " w must be [KH,KW,C,*], got " + in[1].str());
    // An empty weight would still size the fast path's scratch by its other dims (found by fuzzing).
    LFR_CHECK(in[1][0] > 0 && in[1][1] > 0 && in[1][2] > 0 && in[1][3] > 0, op + " w must not be empty, got " + in[1].str());
    LFR_CHECK(in[1][2] == in[0][3], op + " w " + in[1].str() + " does not match x channels " + in[0].str());
    LFR_CHECK(!has_input(in, 2) || in[2].numel() == out_c,
              op + " bias " + in[2].str() + " needs " + std::to_string(out_c) + " values");
    const bool prelu = node.attrs.act == Activation::Prelu;
    LFR_CHECK(prelu == has_input(in, 3), op + ": prelu alpha is given exactly when act is Prelu");
    LFR_CHECK(!prelu || in[3].numel() == out_c,
              op + " prelu alpha " + in[3].str() + " needs " + std::to_string(out_c) + " values");
}

// The folded MaxPool (Attrs::pool = k > 0) over a band of `rows` conv output rows, each OW x Co:
// one output row (SAME: no leading pad for k = 2, a last partial window clipped, as MaxPool's).
inline detail::PoolGeom folded_pool(const Attrs& a, int64_t rows, int64_t OW, int64_t Co) {
    const Window1D wx = window_1d(OW, a.pool, a.pool, a.pool_same ? Padding::Same : Padding::Valid, 0, 0);
    return {rows, OW, Co, 1, wx.out, a.pool, a.pool, a.pool, a.pool, 0, 0};
}

inline Shape infer_conv2d(const Node& node, const std::vector<Shape>& in) {
    check_conv_inputs(node, in, in.size() >= 2 ? in[1][3] : 0);
    const Attrs& a = node.attrs;
    const ConvGeometry g = conv_geometry(a, in[0], in[1]);
    const Shape out{g.N, g.OH, g.OW, in[1][3]};
    LFR_CHECK(!has_input(in, 4) || in[4] == out, "Conv2D residual " + in[4].str() + " must have the output's shape " + out.str());
    if (a.pool == 0) return out;
    LFR_CHECK(!has_input(in, 4) && (a.pool == 2 || (a.pool > 2 && !a.pool_same)), "Conv2D: unsupported folded pool");
    const Padding p = a.pool_same ? Padding::Same : Padding::Valid;
    return {g.N, window_1d(g.OH, a.pool, a.pool, p, 0, 0).out, window_1d(g.OW, a.pool, a.pool, p, 0, 0).out, out[3]};
}

// Pooled output row pr (of N*PH) of the folded pool: conv output rows [r0, r0 + rows) of the N*OH.
inline void folded_pool_band(const Attrs& a, const ConvGeometry& g, int64_t PH, int64_t pr, int64_t& r0, int64_t& rows) {
    const int64_t oy0 = pr % PH * a.pool;
    r0 = pr / PH * g.OH + oy0;
    rows = std::min<int64_t>(a.pool, g.OH - oy0);
}

inline void conv2d_ref(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace& ws) {
    const Attrs& a = node.attrs;
    const ConvGeometry g = conv_geometry(a, in[0].shape, in[1].shape);
    const int64_t Co = in[1].shape[3];
    if (a.pool) {  // the conv, then MaxPool's reference windows
        std::vector<float> y(size_t(g.N * g.OH * g.OW * Co));
        Node conv = node;
        conv.attrs.pool = 0;
        conv2d_ref(conv, in, TensorView{y.data(), Shape{g.N, g.OH, g.OW, Co}}, ws);
        for (int64_t pr = 0, r0, rows; pr < out.shape[0] * out.shape[1]; ++pr) {
            folded_pool_band(a, g, out.shape[1], pr, r0, rows);
            detail::pool_rows<true, 0>(folded_pool(a, rows, g.OW, Co), y.data() + r0 * g.OW * Co,
                                       out.data + pr * out.shape[2] * Co, 0, 1);
        }
        return;
    }
    const float *x = in[0].data, *w = in[1].data;
    for (int64_t n = 0; n < g.N; ++n)
        for (int64_t oy = 0; oy < g.OH; ++oy)
            for (int64_t ox = 0; ox < g.OW; ++ox)
                for (int64_t co = 0; co < Co; ++co) {
                    float acc = has_input(in, 2) ? in[2].data[co] : 0.f;
                    for (int64_t ky = 0; ky < g.KH; ++ky)
                        for (int64_t kx = 0; kx < g.KW; ++kx) {
                            const int64_t iy = oy * g.sh - g.pt + ky * g.dh, ix = ox * g.sw - g.pl + kx * g.dw;
                            if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) continue;  // zero padding
                            for (int64_t ci = 0; ci < g.C; ++ci)
                                acc += x[((n * g.H + iy) * g.W + ix) * g.C + ci] * w[((ky * g.KW + kx) * g.C + ci) * Co + co];
                        }
                    const int64_t o = ((n * g.OH + oy) * g.OW + ox) * Co + co;
                    if (has_input(in, 4)) acc += in[4].data[o];
                    out.data[o] = activate(acc, a.act, a.alpha, has_input(in, 3) ? in[3].data[co] : 0.f);
                }
}

namespace conv_detail {

constexpr int64_t kTileFloats = 64 * 1024;  // im2col tile: 256 KiB, well inside L2
constexpr int64_t kMinTileRows = 120;       // fewer rows would stream the packed weight too often per FLOP
constexpr int64_t kMinSplitRows = 24;       // the least a thread's tile gets: two 12-row micro-tiles
constexpr int64_t kMinSplitMacs = 1 << 20;  // smaller convs run on one thread: waking others costs more
constexpr int64_t kDirectMaxC = 4;          // direct convolution (conv_direct.h) up to this many input channels,
constexpr int64_t kDirectMinRow = 24;        // or on output rows this wide (narrower: mostly one-pixel edge tiles)

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Rows [p0, p0+rows) of the patch matrix: one row per output pixel (n, oy, ox, flattened), columns
// in HWIO order (ky, kx, ci); zeros where the window hangs over the padding. The in-bounds taps of
// a row are kx in [kx_lo, kx_hi); undilated, they are adjacent pixels in NHWC: one contiguous copy.
inline void im2col(const ConvGeometry& g, const float* x, int64_t p0, int64_t rows, float* cols) {
    const int64_t K = g.KH * g.KW * g.C, row_span = g.KW * g.C;
    auto ceil_div_signed = [](int64_t a, int64_t b) { return a > 0 ? (a + b - 1) / b : -(-a / b); };
    for (int64_t r = 0; r < rows; ++r) {
        const int64_t p = p0 + r, ox = p % g.OW, oy = p / g.OW % g.OH, n = p / (g.OW * g.OH);
        const int64_t ix0 = ox * g.sw - g.pl;
        const int64_t kx_lo = std::min(g.KW, std::max<int64_t>(0, ceil_div_signed(-ix0, g.dw)));
        const int64_t kx_hi = std::min(g.KW, std::max<int64_t>(0, ceil_div_signed(g.W - ix0, g.dw)));
        float* dst = cols + r * K;
        for (int64_t ky = 0; ky < g.KH; ++ky, dst += row_span) {
            const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
            if (iy < 0 || iy >= g.H || kx_lo >= kx_hi) {
                std::fill(dst, dst + row_span, 0.f);
                continue;
            }
            const int64_t row = ((n * g.H + iy) * g.W + ix0) * g.C;  // may be negative: index, not pointer
            std::fill(dst, dst + kx_lo * g.C, 0.f);
            if (g.dw == 1)
                std::copy(x + row + kx_lo * g.C, x + row + kx_hi * g.C, dst + kx_lo * g.C);
            else
                for (int64_t kx = kx_lo; kx < kx_hi; ++kx) {
                    const float* src = x + row + kx * g.dw * g.C;
                    std::copy(src, src + g.C, dst + kx * g.C);
                }
            std::fill(dst + kx_hi * g.C, dst + row_span, 0.f);
        }
    }
}

// The direct convolution (conv_direct.h) rather than the GEMM: few input channels, or one strip of
// output channels (no packed A block would be reused) on rows wide enough for whole register tiles.
inline bool use_direct(const GemmKernel& kernel, int64_t C, int64_t K, int64_t Co, int64_t OW) {
    return (C <= kDirectMaxC || (Co <= kernel.nr && OW >= kDirectMinRow)) && K <= gemm_detail::kKC;
}

}  // namespace conv_detail

// The conv epilogue: bias, PReLU slopes and residual from inputs first, first + 1 and first + 2.
inline GemmEpilogue conv_epilogue(const std::vector<ConstTensorView>& in, size_t first, int64_t Co, Activation act,
                                  float alpha) {
    GemmEpilogue ep;
    ep.bias = has_input(in, first) ? in[first].data : nullptr;
    ep.prelu = has_input(in, first + 1) ? in[first + 1].data : nullptr;
    ep.residual = has_input(in, first + 2) ? in[first + 2].data : nullptr;
    ep.ldr = Co;
    ep.act = act;
    ep.alpha = alpha;
    return ep;
}

// A conv weight [K, Co] packed for the micro-kernel: at load (ws.packed), else once per call here.
inline PackedB conv_packed_weight(const GemmKernel& kernel, int64_t K, int64_t Co, const float* w, Workspace& ws) {
    if (ws.packed && ws.packed->data) return *ws.packed;
    return pack_gemm_b(kernel, K, Co, w, Co, ws.floats(size_t(packed_b_floats(kernel, K, Co))));
}

// A 1x1 stride-1 conv over `rows` rows of OW pixels, x [rows*OW, C] -> y [rows*OW, Co], ep offset to
// their first pixel: the direct tile where conv2d_fast would take it, else the GEMM (gemm_scratch:
// sgemm_scratch_floats(Co, C) floats).
inline void pointwise_rows(const GemmKernel& kernel, const PackedB& w, const float* x, int64_t rows, int64_t OW,
                           int64_t C, float* y, int64_t Co, const GemmEpilogue& ep, float* gemm_scratch, Isa isa) {
    if (conv_detail::use_direct(kernel, C, C, Co, OW)) {
        const ConvGeometry g{1, rows, OW, C, 1, 1, rows, OW, 1, 1, 0, 0, 1, 1};  // the rows as one image
        kernel.direct({g, x, w, y, Co, ep, 0, rows, 0, Co});
    } else {
        sgemm(GemmArgs{rows * OW, Co, C, x, C, nullptr, 0, y, Co, false, ep, w}, gemm_scratch, isa);
    }
}

inline void conv2d_fast(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace& ws) {
    using namespace conv_detail;
    const Attrs& a = node.attrs;
    const ConvGeometry g = conv_geometry(a, in[0].shape, in[1].shape);
    const int64_t Co = in[1].shape[3], K = g.KH * g.KW * g.C, pixels = g.N * g.OH * g.OW;
    const bool pixels_are_patches = g.KH == 1 && g.KW == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 &&
                                    g.OH == g.H && g.OW == g.W;

    const GemmKernel kernel = gemm_kernel(ws.isa, Co);
    const PackedB packed = conv_packed_weight(kernel, K, Co, in[1].data, ws);
    const GemmEpilogue ep = conv_epilogue(in, 2, Co, a.act, a.alpha);
    const int threads = pixels * K * Co >= kMinSplitMacs ? pool_size(ws.pool) : 1;
    const bool direct = use_direct(kernel, g.C, K, Co, g.OW);  // the tile reads the input in place
    if (a.pool) {  // folded MaxPool: per pooled row, its conv rows into scratch, then pooled from there
        const int64_t PH = out.shape[1], pooled_rows = g.N * PH, band = a.pool * g.OW;  // band: pixels
        const int64_t gemm_floats = direct ? 0 : sgemm_scratch_floats(Co, K) + (pixels_are_patches ? 0 : band * K);
        const size_t scratch_floats = size_t(band * Co + gemm_floats);
        const int64_t tasks = std::min<int64_t>(threads, pooled_rows);
        for (int w = 0; w < tasks; ++w) ws.floats(scratch_floats, 1 + w);
        const detail::PoolRowsFn pool = detail::pool_rows_for<true>(ws.isa, a.pool);
        parallel_for(tasks > 1 ? ws.pool : nullptr, tasks, [&](int64_t task, int worker) {
            float* y = ws.floats(scratch_floats, 1 + worker);
            float *gemm_scratch = y + band * Co, *cols_buf = gemm_scratch + (direct ? 0 : sgemm_scratch_floats(Co, K));
            for (int64_t pr = pooled_rows * task / tasks, r0, rows; pr < pooled_rows * (task + 1) / tasks; ++pr) {
                folded_pool_band(a, g, PH, pr, r0, rows);
                const int64_t p0 = r0 * g.OW;
                if (direct) {
                    kernel.direct({g, in[0].data, packed, y, Co, ep, r0, rows, 0, Co, p0});
                } else {
                    const float* patches = in[0].data + p0 * g.C;
                    if (!pixels_are_patches) im2col(g, in[0].data, p0, rows * g.OW, cols_buf), patches = cols_buf;
                    sgemm(GemmArgs{rows * g.OW, Co, K, patches, K, nullptr, 0, y, Co, false, gemm_detail::tile_epilogue(ep, p0, 0), packed},
                          gemm_scratch, ws.isa);
                }
                pool(folded_pool(a, rows, g.OW, Co), y, out.data + pr * out.shape[2] * Co, 0, 1);
            }
        });
        return;
    }
    if (direct) {
        const int64_t rows = g.N * g.OH, per_task = ceil_div(rows, threads);
        parallel_for(threads > 1 ? ws.pool : nullptr, ceil_div(rows, per_task), [&](int64_t task, int) {
            const int64_t row0 = task * per_task;
            kernel.direct({g, in[0].data, packed, out.data, Co, ep, row0, std::min(per_task, rows - row0), 0, Co});
        });
        return;
    }

    // Tasks: tiles of output pixels (their patch rows and output rows stay in cache) times column
    // chunks, cut finer only to give every thread work.
    int64_t tile = std::min(pixels, std::max(kMinTileRows, kTileFloats / K));
    if (threads > 1)  // a multiple of `threads` tiles, so that none waits on a last odd one
        tile = std::max(kMinSplitRows, ceil_div(pixels, gemm_detail::round_up(ceil_div(pixels, tile), threads)));
    const int64_t m_tasks = ceil_div(pixels, tile);
    const int64_t strips = ceil_div(Co, kernel.nr);
    const int64_t n_tasks = std::min(strips, ceil_div(threads, m_tasks));
    const int64_t chunk = ceil_div(strips, n_tasks) * kernel.nr;  // columns per task, whole strips

    const size_t scratch_floats = size_t(sgemm_scratch_floats(chunk, K) + (pixels_are_patches ? 0 : tile * K));
    for (int w = 0; w < threads; ++w) ws.floats(scratch_floats, 1 + w);
    parallel_for(threads > 1 ? ws.pool : nullptr, m_tasks * n_tasks, [&](int64_t task, int worker) {
        const int64_t p0 = task / n_tasks * tile, rows = std::min(tile, pixels - p0);
        const int64_t c0 = task % n_tasks * chunk, cols = std::min(chunk, Co - c0);
        float* scratch = ws.floats(scratch_floats, 1 + worker);
        const float* patches = in[0].data + p0 * g.C;  // 1x1, stride 1, no padding: the input is the patch matrix
        if (!pixels_are_patches) {
            float* cols_buf = scratch + sgemm_scratch_floats(chunk, K);
            im2col(g, in[0].data, p0, rows, cols_buf);
            patches = cols_buf;
        }
        GemmArgs ga{rows, cols, K, patches, K, nullptr, 0, out.data + p0 * Co + c0, Co, false,
                    gemm_detail::tile_epilogue(ep, p0, c0), packed};
        ga.packed.col0 += c0;
        sgemm(ga, scratch, ws.isa);
    });
}

}  // namespace lfr
