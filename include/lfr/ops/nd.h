// N-d indexing shared by the elementwise, reduce and layout ops. One walker visits every index of a
// shape in row-major order while tracking an offset into each of several tensors, each with its own
// strides: broadcasting (stride 0), transposes (permuted strides), slices (scaled strides),
// reductions and padding are all this walk with different strides.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "lfr/ops/op.h"

namespace lfr {

using Strides = std::array<int64_t, kMaxRank>;

inline Strides row_major_strides(const Shape& s) {
    Strides st{};
    int64_t n = 1;
    for (int d = s.rank - 1; d >= 0; --d) {
        st[d] = n;
        n *= s.dim[d];
    }
    return st;
}

// Strides that read `in` at the indices of `out`, which it broadcasts to: numpy aligns trailing
// dims, and a size-1 or missing dim repeats (stride 0).
inline Strides broadcast_strides(const Shape& in, const Shape& out) {
    const Strides own = row_major_strides(in);
    Strides st{};
    for (int d = 0; d < in.rank; ++d) st[d + out.rank - in.rank] = in.dim[d] == 1 ? 0 : own[d];
    return st;
}

// Calls f(off) for every index of `shape` in row-major order, where off[k] = start[k] + the sum
// over dims d of index[d] * st[k][d].
template <size_t K, class F>
void walk(const Shape& shape, const std::array<Strides, K>& st, std::array<int64_t, K> start, F&& f) {
    if (shape.numel() == 0) return;
    if (shape.rank == 0) {
        f(start);
        return;
    }
    const int last = shape.rank - 1;
    int64_t idx[kMaxRank] = {};
    for (;;) {
        std::array<int64_t, K> off = start;
        for (int64_t i = 0; i < shape.dim[last]; ++i) {
            f(off);
            for (size_t k = 0; k < K; ++k) off[k] += st[k][last];
        }
        int d = last - 1;
        for (; d >= 0; --d) {  // odometer: step dim d, or wrap it to 0 and carry outwards
            for (size_t k = 0; k < K; ++k) start[k] += st[k][d];
            if (++idx[d] < shape.dim[d]) break;
            for (size_t k = 0; k < K; ++k) start[k] -= st[k][d] * shape.dim[d];
            idx[d] = 0;
        }
        if (d < 0) return;
    }
}

// "node NAME: what", the prefix every shape-inference error carries.
inline std::string node_msg(const Node& node, const std::string& what) { return "node " + node.name + ": " + what; }

// Shape inference's first check: n inputs (or more), all present.
inline void check_inputs(const Node& node, const std::vector<Shape>& in, size_t n, bool or_more = false) {
    LFR_CHECK(in.size() == n || (or_more && in.size() > n),
              node_msg(node, std::string(op_name(node.op)) + " takes " + std::to_string(n) + (or_more ? " or more" : "") +
                                 " inputs, got " + std::to_string(in.size())));
    for (size_t i = 0; i < in.size(); ++i)
        LFR_CHECK(has_input(in, i), node_msg(node, "input " + std::to_string(i) + " is absent"));
}

}  // namespace lfr
