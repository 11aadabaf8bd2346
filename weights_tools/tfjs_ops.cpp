// The TF op -> lfr node mapping of the TF.js converter (tfjs_converter.h).
#include <algorithm>
#include <limits>
#include <map>

#include "tfjs_converter.h"

namespace lfr::tools::tfjs {

void Converter::convert(const json& node) {
    const std::string op = node.at("op").get<std::string>();
    const std::string name = node.at("name").get<std::string>();
    const std::vector<std::string> in = data_inputs(node);

    if (op == "Const") return set_const(node, const_value(node));
    if (op == "Placeholder" || op == "PlaceholderWithDefault") return placeholder(node);
    if (op == "Identity" || op == "StopGradient" || op == "Snapshot") {
        LFR_CHECK(!in.empty(), where(node) + ": Identity without input");
        vals_[name + ":0"] = val(in[0], node);
        return;
    }
    if (op == "NoOp") return;

    // Everything computable at conversion time is computed (shape subgraphs, constant math).
    bool all_const = !in.empty();
    for (const std::string& k : in) all_const = all_const && val(k, node).kind != Val::Runtime;
    if (all_const && fold_constant(node, op, in)) return;

    if (op == "Conv2D" || op == "_FusedConv2D" || op == "DepthwiseConv2dNative" || op == "FusedDepthwiseConv2dNative")
        return conv(node, op, in);
    if (op == "MatMul" || op == "_FusedMatMul") return matmul(node, op, in);
    if (op == "Add" || op == "AddV2" || op == "BiasAdd" || op == "Sub" || op == "Mul" || op == "RealDiv" ||
        op == "Div" || op == "Maximum" || op == "Minimum")
        return binary(node, op, in);
    static const std::map<std::string, OpType> unary = {
        {"Relu", OpType::Relu},     {"Relu6", OpType::Relu6}, {"Sigmoid", OpType::Sigmoid},
        {"Tanh", OpType::Tanh},     {"Abs", OpType::Abs},     {"Square", OpType::Square},
        {"Sqrt", OpType::Sqrt},     {"Rsqrt", OpType::Rsqrt}, {"Exp", OpType::Exp},
        {"Neg", OpType::Neg},       {"Softmax", OpType::Softmax}, {"LeakyRelu", OpType::LeakyRelu}};
    if (auto u = unary.find(op); u != unary.end()) {
        Val& x = runtime(in.at(0), node);
        Attrs a;
        if (op == "LeakyRelu") a.alpha = attr_f(node, "alpha", 0.2f);
        const Shape s = x.shape;
        emit(node, u->second, {tensor(x, node)}, a, s);
        return;
    }
    if (op == "Prelu") return prelu(node, in);
    if (op == "MaxPool" || op == "AvgPool") return pool(node, op, in);
    if (op == "Mean" || op == "Sum" || op == "Max") return reduce(node, op, in);
    if (op == "Reshape") return reshape(node, in);
    if (op == "ExpandDims" || op == "Squeeze") return expand_squeeze(node, op, in);
    if (op == "ConcatV2") return concat(node, in);
    if (op == "Pad" || op == "PadV2") return pad(node, op, in);
    if (op == "StridedSlice") return strided_slice(node, in);
    if (op == "ResizeBilinear") return resize_bilinear(node, in);
    if (op == "DepthToSpace") return depth_to_space(node, in);
    if (op == "Transpose") return transpose(node, in);
    if (op == "Shape") return shape_op(node, in);
    if (op == "Cast") {
        Val& x = val(in.at(0), node);
        if (x.kind == Val::Runtime) {  // float -> float only
            const std::string t = attr(node, "DstT") ? attr(node, "DstT")->value("type", std::string("DT_FLOAT")) : "DT_FLOAT";
            if (t != "DT_FLOAT") unsupported(node, "cast of a runtime tensor to " + t);
            vals_[name + ":0"] = x;
            return;
        }
    }
    unsupported(node);
}

void Converter::placeholder(const json& node) {
    const json* a = attr(node, "shape");
    Shape declared;
    LFR_CHECK(a && a->contains("shape") && !a->at("shape").value("unknownRank", false),
              where(node) + ": Placeholder without a static rank");
    if (a->at("shape").contains("dim"))
        for (const json& d : a->at("shape").at("dim")) {
            LFR_CHECK(declared.rank < kMaxRank, where(node) + ": input rank too large");
            declared.dim[declared.rank++] = d.contains("size") ? to_i64(d.at("size")) : -1;
        }
    Shape stat = declared;
    for (int k = 0; k < stat.rank; ++k) {
        if (stat.dim[k] >= 0) continue;
        LFR_CHECK(k == 0, where(node) + ": input dim " + std::to_string(k) +
                              " is dynamic; only the batch may be (shape " + declared.str() + ")");
        stat.dim[k] = 1;
        dynamic_batch_ = true;
    }
    const std::string name = node.at("name").get<std::string>();
    const int32_t id = m_.input(name, declared);
    Val v;
    v.kind = Val::Runtime, v.id = id, v.shape = stat, v.name = name;
    vals_[name + ":0"] = v;
}

void Converter::window_attrs(const json& node, Attrs& a, bool conv) {
    const std::string fmt = attr_s(node, "data_format", "NHWC");
    if (fmt != "NHWC") unsupported(node, "data_format " + fmt);
    const auto strides = attr_ints(node, "strides");
    const auto positive = [](int64_t v) { return v >= 1 && v <= std::numeric_limits<int32_t>::max(); };
    LFR_CHECK(strides.size() == 4 && strides[0] == 1 && strides[3] == 1 && positive(strides[1]) && positive(strides[2]),
              where(node) + ": strides must be [1,h,w,1] with h, w >= 1");
    a.stride_h = int32_t(strides[1]), a.stride_w = int32_t(strides[2]);
    if (conv) {
        const auto dil = attr_ints(node, "dilations");
        for (int64_t d : dil)
            if (d != 1) throw Error(where(node) + ": dilations other than 1 are not supported");
    }
    const std::string pad = attr_s(node, "padding", "VALID");
    if (pad == "SAME") a.padding = Padding::Same;
    else if (pad == "VALID") a.padding = Padding::Valid;
    else if (pad == "EXPLICIT") {
        const auto e = attr_ints(node, "explicit_paddings");
        LFR_CHECK(e.size() == 8 && !e[0] && !e[1] && !e[6] && !e[7],
                  where(node) + ": explicit_paddings must pad H and W only");
        a.padding = Padding::Explicit;
        a.pad_top = int32_t(e[2]), a.pad_bottom = int32_t(e[3]), a.pad_left = int32_t(e[4]), a.pad_right = int32_t(e[5]);
    } else unsupported(node, "padding " + pad);
}

Shape Converter::window_shape(const Shape& x, int64_t kh, int64_t kw, int64_t c, const Attrs& a, const json& node) {
    LFR_CHECK(x.rank == 4, where(node) + ": input must be NHWC, got " + x.str());
    const int64_t oh = window_out(x[1], kh, a.stride_h, a.padding, a.pad_top, a.pad_bottom);
    const int64_t ow = window_out(x[2], kw, a.stride_w, a.padding, a.pad_left, a.pad_right);
    LFR_CHECK(oh > 0 && ow > 0, where(node) + ": window larger than its input " + x.str());
    return Shape{x[0], oh, ow, c};
}

void Converter::fused_ops(const json& node, const std::vector<std::string>& in, size_t first_arg, int64_t c,
               std::vector<int32_t>& inputs, Attrs& a) {
    const auto ops = attr_strings(node, "fused_ops");
    if (ops.empty()) return;
    if (ops[0] != "BiasAdd") unsupported(node, "fused op " + ops[0]);
    inputs.resize(4, -1);
    const Val& bias = float_const(in.at(first_arg), node, "bias");
    inputs[2] = m_.weight(bias.name, Shape{c}, channel_vector(bias, c, node, "bias"));
    if (ops.size() == 1) return;
    LFR_CHECK(ops.size() == 2, where(node) + ": more than two fused ops");
    const std::string& act = ops[1];
    if (act == "Relu") a.act = Activation::Relu;
    else if (act == "Relu6") a.act = Activation::Relu6;
    else if (act == "Sigmoid") a.act = Activation::Sigmoid;
    else if (act == "LeakyRelu") {
        a.act = Activation::Leaky;
        a.alpha = attr_f(node, "leakyrelu_alpha", 0.2f);
    } else if (act == "Prelu") {
        a.act = Activation::Prelu;
        const Val& alpha = float_const(in.at(first_arg + 1), node, "prelu alpha");
        inputs[3] = m_.weight(alpha.name, Shape{c}, channel_vector(alpha, c, node, "prelu alpha"));
    } else unsupported(node, "fused activation " + act);
}

void Converter::conv(const json& node, const std::string& op, const std::vector<std::string>& in) {
    const bool depthwise = op.find("Depthwise") != std::string::npos;
    Val& x = runtime(in.at(0), node);
    const Val& w = float_const(in.at(1), node, "filter");
    LFR_CHECK(w.shape.rank == 4, where(node) + ": filter must be 4-D, got " + w.shape.str());
    Attrs a;
    window_attrs(node, a, true);
    const int64_t c = depthwise ? w.shape[2] * w.shape[3] : w.shape[3];
    LFR_CHECK(x.shape[3] == w.shape[2], where(node) + ": input " + x.shape.str() + " vs filter " + w.shape.str());
    std::vector<int32_t> inputs = {tensor(x, node), tensor(val(in[1], node), node)};
    fused_ops(node, in, 2, c, inputs, a);
    const Shape s = window_shape(x.shape, w.shape[0], w.shape[1], c, a, node);
    emit(node, depthwise ? OpType::DepthwiseConv2D : OpType::Conv2D, inputs, a, s);
}

void Converter::matmul(const json& node, const std::string&, const std::vector<std::string>& in) {
    Val& x = runtime(in.at(0), node);
    Val& wv = val(in.at(1), node);
    if (wv.kind != Val::Float) unsupported(node, "the second operand must be a constant");
    LFR_CHECK(x.shape.rank == 2 && wv.shape.rank == 2, where(node) + ": operands must be 2-D");
    int32_t xt = tensor(x, node);
    Shape xs = x.shape;
    if (attr_b(node, "transpose_a")) {
        Attrs t;
        t.ints = {1, 0};
        const std::string tname = node.at("name").get<std::string>() + "/transpose_a";
        xt = m_.node(OpType::Transpose, tname, {xt}, t);
        xs = Shape{xs[1], xs[0]};
        m_.graph.tensors[size_t(xt)].shape = xs;
    }
    int32_t w;
    int64_t k = wv.shape[0], c = wv.shape[1];
    if (attr_b(node, "transpose_b")) {
        std::swap(k, c);
        std::vector<float> t(wv.f.size());
        for (int64_t r = 0; r < k; ++r)
            for (int64_t q = 0; q < c; ++q) t[size_t(r * c + q)] = wv.f[size_t(q * k + r)];
        w = m_.weight(wv.name + "/transposed", Shape{k, c}, std::move(t));
    } else {
        w = tensor(wv, node);
    }
    LFR_CHECK(xs[1] == k, where(node) + ": x " + xs.str() + " vs weight [" + std::to_string(k) + "," +
                              std::to_string(c) + "]");
    std::vector<int32_t> inputs = {xt, w};
    Attrs a;
    fused_ops(node, in, 2, c, inputs, a);
    emit(node, OpType::MatMul, inputs, a, Shape{xs[0], c});
}

void Converter::binary(const json& node, const std::string& op, const std::vector<std::string>& in) {
    LFR_CHECK(in.size() == 2, where(node) + ": expects two inputs");
    static const std::map<std::string, OpType> ops = {
        {"Add", OpType::Add}, {"AddV2", OpType::Add}, {"BiasAdd", OpType::Add}, {"Sub", OpType::Sub},
        {"Mul", OpType::Mul}, {"RealDiv", OpType::Div}, {"Div", OpType::Div}, {"Maximum", OpType::Maximum},
        {"Minimum", OpType::Minimum}};
    if (op == "BiasAdd") {
        const std::string fmt = attr_s(node, "data_format", "NHWC");
        if (fmt != "NHWC") unsupported(node, "data_format " + fmt);
    }
    Val& a = runtime(in[0], node);
    Val& b = runtime(in[1], node);
    const Shape s = broadcast(a.shape, b.shape, where(node));
    const int32_t ta = tensor(a, node);
    const int32_t tb = tensor(val(in[1], node), node);
    emit(node, ops.at(op), {ta, tb}, Attrs{}, s);
}

void Converter::prelu(const json& node, const std::vector<std::string>& in) {
    Val& x = runtime(in.at(0), node);
    const Val& alpha = float_const(in.at(1), node, "alpha");
    const int64_t c = x.shape[-1];
    const int32_t aw = m_.weight(alpha.name, Shape{c}, channel_vector(alpha, c, node, "alpha"));
    const Shape s = x.shape;
    emit(node, OpType::Prelu, {tensor(x, node), aw}, Attrs{}, s);
}

void Converter::pool(const json& node, const std::string& op, const std::vector<std::string>& in) {
    Val& x = runtime(in.at(0), node);
    Attrs a;
    window_attrs(node, a, false);
    LFR_CHECK(a.padding != Padding::Explicit, where(node) + ": explicit pool padding is not supported");
    const auto k = attr_ints(node, "ksize");
    LFR_CHECK(k.size() == 4 && k[0] == 1 && k[3] == 1, where(node) + ": ksize must be [1,h,w,1]");
    a.kernel_h = int32_t(k[1]), a.kernel_w = int32_t(k[2]);
    const Shape s = window_shape(x.shape, k[1], k[2], x.shape[3], a, node);
    emit(node, op == "MaxPool" ? OpType::MaxPool : OpType::AvgPool, {tensor(x, node)}, a, s);
}

int32_t Converter::resolve_axis(int64_t axis, int rank, const std::string& where) {
    if (axis < 0) axis += rank;
    LFR_CHECK(axis >= 0 && axis < rank, where + ": axis out of range for rank " + std::to_string(rank));
    return int32_t(axis);
}

void Converter::reduce(const json& node, const std::string& op, const std::vector<std::string>& in) {
    Val& x = runtime(in.at(0), node);
    const Val& axes = int_const(in.at(1), node, "reduction axes");
    Attrs a;
    a.keep_dims = attr_b(node, "keep_dims");
    std::set<int32_t> ax;
    for (int64_t v : axes.i) ax.insert(resolve_axis(v, x.shape.rank, where(node)));
    a.ints.assign(ax.begin(), ax.end());
    Shape s;
    for (int d = 0; d < x.shape.rank; ++d) {
        if (!ax.count(d)) s.dim[s.rank++] = x.shape[d];
        else if (a.keep_dims) s.dim[s.rank++] = 1;
    }
    const OpType t = op == "Mean" ? OpType::Mean : op == "Sum" ? OpType::Sum : OpType::Max;
    emit(node, t, {tensor(x, node)}, a, s);
}

Shape Converter::reshape_target(const std::vector<int64_t>& target, int64_t n, const json& node) {
    Shape s;
    int unknown = -1;
    int64_t known = 1;
    LFR_CHECK(target.size() <= size_t(kMaxRank), where(node) + ": reshape rank too large");
    for (size_t k = 0; k < target.size(); ++k) {
        if (target[k] == -1) {
            LFR_CHECK(unknown < 0, where(node) + ": more than one -1 in a reshape");
            unknown = int(k);
        } else known *= target[k];
        s.dim[s.rank++] = target[k];
    }
    if (unknown >= 0) {
        LFR_CHECK(known > 0 && n % known == 0, where(node) + ": reshape does not divide");
        s.dim[unknown] = n / known;
    }
    LFR_CHECK(s.numel() == n, where(node) + ": reshape to " + s.str() + " of " + std::to_string(n) + " elements");
    return s;
}

void Converter::reshape(const json& node, const std::vector<std::string>& in) {
    Val& x = runtime(in.at(0), node);
    const Val& shape = int_const(in.at(1), node, "reshape shape");
    const Shape s = reshape_target(shape.i, x.shape.numel(), node);
    Attrs a;
    for (int64_t v : shape.i) a.ints.push_back(int32_t(v));
    if (dynamic_batch_ && !a.ints.empty() && a.ints[0] != -1 &&
        std::find(a.ints.begin(), a.ints.end(), -1) == a.ints.end())
        batch_pinned_ = true;
    emit(node, OpType::Reshape, {tensor(x, node)}, a, s);
}

void Converter::reshape_to(const json& node, Val& x, const Shape& s, bool batch_kept) {
    Attrs a;
    for (int k = 0; k < s.rank; ++k) a.ints.push_back(int32_t(s.dim[k]));
    if (dynamic_batch_ && batch_kept && s.rank > 0 && x.shape.rank > 0) a.ints[0] = -1;
    emit(node, OpType::Reshape, {tensor(x, node)}, a, s);
}

void Converter::expand_squeeze(const json& node, const std::string& op, const std::vector<std::string>& in) {
    Val& x = runtime(in.at(0), node);
    Shape s;
    bool batch_kept = true;
    if (op == "ExpandDims") {
        const Val& axv = int_const(in.at(1), node, "axis");
        LFR_CHECK(axv.i.size() == 1, where(node) + ": axis must be a scalar");
        const int32_t axis = resolve_axis(axv.i[0], x.shape.rank + 1, where(node));
        LFR_CHECK(x.shape.rank < kMaxRank, where(node) + ": rank too large");
        for (int d = 0, k = 0; d <= x.shape.rank; ++d) s.dim[s.rank++] = d == axis ? 1 : x.shape.dim[k++];
        batch_kept = axis != 0;
    } else {
        std::set<int32_t> dims;
        for (int64_t d : attr_ints(node, "squeeze_dims")) dims.insert(resolve_axis(d, x.shape.rank, where(node)));
        for (int d = 0; d < x.shape.rank; ++d) {
            const bool squeeze = dims.empty() ? x.shape[d] == 1 : dims.count(d) > 0;
            if (squeeze) {
                LFR_CHECK(x.shape[d] == 1, where(node) + ": squeezing a dim that is not 1");
                if (d == 0) batch_kept = false;
            } else s.dim[s.rank++] = x.shape[d];
        }
    }
    reshape_to(node, x, s, batch_kept);
}

void Converter::concat(const json& node, const std::vector<std::string>& in) {
    LFR_CHECK(in.size() >= 2, where(node) + ": ConcatV2 needs inputs and an axis");
    const Val& axv = int_const(in.back(), node, "axis");
    LFR_CHECK(axv.i.size() == 1, where(node) + ": axis must be a scalar");
    Shape s = val(in[0], node).shape;
    const int32_t axis = resolve_axis(axv.i[0], s.rank, where(node));
    std::vector<int32_t> inputs;
    for (size_t k = 0; k + 1 < in.size(); ++k) {
        Val& v = runtime(in[k], node);
        LFR_CHECK(v.shape.rank == s.rank, where(node) + ": concat of different ranks");
        if (k) s.dim[axis] += v.shape[axis];
        inputs.push_back(tensor(v, node));
    }
    Attrs a;
    a.axis = axis;
    emit(node, OpType::Concat, inputs, a, s);
}

void Converter::pad(const json& node, const std::string& op, const std::vector<std::string>& in) {
    Val& x = runtime(in.at(0), node);
    const Val& p = int_const(in.at(1), node, "paddings");
    LFR_CHECK(p.i.size() == size_t(2 * x.shape.rank), where(node) + ": paddings do not match rank");
    Attrs a;
    Shape s = x.shape;
    for (int d = 0; d < s.rank; ++d) {
        LFR_CHECK(p.i[size_t(2 * d)] >= 0 && p.i[size_t(2 * d + 1)] >= 0, where(node) + ": negative padding");
        s.dim[d] += p.i[size_t(2 * d)] + p.i[size_t(2 * d + 1)];
    }
    for (int64_t v : p.i) a.ints.push_back(int32_t(v));
    if (op == "PadV2") {
        const Val& c = float_const(in.at(2), node, "constant_values");
        LFR_CHECK(c.f.size() == 1, where(node) + ": constant_values must be a scalar");
        a.value = c.f[0];
    }
    emit(node, OpType::Pad, {tensor(x, node)}, a, s);
}

SliceSpec Converter::slice_spec(const json& node, const Shape& in_shape, const std::vector<std::string>& in) {
    const Val& b = int_const(in.at(1), node, "begin");
    const Val& e = int_const(in.at(2), node, "end");
    const Val& st = int_const(in.at(3), node, "strides");
    return resolve_strided_slice(in_shape, b.i, e.i, st.i, attr_i(node, "begin_mask"), attr_i(node, "end_mask"),
                                 attr_i(node, "ellipsis_mask"), attr_i(node, "new_axis_mask"),
                                 attr_i(node, "shrink_axis_mask"), where(node));
}

void Converter::strided_slice(const json& node, const std::vector<std::string>& in) {
    Val& x = runtime(in.at(0), node);
    const SliceSpec sp = slice_spec(node, x.shape, in);
    Attrs a;
    a.ints = sp.begin;
    a.ints.insert(a.ints.end(), sp.end.begin(), sp.end.end());
    a.ints.insert(a.ints.end(), sp.stride.begin(), sp.stride.end());
    a.flags = sp.shrink;
    if (dynamic_batch_) batch_pinned_ = true;  // bounds are resolved for batch 1
    if (sp.shrunk == sp.final_shape) {
        emit(node, OpType::StridedSlice, {tensor(x, node)}, a, sp.shrunk);
        return;
    }
    // new_axis_mask: slice, then reshape to the final shape.
    const std::string name = node.at("name").get<std::string>();
    const int32_t t = m_.node(OpType::StridedSlice, name + "/slice", {tensor(x, node)}, a);
    m_.graph.tensors[size_t(t)].shape = sp.shrunk;
    Val tmp;
    tmp.kind = Val::Runtime, tmp.id = t, tmp.shape = sp.shrunk;
    Attrs r;
    for (int k = 0; k < sp.final_shape.rank; ++k) r.ints.push_back(int32_t(sp.final_shape.dim[k]));
    emit(node, OpType::Reshape, {t}, r, sp.final_shape);
}

void Converter::resize_bilinear(const json& node, const std::vector<std::string>& in) {
    Val& x = runtime(in.at(0), node);
    const Val& size = int_const(in.at(1), node, "size");
    LFR_CHECK(size.i.size() == 2 && x.shape.rank == 4, where(node) + ": size must be [h,w] of an NHWC input");
    Attrs a;
    a.ints = {int32_t(size.i[0]), int32_t(size.i[1])};
    a.flags = (attr_b(node, "align_corners") ? 1 : 0) | (attr_b(node, "half_pixel_centers") ? 2 : 0);
    emit(node, OpType::ResizeBilinear, {tensor(x, node)}, a, Shape{x.shape[0], size.i[0], size.i[1], x.shape[3]});
}

void Converter::depth_to_space(const json& node, const std::vector<std::string>& in) {
    Val& x = runtime(in.at(0), node);
    const std::string fmt = attr_s(node, "data_format", "NHWC");
    if (fmt != "NHWC") unsupported(node, "data_format " + fmt);
    const int64_t bs = attr_i(node, "block_size");
    LFR_CHECK(bs > 0 && x.shape.rank == 4 && x.shape[3] % (bs * bs) == 0, where(node) + ": bad block size");
    Attrs a;
    a.kernel_h = int32_t(bs);
    emit(node, OpType::DepthToSpace, {tensor(x, node)}, a,
         Shape{x.shape[0], x.shape[1] * bs, x.shape[2] * bs, x.shape[3] / (bs * bs)});
}

void Converter::transpose(const json& node, const std::vector<std::string>& in) {
    Val& x = runtime(in.at(0), node);
    const Val& perm = int_const(in.at(1), node, "perm");
    LFR_CHECK(perm.i.size() == size_t(x.shape.rank), where(node) + ": perm does not match rank");
    Attrs a;
    Shape s;
    for (int64_t p : perm.i) {
        const int32_t d = resolve_axis(p, x.shape.rank, where(node));
        a.ints.push_back(d);
        s.dim[s.rank++] = x.shape[d];
    }
    emit(node, OpType::Transpose, {tensor(x, node)}, a, s);
}

void Converter::shape_op(const json& node, const std::vector<std::string>& in) {
    const Val& x = val(in.at(0), node);
    Val v;
    v.kind = Val::Int;
    v.shape = Shape{x.shape.rank};
    for (int d = 0; d < x.shape.rank; ++d) v.i.push_back(x.shape[d]);
    if (dynamic_batch_ && x.kind == Val::Runtime) batch_pinned_ = true;
    set_const(node, std::move(v));
}

}  // namespace lfr::tools::tfjs
