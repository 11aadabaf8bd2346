#include "onnx_export.h"

#include <cstdio>
#include <limits>
#include <set>
#include <utility>

#include "lfr/ops/registry.h"
#include "onnx_const.h"

namespace lfr::tools {

namespace {

using onnx::Attribute;

// Transpose perms between lfr's NHWC and ONNX's NCHW: NCHW dim j is NHWC dim kToNchw[j].
const std::vector<int64_t> kToNchw = {0, 3, 1, 2}, kToNhwc = {0, 2, 3, 1};

Attribute attr(const std::string& name, int64_t v) {
    Attribute a;
    a.name = name, a.type = Attribute::kInt, a.i = v;
    return a;
}
Attribute attr(const std::string& name, std::vector<int64_t> v) {
    Attribute a;
    a.name = name, a.type = Attribute::kInts, a.ints = std::move(v);
    return a;
}
Attribute attr_f(const std::string& name, float v) {
    Attribute a;
    a.name = name, a.type = Attribute::kFloat, a.f = v;
    return a;
}
Attribute attr(const std::string& name, const char* v) {
    Attribute a;
    a.name = name, a.type = Attribute::kString, a.s = v;
    return a;
}

std::vector<int64_t> dims_of(const Shape& s) { return std::vector<int64_t>(s.dim, s.dim + s.rank); }

class Exporter {
public:
    Exporter(const Model& model, const ExportOptions& options) : model_(model), g_(model.graph()) {
        infer_shapes(options);
        unique_names();
    }

    onnx::Model run() {
        out_.ir_version = 7;  // the first IR of opset 13
        out_.opset = 13;
        out_.producer = "lfr_export";
        out_.graph.name = "lfr";
        for (int32_t id : g_.inputs) {
            names_[{id, false}] = name(id, false);
            out_.graph.inputs.push_back(value_info(id));
            if (rank(id) != 4) continue;
            as(id, true);  // images go NCHW at once, so what follows (e.g. x - mean) runs NCHW too
            nchw_[size_t(id)] = 1;
        }
        for (const Node& n : g_.nodes) {
            node_ = &n;
            convert(n);
        }
        node_ = nullptr;
        for (int32_t id : g_.outputs) {
            if (g_.tensors[size_t(id)].kind != TensorKind::Value) fail("graph output " + name(id, false) + " is not computed by a node");
            as(id, false);  // named as in lfr, NHWC
            out_.graph.outputs.push_back(value_info(id));
        }
        return std::move(out_);
    }

private:
    const Model& model_;
    const Graph& g_;
    std::vector<Shape> shapes_;                              // per tensor, every size fixed
    std::vector<std::string> names_of_;                      // per tensor, unique in the ONNX graph
    std::vector<char> nchw_;                                 // per value: its ONNX twin is NCHW
    std::map<std::pair<int32_t, bool>, std::string> names_;  // (tensor, NCHW?) -> ONNX value, once made
    std::set<std::string> initializers_;
    onnx::Model out_;
    const Node* node_ = nullptr;

    [[noreturn]] void fail(const std::string& msg) const {
        if (!node_) throw Error(model_.label() + ": " + msg);
        throw Error(model_.label() + ": node " + node_->name + " (op " + op_name(node_->op) + "): " + msg);
    }

    void infer_shapes(const ExportOptions& options) {
        shapes_.resize(g_.tensors.size());
        nchw_.assign(g_.tensors.size(), 0);
        for (size_t t = 0; t < g_.tensors.size(); ++t) shapes_[t] = g_.tensors[t].shape;
        for (int32_t id : g_.inputs) {
            const TensorInfo& t = g_.tensors[size_t(id)];
            Shape& s = shapes_[size_t(id)];
            const auto given = options.input_shapes.find(t.name);
            if (given != options.input_shapes.end()) {
                if (given->second.rank != s.rank)
                    fail("the shape given for input " + t.name + " has rank " + std::to_string(given->second.rank) + ", the input " + s.str());
                s = given->second;
            }
            if (s.rank > 0 && s.dim[0] < 0) s.dim[0] = 1;  // a dynamic batch: export batch 1
            for (int d = 0; d < s.rank; ++d)
                if (s.dim[d] < 0) fail("input " + t.name + " " + s.str() + " has a size chosen at run time: give its shape");
        }
        for (const Node& n : g_.nodes) {
            node_ = &n;
            std::vector<Shape> in;
            for (int32_t id : n.inputs) {
                Shape s;
                if (id < 0) s.rank = -1;
                else s = shapes_[size_t(id)];
                in.push_back(s);
            }
            try {
                shapes_[size_t(n.outputs.at(0))] = op_kernels(n.op).infer(n, in);
            } catch (const Error& e) {
                fail(e.what());
            }
        }
        node_ = nullptr;
    }

