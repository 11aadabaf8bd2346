// Ops that move data without arithmetic: Pad, Concat, Reshape, StridedSlice, DepthToSpace, Transpose.
// Most are a walk (nd.h) over one shape with the strides that map it onto the other tensor.
#pragma once
#include <algorithm>

#include "lfr/ops/nd.h"

namespace lfr {

// --- Pad: attrs.ints = [before0, after0, before1, after1, ...], attrs.value = fill ---------------

inline Shape infer_pad(const Node& node, const std::vector<Shape>& in) {
    check_inputs(node, in, 1);
    Shape out = in[0];
    const std::vector<int32_t>& p = node.attrs.ints;
    LFR_CHECK(p.size() == size_t(2 * out.rank), node_msg(node, "Pad needs 2 pads per dim of " + out.str() + ", got " +
                                                                  std::to_string(p.size())));
    for (int d = 0; d < out.rank; ++d) {
        LFR_CHECK(p[2 * d] >= 0 && p[2 * d + 1] >= 0, node_msg(node, "negative pad on dim " + std::to_string(d)));
        out.dim[d] += int64_t(p[2 * d]) + p[2 * d + 1];  // two int32 pads may not fit an int32
    }
    return out;
}

inline void pad_ref(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace&) {
    const ConstTensorView x = in[0];
    const Strides ost = row_major_strides(out.shape);
    int64_t corner = 0;  // where input cell 0 lands
    for (int d = 0; d < out.shape.rank; ++d) corner += node.attrs.ints[2 * d] * ost[d];
    std::fill(out.data, out.data + out.numel(), node.attrs.value);
    walk(x.shape, std::array<Strides, 2>{row_major_strides(x.shape), ost}, {0, corner},
         [&](const std::array<int64_t, 2>& o) { out.data[o[1]] = x.data[o[0]]; });
}

// --- Concat: any number of inputs along attrs.axis ----------------------------------------------

inline Shape infer_concat(const Node& node, const std::vector<Shape>& in) {
    check_inputs(node, in, 1, true);
    Shape out = in[0];
    const int axis = node.attrs.axis;
    LFR_CHECK(axis >= 0 && axis < out.rank, node_msg(node, "axis " + std::to_string(axis) + " is out of range for " + out.str()));
    for (size_t i = 1; i < in.size(); ++i) {
        Shape s = in[i];
        bool same = s.rank == out.rank;
        if (same) s.dim[axis] = out.dim[axis];
        LFR_CHECK(same && s == out, node_msg(node, "input " + std::to_string(i) + " " + in[i].str() + " does not match " +
                                                       in[0].str() + " outside axis " + std::to_string(axis)));
        out.dim[axis] += in[i].dim[axis];
    }
    return out;
}

inline void concat_ref(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace&) {
    const int axis = node.attrs.axis;
    int64_t outer = 1;
    for (int d = 0; d < axis; ++d) outer *= out.shape[d];
    float* o = out.data;
    for (int64_t i = 0; i < outer; ++i)
        for (const ConstTensorView& x : in) {  // each input contributes one contiguous block per outer index
            const int64_t block = x.numel() / outer;
            o = std::copy(x.data + i * block, x.data + (i + 1) * block, o);
        }
}

// --- Reshape: attrs.ints = target shape, at most one -1 ------------------------------------------

inline Shape infer_reshape(const Node& node, const std::vector<Shape>& in) {
    check_inputs(node, in, 1);
    const std::vector<int32_t>& t = node.attrs.ints;
    LFR_CHECK(t.size() <= size_t(kMaxRank), node_msg(node, "target rank " + std::to_string(t.size()) + " is over the limit"));
    Shape out;
    int wild = -1;
    for (int32_t d : t) {
        LFR_CHECK(d >= -1, node_msg(node, "bad target dim " + std::to_string(d)));
        if (d == -1) {
            LFR_CHECK(wild < 0, node_msg(node, "target shape has more than one -1"));
            wild = out.rank;
        }
        out.dim[out.rank++] = d;
    }
    Shape fixed = out;  // the -1 counted as 1; six int32 dims can multiply past int64
    if (wild >= 0) fixed.dim[wild] = 1;
    const int64_t known = fixed.checked_numel(node_msg(node, "target shape")), n = in[0].numel();
    if (wild >= 0) {
        LFR_CHECK(known > 0 && n % known == 0, node_msg(node, "cannot reshape " + in[0].str() + " to " + out.str()));
        out.dim[wild] = n / known;
    }
    LFR_CHECK(out.numel() == n, node_msg(node, "cannot reshape " + in[0].str() + " to " + out.str()));
    return out;
}

inline void reshape_ref(const Node&, const std::vector<ConstTensorView>& in, TensorView out, Workspace&) {
    std::copy(in[0].data, in[0].data + out.numel(), out.data);
}

// --- StridedSlice: attrs.ints = begin[r], end[r], stride[r]; attrs.flags = shrink-axis mask ------
// The converter has resolved masks and negative indices: begin is a real index, end is exclusive and
// may be -1 for a negative stride that runs down to index 0.

namespace detail {

// Dims of the slice before shrinking, checking that every index it reads is inside the input.
inline Shape slice_extent(const Node& node, const Shape& x) {
    const std::vector<int32_t>& v = node.attrs.ints;
    LFR_CHECK(v.size() == size_t(3 * x.rank), node_msg(node, "StridedSlice needs begin, end and stride for each dim of " +
                                                                  x.str() + ", got " + std::to_string(v.size()) + " ints"));
    Shape s = x;
    for (int d = 0; d < x.rank; ++d) {
        const int64_t b = v[d], e = v[x.rank + d], st = v[2 * x.rank + d];
        LFR_CHECK(st != 0, node_msg(node, "stride 0 on dim " + std::to_string(d)));
        const int64_t span = st > 0 ? e - b : b - e, step = st > 0 ? st : -st;
        s.dim[d] = span > 0 ? (span + step - 1) / step : 0;
        const int64_t last = b + (s.dim[d] - 1) * st;
        LFR_CHECK(s.dim[d] == 0 || (b >= 0 && b < x.dim[d] && last >= 0 && last < x.dim[d]),
                  node_msg(node, "slice " + std::to_string(b) + ":" + std::to_string(e) + ":" + std::to_string(st) +
                                     " leaves dim " + std::to_string(d) + " of " + x.str()));
    }
    return s;
}

}  // namespace detail

inline Shape infer_strided_slice(const Node& node, const std::vector<Shape>& in) {
    check_inputs(node, in, 1);
    const Shape s = detail::slice_extent(node, in[0]);
    const int32_t shrink = node.attrs.flags;
    LFR_CHECK(shrink >= 0 && shrink < (1 << s.rank), node_msg(node, "shrink mask names a dim past the rank"));
    Shape out;
    for (int d = 0; d < s.rank; ++d) {
        if (shrink >> d & 1)
            LFR_CHECK(s.dim[d] == 1, node_msg(node, "shrunk dim " + std::to_string(d) + " must select one element"));
        else
            out.dim[out.rank++] = s.dim[d];
    }
    return out;
}

// Shrunk dims have size 1, so the output data is the unshrunk slice's.
inline void strided_slice_ref(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace&) {
    const ConstTensorView x = in[0];
    const Shape s = detail::slice_extent(node, x.shape);
    const int r = x.shape.rank;
    Strides xst = row_major_strides(x.shape);
    int64_t first = 0;
    for (int d = 0; d < r; ++d) {
        first += node.attrs.ints[d] * xst[d];
        xst[d] *= node.attrs.ints[2 * r + d];
    }
    walk(s, std::array<Strides, 2>{xst, row_major_strides(s)}, {first, 0},
         [&](const std::array<int64_t, 2>& o) { out.data[o[1]] = x.data[o[0]]; });
}

// --- DepthToSpace: attrs.kernel_h = block size b; TF's DCR order ---------------------------------
// out[n, h*b + i, w*b + j, c] = in[n, h, w, (i*b + j)*C' + c] with C' = C / b^2.

inline Shape infer_depth_to_space(const Node& node, const std::vector<Shape>& in) {
    check_inputs(node, in, 1);
    const Shape& x = in[0];
    const int64_t b = node.attrs.kernel_h;
    LFR_CHECK(x.rank == 4 && b >= 1 && x[3] % (b * b) == 0,
              node_msg(node, "DepthToSpace with block " + std::to_string(b) + " needs NHWC with channels divisible by " +
                                 std::to_string(b * b) + ", got " + x.str()));
    return {x[0], x[1] * b, x[2] * b, x[3] / (b * b)};
}

inline void depth_to_space_ref(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace&) {
    const Shape& x = in[0].shape;
    const int64_t b = node.attrs.kernel_h, c = out.shape[3];
    // The output seen as [N, H, b, W, b, C'] is a transpose of the input seen as [N, H, W, b, b, C'].
    const Shape view{x[0], x[1], b, x[2], b, c};
    const Strides xst = {x[1] * x[2] * x[3], x[2] * x[3], b * c, x[3], c, 1};
    walk(view, std::array<Strides, 2>{xst, row_major_strides(view)}, {0, 0},
         [&](const std::array<int64_t, 2>& o) { out.data[o[1]] = in[0].data[o[0]]; });
}

// --- Transpose: attrs.ints = permutation, out.dim[i] = in.dim[perm[i]] ---------------------------

inline Shape infer_transpose(const Node& node, const std::vector<Shape>& in) {
    check_inputs(node, in, 1);
    const Shape& x = in[0];
    const std::vector<int32_t>& perm = node.attrs.ints;
    bool seen[kMaxRank] = {};
    bool ok = perm.size() == size_t(x.rank);
    for (size_t i = 0; ok && i < perm.size(); ++i) {
        ok = perm[i] >= 0 && perm[i] < x.rank && !seen[perm[i]];
        if (ok) seen[perm[i]] = true;
    }
    LFR_CHECK(ok, node_msg(node, "Transpose needs a permutation of the " + std::to_string(x.rank) + " dims of " + x.str()));
    Shape out = x;
    for (int i = 0; i < x.rank; ++i) out.dim[i] = x.dim[perm[i]];
    return out;
}

inline void transpose_ref(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace&) {
    const Strides xst = row_major_strides(in[0].shape);
    Strides st{};
    for (int i = 0; i < out.shape.rank; ++i) st[i] = xst[node.attrs.ints[i]];
    walk(out.shape, std::array<Strides, 2>{st, row_major_strides(out.shape)}, {0, 0},
         [&](const std::array<int64_t, 2>& o) { out.data[o[1]] = in[0].data[o[0]]; });
}

}  // namespace lfr
