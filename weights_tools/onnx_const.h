// Constant tensors of the ONNX importer, in logical (ONNX) order, and the host-side ops that fold
// constant subgraphs (shape arithmetic, constant Slice/Transpose/Concat/...). Values are doubles so
// both float weights and int64 shape values fit exactly (shape values are far below 2^53).
#pragma once
#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "lfr/core/error.h"
#include "onnx_proto.h"

namespace lfr::tools::onnx {

struct Const {
    std::vector<int64_t> dims;
    std::vector<double> v;
    bool integer = false;  // from INT64/INT32 data (a Cast to float clears it)
};

inline int64_t product(const std::vector<int64_t>& d, size_t from = 0, size_t to = SIZE_MAX) {
    to = std::min(to, d.size());
    return std::accumulate(d.begin() + long(std::min(from, to)), d.begin() + long(to), int64_t(1), std::multiplies<int64_t>());
}

// Folds that can grow data (broadcast, concat, gather) refuse results over 2^24 elements before
// allocating: the dims may come from a hostile file. (Transposes and slices never grow it.)
inline void check_fold_size(const std::vector<int64_t>& dims) {
    constexpr int64_t kMax = int64_t(1) << 24;
    int64_t n = 1;
    for (int64_t d : dims) {
        LFR_CHECK(d >= 0 && d <= kMax, "constant dimension " + std::to_string(d) + " is out of range");
        n *= d;
        LFR_CHECK(n <= kMax, "constant of over 2^24 elements is too large to fold");
    }
}

inline Const from_tensor(const Tensor& t) {
    Const c{t.dims, {}, t.data_type != kFloat};
    if (c.integer) c.v.assign(t.ints.begin(), t.ints.end());
    else c.v.assign(t.floats.begin(), t.floats.end());
    return c;
}

inline std::vector<int64_t> row_strides(const std::vector<int64_t>& dims) {
    std::vector<int64_t> s(dims.size(), 1);
    for (size_t i = dims.size(); i-- > 1;) s[i - 1] = s[i] * dims[i];
    return s;
}

// out[idx] = x[offset + sum idx_i * strides_i] over every index of `dims`.
inline Const strided(const Const& x, const std::vector<int64_t>& dims, int64_t offset, const std::vector<int64_t>& strides) {
    Const out{dims, std::vector<double>(size_t(product(dims))), x.integer};
    std::vector<int64_t> idx(dims.size(), 0);
    for (double& o : out.v) {
        int64_t at = offset;
        for (size_t d = 0; d < dims.size(); ++d) at += idx[d] * strides[d];
        o = x.v[size_t(at)];
        for (size_t d = dims.size(); d-- > 0;)
            if (++idx[d] < dims[d]) break;
            else idx[d] = 0;
    }
    return out;
}

// out dim j = x dim perm[j].
inline Const transpose(const Const& x, const std::vector<int>& perm) {
    const std::vector<int64_t> st = row_strides(x.dims);
    std::vector<int64_t> dims, strides;
    for (int p : perm) dims.push_back(x.dims[size_t(p)]), strides.push_back(st[size_t(p)]);
    return strided(x, dims, 0, strides);
}

// x broadcast (numpy rules, x's dims right-aligned) to `dims`; false if it does not broadcast.
inline bool broadcast_to(const Const& x, const std::vector<int64_t>& dims, Const& out) {
    if (x.dims.size() > dims.size()) return false;
    const size_t lead = dims.size() - x.dims.size();
    const std::vector<int64_t> st = row_strides(x.dims);
    std::vector<int64_t> strides(dims.size(), 0);
    for (size_t i = 0; i < x.dims.size(); ++i) {
        if (x.dims[i] != dims[lead + i] && x.dims[i] != 1) return false;
        strides[lead + i] = x.dims[i] == 1 ? 0 : st[i];
    }
    check_fold_size(dims);
    out = strided(x, dims, 0, strides);
    return true;
}

// The numpy broadcast of two shapes; throws when they do not broadcast.
inline std::vector<int64_t> broadcast_dims(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
    std::vector<int64_t> out(std::max(a.size(), b.size()), 1);
    for (size_t i = 0; i < out.size(); ++i) {
        const int64_t x = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
        const int64_t y = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
        LFR_CHECK(x == y || x == 1 || y == 1, "shapes do not broadcast");
        out[i] = x == 1 ? y : x;
    }
    return out;
}

// op: '+', '-', '*', '/'. Integer division truncates, as ONNX's for integer tensors.
inline Const binary(char op, const Const& a, const Const& b) {
    const std::vector<int64_t> dims = broadcast_dims(a.dims, b.dims);
    Const x, y;
    broadcast_to(a, dims, x);
    broadcast_to(b, dims, y);
    Const out{dims, std::vector<double>(x.v.size()), a.integer && b.integer};
    for (size_t i = 0; i < out.v.size(); ++i) {
        const double p = x.v[i], q = y.v[i];
        double r = op == '+' ? p + q : op == '-' ? p - q : op == '*' ? p * q : p / q;
        if (out.integer && op == '/') {
            LFR_CHECK(q != 0, "integer division by zero");
            r = std::trunc(r);
        }
        out.v[i] = out.integer ? r : double(float(r));  // float tensors round as float, as the runtime would
    }
    return out;
}

// Concatenation along `axis` of constants with equal dims elsewhere.
inline Const concat(const std::vector<Const>& in, size_t axis) {
    Const out = in.at(0);
    out.v.clear();
    out.dims[axis] = 0;
    for (const Const& c : in) {
        LFR_CHECK(c.dims.size() == in[0].dims.size(), "Concat inputs differ in rank");
        for (size_t d = 0; d < c.dims.size(); ++d)
            LFR_CHECK(d == axis || c.dims[d] == in[0].dims[d], "Concat inputs differ outside the axis");
        out.dims[axis] += c.dims[axis];
        out.integer = out.integer && c.integer;
    }
    check_fold_size(out.dims);
    const int64_t outer = product(out.dims, 0, axis);
    for (int64_t o = 0; o < outer; ++o)
        for (const Const& c : in) {
            const int64_t block = product(c.dims, axis);
            out.v.insert(out.v.end(), c.v.begin() + o * block, c.v.begin() + (o + 1) * block);
        }
    return out;
}

}  // namespace lfr::tools::onnx
