// Writes small .lfr models that load and run, together covering every op (and float16 storage), as
// fuzz seeds:
//   make_model_seeds fuzz/corpus/fuzz_lfr_model
#include <cstdio>
#include <string>

#include "lfr/format/builder.h"
#include "lfr/runtime/executor.h"

using namespace lfr;
using tools::ConvertedModel;

namespace {

std::vector<float> ramp(size_t n) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = float(int(i % 5) - 2) * 0.25f;
    return v;
}

int32_t weight(ConvertedModel& m, const std::string& name, const Shape& s) { return m.weight(name, s, ramp(size_t(s.numel()))); }

Attrs with_ints(std::vector<int32_t> ints) {
    Attrs a;
    a.ints = std::move(ints);
    return a;
}

ConvertedModel conv_pool() {
    ConvertedModel m;
    int32_t x = m.input("x", Shape{-1, 6, 6, 3});
    Attrs conv;
    conv.padding = Padding::Same;
    conv.act = Activation::Leaky;
    conv.alpha = 0.1f;
    x = m.node(OpType::Conv2D, "conv", {x, weight(m, "w", Shape{3, 3, 3, 4}), weight(m, "b", Shape{4})}, conv);
    Attrs pool;
    pool.kernel_h = pool.kernel_w = pool.stride_h = pool.stride_w = 2;
    x = m.node(OpType::MaxPool, "max", {x}, pool);
    pool.padding = Padding::Explicit;
    pool.pad_top = pool.pad_left = 1;
    pool.stride_h = pool.stride_w = 1;
    x = m.node(OpType::AvgPool, "avg", {x}, pool);
    m.output(m.node(OpType::Mean, "mean", {x}, with_ints({1, 2})));
    return m;
}

ConvertedModel depthwise() {
    ConvertedModel m;
    int32_t x = m.input("x", Shape{1, 5, 5, 2});
    Attrs dw;
    dw.padding = Padding::Same;
    dw.stride_h = dw.stride_w = 2;
    dw.act = Activation::Prelu;
    x = m.node(OpType::DepthwiseConv2D, "dw", {x, weight(m, "w", Shape{3, 3, 2, 2}), -1, weight(m, "alpha", Shape{4})}, dw);
    x = m.node(OpType::Relu6, "relu6", {x});
    Attrs d2s;
    d2s.kernel_h = 2;
    m.output(m.node(OpType::DepthToSpace, "d2s", {x}, d2s));
    return m;
}

ConvertedModel matmul() {
    ConvertedModel m;
    int32_t x = m.input("x", Shape{-1, 12});
    Attrs mm;
    mm.act = Activation::Relu;
    x = m.node(OpType::MatMul, "fc", {x, weight(m, "w", Shape{12, 5}), weight(m, "b", Shape{5})}, mm);
    m.output(m.node(OpType::Softmax, "softmax", {x}));
    return m;
}

ConvertedModel elementwise() {
    ConvertedModel m;
    int32_t x = m.input("x", Shape{-1, 3, 4});
    const int32_t b = weight(m, "b", Shape{4});
    int i = 0;
    for (OpType op : {OpType::Add, OpType::Sub, OpType::Mul, OpType::Div, OpType::Maximum, OpType::Minimum, OpType::Prelu})
        x = m.node(op, "bin" + std::to_string(i++), {x, b});
    for (OpType op : {OpType::Sigmoid, OpType::Tanh, OpType::Abs, OpType::Square, OpType::Sqrt, OpType::Rsqrt,
                      OpType::Exp, OpType::Neg, OpType::Relu, OpType::LeakyRelu})
        x = m.node(op, "un" + std::to_string(i++), {x});
    m.output(x);
    return m;
}

ConvertedModel layout() {
    ConvertedModel m;
    int32_t x = m.input("x", Shape{1, 4, 4, 3});
    int32_t p = m.node(OpType::Pad, "pad", {x}, with_ints({0, 0, 1, 1, 1, 1, 0, 0}));
    Attrs resize = with_ints({4, 4});
    resize.flags = 2;
    int32_t r = m.node(OpType::ResizeBilinear, "resize", {p}, resize);
    Attrs cat;
    cat.axis = 3;
    int32_t c = m.node(OpType::Concat, "concat", {x, r}, cat);
    int32_t t = m.node(OpType::Transpose, "transpose", {c}, with_ints({0, 2, 1, 3}));
    Attrs slice = with_ints({0, 1, 0, 0, 1, 4, 4, 6, 1, 2, 1, 3});
    slice.flags = 1;
    int32_t s = m.node(OpType::StridedSlice, "slice", {t}, slice);
    int32_t rs = m.node(OpType::Reshape, "reshape", {s}, with_ints({-1, 4}));
    Attrs sum = with_ints({1});
    sum.keep_dims = true;
    m.output(m.node(OpType::Sum, "sum", {rs}, sum));
    m.output(m.node(OpType::Max, "max", {rs}, with_ints({0})));
    return m;
}

ConvertedModel msff() {
    ConvertedModel m;
    int32_t a = m.input("a", Shape{-1, 4, 4, 2});
    int32_t b = m.input("b", Shape{-1, 2, 2, 3});
    Attrs f = with_ints({2});
    f.act = Activation::Relu;
    m.output(m.node(OpType::MultiScaleFusion, "msff", {a, b, weight(m, "w", Shape{5, 4}), weight(m, "bias", Shape{4})}, f));
    return m;
}

// Loads and runs the model once (open dims = 2), so that every seed reaches the kernels.
void check_runs(const std::vector<uint8_t>& bytes) {
    Model model = Model::from_memory(bytes.data(), bytes.size());
    std::vector<Tensor> inputs;
    for (int32_t id : model.graph().inputs) {
        Shape s = model.graph().tensors[size_t(id)].shape;
        for (int d = 0; d < s.rank; ++d)
            if (s.dim[d] == -1) s.dim[d] = 2;
        inputs.emplace_back(s, 0.5f);
    }
    Session(model).run(views(inputs));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_model_seeds OUT_DIR\n");
        return 2;
    }
    const std::pair<const char*, ConvertedModel> seeds[] = {
        {"conv_pool", conv_pool()}, {"depthwise", depthwise()}, {"matmul", matmul()},
        {"elementwise", elementwise()}, {"layout", layout()}, {"msff", msff()}};
    for (const auto& [name, m] : seeds) {
        const std::vector<uint8_t> bytes = serialize_model(m.graph, m.weights);
        check_runs(bytes);
        m.save(std::string(argv[1]) + "/" + name + ".lfr");
    }
    // One float16 file (format version 3), so mutations reach the storage byte and half blobs.
    const ConvertedModel m = conv_pool();
    check_runs(serialize_model(m.graph, m.weights, WeightType::F16));
    m.save(std::string(argv[1]) + "/conv_pool_f16.lfr", WeightType::F16);
    return 0;
}