    // lfr lets a weight and a value share a name (a MatMul "fc" and its weight "fc"), ONNX does not:
    // the graph's inputs and outputs keep theirs, a later repeat gets its tensor id appended.
    void unique_names() {
        std::set<std::string> used;
        names_of_.resize(g_.tensors.size());
        auto take = [&](int32_t id) {
            std::string& n = names_of_[size_t(id)];
            if (!n.empty()) return;
            n = g_.tensors[size_t(id)].name;
            if (!used.insert(n).second) used.insert(n += "." + std::to_string(id));
        };
        for (int32_t id : g_.inputs) take(id);
        for (int32_t id : g_.outputs) take(id);
        for (size_t id = 0; id < g_.tensors.size(); ++id) take(int32_t(id));
    }

    std::string name(int32_t id, bool nchw) const { return names_of_[size_t(id)] + (nchw ? "/nchw" : ""); }
    int rank(int32_t id) const { return shapes_[size_t(id)].rank; }
    bool is_weight(int32_t id) const { return g_.tensors[size_t(id)].kind == TensorKind::Weight; }
    // The layout a runtime tensor has in the ONNX graph (weights are made in whichever is asked).
    bool native_nchw(int32_t id) const { return !is_weight(id) && nchw_[size_t(id)]; }

    onnx::ValueInfo value_info(int32_t id) const {
        onnx::ValueInfo v;
        v.name = name(id, false);
        v.elem_type = onnx::kFloat;
        v.has_shape = true;
        v.dims = dims_of(shapes_[size_t(id)]);
        return v;
    }

    void add(const std::string& op, std::vector<std::string> in, const std::string& out, std::vector<Attribute> attrs = {}) {
        onnx::Node n;
        n.name = out, n.op_type = op, n.inputs = std::move(in), n.outputs = {out}, n.attributes = std::move(attrs);
        out_.graph.nodes.push_back(std::move(n));
    }

    // A float initializer; one already made under this name is reused.
    std::string floats(const std::string& name, std::vector<int64_t> dims, std::vector<float> v) {
        if (!initializers_.insert(name).second) return name;
        onnx::Tensor t;
        t.name = name, t.dims = std::move(dims), t.data_type = onnx::kFloat, t.floats = std::move(v);
        out_.graph.initializers.push_back(std::move(t));
        return name;
    }
    std::string ints(const std::string& name, std::vector<int64_t> v) {
        onnx::Tensor t;
        t.name = name, t.dims = {int64_t(v.size())}, t.data_type = onnx::kInt64, t.ints = std::move(v);
        out_.graph.initializers.push_back(std::move(t));
        return name;
    }
    std::string scalar(float v) {
        char n[64];
        std::snprintf(n, sizeof n, "lfr_export/scalar/%.9g", double(v));  // 9 digits: one name per float
        return floats(n, {}, {v});
    }

    onnx::Const weight_const(int32_t id) const {
        const Shape& s = shapes_[size_t(id)];
        const float* w = model_.weight(id);
        return {dims_of(s), std::vector<double>(w, w + s.numel()), false};
    }
    std::string weight(const std::string& name, const onnx::Const& c) {
        return floats(name, c.dims, std::vector<float>(c.v.begin(), c.v.end()));
    }

    // Tensor `id` as an ONNX value in NCHW (4-D only; a weight of lower rank is first aligned to the
    // right, as broadcasting does) or as in lfr: made on first use, a Transpose or an initializer.
    std::string as(int32_t id, bool nchw) {
        const auto key = std::make_pair(id, nchw);
        if (const auto it = names_.find(key); it != names_.end()) return it->second;
        const std::string n = name(id, nchw);
        if (is_weight(id)) {
            onnx::Const c = weight_const(id);
            if (nchw) {
                if (c.dims.size() > 4) fail("weight " + n + " of rank " + std::to_string(c.dims.size()) + " meets a 4-D map");
                c.dims.insert(c.dims.begin(), 4 - c.dims.size(), 1);
                c = onnx::transpose(c, {0, 3, 1, 2});
            }
            weight(n, c);
        } else {
            if (rank(id) != 4) fail("tensor " + name(id, false) + " of rank " + std::to_string(rank(id)) + " cannot be NCHW");
            add("Transpose", {as(id, !nchw)}, n, {attr("perm", nchw ? kToNchw : kToNhwc)});
        }
        return names_[key] = n;
    }

