#include "tflite_model.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "lfr/runtime/executor.h"
#include "manifest.h"
#include "passes.h"
#include "tfjs_graph.h"
#include "tflite_schema.h"

namespace lfr::tools {

namespace {

namespace tfl = tflite;

// A TFLite tensor during conversion: produced at run time (a graph tensor), or a constant.
struct Val {
    enum Kind { Pending, Runtime, Float, Half, Int, Other } kind = Pending;
    int32_t id = -1;  // Runtime: the graph tensor; Float: its weight, once one is made
    Shape shape;      // constants: from the file; runtime: as inferred for the conversion-time input
    bool sparse = false;  // f holds only the stored values of a sparse constant (until DENSIFY)
    std::vector<float> f;
    std::vector<int64_t> i;
};

template <class T> std::vector<T> load_all(const uint8_t* p, size_t n) {
    std::vector<T> out(n);
    if (n) std::memcpy(out.data(), p, n * sizeof(T));
    return out;
}

class Converter {
public:
    Converter(const tfl::Model& t, const TfliteOptions& opt) : t_(t), opt_(opt), vals_(t.tensors.size()) {
        for (size_t k = 0; k < t.tensors.size(); ++k) load_constant(k);
        for (int32_t id : t.inputs) add_input(id);
        for (const auto& override : opt.input_shapes) {
            const std::string& name = override.first;  // (a structured binding cannot be captured in C++17)
            const bool found = std::any_of(t.inputs.begin(), t.inputs.end(), [&](int32_t id) {
                return t.tensors[size_t(id)].name == name;
            });
            LFR_CHECK(found, opt.label + ": --input-shape names " + name + ", which is not an input");
        }
    }

    ConvertedModel run() {
        for (const tfl::Operator& op : t_.operators) convert(op);
        for (int32_t id : t_.outputs) {
            const Val& v = vals_[size_t(id)];
            const std::string name = t_.tensors[size_t(id)].name;
            LFR_CHECK(v.kind == Val::Runtime && m_.graph.tensors[size_t(v.id)].kind == TensorKind::Value,
                      opt_.label + ": output " + name + " is not computed by an operator");
            LFR_CHECK(std::find(m_.graph.outputs.begin(), m_.graph.outputs.end(), v.id) == m_.graph.outputs.end(),
                      opt_.label + ": output " + name + " repeats another output");
            m_.output(v.id);
        }
        LFR_CHECK(!m_.graph.outputs.empty(), opt_.label + ": no outputs");
        return std::move(m_);
    }

private:
    const tfl::Model& t_;
    const TfliteOptions& opt_;
    std::vector<Val> vals_;  // per TFLite tensor
    ConvertedModel m_;
    std::map<int32_t, Shape> input_shapes_;  // graph inputs at conversion: -1 dims made concrete

    // Tensors past 2^31 elements are refused before any size arithmetic can overflow.
    static bool too_large(const Shape& s) {
        uint64_t n = 1;
        for (int d = 0; d < s.rank; ++d) n = std::min<uint64_t>(n * uint64_t(std::max<int64_t>(s.dim[d], 1)), uint64_t(1) << 32);
        return n > (uint64_t(1) << 31);
    }
    static Shape shape_of(const std::vector<int32_t>& dims) {
        Shape s;
        for (int32_t d : dims) s.dim[s.rank++] = d;
        return s;
    }

    void load_constant(size_t k) {
        const tfl::Tensor& x = t_.tensors[k];
        if (!x.data) return;
        Val& v = vals_[k];
        v.shape = shape_of(x.shape);
        v.sparse = x.sparse;
        const size_t n = x.sparse ? x.bytes / std::max<size_t>(1, tfl::type_size(x.type)) : size_t(v.shape.numel());
        if (x.type == tfl::FLOAT32) v.kind = Val::Float, v.f = load_all<float>(x.data, n);
        else if (x.type == tfl::FLOAT16) {
            v.kind = Val::Half;
            for (uint16_t h : load_all<uint16_t>(x.data, n)) v.f.push_back(half_to_float(h));
        } else if (x.type == tfl::INT32) {
            v.kind = Val::Int;
            for (int32_t q : load_all<int32_t>(x.data, n)) v.i.push_back(q);
        } else if (x.type == tfl::INT64) v.kind = Val::Int, v.i = load_all<int64_t>(x.data, n);
        else v.kind = Val::Other;
    }

