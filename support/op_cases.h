// One table of single-node cases, used both by the GPU parity tests (tests/gpu/test_gpu_ops.cpp:
// odd shapes, batch 1 and 7) and the kernel benchmark (bench/gpu/bench_gpu.cpp: model-sized shapes).
// Each case is one node plus its input shapes; inputs are filled deterministically.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "lfr/ops/registry.h"
#include "op_cost.h"

namespace lfr {
namespace gpu_cases {

struct OpCase {
    std::string name;
    Node node;
    std::vector<Shape> in;      // rank -1: an absent optional input
    std::vector<int> positive;  // inputs to fill with values in [0.5, 2.5] (Sqrt, Div's divisor)
    double tol = 1e-5;          // max |gpu - cpu| / max(1, max |cpu|)
};

inline Shape absent() {
    Shape s;
    s.rank = -1;
    return s;
}

// Deterministic values in [-1, 1) from a small LCG; salt separates tensors.
inline std::vector<float> fill(int64_t n, unsigned salt, bool positive) {
    std::vector<float> v(size_t(n > 0 ? n : 0));
    uint32_t s = 2463534242u ^ (salt * 2654435761u);
    for (float& x : v) {
        s = s * 1664525u + 1013904223u;
        const float u = float(s >> 8) / float(1u << 24) * 2.f - 1.f;
        x = positive ? 1.5f + u : u;
    }
    return v;
}

inline Node make_node(OpType op, const std::string& name) {
    Node n;
    n.op = op;
    n.name = name;
    return n;
}

// Conv2D / DepthwiseConv2D: w [k,k,C,co_or_m]; bias/prelu sized to the output channels.
inline OpCase conv_case(OpType op, const std::string& name, Shape x, int k, int64_t co_or_m, int stride,
                        Padding pad, Activation act, bool bias, float alpha = 0.1f) {
    OpCase c;
    c.name = name;
    c.node = make_node(op, name);
    c.node.attrs.stride_h = c.node.attrs.stride_w = stride;
    c.node.attrs.padding = pad;
    c.node.attrs.act = act;
    c.node.attrs.alpha = alpha;
    const int64_t out_c = op == OpType::Conv2D ? co_or_m : x[3] * co_or_m;
    c.in = {x, Shape{k, k, x[3], co_or_m}, bias ? Shape{out_c} : absent()};
    if (act == Activation::Prelu) c.in.push_back(Shape{out_c});
    c.tol = 2e-5;
    return c;
}

inline OpCase matmul_case(const std::string& name, Shape x, int64_t K, int64_t M, Activation act, bool bias) {
    OpCase c;
    c.name = name;
    c.node = make_node(OpType::MatMul, name);
    c.node.attrs.act = act;
    c.in = {x, Shape{K, M}, bias ? Shape{M} : absent()};
    if (act == Activation::Prelu) c.in.push_back(Shape{M});
    c.tol = 2e-5;
    return c;
}

// MultiScaleFusion over `maps` (target size: the last map's) into co channels.
inline OpCase msff_case(const std::string& name, std::vector<Shape> maps, int64_t co, Activation act, bool bias) {
    OpCase c;
    c.name = name;
    c.node = make_node(OpType::MultiScaleFusion, name);
    c.node.attrs.ints = {int32_t(maps.size())};
    c.node.attrs.act = act;
    c.node.attrs.alpha = 0.1f;
    int64_t cs = 0;
    for (const Shape& m : maps) cs += m[3];
    c.in = std::move(maps);
    c.in.push_back(Shape{cs, co});
    c.in.push_back(bias ? Shape{co} : absent());
    c.tol = 2e-5;
    return c;
}

inline OpCase simple_case(OpType op, const std::string& name, std::vector<Shape> in, Attrs attrs = Attrs(),
                          std::vector<int> positive = {}, double tol = 1e-5) {
    OpCase c;
    c.name = name;
    c.node = make_node(op, name);
    c.node.attrs = attrs;
    c.in = std::move(in);
    c.positive = std::move(positive);
    c.tol = tol;
    return c;
}

inline Attrs pool_attrs(int k, int s, Padding p) {
    Attrs a;
    a.kernel_h = a.kernel_w = k;
    a.stride_h = a.stride_w = s;
    a.padding = p;
    return a;
}

inline Attrs ints_attrs(std::vector<int32_t> ints, float value = 0.f, int32_t flags = 0) {
    Attrs a;
    a.ints = std::move(ints);
    a.value = value;
    a.flags = flags;
    return a;
}

inline Attrs act_attrs(Activation act, float alpha = 0.f) {
    Attrs a;
    a.act = act;
    a.alpha = alpha;
    return a;
}

// Small, odd shapes for parity; batch 1 and 7.
inline std::vector<OpCase> parity_cases() {
    using A = Activation;
    const OpType CV = OpType::Conv2D, DW = OpType::DepthwiseConv2D;
    std::vector<OpCase> v;
    // Conv2D: implicit GEMM (any window) and cuBLAS (1x1 stride 1)
    v.push_back(conv_case(CV, "conv3x3 s1 same relu", {1, 13, 17, 5}, 3, 7, 1, Padding::Same, A::Relu, true));
    v.push_back(conv_case(CV, "conv3x3 s2 valid leaky b7", {7, 9, 11, 3}, 3, 16, 2, Padding::Valid, A::Leaky, true));
    v.push_back(conv_case(CV, "conv7x7 s2 valid prelu", {1, 23, 21, 3}, 7, 9, 2, Padding::Valid, A::Prelu, true));
    v.push_back(conv_case(CV, "conv3x3 s1 same nobias K630", {1, 14, 14, 70}, 3, 130, 1, Padding::Same, A::None, false));
    v.push_back(conv_case(CV, "conv3x3 sigmoid b7", {7, 6, 5, 4}, 3, 65, 1, Padding::Same, A::Sigmoid, true));
    v.push_back(conv_case(CV, "conv1x1 s1 cublas relu6 b7", {7, 5, 3, 33}, 1, 65, 1, Padding::Same, A::Relu6, true));
    v.push_back(conv_case(CV, "conv1x1 s1 cublas prelu", {1, 13, 13, 64}, 1, 25, 1, Padding::Valid, A::Prelu, true));
    v.push_back(conv_case(CV, "conv1x1 s2 same", {1, 9, 9, 8}, 1, 5, 2, Padding::Same, A::None, true));
    {
        OpCase c = conv_case(CV, "conv3x3 explicit pads", {1, 10, 12, 4}, 3, 70, 1, Padding::Explicit, A::Relu, true);
        c.node.attrs.pad_top = 1, c.node.attrs.pad_bottom = 2, c.node.attrs.pad_left = 0, c.node.attrs.pad_right = 1;
        v.push_back(c);
    }
    for (int d : {2, 3}) {  // dilated (fr_detect's RFB blocks), both kernels
        OpCase c = conv_case(CV, "conv3x3 dilation " + std::to_string(d), {1, 15, 13, 6}, 3, 9, 1, Padding::Same, A::Relu, true);
        OpCase e = conv_case(DW, "dw3x3 s2 dilation " + std::to_string(d), {1, 15, 13, 6}, 3, 1, 2, Padding::Same, A::None, true);
        c.node.attrs.dilation_h = c.node.attrs.dilation_w = e.node.attrs.dilation_h = e.node.attrs.dilation_w = d;
        v.push_back(c);
        v.push_back(e);
    }
    // DepthwiseConv2D
    v.push_back(conv_case(DW, "dw3x3 s1 same relu", {1, 17, 13, 37}, 3, 1, 1, Padding::Same, A::Relu, true));
    v.push_back(conv_case(DW, "dw3x3 s2 same leaky b7", {7, 9, 10, 8}, 3, 1, 2, Padding::Same, A::Leaky, true));
    v.push_back(conv_case(DW, "dw3x3 valid prelu", {1, 6, 7, 5}, 3, 1, 1, Padding::Valid, A::Prelu, true));
    v.push_back(conv_case(DW, "dw5x5 s1 same", {1, 12, 9, 6}, 5, 1, 1, Padding::Same, A::None, false));
    v.push_back(conv_case(DW, "dw3x3 multiplier 2", {1, 7, 7, 3}, 3, 2, 1, Padding::Same, A::Relu6, true));
    // MatMul (cuBLAS)
    v.push_back(matmul_case("matmul 256x128", {1, 256}, 256, 128, A::None, false));
    v.push_back(matmul_case("matmul flatten relu b7", {7, 1, 1, 33}, 33, 17, A::Relu, true));
    v.push_back(matmul_case("matmul prelu", {3, 50}, 50, 9, A::Prelu, true));
    // Binary ops: same shape, per-channel, scalar, general broadcast
    v.push_back(simple_case(OpType::Add, "add residual relu b7", {{7, 5, 3, 9}, {7, 5, 3, 9}}, act_attrs(A::Relu)));
    v.push_back(simple_case(OpType::Mul, "mul per-channel", {{1, 5, 3, 9}, {9}}));
    v.push_back(simple_case(OpType::Sub, "sub scalar", {{2, 3, 7}, Shape{}}));
    v.push_back(simple_case(OpType::Sub, "sub scalar first", {Shape{1}, {2, 3, 7}}));
    v.push_back(simple_case(OpType::Div, "div per-channel", {{1, 4, 4, 6}, {1, 1, 1, 6}}, Attrs(), {1}));
    v.push_back(simple_case(OpType::Maximum, "maximum broadcast", {{3, 1, 5}, {4, 1}}));
    v.push_back(simple_case(OpType::Minimum, "minimum broadcast b7", {{7, 7, 1, 3}, {1, 1, 6, 1}}));
    v.push_back(simple_case(OpType::Prelu, "prelu op", {{1, 5, 5, 7}, {7}}));
    v.push_back(simple_case(OpType::Add, "add broadcast leaky", {{2, 1, 3}, {1, 4, 1}}, act_attrs(A::Leaky, 0.2f)));
    v.push_back(simple_case(OpType::Add, "add sigmoid", {{1, 1, 3}, {2, 5, 3}}, act_attrs(A::Sigmoid)));
    // Unary ops
    const OpType unary[] = {OpType::Relu, OpType::Relu6, OpType::LeakyRelu, OpType::Sigmoid, OpType::Tanh,  OpType::Abs,
                            OpType::Square, OpType::Sqrt, OpType::Rsqrt, OpType::Exp, OpType::Neg};
    for (size_t i = 0; i < sizeof(unary) / sizeof(unary[0]); ++i) {
        const OpType op = unary[i];
        const bool pos = op == OpType::Sqrt || op == OpType::Rsqrt;
        v.push_back(simple_case(op, std::string("unary ") + op_name(op), {{i % 2 ? 7 : 1, 3, 5, 11}},
                                act_attrs(A::None, 0.2f), pos ? std::vector<int>{0} : std::vector<int>{}));
    }
    v.push_back(simple_case(OpType::Softmax, "softmax 7x100", {{7, 100}}));
    v.push_back(simple_case(OpType::Softmax, "softmax 896x2", {{1, 896, 2}}));
    v.push_back(simple_case(OpType::Softmax, "softmax rows of 37", {{3, 5, 37}}));
    // Pooling (TF semantics)
    v.push_back(simple_case(OpType::MaxPool, "maxpool 2x2 s2 same", {{1, 13, 13, 5}}, pool_attrs(2, 2, Padding::Same)));
    v.push_back(simple_case(OpType::MaxPool, "maxpool 3x3 s2 valid b7", {{7, 11, 9, 3}}, pool_attrs(3, 2, Padding::Valid)));
    v.push_back(simple_case(OpType::MaxPool, "maxpool 2x2 s1 same", {{1, 13, 13, 25}}, pool_attrs(2, 1, Padding::Same)));
    v.push_back(simple_case(OpType::AvgPool, "avgpool 3x3 s1 same", {{1, 7, 8, 4}}, pool_attrs(3, 1, Padding::Same)));
    v.push_back(simple_case(OpType::AvgPool, "avgpool 2x2 s2 valid b7", {{7, 9, 9, 6}}, pool_attrs(2, 2, Padding::Valid)));
    {
        Attrs a = pool_attrs(3, 2, Padding::Explicit);
        a.pad_top = 1, a.pad_bottom = 0, a.pad_left = 2, a.pad_right = 1;
        v.push_back(simple_case(OpType::AvgPool, "avgpool explicit pads", {{1, 10, 11, 3}}, a));
    }
    // Reductions over H, W
    {
        Attrs a = ints_attrs({1, 2});
        v.push_back(simple_case(OpType::Mean, "mean hw b7", {{7, 5, 7, 33}}, a));
        a.keep_dims = true;
        v.push_back(simple_case(OpType::Mean, "mean hw keep", {{1, 7, 7, 1024}}, a));
        v.push_back(simple_case(OpType::Sum, "sum hw", {{1, 3, 9, 5}}, ints_attrs({2, 1})));
        v.push_back(simple_case(OpType::Max, "max hw", {{2, 4, 3, 7}}, ints_attrs({1, 2})));
    }
    // Data movement (exact)
    v.push_back(simple_case(OpType::Pad, "pad hw", {{1, 5, 6, 3}}, ints_attrs({0, 0, 1, 1, 1, 1, 0, 0}), {}, 0));
    v.push_back(simple_case(OpType::Pad, "pad rank3 value", {{2, 3, 4}}, ints_attrs({1, 2, 0, 3, 2, 0}, -1.5f), {}, 0));
    {
        Attrs a;
        a.axis = 3;
        v.push_back(simple_case(OpType::Concat, "concat channels", {{1, 4, 5, 3}, {1, 4, 5, 7}, {1, 4, 5, 1}}, a, {}, 0));
        a.axis = 1;
        v.push_back(simple_case(OpType::Concat, "concat axis1 b7", {{7, 2, 3}, {7, 5, 3}}, a, {}, 0));
        a.axis = 0;
        v.push_back(simple_case(OpType::Concat, "concat axis0", {{2, 3}, {1, 3}}, a, {}, 0));
    }
    v.push_back(simple_case(OpType::Reshape, "reshape", {{7, 3, 5, 2}}, ints_attrs({7, -1}), {}, 0));
    v.push_back(simple_case(OpType::StridedSlice, "strided slice", {{1, 8, 9, 5}},
                            ints_attrs({0, 1, 2, 0, 1, 7, 9, 5, 1, 2, 3, 1}), {}, 0));
    v.push_back(simple_case(OpType::StridedSlice, "strided slice negative", {{4, 6}},
                            ints_attrs({3, 5, -1, 0, -1, -2}), {}, 0));
    v.push_back(simple_case(OpType::StridedSlice, "strided slice shrink", {{1, 8, 3}},
                            ints_attrs({0, 2, 0, 1, 6, 3, 1, 1, 1}, 0.f, 1), {}, 0));
    v.push_back(simple_case(OpType::Transpose, "transpose", {{2, 3, 4, 5}}, ints_attrs({0, 3, 1, 2}), {}, 0));
    {
        Attrs a;
        a.kernel_h = 2;
        v.push_back(simple_case(OpType::DepthToSpace, "depth to space", {{1, 3, 4, 8}}, a, {}, 0));
    }
    // MultiScaleFusion: pooled on the fly into the 1x1-conv GEMM (odd channels, several Co blocks)
    v.push_back(msff_case("msff 2 maps leaky", {{1, 8, 8, 3}, {1, 4, 4, 5}}, 7, A::Leaky, true));
    v.push_back(msff_case("msff 3 maps b7 relu nobias", {{7, 12, 6, 17}, {7, 6, 3, 9}, {7, 3, 3, 33}}, 70, A::Relu, false));
    v.push_back(msff_case("msff 4 maps 130 outputs", {{1, 24, 24, 3}, {1, 12, 12, 31}, {1, 6, 6, 65}, {1, 3, 3, 2}}, 130,
                          A::Sigmoid, true));
    {
        OpCase c = msff_case("msff explicit target", {{1, 12, 8, 5}, {1, 6, 4, 6}}, 9, A::None, true);
        c.node.attrs.kernel_h = 3, c.node.attrs.kernel_w = 2;
        v.push_back(c);
    }
    return v;
}

// Model-sized shapes for the kernel benchmark (tiny_face_detector / face_recognition_model / faceres).
inline std::vector<OpCase> bench_cases() {
    using A = Activation;
    const OpType CV = OpType::Conv2D, DW = OpType::DepthwiseConv2D;
    std::vector<OpCase> v;
    v.push_back(conv_case(CV, "conv3x3 416x416x3->16", {1, 416, 416, 3}, 3, 16, 1, Padding::Valid, A::Leaky, true));
    v.push_back(conv_case(CV, "conv7x7 s2 150x150x3->32", {1, 150, 150, 3}, 7, 32, 2, Padding::Valid, A::Relu, true));
    v.push_back(conv_case(CV, "conv3x3 38x38x32->32", {1, 38, 38, 32}, 3, 32, 1, Padding::Same, A::Relu, true));
    v.push_back(conv_case(CV, "conv3x3 10x10x128->256", {1, 10, 10, 128}, 3, 256, 1, Padding::Same, A::Relu, true));
    v.push_back(conv_case(CV, "conv1x1 104x104x32->64", {1, 104, 104, 32}, 1, 64, 1, Padding::Same, A::Leaky, true));
    v.push_back(conv_case(CV, "conv1x1 14x14x512->512", {1, 14, 14, 512}, 1, 512, 1, Padding::Same, A::Relu, true));
    v.push_back(conv_case(DW, "dw3x3 104x104x32", {1, 104, 104, 32}, 3, 1, 1, Padding::Same, A::None, false));
    v.push_back(conv_case(DW, "dw3x3 s2 112x112x64", {1, 112, 112, 64}, 3, 1, 2, Padding::Same, A::Relu, true));
    v.push_back(conv_case(DW, "dw3x3 13x13x512", {1, 13, 13, 512}, 3, 1, 1, Padding::Same, A::None, false));
    v.push_back(matmul_case("matmul 1x256x128", {1, 256}, 256, 128, A::None, false));
    v.push_back(matmul_case("matmul 1x1024x1024", {1, 1024}, 1024, 1024, A::Relu, true));
    v.push_back(simple_case(OpType::Add, "add residual 38x38x64 relu", {{1, 38, 38, 64}, {1, 38, 38, 64}},
                            act_attrs(A::Relu)));
    v.push_back(simple_case(OpType::Mul, "mul per-channel 104x104x32", {{1, 104, 104, 32}, {32}}));
    v.push_back(simple_case(OpType::Sigmoid, "sigmoid 208x208x16", {{1, 208, 208, 16}}));
    v.push_back(simple_case(OpType::Relu, "relu 63x63x64", {{1, 63, 63, 64}}));  // antispoof's standalone Relu
    v.push_back(simple_case(OpType::MaxPool, "maxpool 2x2 s2 414x414x16", {{1, 414, 414, 16}},
                            pool_attrs(2, 2, Padding::Same)));
    v.push_back(simple_case(OpType::MaxPool, "maxpool 2x2 s2 207x207x32", {{1, 207, 207, 32}},
                            pool_attrs(2, 2, Padding::Same)));
    v.push_back(simple_case(OpType::MaxPool, "maxpool 2x2 s1 13x13x512", {{1, 13, 13, 512}}, pool_attrs(2, 1, Padding::Same)));
    v.push_back(simple_case(OpType::MaxPool, "maxpool 3x3 s2 72x72x32", {{1, 72, 72, 32}}, pool_attrs(3, 2, Padding::Valid)));
    v.push_back(simple_case(OpType::AvgPool, "avgpool 2x2 s2 36x36x64", {{1, 36, 36, 64}}, pool_attrs(2, 2, Padding::Valid)));
    // the input normalisation of tiny_face_detector (Sub, Div by [3]) and face_landmark_68's dense Adds
    v.push_back(simple_case(OpType::Sub, "sub [3] 416x416x3", {{1, 416, 416, 3}, {3}}));
    v.push_back(simple_case(OpType::Div, "div [3] 416x416x3", {{1, 416, 416, 3}, {3}}, Attrs(), {1}));
    v.push_back(simple_case(OpType::Add, "add 56x56x32 relu", {{1, 56, 56, 32}, {1, 56, 56, 32}}, act_attrs(A::Relu)));
    v.push_back(simple_case(OpType::Mean, "mean hw 7x7x1024", {{1, 7, 7, 1024}}, ints_attrs({1, 2})));
    v.push_back(simple_case(OpType::Pad, "pad 1 104x104x32", {{1, 104, 104, 32}}, ints_attrs({0, 0, 1, 1, 1, 1, 0, 0})));
    {
        Attrs a;
        a.axis = 3;
        v.push_back(simple_case(OpType::Concat, "concat 52x52x(64+64)", {{1, 52, 52, 64}, {1, 52, 52, 64}}, a));
    }
    v.push_back(simple_case(OpType::Softmax, "softmax 896x2", {{896, 2}}));
    v.push_back(simple_case(OpType::Transpose, "transpose 64x64x32", {{1, 64, 64, 32}}, ints_attrs({0, 3, 1, 2})));
    v.push_back(msff_case("msff LEFV 56/28/14/7 -> 7x7x960",
                          {{1, 56, 56, 32}, {1, 28, 28, 64}, {1, 14, 14, 128}, {1, 7, 7, 256}}, 960, A::Leaky, true));
    return v;
}

// Arithmetic per run (op_cost.h).
inline double flops(const OpCase& c, const Shape& out) { return lfr::flops(c.node, c.in, out); }

// Bytes a kernel must move at least: every input once, the output once.
inline double min_bytes(const OpCase& c, const Shape& out) {
    double b = double(out.numel());
    for (const Shape& s : c.in)
        if (s.rank >= 0) b += double(s.numel());
    return b * 4.0;
}

// The fused depthwise-separable block: dw (3x3, multiplier 1) then pw 1x1 (stride 1).
struct SeparableCase {
    std::string name;
    Node dw, pw;
    Shape x;
    int64_t co;
    bool dw_bias = false;  // the depthwise conv has a bias (the pointwise always has one)
    double tol = 2e-5;
};

// A depthwise 3x3 (SAME) + pointwise block on x [N,H,W,C] with co outputs; leaky activations of 0.1.
inline SeparableCase separable_case(const std::string& name, Shape x, int64_t co, int stride = 1,
                                    Activation dw_act = Activation::None, bool dw_bias = false,
                                    Activation pw_act = Activation::Leaky) {
    SeparableCase s;
    s.name = name;
    s.x = x;
    s.co = co;
    s.dw_bias = dw_bias;
    s.dw = make_node(OpType::DepthwiseConv2D, name + "/dw");
    s.dw.attrs.stride_h = s.dw.attrs.stride_w = stride;
    s.dw.attrs.padding = Padding::Same;
    s.dw.attrs.act = dw_act;
    s.dw.attrs.alpha = 0.1f;
    s.pw = make_node(OpType::Conv2D, name + "/pw");
    s.pw.attrs.act = pw_act;
    s.pw.attrs.alpha = 0.1f;
    return s;
}

inline std::vector<SeparableCase> separable_cases(bool bench) {
    using A = Activation;
    if (bench)
        return {separable_case("sep 104x104x32->64 leaky", {1, 104, 104, 32}, 64),
                separable_case("sep 26x26x128->256 leaky", {1, 26, 26, 128}, 256),
                separable_case("sep 13x13x512->1024 leaky", {1, 13, 13, 512}, 1024)};
    return {separable_case("sep 13x13x32->64 leaky", {1, 13, 13, 32}, 64),
            separable_case("sep s2 bias relu b7 37->70 prelu", {7, 9, 7, 37}, 70, 2, A::Relu, true, A::Prelu),
            separable_case("sep tiny 3->5", {1, 5, 6, 3}, 5, 1, A::None, true, A::None),
            separable_case("sep 7x7x100->33 relu6", {1, 7, 7, 100}, 33, 1, A::Relu6, true, A::Relu6)};
}

}  // namespace gpu_cases
}  // namespace lfr
