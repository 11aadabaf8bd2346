// Values and shape arithmetic of the TF.js graph converter (tfjs_converter.h): a TF tensor during
// conversion (a runtime tensor of the lfr graph or a constant), proto-JSON field access, TF's
// broadcasting, window and StridedSlice rules. Private to weights_tools.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lfr/core/error.h"
#include "lfr/graph/graph.h"

namespace lfr::tools::tfjs {

using json = nlohmann::ordered_json;  // key order matters: signature outputs keep the file's order

inline std::string base64_decode(const std::string& in) {
    static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char ch : in) {
        if (ch == '=' || ch == '\n' || ch == '\r') continue;
        size_t v = chars.find(ch);
        if (v == std::string::npos) v = ch == '-' ? 62 : ch == '_' ? 63 : std::string::npos;  // url-safe
        LFR_CHECK(v != std::string::npos, "bad base64 character in a TF attribute");
        acc = (acc << 6) | uint32_t(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(char((acc >> bits) & 0xff));
        }
    }
    return out;
}

inline int64_t to_i64(const json& v) { return v.is_string() ? std::stoll(v.get<std::string>()) : v.get<int64_t>(); }

// Proto-JSON field lookup accepting both camelCase (what tfjs-converter writes) and snake_case.
inline const json* field(const json& obj, const char* camel, const char* snake = nullptr) {
    if (!obj.is_object()) return nullptr;
    auto it = obj.find(camel);
    if (it != obj.end()) return &*it;
    if (snake) {
        it = obj.find(snake);
        if (it != obj.end()) return &*it;
    }
    return nullptr;
}

// A TF tensor during conversion: a runtime value (a tensor of the lfr graph) or a constant.
struct Val {
    enum Kind { Runtime, Float, Int } kind = Runtime;
    int32_t id = -1;  // Runtime: the graph tensor; Float: the weight made for it, once needed
    Shape shape;      // Runtime: static shape with the batch taken as 1; constants: exact
    std::vector<float> f;
    std::vector<int64_t> i;
    std::string name;
};

inline Shape broadcast(const Shape& a, const Shape& b, const std::string& where) {
    Shape r;
    r.rank = std::max(a.rank, b.rank);
    for (int k = 0; k < r.rank; ++k) {
        const int ia = a.rank - r.rank + k, ib = b.rank - r.rank + k;
        const int64_t da = ia >= 0 ? a.dim[ia] : 1, db = ib >= 0 ? b.dim[ib] : 1;
        LFR_CHECK(da == db || da == 1 || db == 1,
                  where + ": shapes " + a.str() + " and " + b.str() + " do not broadcast");
        r.dim[k] = da == 1 ? db : da;
    }
    return r;
}

// Row-major index of `out_index` (in shape `out`) into a broadcast operand of shape `s`.
inline int64_t broadcast_index(const Shape& out, const Shape& s, int64_t out_index) {
    int64_t idx = 0, stride = 1;
    for (int k = out.rank - 1; k >= 0; --k) {
        const int64_t c = out_index % out.dim[k];
        out_index /= out.dim[k];
        const int ks = s.rank - out.rank + k;
        if (ks < 0) continue;
        if (s.dim[ks] != 1) idx += c * stride;
        stride *= s.dim[ks];
    }
    return idx;
}

// TF's conv / pool output size.
inline int64_t window_out(int64_t in, int64_t k, int64_t s, Padding p, int64_t pad_before = 0, int64_t pad_after = 0) {
    if (p == Padding::Same) return (in + s - 1) / s;
    if (p == Padding::Valid) return (in - k + s) / s;
    return (in + pad_before + pad_after - k) / s + 1;
}

// StridedSlice resolved for a given input shape: per input dim begin/end/stride, the shrink mask
// over input dims, the shape after shrinking, and the final shape (new axes inserted).
struct SliceSpec {
    std::vector<int32_t> begin, end, stride;
    int32_t shrink = 0;
    Shape shrunk, final_shape;
};