    void add_input(int32_t id) {
        const tfl::Tensor& x = t_.tensors[size_t(id)];
        LFR_CHECK(!x.data, opt_.label + ": input " + x.name + " is a constant");
        LFR_CHECK(x.type == tfl::FLOAT32, opt_.label + ": input " + x.name + " is " + tfl::type_name(x.type) +
                                              " (only FLOAT32 inputs are supported)");
        Shape file = shape_of(x.shape), declared = file;
        if (auto it = opt_.input_shapes.find(x.name); it != opt_.input_shapes.end()) {
            declared = it->second;
            LFR_CHECK(declared.rank == file.rank, opt_.label + ": --input-shape for " + x.name + " has rank " +
                                                      std::to_string(declared.rank) + ", the file's shape is " + file.str());
        }
        // Shapes at conversion come from one concrete input: the file's size where a dim is left free.
        Shape concrete = declared;
        for (int d = 0; d < concrete.rank; ++d) {
            LFR_CHECK(declared.dim[d] == -1 || declared.dim[d] > 0, opt_.label + ": input " + x.name + " shape " +
                                                                        declared.str() + " has a dim that is not -1 or positive");
            if (concrete.dim[d] < 0) concrete.dim[d] = std::max<int64_t>(1, file.dim[d]);
        }
        LFR_CHECK(!too_large(concrete), opt_.label + ": input " + x.name + " shape " + concrete.str() + " is too large");
        Val& v = vals_[size_t(id)];
        v.kind = Val::Runtime;
        v.id = m_.input(x.name, declared);
        v.shape = input_shapes_[v.id] = concrete;
    }

    // ---- per-operator access -------------------------------------------------------------------
    std::string where(const tfl::Operator& op) const {
        return opt_.label + ": node " + t_.tensors[size_t(op.outputs[0])].name + " (" + tfl::builtin_name(op.code) + ")";
    }
    [[noreturn]] void fail(const tfl::Operator& op, const std::string& what) const { throw Error(where(op) + ": " + what); }

    bool present(const tfl::Operator& op, size_t k) const { return k < op.inputs.size() && op.inputs[k] >= 0; }

    Val& input(const tfl::Operator& op, size_t k) {
        if (!present(op, k)) fail(op, "input " + std::to_string(k) + " is missing");
        Val& v = vals_[size_t(op.inputs[k])];
        const tfl::Tensor& x = t_.tensors[size_t(op.inputs[k])];
        if (v.kind == Val::Pending) fail(op, "input " + x.name + " is used before an operator computes it");
        if (v.kind == Val::Other) fail(op, "constant " + x.name + " has type " + tfl::type_name(x.type));
        if (v.sparse && op.code != tfl::DENSIFY) fail(op, "constant " + x.name + " is stored sparse and not densified");
        return v;
    }
    // A data input as a graph tensor: runtime values as they are, float constants as weights.
    int32_t data(const tfl::Operator& op, size_t k) {
        Val& v = input(op, k);
        if (v.kind == Val::Half) fail(op, "float16 constant " + t_.tensors[size_t(op.inputs[k])].name + " used without DEQUANTIZE");
        if (v.kind == Val::Int) fail(op, "integer tensor " + t_.tensors[size_t(op.inputs[k])].name + " used as data");
        if (v.kind == Val::Float && v.id < 0) v.id = m_.weight(t_.tensors[size_t(op.inputs[k])].name, v.shape, v.f);
        return v.id;
    }
    const Val& float_const(const tfl::Operator& op, size_t k, const char* what) {
        const Val& v = input(op, k);
        if (v.kind != Val::Float) fail(op, std::string(what) + " must be a float32 constant");
        return v;
    }
    const std::vector<int64_t>& int_const(const tfl::Operator& op, size_t k, const char* what) {
        const Val& v = input(op, k);
        if (v.kind != Val::Int) fail(op, std::string(what) + " must be an integer constant");
        return v.i;
    }
    const Shape& shape(const tfl::Operator& op, size_t k) { return input(op, k).shape; }

    // The options table, checked to be of the expected union type (absent: all defaults).
    fb::Table options(const tfl::Operator& op, uint8_t type) const {
        if (op.options_type != 0 && op.options_type != type)
            fail(op, "options of union type " + std::to_string(op.options_type) + ", expected " + std::to_string(type));
        return op.options;
    }

