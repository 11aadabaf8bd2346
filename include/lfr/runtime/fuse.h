// Run-time graph rewrites the executor applies to its own copy of a model's graph (the model file
// is unchanged):
// - a residual Add folded into the conv that feeds it:
//
//   y = Conv2D(x, w, b)          (no activation)        y = Conv2D(x, w, b, -, r)  with Add's activation
//   z = Add(y, r)  or Add(r, y)  (y read only here)  -> (z is written by the conv's GEMM epilogue)
//
//   when r is ready before the conv runs and has the conv output's shape (checked again at plan time
//   by infer_conv2d). Saves a pass over the output, as ONNX Runtime's fused conv does.
// - a k x k, stride-k MaxPool folded into the conv that feeds it (Attrs::pool; VALID, or SAME for
//   k = 2, where no window starts in the padding): the conv writes pooled rows from a few rows in
//   scratch, so its full-size output (11 MB for tiny_face_detector's first conv at 416) never goes
//   through memory.
// - a depthwise conv folded into the 1x1 stride-1 conv that reads it (Attrs::pointwise, on the
//   DepthwiseConv2D node that takes the 1x1 conv's place): the depthwise output goes band by band
//   through scratch into the pointwise GEMM instead of through memory.
// A tensor folded away keeps its shape in the plan (the executor infers it on the model's graph).
#pragma once
#include <utility>
#include <vector>

#include "lfr/graph/graph.h"