    // The node's output, produced in layout nchw; `pre`: the name before the fused activation.
    std::string result(const Node& n, bool nchw) {
        const int32_t id = n.outputs[0];
        nchw_[size_t(id)] = nchw;
        return names_[{id, nchw}] = name(id, nchw);
    }
    std::string pre(const Node& n, bool nchw) {
        const std::string out = name(n.outputs[0], nchw);
        return n.attrs.act == Activation::None ? out : out + "/pre_act";
    }
    // The fused activation as its own node: pre(n) -> result(n). prelu: input index of the slopes.
    void activation(const Node& n, bool nchw, size_t prelu) {
        const std::string x = pre(n, nchw), y = result(n, nchw);
        switch (n.attrs.act) {
            case Activation::None: return;
            case Activation::Relu: return add("Relu", {x}, y);
            case Activation::Relu6: return add("Clip", {x, scalar(0.f), scalar(6.f)}, y);
            case Activation::Leaky: return add("LeakyRelu", {x}, y, {attr_f("alpha", n.attrs.alpha)});
            case Activation::Sigmoid: return add("Sigmoid", {x}, y);
            case Activation::Prelu:
                if (prelu >= n.inputs.size() || n.inputs[prelu] < 0) fail("fused PRelu without slopes");
                return add("PRelu", {x, as(n.inputs[prelu], nchw)}, y);
        }
    }

    std::vector<Attribute> window(const Node& n, bool pooling) {
        const Attrs& a = n.attrs;
        std::vector<Attribute> at = {attr("strides", std::vector<int64_t>{a.stride_h, a.stride_w})};
        if (pooling) at.push_back(attr("kernel_shape", std::vector<int64_t>{a.kernel_h, a.kernel_w}));
        else at.push_back(attr("dilations", std::vector<int64_t>{a.dilation_h, a.dilation_w}));
        if (a.padding == Padding::Same) at.push_back(attr("auto_pad", "SAME_UPPER"));  // TF's SAME: the odd cell after
        if (a.padding == Padding::Explicit)
            at.push_back(attr("pads", std::vector<int64_t>{a.pad_top, a.pad_left, a.pad_bottom, a.pad_right}));
        return at;
    }

    void conv(const Node& n) {
        if (!is_weight(n.inputs[1])) fail("the filter is computed at run time; only constant filters are laid out for ONNX");
        onnx::Const w = weight_const(n.inputs[1]);  // [KH, KW, Ci, Co] or depthwise [KH, KW, C, M]
        int64_t group = 1;
        if (n.op == OpType::Conv2D) {
            w = onnx::transpose(w, {3, 2, 0, 1});  // [Co, Ci, KH, KW]
        } else {
            group = w.dims[2];
            w = onnx::transpose(w, {2, 3, 0, 1});  // [C, M, KH, KW]: output channel c*M + m, as lfr's
            w.dims = {w.dims[0] * w.dims[1], 1, w.dims[2], w.dims[3]};
        }
        std::vector<std::string> in = {as(n.inputs[0], true), weight(name(n.inputs[1], false) + "/oihw", w)};
        if (n.inputs.size() > 2 && n.inputs[2] >= 0) in.push_back(as(n.inputs[2], false));
        std::vector<Attribute> at = window(n, false);
        at.push_back(attr("group", group));
        add("Conv", in, pre(n, true), at);
        activation(n, true, 3);
    }

    void matmul(const Node& n) {
        const int32_t x = n.inputs[0];
        std::string xs;
        if (rank(x) == 2) xs = as(x, false);
        else {  // lfr flattens x to [N, K] in NHWC order; NCHW order is the same when H = W = 1
            const Shape& s = shapes_[size_t(x)];
            const bool same = rank(x) == 4 && native_nchw(x) && s[1] * s[2] == 1;
            xs = name(n.outputs[0], false) + "/x_flat";
            add("Flatten", {as(x, same)}, xs, {attr("axis", int64_t(1))});
        }
        std::vector<std::string> in = {xs, as(n.inputs[1], false)};
        if (n.inputs.size() > 2 && n.inputs[2] >= 0) in.push_back(as(n.inputs[2], false));
        add("Gemm", in, pre(n, false));
        activation(n, false, 3);
    }