    // ---- emitting nodes ----------------------------------------------------------------------
    // Appends a node named after the op's output (plus `suffix` for helper nodes), infers its shape
    // with the executor's shape function and returns its output tensor.
    int32_t emit(const tfl::Operator& op, OpType type, std::vector<int32_t> inputs, Attrs attrs, const std::string& suffix = "") {
        const std::string name = t_.tensors[size_t(op.outputs[0])].name + suffix;
        std::vector<Shape> shapes;
        for (int32_t id : inputs) {
            const auto in = input_shapes_.find(id);
            shapes.push_back(id < 0 ? absent_shape() : in != input_shapes_.end() ? in->second : m_.graph.tensors[size_t(id)].shape);
        }
        const int32_t out = m_.node(type, name, std::move(inputs), std::move(attrs));
        try {
            m_.graph.tensors[size_t(out)].shape = op_kernels(type).infer(m_.graph.nodes.back(), shapes);
        } catch (const Error& e) {
            fail(op, e.what());
        }
        if (too_large(m_.graph.tensors[size_t(out)].shape))
            fail(op, "output " + m_.graph.tensors[size_t(out)].shape.str() + " is too large");
        return out;
    }
    void set_output(const tfl::Operator& op, int32_t id) {
        LFR_CHECK(op.outputs.size() == 1, where(op) + ": expected one output");
        Val& v = vals_[size_t(op.outputs[0])];
        if (v.kind != Val::Pending) fail(op, "output is computed twice or is a constant");
        v.kind = Val::Runtime, v.id = id, v.shape = m_.graph.tensors[size_t(id)].shape;
    }
    void set_constant(const tfl::Operator& op, Val v) {
        Val& out = vals_[size_t(op.outputs[0])];
        if (out.kind != Val::Pending) fail(op, "output is computed twice or is a constant");
        out = std::move(v);
        out.id = -1;
    }

    // TFLite's ActivationFunctionType at `field` of the options.
    Activation fused_act(const tfl::Operator& op, const fb::Table& o, int field) const {
        switch (o.scalar<int8_t>(field, 0)) {
            case 0: return Activation::None;
            case 1: return Activation::Relu;
            case 3: return Activation::Relu6;
            default: fail(op, "fused activation " + std::to_string(o.scalar<int8_t>(field, 0)) + " is not supported");
        }
    }
    // Emits `type` with a fused activation: in the node where the IR fuses it, else as a Relu/Relu6
    // node after it (which then carries the output's name).
    void emit_with_act(const tfl::Operator& op, OpType type, std::vector<int32_t> inputs, Attrs attrs, Activation act) {
        const bool fuses = type == OpType::Conv2D || type == OpType::DepthwiseConv2D || type == OpType::MatMul ||
                           type == OpType::Add || type == OpType::Sub || type == OpType::Mul || type == OpType::Div;
        if (fuses || act == Activation::None) {
            attrs.act = act;
            return set_output(op, emit(op, type, std::move(inputs), std::move(attrs)));
        }
        const int32_t x = emit(op, type, std::move(inputs), std::move(attrs), "/pre_act");
        set_output(op, emit(op, act == Activation::Relu ? OpType::Relu : OpType::Relu6, {x}, Attrs{}));
    }

    // SAME / VALID and strides of a conv or pool (TFLite Padding: SAME = 0, VALID = 1).
    void window(const tfl::Operator& op, const fb::Table& o, int padding, int stride_w, int stride_h, Attrs& a) const {
        const int8_t p = o.scalar<int8_t>(padding, 0);
        if (p != 0 && p != 1) fail(op, "padding " + std::to_string(p));
        a.padding = p == 0 ? Padding::Same : Padding::Valid;
        a.stride_w = o.scalar<int32_t>(stride_w, 0), a.stride_h = o.scalar<int32_t>(stride_h, 0);
        if (a.stride_w < 1 || a.stride_h < 1) fail(op, "strides must be at least 1");
    }
    void no_dilation(const tfl::Operator& op, const fb::Table& o, int dil_w, int dil_h) const {
        if (o.scalar<int32_t>(dil_w, 1) != 1 || o.scalar<int32_t>(dil_h, 1) != 1)
            fail(op, "dilation other than 1 is not supported");
    }
    int32_t axis(const tfl::Operator& op, int64_t a, int rank) const {
        if (a < 0) a += rank;
        if (a < 0 || a >= rank) fail(op, "axis out of range for rank " + std::to_string(rank));
        return int32_t(a);
    }
    int32_t optional_bias(const tfl::Operator& op, size_t k) {
        if (!present(op, k)) return -1;
        float_const(op, k, "bias");
        return data(op, k);
    }

