// One handler per ONNX op: reads the node's inputs and attributes through the Importer, emits lfr
// nodes (or folds constants) and sets the node's outputs with their layouts.
#include <cmath>

#include "onnx_importer.h"

namespace lfr::tools::onnx {

namespace {

// Physical position of logical dim `axis` in layout perm.
int physical_axis(const std::vector<int>& perm, int64_t axis) {
    for (size_t i = 0; i < perm.size(); ++i)
        if (perm[i] == axis) return int(i);
    return -1;
}

// --- windows: Conv and pooling -----------------------------------------------------------------

Attrs window_attrs(const Importer& im, bool dilated) {
    Attrs a;
    const auto strides = im.attr_ints("strides", {1, 1}), dil = im.attr_ints("dilations", {1, 1});
    const auto pads = im.attr_ints("pads", {0, 0, 0, 0});
    if (strides.size() != 2 || dil.size() != 2 || pads.size() != 4) im.fail("only 2-D windows are supported");
    for (int64_t v : strides) if (v < 1 || v > 4096) im.fail("bad stride " + std::to_string(v));
    for (int64_t v : dil) if (v < 1 || v > 4096 || (!dilated && v != 1)) im.fail("unsupported dilation " + std::to_string(v));
    for (int64_t v : pads) if (v < 0 || v > 4096) im.fail("unsupported pad " + std::to_string(v));
    a.stride_h = int32_t(strides[0]), a.stride_w = int32_t(strides[1]);
    a.dilation_h = int32_t(dil[0]), a.dilation_w = int32_t(dil[1]);
    const std::string auto_pad = im.attr_string("auto_pad", "NOTSET");
    if (auto_pad == "SAME_UPPER") a.padding = Padding::Same;  // TF's SAME: the odd cell after
    else if (auto_pad == "VALID") a.padding = Padding::Valid;
    else if (auto_pad != "NOTSET") im.fail("auto_pad " + auto_pad + " is not supported");
    else if (pads[0] || pads[1] || pads[2] || pads[3]) {
        a.padding = Padding::Explicit;  // ONNX order: [top, left, bottom, right]
        a.pad_top = int32_t(pads[0]), a.pad_left = int32_t(pads[1]), a.pad_bottom = int32_t(pads[2]), a.pad_right = int32_t(pads[3]);
    }
    return a;
}

void conv(Importer& im) {
    const int32_t x = im.nhwc(im.input(0));
    const Const& w = im.const_input(1, "Conv weight");
    if (w.dims.size() != 4) im.fail("Conv weight must be [Co, Ci/group, KH, KW]");
    const int64_t c = im.shape(x)[3], co = w.dims[0], group = im.attr_int("group", 1);
    Attrs a = window_attrs(im, true);
    OpType op = OpType::Conv2D;
    Const hwio;
    if (group == 1 && w.dims[1] == c) {
        hwio = transpose(w, {2, 3, 1, 0});  // [Co,Ci,KH,KW] -> [KH,KW,Ci,Co]
    } else if (group == c && w.dims[1] == 1 && c > 0 && co % c == 0) {
        op = OpType::DepthwiseConv2D;  // output channel ci*M + m, as ONNX's groups
        Const split = w;
        split.dims = {c, co / c, w.dims[2], w.dims[3]};
        hwio = transpose(split, {2, 3, 0, 1});  // -> [KH,KW,C,M]
    } else {
        im.fail("Conv with group " + std::to_string(group) + ", weight " + std::to_string(w.dims[1]) + " in-channels per group over " +
                std::to_string(c) + " channels is not supported (only plain or depthwise)");
    }
    std::vector<int32_t> in = {x, im.weight(hwio, identity(4), "/w")};
    if (im.has_input(2)) {
        Const b = im.const_input(2, "Conv bias");
        if (int64_t(b.v.size()) != co) im.fail("Conv bias needs " + std::to_string(co) + " values");
        b.dims = {co};
        in.push_back(im.weight(b, identity(1), "/b"));
    }
    im.set_output(0, runtime(im.emit(op, in, a), kNhwc));
}

void pool(Importer& im, OpType op) {
    const int32_t x = im.nhwc(im.input(0));
    const auto k = im.attr_ints("kernel_shape", {});
    if (k.size() != 2 || k[0] < 1 || k[1] < 1 || k[0] > 4096 || k[1] > 4096) im.fail("needs a 2-D kernel_shape");
    if (im.attr_int("ceil_mode", 0) != 0) im.fail("ceil_mode 1 is not supported");
    Attrs a = window_attrs(im, false);
    a.kernel_h = int32_t(k[0]), a.kernel_w = int32_t(k[1]);
    if (op == OpType::AvgPool && a.padding != Padding::Valid && im.attr_int("count_include_pad", 0) != 0)
        im.fail("count_include_pad 1 with padding is not supported (lfr averages real cells only)");
    im.set_output(0, runtime(im.emit(op, {x}, a), kNhwc));
}

void global_pool(Importer& im, OpType op) {
    Attrs a;
    a.ints = {1, 2};
    a.keep_dims = true;
    im.set_output(0, runtime(im.emit(op, {im.nhwc(im.input(0))}, a), kNhwc));
}

// --- elementwise ---------------------------------------------------------------------------------

// a (op) b with numpy broadcasting; constants are laid out like the other operand.
Value binary_value(Importer& im, OpType op, char host, const Value& a, const Value& b, const std::string& suffix) {
    if (a.is_const && b.is_const) {
        if (!host) im.fail("constant operands are not supported for this op");
        try {
            return Value::constant(binary(host, a.c, b.c));
        } catch (const Error& e) {
            im.fail(e.what());
        }
    }
    const Value pa = im.placed(a), pb = im.placed(b);
    const size_t r = std::max(im.logical_dims(pa).size(), im.logical_dims(pb).size());
    // The runtime operands' layout when they share one at full rank; else the logical order.
    const std::vector<int>& first = pa.is_const ? pb.perm : pa.perm;
    bool shared = first.size() == r;
    for (const Value* v : {&pa, &pb}) shared = shared && (v->is_const || v->perm == first);
    const std::vector<int> perm = shared ? first : identity(r);
    auto operand = [&](const Value& v) {
        if (!v.is_const) return im.in_layout(v, shared ? perm : identity(v.perm.size()));
        Const e = v.c;  // numpy broadcast aligns the right ends: pad the rank, then lay it out
        e.dims.insert(e.dims.begin(), r - e.dims.size(), 1);
        return im.weight(e, perm, suffix + "/const");
    };
    return runtime(im.emit(op, {operand(pa), operand(pb)}, {}, suffix), perm);
}

template <OpType Op, char Host>
void binary_op(Importer& im) {
    im.set_output(0, binary_value(im, Op, Host, im.input(0), im.input(1), ""));
}

// An elementwise op of one input: the result keeps the input's layout (NHWC flatten included).
void unary(Importer& im, OpType op, const Attrs& attrs = {}) {
    const Value& v = im.input(0);
    Value out = v.is_const ? runtime(-1, identity(v.c.dims.size())) : v;
    out.id = im.emit(op, {v.is_const ? im.plain(v) : v.id}, attrs);
    im.set_output(0, out);
}

template <OpType Op>
void unary_op(Importer& im) {
    unary(im, Op);
}

void leaky_relu(Importer& im) {
    Attrs a;
    a.alpha = im.attr_float("alpha", 0.01f);
    unary(im, OpType::LeakyRelu, a);
}

// Clip to [0, 6] or [0, inf): Relu6 or Relu (bounds: attributes before opset 11, inputs after).
void clip(Importer& im) {
    float lo = im.attr_float("min", -INFINITY), hi = im.attr_float("max", INFINITY);
    for (size_t i : {1, 2}) {
        if (!im.has_input(i)) continue;
        const Const& c = im.const_input(i, i == 1 ? "Clip min" : "Clip max");
        if (c.v.size() != 1) im.fail("Clip bounds must be scalars");
        (i == 1 ? lo : hi) = float(c.v[0]);
    }
    if (lo != 0.f || (hi != 6.f && hi != INFINITY)) im.fail("only Clip(0, 6) and Clip(0, inf) are supported");
    unary(im, hi == 6.f ? OpType::Relu6 : OpType::Relu);
}

void prelu(Importer& im) { im.set_output(0, binary_value(im, OpType::Prelu, 0, im.input(0), im.input(1), "")); }

// y = (x - mean) / sqrt(var + eps) * scale + bias as x * a + b per channel (logical dim 1): the
// passes fold both into a preceding Conv or Gemm.
void batch_norm(Importer& im) {
    const Value& x = im.input(0);
    const size_t rank = im.logical_dims(x).size();
    const Const &scale = im.const_input(1, "scale"), &bias = im.const_input(2, "B");
    const Const &mean = im.const_input(3, "mean"), &var = im.const_input(4, "var");
    const double eps = im.attr_float("epsilon", 1e-5f);
    const size_t c = scale.v.size();
    if (rank < 2 || int64_t(c) != im.logical_dims(x)[1] || bias.v.size() != c || mean.v.size() != c || var.v.size() != c)
        im.fail("BatchNormalization parameters do not match the channels");
    Const a{std::vector<int64_t>(rank, 1), std::vector<double>(c), false}, b = a;
    a.dims[1] = b.dims[1] = int64_t(c);
    for (size_t i = 0; i < c; ++i) {
        const double k = scale.v[i] / std::sqrt(var.v[i] + eps);
        a.v[i] = float(k);
        b.v[i] = float(bias.v[i] - mean.v[i] * k);
    }
    const Value scaled = binary_value(im, OpType::Mul, '*', x, Value::constant(a), "/bn_scale");
    im.set_output(0, binary_value(im, OpType::Add, '+', scaled, Value::constant(b), ""));
}

void softmax(Importer& im) {
    const Value v = im.placed(im.input(0));
    const size_t rank = im.logical_dims(v).size();
    const int64_t axis = axis_in(im, im.attr_int("axis", im.opset() < 13 ? 1 : -1), rank);
    // Before opset 13 Softmax flattens the dims from `axis` on: the same only when axis is the last.
    if (im.opset() < 13 && axis != int64_t(rank) - 1) im.fail("Softmax over axis " + std::to_string(axis) + " is not over the last axis");
    std::vector<int> perm = v.is_const ? identity(rank) : v.perm;
    if (physical_axis(perm, axis) != int(rank) - 1) {  // lfr's Softmax runs over the last physical dim
        perm.clear();
        for (size_t i = 0; i < rank; ++i)
            if (int64_t(i) != axis) perm.push_back(int(i));
        perm.push_back(int(axis));
    }
    im.set_output(0, runtime(im.emit(OpType::Softmax, {im.in_layout(v, perm)}), perm));
}

// ReduceMean/Sum/Max over logical axes (attribute, or input from opset 18; default all), in the
// input's layout: the kept dims keep their relative physical order.
void reduce(Importer& im, OpType op) {
    const Value v = im.placed(im.input(0));
    const size_t r = im.logical_dims(v).size();
    const std::vector<int> perm = v.is_const ? identity(r) : v.perm;
    std::vector<int64_t> axes = im.has_input(1) ? ints_of(im.const_input(1, "axes")) : im.attr_ints("axes", {});
    std::vector<bool> reduced(r, axes.empty());
    for (int64_t a : axes) reduced[size_t(axis_in(im, a, r))] = true;
    Attrs at;
    at.keep_dims = im.attr_int("keepdims", 1) != 0;
    std::vector<int> rank_of(r, 0), out_perm;  // kept logical dim -> its index among the kept ones
    for (size_t l = 0, k = 0; l < r; ++l) rank_of[l] = reduced[l] ? -1 : int(k++);
    for (size_t i = 0; i < r; ++i) {
        if (reduced[size_t(perm[i])]) at.ints.push_back(int32_t(i));
        if (at.keep_dims) out_perm.push_back(perm[i]);
        else if (!reduced[size_t(perm[i])]) out_perm.push_back(rank_of[size_t(perm[i])]);
    }
    im.set_output(0, runtime(im.emit(op, {im.in_layout(v, perm)}, at), out_perm));
}

// Bilinear Resize of H and W (mode linear) in one of TF's three coordinate modes, to `sizes`
// (input 3) or by `scales` (input 2).
void resize(Importer& im) {
    const Value& v = im.input(0);
    const std::vector<int64_t> d = im.logical_dims(v);
    if (d.size() != 4) im.fail("only 4-D Resize is supported");
    if (im.attr_string("mode", "nearest") != "linear") im.fail("only mode linear is supported");
    const std::string mode = im.attr_string("coordinate_transformation_mode", "half_pixel");
    Attrs a;
    if (mode == "align_corners") a.flags = 1;
    else if (mode == "half_pixel") a.flags = 2;  // TF's half_pixel_centers
    else if (mode != "asymmetric") im.fail("coordinate_transformation_mode " + mode + " is not supported");
    std::vector<int64_t> out;
    if (im.has_input(3)) out = ints_of(im.const_input(3, "Resize sizes"));
    else if (im.has_input(2)) {
        const Const& scales = im.const_input(2, "Resize scales");
        for (size_t i = 0; i < scales.v.size() && i < d.size(); ++i) out.push_back(int64_t(std::floor(double(d[i]) * scales.v[i])));
    }
    if (out.size() != 4 || out[0] != d[0] || out[1] != d[1]) im.fail("only H and W can be resized (give sizes or scales)");
    for (size_t i : {2, 3})
        if (out[i] < 1 || out[i] > (int64_t(1) << 30)) im.fail("bad output size " + std::to_string(out[i]));
    a.ints = {int32_t(out[2]), int32_t(out[3])};
    im.set_output(0, runtime(im.emit(OpType::ResizeBilinear, {im.nhwc(v)}, a), kNhwc));
}

void depth_to_space(Importer& im) {
    if (im.attr_string("mode", "DCR") != "DCR") im.fail("only mode DCR is supported (TF's order)");
    const int64_t block = im.attr_int("blocksize", 0);
    if (block < 1 || block > 4096) im.fail("bad blocksize " + std::to_string(block));
    Attrs a;
    a.kernel_h = int32_t(block);
    im.set_output(0, runtime(im.emit(OpType::DepthToSpace, {im.nhwc(im.input(0))}, a), kNhwc));
}

}  // namespace

// Shape-changing and constant ops (onnx_shape_ops.cpp).
const Handler* find_shape_handler(const std::string& op_type);

const Handler* find_handler(const std::string& op_type) {
    static const std::map<std::string, Handler> table = {
        {"Conv", conv},
        {"MaxPool", [](Importer& im) { pool(im, OpType::MaxPool); }},
        {"AveragePool", [](Importer& im) { pool(im, OpType::AvgPool); }},
        {"GlobalAveragePool", [](Importer& im) { global_pool(im, OpType::Mean); }},
        {"GlobalMaxPool", [](Importer& im) { global_pool(im, OpType::Max); }},
        {"BatchNormalization", batch_norm},
        {"Add", binary_op<OpType::Add, '+'>},
        {"Sub", binary_op<OpType::Sub, '-'>},
        {"Mul", binary_op<OpType::Mul, '*'>},
        {"Div", binary_op<OpType::Div, '/'>},
        {"Max", binary_op<OpType::Maximum, 0>},
        {"Min", binary_op<OpType::Minimum, 0>},
        {"PRelu", prelu},
        {"Relu", unary_op<OpType::Relu>},
        {"Sigmoid", unary_op<OpType::Sigmoid>},
        {"Tanh", unary_op<OpType::Tanh>},
        {"Exp", unary_op<OpType::Exp>},
        {"Abs", unary_op<OpType::Abs>},
        {"Neg", unary_op<OpType::Neg>},
        {"Sqrt", unary_op<OpType::Sqrt>},
        {"LeakyRelu", leaky_relu},
        {"Clip", clip},
        {"Softmax", softmax},
        {"ReduceMean", [](Importer& im) { reduce(im, OpType::Mean); }},
        {"ReduceSum", [](Importer& im) { reduce(im, OpType::Sum); }},
        {"ReduceMax", [](Importer& im) { reduce(im, OpType::Max); }},
        {"Resize", resize},
        {"DepthToSpace", depth_to_space},
    };
    const auto it = table.find(op_type);
    return it != table.end() ? &it->second : find_shape_handler(op_type);
}

}  // namespace lfr::tools::onnx
