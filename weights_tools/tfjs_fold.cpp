// Constant folding in the TF.js converter (tfjs_converter.h): ops whose inputs are all constants
// (shape subgraphs, constant math) are evaluated at conversion time.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "tfjs_converter.h"

namespace lfr::tools::tfjs {

bool Converter::fold_constant(const json& node, const std::string& op, const std::vector<std::string>& in) {
    auto get = [&](size_t k) -> const Val& { return val(in.at(k), node); };
    if (op == "Cast") {
        Val v = get(0);
        const std::string t = attr(node, "DstT") ? attr(node, "DstT")->value("type", std::string("DT_FLOAT")) : "DT_FLOAT";
        if (t == "DT_FLOAT" && v.kind == Val::Int) {
            v.kind = Val::Float;
            for (int64_t x : v.i) v.f.push_back(float(x));
            v.i.clear();
        } else if ((t == "DT_INT32" || t == "DT_INT64") && v.kind == Val::Float) {
            v.kind = Val::Int;
            for (float x : v.f) v.i.push_back(int64_t(x));
            v.f.clear();
        }
        set_const(node, std::move(v));
        return true;
    }
    if (op == "Reshape" || op == "ExpandDims" || op == "Squeeze") {
        Val v = get(0);
        if (op == "Reshape") v.shape = reshape_target(get(1).i, v.shape.numel(), node);
        else if (op == "ExpandDims") {
            const int32_t axis = resolve_axis(get(1).i.at(0), v.shape.rank + 1, where(node));
            Shape s;
            for (int d = 0, k = 0; d <= v.shape.rank; ++d) s.dim[s.rank++] = d == axis ? 1 : v.shape.dim[k++];
            v.shape = s;
        } else {
            auto dims = attr_ints(node, "squeeze_dims");
            Shape s;
            for (int d = 0; d < v.shape.rank; ++d) {
                bool sq = dims.empty() ? v.shape[d] == 1
                                       : std::any_of(dims.begin(), dims.end(), [&](int64_t q) {
                                             return resolve_axis(q, v.shape.rank, where(node)) == d;
                                         });
                if (!sq) s.dim[s.rank++] = v.shape[d];
            }
            v.shape = s;
        }
        set_const(node, std::move(v));
        return true;
    }
    if (op == "Pack") {
        const Val& first = get(0);
        const int64_t axis = attr_i(node, "axis");
        LFR_CHECK(axis == 0, where(node) + ": constant Pack only on axis 0");
        Val v;
        v.kind = first.kind;
        v.shape.rank = first.shape.rank + 1;
        v.shape.dim[0] = int64_t(in.size());
        for (int d = 0; d < first.shape.rank; ++d) v.shape.dim[d + 1] = first.shape.dim[d];
        for (size_t k = 0; k < in.size(); ++k) {
            const Val& x = get(k);
            LFR_CHECK(x.kind == first.kind && x.shape == first.shape, where(node) + ": Pack of mixed inputs");
            v.f.insert(v.f.end(), x.f.begin(), x.f.end());
            v.i.insert(v.i.end(), x.i.begin(), x.i.end());
        }
        set_const(node, std::move(v));
        return true;
    }
    if (op == "ConcatV2") {
        const int32_t axis = resolve_axis(get(in.size() - 1).i.at(0), get(0).shape.rank, where(node));
        if (axis != 0) return false;
        Val v = get(0);
        for (size_t k = 1; k + 1 < in.size(); ++k) {
            const Val& x = get(k);
            LFR_CHECK(x.kind == v.kind, where(node) + ": concat of mixed types");
            v.f.insert(v.f.end(), x.f.begin(), x.f.end());
            v.i.insert(v.i.end(), x.i.begin(), x.i.end());
            v.shape.dim[0] += x.shape[0];
        }
        set_const(node, std::move(v));
        return true;
    }
    if (op == "StridedSlice") {
        const Val& x = get(0);
        const SliceSpec sp = slice_spec(node, x.shape, in);
        Val v;
        v.kind = x.kind;
        v.shape = sp.final_shape;
        const int r = x.shape.rank;
        std::vector<int64_t> cnt(static_cast<size_t>(r));
        int64_t total = 1;
        for (int d = 0; d < r; ++d) {
            const int64_t st = sp.stride[size_t(d)];
            cnt[size_t(d)] = std::max<int64_t>(0, st > 0 ? (sp.end[size_t(d)] - sp.begin[size_t(d)] + st - 1) / st
                                                         : (sp.begin[size_t(d)] - sp.end[size_t(d)] - st - 1) / -st);
            total *= cnt[size_t(d)];
        }
        for (int64_t o = 0; o < total; ++o) {
            int64_t rem = o, src = 0, stride = 1;
            for (int d = r - 1; d >= 0; --d) {
                const int64_t c = rem % cnt[size_t(d)];
                rem /= cnt[size_t(d)];
                src += (sp.begin[size_t(d)] + c * sp.stride[size_t(d)]) * stride;
                stride *= x.shape[d];
            }
            if (x.kind == Val::Float) v.f.push_back(x.f[size_t(src)]);
            else v.i.push_back(x.i[size_t(src)]);
        }
        set_const(node, std::move(v));
        return true;
    }
    static const std::set<std::string> binops = {"Add", "AddV2", "Sub", "Mul", "RealDiv", "Div",
                                                 "Maximum", "Minimum", "FloorDiv", "BiasAdd"};
    if (binops.count(op) && in.size() == 2) {
        const Val& a = get(0);
        const Val& b = get(1);
        if (a.kind != b.kind) return false;
        Val v;
        v.kind = a.kind;
        v.shape = broadcast(a.shape, b.shape, where(node));
        const int64_t n = v.shape.numel();
        for (int64_t o = 0; o < n; ++o) {
            const int64_t ia = broadcast_index(v.shape, a.shape, o), ib = broadcast_index(v.shape, b.shape, o);
            auto calc = [&](auto x, auto y) -> decltype(x) {
                if (op == "Sub") return x - y;
                if (op == "Mul") return x * y;
                if (op == "RealDiv" || op == "Div" || op == "FloorDiv") {
                    if constexpr (std::is_integral_v<decltype(x)>) {
                        LFR_CHECK(y != 0, where(node) + ": integer division by zero");
                        auto q = x / y;
                        return (q * y != x && ((x < 0) != (y < 0))) ? q - 1 : q;  // floor, as TF
                    } else return op == "FloorDiv" ? std::floor(x / y) : x / y;
                }
                if (op == "Maximum") return std::max(x, y);
                if (op == "Minimum") return std::min(x, y);
                return x + y;
            };
            if (v.kind == Val::Float) v.f.push_back(calc(a.f[size_t(ia)], b.f[size_t(ib)]));
            else v.i.push_back(calc(a.i[size_t(ia)], b.i[size_t(ib)]));
        }
        set_const(node, std::move(v));
        return true;
    }
    if (op == "Prod" || op == "Sum") {
        const Val& x = get(0);
        const Val& axes = get(1);
        if (x.shape.rank != 1 || axes.i.size() != 1 || (axes.i[0] != 0 && axes.i[0] != -1)) return false;
        Val v;
        v.kind = x.kind;
        v.shape = attr_b(node, "keep_dims") ? Shape{1} : Shape{};
        if (x.kind == Val::Int) {
            int64_t acc = op == "Prod" ? 1 : 0;
            for (int64_t q : x.i) acc = op == "Prod" ? acc * q : acc + q;
            v.i.push_back(acc);
        } else {
            float acc = op == "Prod" ? 1.f : 0.f;
            for (float q : x.f) acc = op == "Prod" ? acc * q : acc + q;
            v.f.push_back(acc);
        }
        set_const(node, std::move(v));
        return true;
    }
    return false;
}

}  // namespace lfr::tools::tfjs