inline SliceSpec resolve_strided_slice(const Shape& in, std::vector<int64_t> b, std::vector<int64_t> e, std::vector<int64_t> s,
                                int64_t begin_mask, int64_t end_mask, int64_t ellipsis_mask, int64_t new_axis_mask,
                                int64_t shrink_mask, const std::string& where) {
    const int n = int(b.size());
    LFR_CHECK(int(e.size()) == n && int(s.size()) == n, where + ": begin/end/strides lengths differ");
    if (!ellipsis_mask) {  // TF adds an implicit ellipsis after the given dims
        ellipsis_mask = int64_t(1) << n;
        b.push_back(0), e.push_back(0), s.push_back(1);
    }
    const int sparse = int(b.size());
    int new_after_ellipsis = 0;
    bool seen_ellipsis = false;
    for (int k = 0; k < sparse; ++k) {
        if ((ellipsis_mask >> k) & 1) seen_ellipsis = true;
        else if (seen_ellipsis && ((new_axis_mask >> k) & 1)) ++new_after_ellipsis;
    }
    SliceSpec r;
    const int rank = in.rank;
    r.begin.assign(size_t(rank), 0), r.end.assign(size_t(rank), 0), r.stride.assign(size_t(rank), 1);
    std::vector<int64_t> sizes(size_t(rank), 0);
    std::vector<int64_t> final_dims;
    int full = 0;
    auto set_dim = [&](int d, int64_t bb, int64_t ee, int64_t ss, bool bm, bool em, bool shrink) {
        LFR_CHECK(d < rank, where + ": slice has more dims than its input " + in.str());
        LFR_CHECK(ss != 0, where + ": stride 0");
        const int64_t dim = in.dim[d];
        if (shrink) {
            int64_t x = bb < 0 ? bb + dim : bb;
            LFR_CHECK(x >= 0 && x < dim, where + ": shrink index out of range");
            r.begin[size_t(d)] = int32_t(x), r.end[size_t(d)] = int32_t(x + 1), r.stride[size_t(d)] = 1;
            r.shrink |= 1 << d;
            sizes[size_t(d)] = 1;
            return;
        }
        auto canon = [&](int64_t x, bool masked, bool is_begin) {
            if (masked) return ss > 0 ? (is_begin ? 0 : dim) : (is_begin ? dim - 1 : -1);
            if (x < 0) x += dim;
            return ss > 0 ? std::clamp<int64_t>(x, 0, dim) : std::clamp<int64_t>(x, -1, dim - 1);
        };
        const int64_t cb = canon(bb, bm, true), ce = canon(ee, em, false);
        r.begin[size_t(d)] = int32_t(cb), r.end[size_t(d)] = int32_t(ce), r.stride[size_t(d)] = int32_t(ss);
        const int64_t len = ss > 0 ? (ce - cb + ss - 1) / ss : (cb - ce + (-ss) - 1) / (-ss);
        sizes[size_t(d)] = std::max<int64_t>(0, len);
        final_dims.push_back(sizes[size_t(d)]);
    };
    for (int k = 0; k < sparse; ++k) {
        if ((ellipsis_mask >> k) & 1) {
            const int next = std::min(rank - (sparse - k) + 1 + new_after_ellipsis, rank);
            for (; full < next; ++full) set_dim(full, 0, 0, 1, true, true, false);
        } else if ((new_axis_mask >> k) & 1) {
            final_dims.push_back(1);
        } else {
            set_dim(full, b[size_t(k)], e[size_t(k)], s[size_t(k)], (begin_mask >> k) & 1, (end_mask >> k) & 1,
                    (shrink_mask >> k) & 1);
            ++full;
        }
    }
    LFR_CHECK(full == rank, where + ": slice does not cover input rank " + std::to_string(rank));
    for (int d = 0; d < rank; ++d)
        if (!((r.shrink >> d) & 1)) r.shrunk.dim[r.shrunk.rank++] = sizes[size_t(d)];
    LFR_CHECK(final_dims.size() <= size_t(kMaxRank), where + ": slice result rank too large");
    for (int64_t d : final_dims) r.final_shape.dim[r.final_shape.rank++] = d;
    return r;
}

}  // namespace lfr::tools::tfjs
