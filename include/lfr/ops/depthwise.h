// DepthwiseConv2D: x [N,H,W,C] with w [KH,KW,C,M] -> C*M channels (output channel c*M + m, as TF),
// + bias [C*M] (optional), then the fused activation (Prelu slopes [C*M] as input 3). Attrs as Conv2D.
// Attrs::pointwise (set only by the executor's fuse pass, M == 1): a 1x1 stride-1 conv of that output
// folded in, inputs 4-7 its weight [1,1,C,Co], bias, PReLU slopes and residual, pointwise_act/alpha
// its activation; the output is then the conv's [N,OH,OW,Co].
//
// Fast path (M == 1): depthwise_rows.h's row kernels, rows split over the Workspace's thread pool.
// With a folded pointwise conv, each task runs bands of a few depthwise rows into scratch (small
// enough for L2) and the 1x1 conv's GEMM on them, so the depthwise output never goes through memory.
#pragma once
#include <algorithm>

#include "lfr/ops/conv.h"
#include "lfr/ops/depthwise_rows.h"

namespace lfr {

namespace depthwise_detail {

// The folded 1x1 conv (Attrs::pointwise) as a node of its own, and its inputs: the depthwise output y,
// then inputs 4-7 (In: Shape or ConstTensorView).
inline Node pointwise_node(const Node& node) {
    Node pw;
    pw.op = OpType::Conv2D;
    pw.name = node.name;
    pw.attrs.act = node.attrs.pointwise_act;
    pw.attrs.alpha = node.attrs.pointwise_alpha;
    return pw;
}
template <class In>
std::vector<In> pointwise_inputs(const In& y, const std::vector<In>& in) {
    return {y, in[4], in[5], in[6], in[7]};
}

}  // namespace depthwise_detail

inline Shape infer_depthwise(const Node& node, const std::vector<Shape>& in) {
    check_conv_inputs(node, in, in.size() >= 2 ? in[1][2] * in[1][3] : 0);
    const ConvGeometry g = conv_geometry(node.attrs, in[0], in[1]);
    const Shape y{g.N, g.OH, g.OW, g.C * in[1][3]};
    if (!node.attrs.pointwise) return y;
    LFR_CHECK(in.size() == 8 && in[1][3] == 1 && has_input(in, 4) && in[4].rank == 4 && in[4][0] == 1 && in[4][1] == 1,
              "DepthwiseConv2D: a folded pointwise conv needs channel multiplier 1 and inputs 4-7, a 1x1 weight first");
    return infer_conv2d(depthwise_detail::pointwise_node(node), depthwise_detail::pointwise_inputs(y, in));
}

inline void depthwise_ref(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace& ws) {
    const Attrs& a = node.attrs;
    const ConvGeometry g = conv_geometry(a, in[0].shape, in[1].shape);
    const int64_t M = in[1].shape[3], Co = g.C * M;
    if (a.pointwise) {  // the depthwise, then the 1x1 conv's reference
        std::vector<float> y(size_t(g.N * g.OH * g.OW * Co));
        Node dw = node;
        dw.attrs.pointwise = false;
        dw.inputs.resize(4);
        const ConstTensorView yv{y.data(), Shape{g.N, g.OH, g.OW, Co}};
        depthwise_ref(dw, {in.begin(), in.begin() + 4}, TensorView{y.data(), yv.shape}, ws);
        return conv2d_ref(depthwise_detail::pointwise_node(node), depthwise_detail::pointwise_inputs(yv, in), out, ws);
    }
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

constexpr int64_t kBandFloats = 16 * 1024;  // a band of depthwise rows for the folded 1x1 conv: 64 KiB

// The depthwise rows d.g describes, band by band into scratch, each band then through the folded
// 1x1 conv into out; bands split over the pool.
inline void rows_then_pointwise(const Node& node, const Rows& d, const std::vector<ConstTensorView>& in, TensorView out,
                                Workspace& ws) {
    const ConvGeometry& g = d.g;
    const int64_t C = g.C, Co = out.shape[3], total = g.N * g.OH, row_floats = g.OW * C;
    const GemmKernel kernel = gemm_kernel(ws.isa, Co);
    const PackedB packed = conv_packed_weight(kernel, C, Co, in[4].data, ws);
    const GemmEpilogue ep = conv_epilogue(in, 5, Co, node.attrs.pointwise_act, node.attrs.pointwise_alpha);
    const int64_t band = std::max<int64_t>(1, std::min(total, kBandFloats / row_floats)), bands = (total + band - 1) / band;
    const int64_t work = total * g.OW * C * (g.KH * g.KW + Co);
    const int64_t tasks = work < kMinSplitMacs ? 1 : std::min<int64_t>(pool_size(ws.pool), bands);
    const size_t scratch_floats = size_t(band * row_floats + sgemm_scratch_floats(Co, C));
    for (int w = 0; w < tasks; ++w) ws.floats(scratch_floats, 1 + w);
    const RowsFn fn = rows_for(ws.isa);
    parallel_for(tasks > 1 ? ws.pool : nullptr, tasks, [&](int64_t t, int worker) {
        Rows band_rows = d;
        band_rows.y = ws.floats(scratch_floats, 1 + worker);
        for (int64_t b = bands * t / tasks; b < bands * (t + 1) / tasks; ++b) {
            const int64_t r0 = b * band, rows = std::min(band, total - r0);
            band_rows.y_row0 = r0;
            fn(band_rows, r0, r0 + rows);
            pointwise_rows(kernel, packed, band_rows.y, rows, g.OW, C, out.data + r0 * g.OW * Co, Co,
                           gemm_detail::tile_epilogue(ep, r0 * g.OW, 0), band_rows.y + band * row_floats, ws.isa);
        }
    });
}

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
    if (node.attrs.pointwise) return rows_then_pointwise(node, d, in, out, ws);
    const RowsFn fn = rows_for(ws.isa);
    const int64_t total = d.g.N * d.g.OH, work = total * d.g.OW * d.g.C * d.g.KH * d.g.KW;
    const int64_t tasks = work < kMinSplitMacs ? 1 : std::min<int64_t>(pool_size(ws.pool), (total + kRowsPerTask - 1) / kRowsPerTask);
    parallel_for(ws.pool, tasks, [&](int64_t t, int) { fn(d, total * t / tasks, total * (t + 1) / tasks); });
}

}  // namespace lfr
