// Arithmetic of one node from its shapes: FLOPs, a multiply-add counted as 2, and 1 per output
// element for elementwise-like ops. Used by the kernel benchmarks (op_cases.h) and bench/bench_cost.cpp.
#pragma once
#include <vector>

#include "lfr/graph/graph.h"

namespace lfr {

// The ops whose work is multiply-adds (their flops() / 2 are MACs).
inline bool is_mac_op(OpType op) {
    return op == OpType::Conv2D || op == OpType::DepthwiseConv2D || op == OpType::MatMul || op == OpType::MultiScaleFusion;
}

inline double flops(const Node& n, const std::vector<Shape>& in, const Shape& out) {
    switch (n.op) {
        case OpType::Conv2D: return 2.0 * double(out.numel()) * double(in[1][0] * in[1][1] * in[1][2]);
        case OpType::DepthwiseConv2D: return 2.0 * double(out.numel()) * double(in[1][0] * in[1][1]);
        case OpType::MatMul: return 2.0 * double(out.numel()) * double(in[1][0]);
        case OpType::MultiScaleFusion: return 2.0 * double(out.numel()) * double(in[in.size() - 2][0]);
        case OpType::MaxPool:
        case OpType::AvgPool: return double(out.numel()) * n.attrs.kernel_h * n.attrs.kernel_w;
        case OpType::Mean:
        case OpType::Sum:
        case OpType::Max: return double(in[0].numel());
        default: return double(out.numel());
    }
}

}  // namespace lfr