    // ---- the op mapping ----------------------------------------------------------------------
    void convert(const tfl::Operator& op) {
        static const std::pair<int32_t, OpType> unary[] = {
            {tfl::RELU, OpType::Relu}, {tfl::RELU6, OpType::Relu6}, {tfl::LOGISTIC, OpType::Sigmoid},
            {tfl::TANH, OpType::Tanh}, {tfl::ABS, OpType::Abs},     {tfl::NEG, OpType::Neg},
            {tfl::EXP, OpType::Exp},   {tfl::SQRT, OpType::Sqrt},   {tfl::RSQRT, OpType::Rsqrt},
            {tfl::SQUARE, OpType::Square}};
        for (const auto& [code, type] : unary)
            if (op.code == code) return set_output(op, emit(op, type, {data(op, 0)}, Attrs{}));
        switch (op.code) {
            case tfl::CONV_2D: return conv(op);
            case tfl::DEPTHWISE_CONV_2D: return depthwise(op);
            case tfl::FULLY_CONNECTED: return fully_connected(op);
            case tfl::ADD: return binary(op, OpType::Add, tfl::AddOptions);
            case tfl::SUB: return binary(op, OpType::Sub, tfl::SubOptions);
            case tfl::MUL: return binary(op, OpType::Mul, tfl::MulOptions);
            case tfl::DIV: return binary(op, OpType::Div, tfl::DivOptions);
            case tfl::MAXIMUM: return binary(op, OpType::Maximum, 0);
            case tfl::MINIMUM: return binary(op, OpType::Minimum, 0);
            case tfl::LEAKY_RELU: {
                Attrs a;
                a.alpha = options(op, tfl::LeakyReluOptions).scalar<float>(0, 0.f);
                return set_output(op, emit(op, OpType::LeakyRelu, {data(op, 0)}, a));
            }
            case tfl::MAX_POOL_2D: return pool(op, OpType::MaxPool);
            case tfl::AVERAGE_POOL_2D: return pool(op, OpType::AvgPool);
            case tfl::MEAN: return reduce(op, OpType::Mean);
            case tfl::SUM: return reduce(op, OpType::Sum);
            case tfl::REDUCE_MAX: return reduce(op, OpType::Max);
            case tfl::SOFTMAX: return softmax(op);
            case tfl::PAD: case tfl::PADV2: return pad(op);
            case tfl::CONCATENATION: return concat(op);
            case tfl::RESHAPE: return reshape(op);
            case tfl::RESIZE_BILINEAR: return resize_bilinear(op);
            case tfl::DEPTH_TO_SPACE: {
                Attrs a;
                a.kernel_h = options(op, tfl::DepthToSpaceOptions).scalar<int32_t>(0, 0);
                return set_output(op, emit(op, OpType::DepthToSpace, {data(op, 0)}, a));
            }
            case tfl::TRANSPOSE: {
                Attrs a;
                const int rank = shape(op, 0).rank;
                for (int64_t p : int_const(op, 1, "perm")) a.ints.push_back(axis(op, p, rank));
                return set_output(op, emit(op, OpType::Transpose, {data(op, 0)}, a));
            }
            case tfl::DEQUANTIZE: {
                const Val& x = input(op, 0);
                if (x.kind != Val::Half) fail(op, "only float16 constants can be dequantized");
                Val v = x;
                v.kind = Val::Float;
                return set_constant(op, std::move(v));
            }
            case tfl::DENSIFY: {
                const Val& x = input(op, 0);
                if (!x.sparse || (x.kind != Val::Float && x.kind != Val::Half)) fail(op, "only sparse float constants can be densified");
                Val v = x;
                v.f = tfl::densify(t_.tensors[size_t(op.inputs[0])], x.f, where(op));
                v.sparse = false;
                return set_constant(op, std::move(v));
            }
            case tfl::CUSTOM: fail(op, "custom op " + op.custom + " is not supported");
            default: fail(op, "unsupported op");
        }
    }

    void conv(const tfl::Operator& op) {
        const fb::Table o = options(op, tfl::Conv2DOptions);
        Attrs a;
        window(op, o, 0, 1, 2, a);
        no_dilation(op, o, 4, 5);
        const Val& w = float_const(op, 1, "filter");
        if (w.shape.rank != 4) fail(op, "filter must be 4-D [Co,KH,KW,Ci], got " + w.shape.str());
        const int64_t co = w.shape[0], kh = w.shape[1], kw = w.shape[2], ci = w.shape[3];
        std::vector<float> hwio(w.f.size());  // OHWI -> HWIO
        for (int64_t o2 = 0; o2 < co; ++o2)
            for (int64_t s = 0; s < kh * kw; ++s)
                for (int64_t c = 0; c < ci; ++c) hwio[size_t((s * ci + c) * co + o2)] = w.f[size_t((o2 * kh * kw + s) * ci + c)];
        const std::string name = t_.tensors[size_t(op.inputs[1])].name;
        const int32_t wt = m_.weight(name, Shape{kh, kw, ci, co}, std::move(hwio));
        emit_with_act(op, OpType::Conv2D, {data(op, 0), wt, optional_bias(op, 2)}, a, fused_act(op, o, 3));
    }