    // Elementwise binary ops (and Prelu): NCHW when a 4-D operand is, and no runtime operand of
    // lower rank would need realigning; weights are laid out to match.
    void binary(const Node& n) {
        static const std::map<OpType, const char*> ops = {{OpType::Add, "Add"}, {OpType::Sub, "Sub"}, {OpType::Mul, "Mul"},
                                                          {OpType::Div, "Div"}, {OpType::Maximum, "Max"}, {OpType::Minimum, "Min"},
                                                          {OpType::Prelu, "PRelu"}};
        bool nchw = false, low = false;
        for (int32_t id : n.inputs) {
            if (is_weight(id)) continue;
            nchw = nchw || (rank(id) == 4 && native_nchw(id));
            low = low || rank(id) < 4;
        }
        nchw = nchw && !low && rank(n.outputs[0]) == 4;
        std::vector<std::string> in;
        for (int32_t id : n.inputs) in.push_back(as(id, nchw));
        add(ops.at(n.op), in, pre(n, nchw));
        activation(n, nchw, n.inputs.size());
    }

    void unary(const Node& n) {
        const int32_t x = n.inputs[0];
        const bool nchw = native_nchw(x);
        const std::string xs = as(x, nchw), y = result(n, nchw);
        switch (n.op) {
            case OpType::Relu: return add("Relu", {xs}, y);
            case OpType::Relu6: return add("Clip", {xs, scalar(0.f), scalar(6.f)}, y);
            case OpType::LeakyRelu: return add("LeakyRelu", {xs}, y, {attr_f("alpha", n.attrs.alpha)});
            case OpType::Sigmoid: return add("Sigmoid", {xs}, y);
            case OpType::Tanh: return add("Tanh", {xs}, y);
            case OpType::Abs: return add("Abs", {xs}, y);
            case OpType::Square: return add("Mul", {xs, xs}, y);
            case OpType::Sqrt: return add("Sqrt", {xs}, y);
            case OpType::Rsqrt:
                add("Sqrt", {xs}, y + "/sqrt");
                return add("Div", {scalar(1.f), y + "/sqrt"}, y);
            case OpType::Exp: return add("Exp", {xs}, y);
            case OpType::Neg: return add("Neg", {xs}, y);
            case OpType::Softmax: return add("Softmax", {xs}, y, {attr("axis", int64_t(nchw ? 1 : -1))});  // lfr: the last (channel) axis
            default: fail("not a unary op");
        }
    }

    // ONNX dim j of tensor x in layout nchw is lfr dim lfr_dim(j).
    static int lfr_dim(bool nchw, size_t j) { return nchw ? int(kToNchw[j]) : int(j); }
    static int64_t onnx_dim(bool nchw, int d) { return nchw ? kToNhwc[size_t(d)] : d; }

    void reduce(const Node& n) {
        const int32_t x = n.inputs[0];
        bool nchw = native_nchw(x);
        if (nchw && !n.attrs.keep_dims) {  // the kept dims must keep their order (e.g. [N,H,W,C] -> [N,C])
            int64_t last = -1;
            for (int d = 0; d < 4; ++d) {
                bool reduced = false;
                for (int32_t a : n.attrs.ints) reduced = reduced || a == d;
                if (reduced) continue;
                nchw = nchw && onnx_dim(true, d) > last;
                last = onnx_dim(true, d);
            }
        }
        std::vector<int64_t> axes;
        for (int32_t a : n.attrs.ints) axes.push_back(onnx_dim(nchw, a));
        const std::string op = n.op == OpType::Mean ? "ReduceMean" : n.op == OpType::Sum ? "ReduceSum" : "ReduceMax";
        std::vector<std::string> in = {as(x, nchw)};
        std::vector<Attribute> at = {attr("keepdims", int64_t(n.attrs.keep_dims))};
        if (n.op == OpType::Sum) in.push_back(ints(n.name + "/axes", axes));  // an input from opset 13 on
        else at.push_back(attr("axes", axes));
        add(op, in, result(n, nchw && n.attrs.keep_dims), at);
    }

    void pad(const Node& n) {
        const int32_t x = n.inputs[0];
        const bool nchw = native_nchw(x);
        const size_t r = size_t(rank(x));
        std::vector<int64_t> pads(2 * r);
        for (size_t j = 0; j < r; ++j) {
            const size_t d = size_t(lfr_dim(nchw, j));
            pads[j] = n.attrs.ints[2 * d], pads[r + j] = n.attrs.ints[2 * d + 1];
        }
        add("Pad", {as(x, nchw), ints(n.name + "/pads", pads), scalar(n.attrs.value)}, result(n, nchw));
    }

