// Reductions Mean, Sum and Max over attrs.ints axes (non-negative, no repeats), attrs.keep_dims.
#pragma once
#include <algorithm>
#include <limits>

#include "lfr/ops/nd.h"

namespace lfr {

inline Shape infer_reduce(const Node& node, const std::vector<Shape>& in) {
    check_inputs(node, in, 1);
    const Shape& x = in[0];
    bool reduced[kMaxRank] = {};
    for (int32_t ax : node.attrs.ints) {
        LFR_CHECK(ax >= 0 && ax < x.rank, node_msg(node, "axis " + std::to_string(ax) + " is out of range for " + x.str()));
        LFR_CHECK(!reduced[ax], node_msg(node, "axis " + std::to_string(ax) + " is listed twice"));
        reduced[ax] = true;
    }
    Shape out;
    for (int d = 0; d < x.rank; ++d)
        if (!reduced[d] || node.attrs.keep_dims) out.dim[out.rank++] = reduced[d] ? 1 : x.dim[d];
    return out;
}

inline void reduce_ref(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace&) {
    const ConstTensorView x = in[0];
    const bool max = node.op == OpType::Max;
    // The output laid out at the input's rank (keep_dims or not, the data is the same): reduced
    // dims have size 1, so reading it broadcast gives each input cell its accumulator.
    Shape kept = x.shape;
    for (int32_t ax : node.attrs.ints) kept.dim[ax] = 1;
    std::fill(out.data, out.data + out.numel(), max ? -std::numeric_limits<float>::infinity() : 0.f);
    walk(x.shape, std::array<Strides, 2>{row_major_strides(x.shape), broadcast_strides(kept, x.shape)}, {0, 0},
         [&](const std::array<int64_t, 2>& o) {
             float& acc = out.data[o[1]];
             acc = max ? std::max(acc, x.data[o[0]]) : acc + x.data[o[0]];
         });
    if (node.op == OpType::Mean) {
        const float count = float(x.shape.numel() / std::max<int64_t>(kept.numel(), 1));
        for (int64_t i = 0; i < out.numel(); ++i) out.data[i] /= count;
    }
}

// Mean or Sum over H and W of NHWC (global average pooling): one pass with a channel vector of
// accumulators. Same summation order as the reference, so results are bit-identical.
inline void reduce_fast(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace& ws) {
    const Shape& s = in[0].shape;
    const std::vector<int32_t>& ax = node.attrs.ints;
    const bool hw = s.rank == 4 && ax.size() == 2 && std::min(ax[0], ax[1]) == 1 && std::max(ax[0], ax[1]) == 2;
    if (!hw || node.op == OpType::Max) return reduce_ref(node, in, out, ws);
    const int64_t cells = s[1] * s[2], c = s[3];
    for (int64_t n = 0; n < s[0]; ++n) {
        const float* x = in[0].data + n * cells * c;
        float* o = out.data + n * c;
        std::fill(o, o + c, 0.f);
        for (int64_t p = 0; p < cells; ++p)
            for (int64_t j = 0; j < c; ++j) o[j] += x[p * c + j];
        if (node.op == OpType::Mean)
            for (int64_t j = 0; j < c; ++j) o[j] /= float(cells);
    }
}

}  // namespace lfr
