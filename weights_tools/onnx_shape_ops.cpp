// ONNX ops that move or reinterpret elements (Reshape, Flatten, Transpose, Concat, Slice, ...), the
// constant-only ops of shape subgraphs (Shape, Gather, Cast, Constant), and Gemm/MatMul, whose
// weight rows follow an NHWC Flatten. Constants are folded on the host; runtime tensors get lfr
// nodes, in logical order wherever the element order matters.
#include <limits>

#include "onnx_importer.h"

namespace lfr::tools::onnx {

namespace {

// An int list from attribute `name` (older opsets) or from constant input i (newer ones).
std::vector<int64_t> ints_param(const Importer& im, const char* name, size_t i, std::vector<int64_t> def) {
    if (im.has_input(i)) return ints_of(im.const_input(i, name));
    return im.attr_ints(name, std::move(def));
}

// Any value with new logical dims, same element order: constants just take the dims.
void reshape_to(Importer& im, const Value& v, const std::vector<int64_t>& dims) {
    if (dims.size() > size_t(kMaxRank)) im.fail("result of rank " + std::to_string(dims.size()) + " is over the limit");
    if (product(dims) != product(im.logical_dims(v))) im.fail("reshape changes the element count");
    if (v.is_const) {
        Const c = v.c;
        c.dims = dims;
        return im.set_output(0, Value::constant(std::move(c)));
    }
    Attrs a;
    for (int64_t d : dims) {
        if (d > std::numeric_limits<int32_t>::max()) im.fail("dimension " + std::to_string(d) + " is out of range");
        a.ints.push_back(int32_t(d));
    }
    im.set_output(0, runtime(im.emit(OpType::Reshape, {im.in_order(v)}, a), identity(dims.size())));
}

void reshape(Importer& im) {
    const Value& v = im.input(0);
    const std::vector<int64_t> in = im.logical_dims(v);
    std::vector<int64_t> t = im.opset() < 5 ? im.attr_ints("shape", {}) : ints_of(im.const_input(1, "Reshape shape"));
    const bool allow_zero = im.attr_int("allowzero", 0) != 0;
    int wild = -1;
    int64_t known = 1;
    for (size_t i = 0; i < t.size(); ++i) {
        if (t[i] == 0 && !allow_zero) {
            if (i >= in.size()) im.fail("shape copies dim " + std::to_string(i) + " the input lacks");
            t[i] = in[i];
        }
        if (t[i] == -1 && wild < 0) wild = int(i);
        else if (t[i] < 0 || t[i] > (int64_t(1) << 31)) im.fail("bad target dimension " + std::to_string(t[i]));
        else known *= t[i];
        if (known > (int64_t(1) << 31)) im.fail("target shape too large");
    }
    if (wild >= 0) {
        if (known == 0 || product(in) % known) im.fail("target shape does not divide the element count");
        t[size_t(wild)] = product(in) / known;
    }
    reshape_to(im, v, t);
}

void flatten(Importer& im) {
    const Value& v = im.input(0);
    const std::vector<int64_t> d = im.logical_dims(v);
    const int64_t axis = im.attr_int("axis", 1) == int64_t(d.size()) ? int64_t(d.size()) : axis_in(im, im.attr_int("axis", 1), d.size());
    if (!v.is_const && v.perm == kNhwc && axis == 1 && d[2] * d[3] > 1) {
        // Keep NHWC order, remember it: a Gemm permutes its weight rows instead of a runtime transpose.
        Attrs a;
        a.ints = {int32_t(d[0]), int32_t(d[1] * d[2] * d[3])};
        Value out = runtime(im.emit(OpType::Reshape, {v.id}, a), identity(2));
        out.chw = {d[1], d[2], d[3]};
        return im.set_output(0, out);
    }
    reshape_to(im, v, {product(d, 0, size_t(axis)), product(d, size_t(axis))});
}

void squeeze_unsqueeze(Importer& im, bool squeeze) {
    const Value& v = im.input(0);
    std::vector<int64_t> d = im.logical_dims(v);
    std::vector<int64_t> axes = ints_param(im, "axes", 1, {});
    if (squeeze) {
        if (axes.empty())
            for (size_t i = 0; i < d.size(); ++i)
                if (d[i] == 1) axes.push_back(int64_t(i));
        std::vector<bool> drop(d.size(), false);
        for (int64_t a : axes) drop[size_t(axis_in(im, a, d.size()))] = true;
        std::vector<int64_t> out;
        for (size_t i = 0; i < d.size(); ++i)
            if (!drop[i]) out.push_back(d[i]);
            else if (d[i] != 1) im.fail("Squeeze of a dimension of size " + std::to_string(d[i]));
        return reshape_to(im, v, out);
    }
    const size_t rank = d.size() + axes.size();
    std::vector<bool> add(rank, false);
    for (int64_t a : axes) {
        const size_t i = size_t(axis_in(im, a, rank));
        if (add[i]) im.fail("axis " + std::to_string(a) + " repeats");
        add[i] = true;
    }
    std::vector<int64_t> out;
    for (size_t i = 0, j = 0; i < rank; ++i) out.push_back(add[i] ? 1 : d.at(j++));
    reshape_to(im, v, out);
}

// A Transpose of a runtime tensor only relabels its layout; no node.
void transpose_op(Importer& im) {
    const Value v = im.placed(im.input(0));
    const size_t rank = im.logical_dims(v).size();
    std::vector<int64_t> p = im.attr_ints("perm", {});
    if (p.empty())
        for (size_t i = rank; i-- > 0;) p.push_back(int64_t(i));
    std::vector<int> perm, inv(rank, -1);
    for (size_t j = 0; j < p.size(); ++j) {
        if (p.size() != rank || p[j] < 0 || p[j] >= int64_t(rank) || inv[size_t(p[j])] >= 0) im.fail("perm is not a permutation of the dims");
        perm.push_back(int(p[j]));
        inv[size_t(p[j])] = int(j);  // input logical dim p[j] becomes output logical dim j
    }
    if (v.is_const) return im.set_output(0, Value::constant(transpose(v.c, perm)));
    Value out = v;
    for (int& q : out.perm) q = inv[size_t(q)];
    im.set_output(0, out);
}

void concat_op(Importer& im) {
    std::vector<Value> in;
    bool all_const = true;
    for (size_t i = 0; i < im.node().inputs.size(); ++i) {
        in.push_back(im.placed(im.input(i)));
        all_const = all_const && in.back().is_const;
    }
    if (in.empty()) im.fail("Concat needs inputs");
    const size_t rank = im.logical_dims(in[0]).size();
    const int64_t axis = axis_in(im, im.attr_int("axis", 0), rank);
    if (all_const) {
        std::vector<Const> cs;
        for (const Value& v : in) cs.push_back(v.c);
        try {
            return im.set_output(0, Value::constant(concat(cs, size_t(axis))));
        } catch (const Error& e) {
            im.fail(e.what());
        }
    }
    std::vector<int> perm;  // the first runtime input's layout, when all share it; else logical order
    for (const Value& v : in)
        if (!v.is_const) {
            if (perm.empty()) perm = v.perm;
            else if (v.perm != perm) perm = identity(rank);
        }
    if (perm.size() != rank) perm = identity(rank);
    std::vector<int32_t> ids;
    for (const Value& v : in) ids.push_back(im.in_layout(v, perm));
    Attrs a;
    for (size_t i = 0; i < perm.size(); ++i)
        if (perm[i] == axis) a.axis = int32_t(i);
    im.set_output(0, runtime(im.emit(OpType::Concat, ids, a), perm));
}

// Output `out` = v[b:e:s] per logical dim (resolved, non-empty).
void slice_to(Importer& im, size_t out, const Value& v, const std::vector<int64_t>& b, const std::vector<int64_t>& e,
              const std::vector<int64_t>& s) {
    const std::vector<int64_t> d = im.logical_dims(v);
    std::vector<int64_t> dims(d.size());
    for (size_t i = 0; i < d.size(); ++i) {
        dims[i] = e[i] > b[i] ? (e[i] - b[i] + s[i] - 1) / s[i] : 0;
        if (dims[i] == 0) im.fail("slice is empty");
    }
    if (v.is_const) {
        const std::vector<int64_t> st = row_strides(d);
        int64_t offset = 0;
        std::vector<int64_t> strides(d.size());
        for (size_t i = 0; i < d.size(); ++i) offset += b[i] * st[i], strides[i] = s[i] * st[i];
        return im.set_output(out, Value::constant(strided(v.c, dims, offset, strides)));
    }
    Attrs a;
    const size_t r = d.size();
    a.ints.resize(3 * r);
    for (size_t i = 0; i < r; ++i) {  // physical dim i slices logical dim perm[i]
        const size_t l = size_t(v.perm[i]);
        a.ints[i] = int32_t(b[l]), a.ints[r + i] = int32_t(e[l]), a.ints[2 * r + i] = int32_t(s[l]);
    }
    im.set_output(out, runtime(im.emit(OpType::StridedSlice, {v.id}, a, out ? "/" + std::to_string(out) : ""), v.perm));
}

void slice(Importer& im) {
    const Value v = im.placed(im.input(0));
    const std::vector<int64_t> d = im.logical_dims(v);
    const std::vector<int64_t> starts = ints_param(im, "starts", 1, {}), ends = ints_param(im, "ends", 2, {});
    std::vector<int64_t> axes = ints_param(im, "axes", 3, {}), steps = ints_param(im, "steps", 4, {});
    if (axes.empty())
        for (size_t i = 0; i < starts.size(); ++i) axes.push_back(int64_t(i));
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
        im.fail("starts, ends, axes and steps differ in length");
    std::vector<int64_t> b(d.size(), 0), e = d, s(d.size(), 1);
    for (size_t k = 0; k < starts.size(); ++k) {
        const size_t a = size_t(axis_in(im, axes[k], d.size()));
        if (steps[k] < 1 || steps[k] > (int64_t(1) << 31)) im.fail("only positive slice steps are supported");
        auto clamp = [&](int64_t x) { return std::min(d[a], std::max<int64_t>(0, x < 0 ? std::max(x, -d[a]) + d[a] : x)); };
        b[a] = clamp(starts[k]), e[a] = clamp(ends[k]), s[a] = steps[k];
    }
    slice_to(im, 0, v, b, e, s);
}

// Split into consecutive slices along an axis: sizes from `split` (attribute before opset 13,
// input after) or equal parts.
void split(Importer& im) {
    const Value v = im.placed(im.input(0));
    const std::vector<int64_t> d = im.logical_dims(v);
    const size_t axis = size_t(axis_in(im, im.attr_int("axis", 0), d.size())), n = im.node().outputs.size();
    std::vector<int64_t> sizes = ints_param(im, "split", 1, {});
    if (sizes.empty() && n > 0 && d[axis] % int64_t(n) == 0) sizes.assign(n, d[axis] / int64_t(n));
    int64_t total = 0;
    for (int64_t x : sizes) total += x >= 0 && x <= d[axis] ? x : d[axis] + 1;
    if (sizes.size() != n || total != d[axis]) im.fail("split sizes do not add up to dimension " + std::to_string(axis));
    std::vector<int64_t> b(d.size(), 0), e = d, s(d.size(), 1);
    for (size_t k = 0; k < n; ++k) {
        e[axis] = b[axis] + sizes[k];
        slice_to(im, k, v, b, e, s);
        b[axis] = e[axis];
    }
}

// Constant padding (pads [begin..., end...] in logical dims: an attribute before opset 11, an input after).
void pad(Importer& im) {
    const Value v = im.placed(im.input(0));
    const size_t r = im.logical_dims(v).size();
    if (im.attr_string("mode", "constant") != "constant") im.fail("only constant padding is supported");
    const std::vector<int64_t> pads = ints_param(im, "pads", 1, {});
    if (pads.size() != 2 * r) im.fail("needs 2 pads per dimension");
    Attrs a;
    a.value = im.attr_float("value", 0.f);
    if (im.has_input(2)) {
        const Const& c = im.const_input(2, "Pad value");
        if (c.v.size() != 1) im.fail("the pad value must be a scalar");
        a.value = float(c.v[0]);
    }
    const std::vector<int> perm = v.is_const ? identity(r) : v.perm;
    for (size_t i = 0; i < r; ++i) {  // physical dim i pads logical dim perm[i]
        const int64_t before = pads[size_t(perm[i])], after = pads[r + size_t(perm[i])];
        if (before < 0 || after < 0 || before > 4096 || after > 4096) im.fail("unsupported pad " + std::to_string(std::min(before, after)));
        a.ints.push_back(int32_t(before));
        a.ints.push_back(int32_t(after));
    }
    im.set_output(0, runtime(im.emit(OpType::Pad, {im.in_layout(v, perm)}, a), perm));
}

void gather(Importer& im) {
    const Const& x = im.const_input(0, "Gather data");
    const Const& idx = im.const_input(1, "Gather indices");
    const size_t axis = size_t(axis_in(im, im.attr_int("axis", 0), x.dims.size()));
    const int64_t n = x.dims[axis], inner = product(x.dims, axis + 1), outer = product(x.dims, 0, axis);
    Const out{{}, {}, x.integer};
    out.dims.assign(x.dims.begin(), x.dims.begin() + long(axis));
    out.dims.insert(out.dims.end(), idx.dims.begin(), idx.dims.end());
    out.dims.insert(out.dims.end(), x.dims.begin() + long(axis) + 1, x.dims.end());
    check_fold_size(out.dims);
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t i : ints_of(idx)) {
            if (i < -n || i >= n) im.fail("Gather index " + std::to_string(i) + " is out of range");
            const int64_t at = (o * n + (i < 0 ? i + n : i)) * inner;
            out.v.insert(out.v.end(), x.v.begin() + at, x.v.begin() + at + inner);
        }
    im.set_output(0, Value::constant(std::move(out)));
}

void shape_op(Importer& im) {
    const std::vector<int64_t> d = im.logical_dims(im.input(0));
    im.set_output(0, Value::constant(Const{{int64_t(d.size())}, std::vector<double>(d.begin(), d.end()), true}));
}

void cast(Importer& im) {
    const int64_t to = im.attr_int("to", 1);
    const bool to_float = to == 1 || to == 10 || to == 11;  // FLOAT, FLOAT16, DOUBLE
    const Value& v = im.input(0);
    if (!v.is_const) {
        if (!to_float) im.fail("Cast of a runtime tensor to a non-float type is not supported");
        return im.set_output(0, v);
    }
    Const c = v.c;
    c.integer = !to_float;
    if (c.integer)
        for (double& x : c.v) x = std::trunc(x);
    im.set_output(0, Value::constant(std::move(c)));
}

void constant(Importer& im) {
    if (const Attribute* t = im.attr("value", Attribute::kTensor)) return im.set_output(0, Value::constant(from_tensor(t->t)));
    if (const Attribute* f = im.attr("value_float", Attribute::kFloat)) return im.set_output(0, Value::constant(Const{{}, {f->f}, false}));
    if (const Attribute* i = im.attr("value_int", Attribute::kInt)) return im.set_output(0, Value::constant(Const{{}, {double(i->i)}, true}));
    if (const Attribute* v = im.attr("value_ints", Attribute::kInts))
        return im.set_output(0, Value::constant(Const{{int64_t(v->ints.size())}, std::vector<double>(v->ints.begin(), v->ints.end()), true}));
    im.fail("Constant without a supported value attribute");
}

void identity_op(Importer& im) { im.set_output(0, im.input(0)); }

// y = x * B (+ bias): an lfr MatMul with w [K, N]. x may be an NHWC flatten (chw): w's rows then
// follow NHWC order, so no transpose runs.
void linear(Importer& im, Const w, const Const* bias, double beta) {
    const Value& x = im.input(0);
    int32_t xid = -1;
    if (!x.is_const && !x.chw.empty()) {
        const int64_t c = x.chw[0], h = x.chw[1], wd = x.chw[2];
        if (w.dims[0] != c * h * wd) im.fail("weight rows do not match the flattened input");
        Const as_chw = w;
        as_chw.dims = {c, h, wd, w.dims[1]};
        w = transpose(as_chw, {1, 2, 0, 3});  // row (h, w, c) <- logical row (c, h, w)
        w.dims = {c * h * wd, as_chw.dims[3]};
        xid = x.id;
    } else {
        if (im.logical_dims(x).size() != 2) im.fail("only 2-D inputs are supported");
        xid = im.plain(x);
    }
    if (im.shape(xid)[1] != w.dims[0]) im.fail("input width does not match the weight");
    std::vector<int32_t> in = {xid, im.weight(w, identity(2), "/w")};
    if (bias) {
        const int64_t n = w.dims[1];
        if (int64_t(bias->v.size()) != n && bias->v.size() != 1) im.fail("only a per-column bias is supported");
        Const b{{n}, std::vector<double>(size_t(n)), false};
        for (int64_t i = 0; i < n; ++i) b.v[size_t(i)] = beta * bias->v[bias->v.size() == 1 ? 0 : size_t(i)];
        in.push_back(im.weight(b, identity(1), "/b"));
    }
    im.set_output(0, runtime(im.emit(OpType::MatMul, in), identity(2)));
}

void gemm(Importer& im) {
    if (im.attr_int("transA", 0) != 0) im.fail("transA is not supported");
    Const b = im.const_input(1, "Gemm B");
    if (b.dims.size() != 2) im.fail("B must be 2-D");
    if (im.attr_int("transB", 0) != 0) b = transpose(b, {1, 0});
    const double alpha = im.attr_float("alpha", 1.f);
    for (double& v : b.v) v *= alpha;
    linear(im, b, im.has_input(2) ? &im.const_input(2, "Gemm C") : nullptr, im.attr_float("beta", 1.f));
}

void matmul(Importer& im) {
    const Const& b = im.const_input(1, "MatMul B");
    if (b.dims.size() != 2) im.fail("B must be 2-D");
    linear(im, b, nullptr, 1.0);
}

}  // namespace

const Handler* find_shape_handler(const std::string& op_type) {
    static const std::map<std::string, Handler> table = {
        {"Reshape", reshape},
        {"Flatten", flatten},
        {"Squeeze", [](Importer& im) { squeeze_unsqueeze(im, true); }},
        {"Unsqueeze", [](Importer& im) { squeeze_unsqueeze(im, false); }},
        {"Transpose", transpose_op},
        {"Concat", concat_op},
        {"Slice", slice},
        {"Split", split},
        {"Pad", pad},
        {"Gather", gather},
        {"Shape", shape_op},
        {"Cast", cast},
        {"Constant", constant},
        {"Identity", identity_op},
        {"Dropout", identity_op},
        {"Gemm", gemm},
        {"MatMul", matmul},
    };
    const auto it = table.find(op_type);
    return it != table.end() ? &it->second : nullptr;
}

}  // namespace lfr::tools::onnx