    void concat(const Node& n) {
        bool nchw = false;
        for (int32_t id : n.inputs) nchw = nchw || native_nchw(id);
        std::vector<std::string> in;
        for (int32_t id : n.inputs) in.push_back(as(id, nchw));
        add("Concat", in, result(n, nchw), {attr("axis", onnx_dim(nchw, n.attrs.axis))});
    }

    void strided_slice(const Node& n) {
        const int32_t x = n.inputs[0];
        const int32_t shrink = n.attrs.flags;
        const bool nchw = native_nchw(x) && !shrink;
        const size_t r = size_t(rank(x));
        std::vector<int64_t> starts, ends, axes, steps;
        for (size_t j = 0; j < r; ++j) {
            const size_t d = size_t(lfr_dim(nchw, j));
            const int64_t b = n.attrs.ints[d], e = n.attrs.ints[r + d], s = n.attrs.ints[2 * r + d];
            starts.push_back(b);
            ends.push_back(s < 0 && e == -1 ? std::numeric_limits<int64_t>::min() : e);  // -1: down to index 0
            axes.push_back(int64_t(j));
            steps.push_back(s);
        }
        const std::string y = result(n, nchw), sliced = shrink ? y + "/unshrunk" : y;
        add("Slice", {as(x, nchw), ints(n.name + "/starts", starts), ints(n.name + "/ends", ends), ints(n.name + "/axes", axes),
                      ints(n.name + "/steps", steps)},
            sliced);
        if (!shrink) return;
        std::vector<int64_t> gone;
        for (size_t d = 0; d < r; ++d)
            if (shrink >> d & 1) gone.push_back(int64_t(d));
        add("Squeeze", {sliced, ints(n.name + "/squeeze", gone)}, y);
    }

    void resize(const Node& n) {
        const Shape& s = shapes_[size_t(n.inputs[0])];
        const std::vector<int64_t> sizes = {s[0], s[3], n.attrs.ints.at(0), n.attrs.ints.at(1)};
        const char* mode = n.attrs.flags & 1 ? "align_corners" : n.attrs.flags & 2 ? "half_pixel" : "asymmetric";
        add("Resize", {as(n.inputs[0], true), "", "", ints(n.name + "/sizes", sizes)}, result(n, true),
            {attr("mode", "linear"), attr("coordinate_transformation_mode", mode)});
    }

    void convert(const Node& n) {
        const int32_t x = n.inputs.empty() ? -1 : n.inputs[0];
        switch (n.op) {
            case OpType::Conv2D:
            case OpType::DepthwiseConv2D: return conv(n);
            case OpType::MatMul: return matmul(n);
            case OpType::Add:
            case OpType::Sub:
            case OpType::Mul:
            case OpType::Div:
            case OpType::Maximum:
            case OpType::Minimum:
            case OpType::Prelu: return binary(n);
            case OpType::MaxPool:
            case OpType::AvgPool:
                return add(n.op == OpType::MaxPool ? "MaxPool" : "AveragePool", {as(x, true)}, result(n, true), window(n, true));
            case OpType::Mean:
            case OpType::Sum:
            case OpType::Max: return reduce(n);
            case OpType::Pad: return pad(n);
            case OpType::Concat: return concat(n);
            case OpType::Reshape: {
                std::vector<int64_t> shape(n.attrs.ints.begin(), n.attrs.ints.end());
                return add("Reshape", {as(x, false), ints(n.name + "/shape", shape)}, result(n, false));
            }
            case OpType::StridedSlice: return strided_slice(n);
            case OpType::ResizeBilinear: return resize(n);
            case OpType::DepthToSpace:
                return add("DepthToSpace", {as(x, true)}, result(n, true), {attr("blocksize", int64_t(n.attrs.kernel_h)), attr("mode", "DCR")});
            case OpType::Transpose: {
                std::vector<int64_t> perm(n.attrs.ints.begin(), n.attrs.ints.end());
                return add("Transpose", {as(x, false)}, result(n, false), {attr("perm", perm)});
            }
            case OpType::MultiScaleFusion: fail("no ONNX mapping (export the pools, Concat and Conv it fuses instead)");
            default: return unary(n);
        }
    }
};

}  // namespace

onnx::Model export_onnx(const Model& model, const ExportOptions& options) { return Exporter(model, options).run(); }

}  // namespace lfr::tools