namespace lfr {

namespace fuse_detail {

// How many nodes read each tensor (a graph output counts as one more) and which node writes it (-1:
// an input or a weight).
struct Dataflow {
    std::vector<int> readers, producer;
    explicit Dataflow(const Graph& g) : readers(g.tensors.size(), 0), producer(g.tensors.size(), -1) {
        for (size_t i = 0; i < g.nodes.size(); ++i) {
            for (int32_t id : g.nodes[i].inputs)
                if (id >= 0) ++readers[size_t(id)];
            for (int32_t id : g.nodes[i].outputs) producer[size_t(id)] = int(i);
        }
        for (int32_t id : g.outputs) ++readers[size_t(id)];
    }
};

// g without each node j that has absorbed_by[j] >= 0, its absorber rewritten by absorb(absorber,
// node j); origin is mapped through.
template <class Absorb>
Graph absorb_nodes(const Graph& g, const std::vector<int>& absorbed_by, std::vector<size_t>& origin, Absorb absorb) {
    std::vector<int> absorbs(g.nodes.size(), -1);
    for (size_t j = 0; j < g.nodes.size(); ++j)
        if (absorbed_by[j] >= 0) absorbs[size_t(absorbed_by[j])] = int(j);
    Graph out = g;
    out.nodes.clear();
    std::vector<size_t> out_origin;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        if (absorbed_by[i] >= 0) continue;
        Node n = g.nodes[i];
        if (absorbs[i] >= 0) absorb(n, g.nodes[size_t(absorbs[i])]);
        out.nodes.push_back(std::move(n));
        out_origin.push_back(origin[i]);
    }
    origin = out_origin;
    return out;
}

inline Graph fuse_residual_adds(const Graph& g, std::vector<size_t>& origin) {
    const Dataflow df(g);
    auto same_shape = [&](int32_t a, int32_t b) {  // converter shapes; batch may be -1 on both
        const Shape &sa = g.tensors[size_t(a)].shape, &sb = g.tensors[size_t(b)].shape;
        if (sa.rank != 4 || sb.rank != 4) return false;
        for (int d = 1; d < 4; ++d)
            if (sa[d] != sb[d] || sa[d] <= 0) return false;
        return true;
    };
    // y read only by the Add, so each conv absorbs at most one Add.
    std::vector<int> absorbed_by(g.nodes.size(), -1);
    for (size_t j = 0; j < g.nodes.size(); ++j) {
        const Node& add = g.nodes[j];
        if (add.op != OpType::Add || add.inputs.size() != 2 || add.attrs.act == Activation::Prelu) continue;
        for (int k = 0; k < 2 && absorbed_by[j] < 0; ++k) {
            const int32_t y = add.inputs[size_t(k)], r = add.inputs[size_t(1 - k)];
            const int i = y >= 0 ? df.producer[size_t(y)] : -1;
            if (i < 0 || r < 0 || y == r || df.readers[size_t(y)] != 1) continue;
            const Node& conv = g.nodes[size_t(i)];
            if (conv.op == OpType::Conv2D && conv.attrs.act == Activation::None && conv.inputs.size() <= 4 &&
                same_shape(y, r) && df.producer[size_t(r)] < i)  // r must exist when the conv runs
                absorbed_by[j] = i;
        }
    }
    return absorb_nodes(g, absorbed_by, origin, [](Node& conv, const Node& add) {
        conv.inputs.resize(5, -1);
        conv.inputs[4] = add.inputs[0] == conv.outputs[0] ? add.inputs[1] : add.inputs[0];
        conv.attrs.act = add.attrs.act;
        conv.attrs.alpha = add.attrs.alpha;
        conv.outputs = add.outputs;
    });
}

inline Graph fold_max_pools(const Graph& g, std::vector<size_t>& origin) {
    const Dataflow df(g);
    std::vector<int> absorbed_by(g.nodes.size(), -1);
    for (size_t j = 0; j < g.nodes.size(); ++j) {
        const Attrs& a = g.nodes[j].attrs;
        const int32_t y = g.nodes[j].inputs.empty() ? -1 : g.nodes[j].inputs[0];
        const bool window = a.kernel_h >= 2 && a.kernel_w == a.kernel_h && a.stride_h == a.kernel_h && a.stride_w == a.kernel_h;
        if (g.nodes[j].op != OpType::MaxPool || !window || y < 0 || df.readers[size_t(y)] != 1 ||
            !(a.padding == Padding::Valid || (a.padding == Padding::Same && a.kernel_h == 2)))
            continue;
        const int i = df.producer[size_t(y)];
        if (i >= 0 && g.nodes[size_t(i)].op == OpType::Conv2D && g.nodes[size_t(i)].inputs.size() <= 4)
            absorbed_by[j] = i;  // a conv with a residual (5 inputs) keeps its epilogue as it is
    }
    return absorb_nodes(g, absorbed_by, origin, [](Node& conv, const Node& pool) {
        conv.attrs.pool = pool.attrs.kernel_h;
        conv.attrs.pool_same = pool.attrs.padding == Padding::Same;
        conv.outputs = pool.outputs;
    });
}

// The 1x1 conv keeps its place (its inputs are ready there, and its origin names its packed weight)
// but becomes the depthwise node with the conv's weight, bias, PReLU slopes and residual as inputs 4-7.
inline Graph fold_depthwise_into_pointwise(const Graph& g, std::vector<size_t>& origin) {
    const Dataflow df(g);
    std::vector<int> absorbed_by(g.nodes.size(), -1);
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const Node& pw = g.nodes[i];
        const int32_t y = pw.inputs.empty() ? -1 : pw.inputs[0];
        const int j = y >= 0 ? df.producer[size_t(y)] : -1;
        if (pw.op != OpType::Conv2D || j < 0 || df.readers[size_t(y)] != 1 || pw.attrs.pool || pw.inputs.size() < 2 ||
            pw.inputs[1] < 0 || pw.inputs.size() > 5 || pw.attrs.stride_h != 1 || pw.attrs.stride_w != 1 ||
            pw.attrs.padding == Padding::Explicit)
            continue;
        const Shape& w = g.tensors[size_t(pw.inputs[1])].shape;  // 1x1: VALID and SAME pad nothing
        const Node& dw = g.nodes[size_t(j)];
        if (w.rank != 4 || w[0] != 1 || w[1] != 1 || dw.op != OpType::DepthwiseConv2D || dw.inputs.size() < 2 ||
            dw.inputs.size() > 4 || dw.inputs[1] < 0 || dw.attrs.pointwise)
            continue;
        const Shape& dw_w = g.tensors[size_t(dw.inputs[1])].shape;
        if (dw_w.rank != 4 || dw_w[3] != 1) continue;  // a channel multiplier: the depthwise runs alone
        absorbed_by[size_t(j)] = int(i);
    }
    return absorb_nodes(g, absorbed_by, origin, [](Node& pw, const Node& dw) {
        Node fused = dw;
        fused.inputs.resize(4, -1);
        for (size_t k = 1; k < 5; ++k) fused.inputs.push_back(k < pw.inputs.size() ? pw.inputs[k] : -1);
        fused.attrs.pointwise = true;
        fused.attrs.pointwise_act = pw.attrs.act;
        fused.attrs.pointwise_alpha = pw.attrs.alpha;
        fused.outputs = pw.outputs;
        fused.name = pw.name;
        pw = std::move(fused);
    });
}

}  // namespace fuse_detail

// Every rewrite above, the graph a Session runs; origin[i]: the index in g.nodes of its node i.
inline Graph fuse_graph(const Graph& g, std::vector<size_t>& origin) {
    using namespace fuse_detail;
    origin.clear();
    for (size_t i = 0; i < g.nodes.size(); ++i) origin.push_back(i);
    // Pools before the depthwise fold: a 1x1 conv with a pool keeps it (its fold saves more).
    return fold_depthwise_into_pointwise(fold_max_pools(fuse_residual_adds(g, origin), origin), origin);
}

}  // namespace lfr