    void depthwise(const tfl::Operator& op) {
        const fb::Table o = options(op, tfl::DepthwiseConv2DOptions);
        Attrs a;
        window(op, o, 0, 1, 2, a);
        no_dilation(op, o, 5, 6);
        const Val& w = float_const(op, 1, "filter");
        const int64_t c = shape(op, 0).rank == 4 ? shape(op, 0)[3] : 0;
        if (w.shape.rank != 4 || w.shape[0] != 1 || c <= 0 || w.shape[3] % c)
            fail(op, "filter " + w.shape.str() + " does not fit input " + shape(op, 0).str());
        // [1,KH,KW,C*M] holds channel c*M+m exactly where [KH,KW,C,M] does: a reshape.
        const std::string name = t_.tensors[size_t(op.inputs[1])].name;
        const int32_t wt = m_.weight(name, Shape{w.shape[1], w.shape[2], c, w.shape[3] / c}, w.f);
        emit_with_act(op, OpType::DepthwiseConv2D, {data(op, 0), wt, optional_bias(op, 2)}, a, fused_act(op, o, 4));
    }

    void fully_connected(const tfl::Operator& op) {
        const fb::Table o = options(op, tfl::FullyConnectedOptions);
        if (o.scalar<int8_t>(1, 0) != 0) fail(op, "shuffled weights format is not supported");
        const Val& w = float_const(op, 1, "weights");
        if (w.shape.rank != 2) fail(op, "weights must be 2-D [Co,Ci], got " + w.shape.str());
        const int64_t co = w.shape[0], ci = w.shape[1];
        int32_t x = data(op, 0);
        const Shape xs = shape(op, 0);
        if (xs.rank != 2) {  // TFLite flattens every leading dim into the batch
            if (o.scalar<uint8_t>(2, 0)) fail(op, "keep_num_dims on a rank-" + std::to_string(xs.rank) + " input");
            Attrs r;
            r.ints = {-1, int32_t(ci)};
            x = emit(op, OpType::Reshape, {x}, r, "/flatten");
        }
        std::vector<float> t(w.f.size());  // [Co,Ci] -> [Ci,Co]
        for (int64_t r = 0; r < co; ++r)
            for (int64_t c = 0; c < ci; ++c) t[size_t(c * co + r)] = w.f[size_t(r * ci + c)];
        const int32_t wt = m_.weight(t_.tensors[size_t(op.inputs[1])].name, Shape{ci, co}, std::move(t));
        emit_with_act(op, OpType::MatMul, {x, wt, optional_bias(op, 2)}, Attrs{}, fused_act(op, o, 0));
    }

    void binary(const tfl::Operator& op, OpType type, uint8_t options_type) {
        const Activation act = options_type ? fused_act(op, options(op, options_type), 0) : Activation::None;
        emit_with_act(op, type, {data(op, 0), data(op, 1)}, Attrs{}, act);
    }

    void pool(const tfl::Operator& op, OpType type) {
        const fb::Table o = options(op, tfl::Pool2DOptions);
        Attrs a;
        window(op, o, 0, 1, 2, a);
        a.kernel_w = o.scalar<int32_t>(3, 0), a.kernel_h = o.scalar<int32_t>(4, 0);
        if (a.kernel_w < 1 || a.kernel_h < 1) fail(op, "pool window must be at least 1x1");
        emit_with_act(op, type, {data(op, 0)}, a, fused_act(op, o, 5));
    }

    void reduce(const tfl::Operator& op, OpType type) {
        Attrs a;
        a.keep_dims = options(op, tfl::ReducerOptions).scalar<uint8_t>(0, 0) != 0;
        const int rank = shape(op, 0).rank;
        std::set<int32_t> axes;
        for (int64_t v : int_const(op, 1, "axes")) axes.insert(axis(op, v, rank));
        a.ints.assign(axes.begin(), axes.end());
        set_output(op, emit(op, type, {data(op, 0)}, a));
    }

