// Run-time graph rewrites the executor applies to its own copy of a model's graph (the model file
// is unchanged): a residual Add folded into the conv that feeds it.
//
//   y = Conv2D(x, w, b)          (no activation)        y = Conv2D(x, w, b, -, r)  with Add's activation
//   z = Add(y, r)  or Add(r, y)  (y read only here)  -> (z is written by the conv's GEMM epilogue)
//
// when r is ready before the conv runs and has the conv output's shape (checked again at plan time
// by infer_conv2d). Saves a pass over the output, as ONNX Runtime's fused conv does.
#pragma once
#include <utility>
#include <vector>

#include "lfr/graph/graph.h"

namespace lfr {

// The rewritten graph; origin[i]: the index in g.nodes of the rewritten graph's node i; folded:
// (conv output no longer produced, the Add output written instead), which have the same shape.
inline Graph fuse_residual_adds(const Graph& g, std::vector<size_t>& origin,
                                std::vector<std::pair<int32_t, int32_t>>& folded) {
    const size_t nt = g.tensors.size();
    std::vector<int> readers(nt, 0), producer(nt, -1);
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        for (int32_t id : g.nodes[i].inputs)
            if (id >= 0) ++readers[size_t(id)];
        for (int32_t id : g.nodes[i].outputs) producer[size_t(id)] = int(i);
    }
    for (int32_t id : g.outputs) ++readers[size_t(id)];
    auto same_shape = [&](int32_t a, int32_t b) {  // converter shapes; batch may be -1 on both
        const Shape &sa = g.tensors[size_t(a)].shape, &sb = g.tensors[size_t(b)].shape;
        if (sa.rank != 4 || sb.rank != 4) return false;
        for (int d = 1; d < 4; ++d)
            if (sa[d] != sb[d] || sa[d] <= 0) return false;
        return true;
    };

    Graph out = g;
    out.nodes.clear();
    origin.clear();
    folded.clear();
    std::vector<int> fused_into(g.nodes.size(), -1);  // Add node -> the conv that absorbs it
    std::vector<int32_t> residual(g.nodes.size(), -1);
    for (size_t j = 0; j < g.nodes.size(); ++j) {
        const Node& add = g.nodes[j];
        if (add.op != OpType::Add || add.inputs.size() != 2 || add.attrs.act == Activation::Prelu) continue;
        for (int k = 0; k < 2; ++k) {
            const int32_t y = add.inputs[size_t(k)], r = add.inputs[size_t(1 - k)];
            const int i = y >= 0 ? producer[size_t(y)] : -1;
            if (i < 0 || r < 0 || y == r || readers[size_t(y)] != 1) continue;
            const Node& conv = g.nodes[size_t(i)];
            if (conv.op != OpType::Conv2D || conv.attrs.act != Activation::None || conv.inputs.size() > 4 ||
                fused_into[j] >= 0 || residual[size_t(i)] >= 0 || !same_shape(y, r))
                continue;
            if (producer[size_t(r)] >= i) continue;  // r must exist when the conv runs
            fused_into[j] = i;
            residual[size_t(i)] = r;
            break;
        }
    }
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        if (fused_into[i] >= 0) continue;
        Node n = g.nodes[i];
        if (residual[i] >= 0) {
            const Node* add = nullptr;
            for (size_t j = i + 1; j < g.nodes.size() && !add; ++j)
                if (fused_into[j] == int(i)) add = &g.nodes[j];
            n.inputs.resize(5, -1);
            n.inputs[4] = residual[i];
            folded.push_back({n.outputs[0], add->outputs[0]});
            n.outputs = add->outputs;
            n.attrs.act = add->attrs.act;
            n.attrs.alpha = add->attrs.alpha;
        }
        out.nodes.push_back(std::move(n));
        origin.push_back(i);
    }
    return out;
}

}  // namespace lfr