    void softmax(const tfl::Operator& op) {
        const float beta = options(op, tfl::SoftmaxOptions).scalar<float>(0, 0.f);
        int32_t x = data(op, 0);
        if (beta != 1.f) x = emit(op, OpType::Mul, {x, m_.weight(t_.tensors[size_t(op.outputs[0])].name + "/beta", Shape{}, {beta})},
                                  Attrs{}, "/scaled");
        set_output(op, emit(op, OpType::Softmax, {x}, Attrs{}));
    }

    void pad(const tfl::Operator& op) {
        Attrs a;
        const std::vector<int64_t>& p = int_const(op, 1, "paddings");
        if (p.size() != size_t(2 * shape(op, 0).rank)) fail(op, "paddings do not match the input rank");
        for (int64_t v : p) {
            if (v < 0 || v > INT32_MAX) fail(op, "bad padding " + std::to_string(v));
            a.ints.push_back(int32_t(v));
        }
        if (op.code == tfl::PADV2 && present(op, 2)) {
            const Val& c = float_const(op, 2, "constant_values");
            if (c.f.size() != 1) fail(op, "constant_values must be a scalar");
            a.value = c.f[0];
        }
        set_output(op, emit(op, OpType::Pad, {data(op, 0)}, a));
    }

    void concat(const tfl::Operator& op) {
        const fb::Table o = options(op, tfl::ConcatenationOptions);
        Attrs a;
        a.axis = axis(op, o.scalar<int32_t>(0, 0), shape(op, 0).rank);
        std::vector<int32_t> ins;
        for (size_t k = 0; k < op.inputs.size(); ++k) ins.push_back(data(op, k));
        emit_with_act(op, OpType::Concat, std::move(ins), a, fused_act(op, o, 1));
    }

    void reshape(const tfl::Operator& op) {
        Attrs a;
        if (present(op, 1)) {  // the shape tensor wins over the (older) new_shape option
            for (int64_t v : int_const(op, 1, "shape")) a.ints.push_back(int32_t(std::clamp<int64_t>(v, -2, INT32_MAX)));
        } else {
            const fb::Vector s = options(op, tfl::ReshapeOptions).vector(0, 4);
            for (uint32_t k = 0; k < s.size(); ++k) a.ints.push_back(s.at<int32_t>(k));
        }
        Shape target;  // checked here: the shape function multiplies the dims
        for (int32_t d : a.ints) {
            if (target.rank == kMaxRank) fail(op, "target rank over " + std::to_string(kMaxRank));
            target.dim[target.rank++] = d;
        }
        if (too_large(target)) fail(op, "target shape " + target.str() + " is too large");
        set_output(op, emit(op, OpType::Reshape, {data(op, 0)}, a));
    }

    void resize_bilinear(const tfl::Operator& op) {
        const fb::Table o = options(op, tfl::ResizeBilinearOptions);
        const std::vector<int64_t>& size = int_const(op, 1, "size");
        if (size.size() != 2 || size[0] < 1 || size[1] < 1 || size[0] > INT32_MAX || size[1] > INT32_MAX)
            fail(op, "size must be two positive integers");
        Attrs a;
        a.ints = {int32_t(size[0]), int32_t(size[1])};
        a.flags = (o.scalar<uint8_t>(2, 0) ? 1 : 0) | (o.scalar<uint8_t>(3, 0) ? 2 : 0);
        set_output(op, emit(op, OpType::ResizeBilinear, {data(op, 0)}, a));
    }
};

std::string file_name(const std::string& path) {
    const size_t slash = path.find_last_of("/\\");
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

ConvertedModel convert_tflite(const uint8_t* data, size_t size, const TfliteOptions& options, TfliteReport* report) {
    const fb::Buffer buf(data, size, options.label);
    const tfl::Model t = tfl::read_model(buf);
    ConvertedModel m = Converter(t, options).run();
    if (report) {
        report->tflite_ops = t.operators.size();
        report->nodes_before_folds = m.graph.nodes.size();
    }
    if (options.optimize) run_default_passes(m);
    eliminate_dead_nodes(m);
    validate_round_trip(m);
    return m;
}

ConvertedModel convert_tflite_file(const std::string& path, TfliteOptions options, TfliteReport* report) {
    std::ifstream f(path, std::ios::binary);
    LFR_CHECK(f, "cannot open " + path);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (options.label == TfliteOptions{}.label) options.label = file_name(path);
    return convert_tflite(bytes.data(), bytes.size(), options, report);
}

}  // namespace lfr::tools
