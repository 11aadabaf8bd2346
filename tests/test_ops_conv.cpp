// Conv2D, DepthwiseConv2D, MatMul and the GEMM under them: reference kernels against hand-computed
// cases, fast kernels against the reference over tables of odd shapes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <utility>

#include "lfr/ops/conv.h"
#include "lfr/ops/depthwise.h"
#include "lfr/ops/matmul.h"
#include "test_support.h"

using namespace lfr;

namespace {

using test::pattern;

// Every kernel level this CPU runs (LFR_ISA does not cap it here), so an AVX-512 machine tests all three.
std::vector<Isa> test_isas() { return cpu_isas(); }

// Runs a kernel on inputs (empty Tensor = absent optional input) into a junk-seeded output.
Tensor run(InferFn infer, RunFn fn, const Node& node, const std::vector<const Tensor*>& inputs, float junk,
           Isa isa = cpu_isa()) {
    std::vector<Shape> shapes;
    std::vector<ConstTensorView> views;
    for (const Tensor* t : inputs) {
        Shape s;
        s.rank = -1;
        shapes.push_back(t ? t->shape : s);
        views.push_back(t ? t->view() : ConstTensorView(nullptr, s));
    }
    Tensor out(infer(node, shapes), junk);
    Workspace ws;
    ws.isa = isa;
    fn(node, views, out.view(), ws);
    return out;
}

// |fast - ref| <= 1e-5 * max(1, max|ref|) everywhere (NaN fails too).
void check_close(const Tensor& ref, const Tensor& fast) {
    REQUIRE(ref.shape == fast.shape);
    float scale = 1.f, worst = 0.f;
    for (float v : ref.values) scale = std::max(scale, std::abs(v));
    for (size_t i = 0; i < ref.values.size(); ++i) {
        const float d = std::abs(ref.values[i] - fast.values[i]);
        worst = std::isnan(d) ? std::numeric_limits<float>::infinity() : std::max(worst, d);
    }
    CHECK(worst <= 1e-5f * scale);
}

void check_values(const Tensor& t, const std::vector<float>& want) {
    REQUIRE(t.values.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) CHECK(t.values[i] == doctest::Approx(want[i]));
}

Node conv_node(OpType op, int sh, int sw, Padding p, Activation act = Activation::None) {
    Node n;
    n.op = op;
    n.attrs.stride_h = sh;
    n.attrs.stride_w = sw;
    n.attrs.padding = p;
    n.attrs.act = act;
    n.attrs.alpha = 0.1f;
    return n;
}

const Activation kActs[] = {Activation::None, Activation::Relu, Activation::Relu6,
                            Activation::Leaky, Activation::Prelu, Activation::Sigmoid};

struct ConvCase {
    int64_t n, h, w, ci, co_or_m, kh, kw;
    int sh, sw;
    Padding pad;
    int pt, pb, pl, pr;  // Explicit only
    bool bias;
    int dh = 1, dw = 1;  // dilation
};

// Odd sizes on purpose; every case also runs with every activation.
const ConvCase kConvCases[] = {
    {1, 17, 13, 3, 7, 3, 3, 1, 1, Padding::Same, 0, 0, 0, 0, true},
    {1, 17, 13, 3, 32, 3, 3, 2, 2, Padding::Valid, 0, 0, 0, 0, true},
    {3, 17, 13, 5, 1, 5, 5, 1, 1, Padding::Same, 0, 0, 0, 0, false},
    {1, 17, 13, 16, 65, 1, 1, 1, 1, Padding::Valid, 0, 0, 0, 0, true},
    {3, 9, 11, 33, 7, 1, 1, 1, 1, Padding::Same, 0, 0, 0, 0, false},
    {1, 17, 13, 16, 32, 1, 1, 2, 2, Padding::Same, 0, 0, 0, 0, true},
    {1, 17, 13, 5, 7, 7, 7, 2, 2, Padding::Same, 0, 0, 0, 0, true},
    {1, 17, 13, 3, 65, 7, 7, 2, 2, Padding::Valid, 0, 0, 0, 0, false},
    {3, 17, 13, 33, 32, 3, 3, 2, 1, Padding::Same, 0, 0, 0, 0, true},
    {1, 16, 16, 16, 7, 3, 3, 1, 1, Padding::Explicit, 1, 1, 1, 1, true},
    {1, 17, 13, 5, 32, 3, 3, 2, 2, Padding::Explicit, 0, 1, 2, 0, false},
    {1, 8, 8, 16, 1, 1, 1, 1, 1, Padding::Explicit, 1, 0, 0, 2, true},
    {1, 6, 5, 33, 65, 5, 3, 1, 2, Padding::Valid, 0, 0, 0, 0, true},
    {3, 5, 4, 16, 32, 3, 3, 2, 2, Padding::Same, 0, 0, 0, 0, true},
    // few input channels (the direct path, conv_direct.h) wide enough for whole register tiles
    {3, 11, 37, 3, 16, 3, 3, 1, 1, Padding::Same, 0, 0, 0, 0, true},
    {1, 9, 40, 4, 24, 5, 5, 2, 1, Padding::Explicit, 2, 1, 3, 0, true},
    {1, 15, 61, 3, 32, 7, 7, 2, 2, Padding::Same, 0, 0, 0, 0, false},
    {1, 7, 30, 2, 64, 3, 3, 1, 1, Padding::Valid, 0, 0, 0, 0, true, 1, 2},
    // dilated: the window spans (k-1)*d+1 cells; SAME pads for that span, as TF
    {1, 17, 13, 3, 7, 3, 3, 1, 1, Padding::Same, 0, 0, 0, 0, true, 2, 2},
    {3, 17, 13, 5, 9, 3, 3, 2, 2, Padding::Valid, 0, 0, 0, 0, false, 3, 3},
    {1, 19, 15, 16, 8, 3, 3, 1, 2, Padding::Explicit, 2, 1, 3, 0, true, 3, 2},
    {3, 9, 11, 4, 5, 3, 5, 2, 1, Padding::Same, 0, 0, 0, 0, true, 2, 3},
    {1, 23, 21, 8, 16, 3, 3, 1, 1, Padding::Same, 0, 0, 0, 0, true, 5, 5},
    {1, 7, 9, 3, 4, 3, 3, 2, 1, Padding::Same, 0, 0, 0, 0, true, 3, 3},  // span 7: most taps padding
    {3, 6, 5, 33, 65, 1, 3, 1, 1, Padding::Valid, 0, 0, 0, 0, true, 3, 2},
    {3, 11, 9, 33, 100, 3, 3, 1, 1, Padding::Same, 0, 0, 0, 0, true},  // 64-wide tiles, 2 K blocks
};

Node case_node(OpType op, const ConvCase& c, Activation act) {
    Node n = conv_node(op, c.sh, c.sw, c.pad, act);
    n.attrs.pad_top = c.pt;
    n.attrs.pad_bottom = c.pb;
    n.attrs.pad_left = c.pl;
    n.attrs.pad_right = c.pr;
    n.attrs.dilation_h = c.dh;
    n.attrs.dilation_w = c.dw;
    return n;
}

std::string describe(const ConvCase& c, Activation act) {
    return "x [" + std::to_string(c.n) + "," + std::to_string(c.h) + "," + std::to_string(c.w) + "," +
           std::to_string(c.ci) + "] k " + std::to_string(c.kh) + "x" + std::to_string(c.kw) + " out/mult " +
           std::to_string(c.co_or_m) + " stride " + std::to_string(c.sh) + "," + std::to_string(c.sw) +
           " dilation " + std::to_string(c.dh) + "," + std::to_string(c.dw) +
           " padding " + std::to_string(int(c.pad)) + " act " + std::to_string(int(act)) + " bias " +
           std::to_string(c.bias);
}

}  // namespace

TEST_CASE("conv2d reference: hand-computed cases") {
    // 3x3 input 1..9, 3x3 kernel, VALID: one output = sum of x * w.
    Tensor x({1, 3, 3, 1}), w({3, 3, 1, 1});
    for (int i = 0; i < 9; ++i) x.values[i] = float(i + 1), w.values[i] = float(i % 3 - 1);  // -1 0 1 per row
    check_values(run(infer_conv2d, conv2d_ref, conv_node(OpType::Conv2D, 1, 1, Padding::Valid), {&x, &w}, NAN),
                 {(3 - 1) + (6 - 4) + (9 - 7)});

    // SAME with an odd total pad: 1x4 input, 1x3 kernel, stride 2 -> 2 outputs, total pad 1, which TF
    // puts after: out0 = x0 w0 + x1 w1 + x2 w2, out1 = x2 w0 + x3 w1 + 0.
    Tensor x2({1, 1, 4, 1}), w2({1, 3, 1, 1});
    x2.values = {1, 2, 3, 4};
    w2.values = {1, 10, 100};
    check_values(run(infer_conv2d, conv2d_ref, conv_node(OpType::Conv2D, 2, 2, Padding::Same), {&x2, &w2}, NAN),
                 {321, 43});

    // Two input and two output channels, bias, Prelu: channel 1 negative goes through its slope.
    Tensor x3({1, 1, 1, 2}), w3({1, 1, 2, 2}), b3({2}), a3({2});
    x3.values = {1, 2};
    w3.values = {1, -1, 2, -3};  // w[ci][co]
    b3.values = {0.5f, 0.f};
    a3.values = {0.f, 0.25f};
    check_values(run(infer_conv2d, conv2d_ref, conv_node(OpType::Conv2D, 1, 1, Padding::Valid, Activation::Prelu),
                     {&x3, &w3, &b3, &a3}, NAN),
                 {5.5f, -7 * 0.25f});
}

TEST_CASE("dilated conv reference: hand-computed cases") {
    // 1x5 input, 1x3 kernel, dilation 2, VALID: one output from x0, x2, x4.
    Tensor x({1, 1, 5, 1}), w({1, 3, 1, 1});
    x.values = {1, 2, 3, 4, 5};
    w.values = {1, 10, 100};
    Node node = conv_node(OpType::Conv2D, 1, 1, Padding::Valid);
    node.attrs.dilation_w = 2;
    check_values(run(infer_conv2d, conv2d_ref, node, {&x, &w}, NAN), {1 + 30 + 500});
    // SAME, stride 1: the span is 5, pads 2 each side: out[i] = x[i-2] + 10 x[i] + 100 x[i+2].
    node.attrs.padding = Padding::Same;
    check_values(run(infer_conv2d, conv2d_ref, node, {&x, &w}, NAN), {10 + 300, 20 + 400, 1 + 30 + 500, 2 + 40, 3 + 50});
    node.op = OpType::DepthwiseConv2D;
    check_values(run(infer_depthwise, depthwise_ref, node, {&x, &w}, NAN), {10 + 300, 20 + 400, 1 + 30 + 500, 2 + 40, 3 + 50});
}

TEST_CASE("depthwise reference: hand-computed cases") {
    // C=2, M=2: output channel c*M + m uses x channel c and w[..][c][m].
    Tensor x({1, 1, 2, 2}), w({1, 2, 2, 2});
    x.values = {1, 2, 3, 4};                   // pixel0 (1,2), pixel1 (3,4)
    w.values = {1, 10, 100, 1000, 2, 20, 200, 2000};  // tap kx0: c0 (1,10) c1 (100,1000); kx1: c0 (2,20) c1 (200,2000)
    check_values(run(infer_depthwise, depthwise_ref, conv_node(OpType::DepthwiseConv2D, 1, 1, Padding::Valid), {&x, &w}, NAN),
                 {1 + 3 * 2, 10 + 3 * 20, 2 * 100 + 4 * 200, 2 * 1000 + 4 * 2000});
    // SAME 3x3 on a 2x2 single channel of ones, leaky: corner windows see 4 cells.
    Tensor x2({1, 2, 2, 1}, 1.f), w2({3, 3, 1, 1}, -1.f);
    check_values(run(infer_depthwise, depthwise_ref,
                     conv_node(OpType::DepthwiseConv2D, 1, 1, Padding::Same, Activation::Leaky), {&x2, &w2}, NAN),
                 {-0.4f, -0.4f, -0.4f, -0.4f});
}

TEST_CASE("conv2d fast matches reference") {
    for (const ConvCase& c : kConvCases)
        for (Activation act : kActs)
            for (Isa isa : test_isas()) {
            INFO(describe(c, act) << " isa " << isa_name(isa));
            const Node node = case_node(OpType::Conv2D, c, act);
            const Tensor x = pattern({c.n, c.h, c.w, c.ci}, 1), w = pattern({c.kh, c.kw, c.ci, c.co_or_m}, 2);
            const Tensor b = pattern({c.co_or_m}, 3), alpha = pattern({c.co_or_m}, 4);
            std::vector<const Tensor*> in = {&x, &w, c.bias ? &b : nullptr, act == Activation::Prelu ? &alpha : nullptr};
            check_close(run(infer_conv2d, conv2d_ref, node, in, NAN), run(infer_conv2d, conv2d_fast, node, in, 1e30f, isa));
            // + a residual (input 4, what the executor folds a following Add into)
            const Tensor r = pattern(run(infer_conv2d, conv2d_ref, node, in, 0.f).shape, 5);
            in.push_back(&r);
            check_close(run(infer_conv2d, conv2d_ref, node, in, NAN), run(infer_conv2d, conv2d_fast, node, in, 1e30f, isa));
        }
}

TEST_CASE("conv2d with a folded MaxPool: fast matches reference") {
    // Attrs::pool, as the executor's fuse pass sets it: SAME 2x2 (odd sizes keep a clipped last
    // window), VALID 2x2 and 3x3 (a last partial window dropped); direct and GEMM paths, batch 3.
    for (const ConvCase& c : kConvCases)
        for (const auto& pool : {std::make_pair(2, true), std::make_pair(2, false), std::make_pair(3, false)})
            for (Isa isa : test_isas()) {
                INFO(describe(c, Activation::Leaky) << " pool " << pool.first << (pool.second ? " same" : " valid")
                                                    << " isa " << isa_name(isa));
                Node node = case_node(OpType::Conv2D, c, Activation::Leaky);
                const Tensor x = pattern({c.n, c.h, c.w, c.ci}, 1), w = pattern({c.kh, c.kw, c.ci, c.co_or_m}, 2);
                const Tensor b = pattern({c.co_or_m}, 3);
                const std::vector<const Tensor*> in = {&x, &w, c.bias ? &b : nullptr, nullptr};
                const Shape conv_out = run(infer_conv2d, conv2d_ref, node, in, 0.f).shape;
                if (!pool.second && (conv_out[1] < pool.first || conv_out[2] < pool.first)) continue;
                node.attrs.pool = pool.first;
                node.attrs.pool_same = pool.second;
                const Tensor want = run(infer_conv2d, conv2d_ref, node, in, NAN);
                const int64_t ph = pool.second ? (conv_out[1] + 1) / 2 : conv_out[1] / pool.first;
                CHECK(want.shape == Shape{c.n, ph, want.shape[2], c.co_or_m});
                check_close(want, run(infer_conv2d, conv2d_fast, node, in, 1e30f, isa));
            }
}

TEST_CASE("depthwise fast matches reference") {
    for (const ConvCase& c : kConvCases)
        for (int64_t k : {1, 3, 5})
            for (Activation act : kActs)
                for (Isa isa : test_isas()) {
                ConvCase d = c;
                d.kh = d.kw = k;
                d.co_or_m = (k == 5 && c.ci == 3) ? 2 : 1;  // one multiplier case (reference fallback)
                if (d.pad == Padding::Valid && (d.h < (k - 1) * d.dh + 1 || d.w < (k - 1) * d.dw + 1)) continue;
                INFO(describe(d, act) << " isa " << isa_name(isa));
                const Node node = case_node(OpType::DepthwiseConv2D, d, act);
                const int64_t co = d.ci * d.co_or_m;
                const Tensor x = pattern({d.n, d.h, d.w, d.ci}, 1), w = pattern({k, k, d.ci, d.co_or_m}, 2);
                const Tensor b = pattern({co}, 3), alpha = pattern({co}, 4);
                const std::vector<const Tensor*> in = {&x, &w, d.bias ? &b : nullptr,
                                                       act == Activation::Prelu ? &alpha : nullptr};
                check_close(run(infer_depthwise, depthwise_ref, node, in, NAN),
                            run(infer_depthwise, depthwise_fast, node, in, 1e30f, isa));
            }
}

TEST_CASE("depthwise with a folded pointwise conv: fast matches reference") {
    // Attrs::pointwise, as the executor's fuse pass sets it: the case's depthwise (its kernel size, M
    // = 1), then a 1x1 conv to co_or_m channels (the direct tile where co_or_m fits one strip on wide
    // rows, else the GEMM) with bias, a residual or PReLU slopes; bands of rows over images (batch 3).
    for (const ConvCase& c : kConvCases)
        for (Activation act : {Activation::None, Activation::Prelu})
            for (Isa isa : test_isas()) {
                if (c.pad == Padding::Valid && (c.h < (c.kh - 1) * c.dh + 1 || c.w < (c.kw - 1) * c.dw + 1)) continue;
                INFO(describe(c, act) << " isa " << isa_name(isa));
                Node node = case_node(OpType::DepthwiseConv2D, c, Activation::Relu6);
                node.attrs.pointwise = true;
                node.attrs.pointwise_act = act == Activation::None ? Activation::Relu : act;
                const Tensor x = pattern({c.n, c.h, c.w, c.ci}, 1), w = pattern({c.kh, c.kw, c.ci, 1}, 2);
                const Tensor b = pattern({c.ci}, 3), pw = pattern({1, 1, c.ci, c.co_or_m}, 4);
                const Tensor pb = pattern({c.co_or_m}, 5), slope = pattern({c.co_or_m}, 6);
                std::vector<const Tensor*> in = {&x, &w, c.bias ? &b : nullptr, nullptr, &pw, &pb,
                                                 act == Activation::Prelu ? &slope : nullptr, nullptr};
                const Tensor want = run(infer_depthwise, depthwise_ref, node, in, NAN);
                const Tensor r = pattern(want.shape, 7);
                if (act == Activation::None) in[7] = &r;  // a residual folded into the 1x1 conv before
                check_close(run(infer_depthwise, depthwise_ref, node, in, NAN),
                            run(infer_depthwise, depthwise_fast, node, in, 1e30f, isa));
            }
}

TEST_CASE("conv shape inference rejects mismatches") {
    const Node node = conv_node(OpType::Conv2D, 1, 1, Padding::Valid);
    Shape none;
    none.rank = -1;
    CHECK_THROWS_AS(infer_conv2d(node, {Shape{1, 5, 5, 3}, Shape{3, 3, 4, 8}}), Error);          // Ci
    CHECK_THROWS_AS(infer_conv2d(node, {Shape{1, 5, 5, 3}, Shape{3, 3, 3, 8}, Shape{7}}), Error);  // bias
    CHECK_THROWS_AS(infer_conv2d(node, {Shape{1, 2, 2, 3}, Shape{3, 3, 3, 8}}), Error);          // too small
    CHECK_THROWS_AS(infer_conv2d(node, {Shape{1, 5, 5, 3}, Shape{3, 3, 3, 8}, none, Shape{8}}), Error);  // alpha, no Prelu
    CHECK(infer_conv2d(node, {Shape{2, 5, 6, 3}, Shape{3, 3, 3, 8}, none}) == Shape{2, 3, 4, 8});
    Node dilated = node;  // effective kernel (k-1)*d+1
    dilated.attrs.dilation_h = dilated.attrs.dilation_w = 2;
    CHECK(infer_conv2d(dilated, {Shape{1, 5, 6, 3}, Shape{3, 3, 3, 8}}) == Shape{1, 1, 2, 8});
    dilated.attrs.dilation_h = 3;
    CHECK_THROWS_AS(infer_conv2d(dilated, {Shape{1, 5, 6, 3}, Shape{3, 3, 3, 8}}), Error);
    dilated.attrs.dilation_h = 0;
    CHECK_THROWS_AS(infer_conv2d(dilated, {Shape{1, 5, 6, 3}, Shape{3, 3, 3, 8}}), Error);
    dilated.attrs.dilation_h = 2;
    dilated.attrs.padding = Padding::Same;
    dilated.attrs.stride_h = dilated.attrs.stride_w = 2;
    CHECK(infer_conv2d(dilated, {Shape{1, 5, 6, 3}, Shape{3, 3, 3, 8}}) == Shape{1, 3, 3, 8});
    CHECK(infer_depthwise(conv_node(OpType::DepthwiseConv2D, 2, 2, Padding::Same), {Shape{1, 5, 6, 3}, Shape{3, 3, 3, 2}}) ==
          Shape{1, 3, 3, 6});
}

TEST_CASE("matmul reference and fast") {
    Node node;
    node.op = OpType::MatMul;
    Tensor x({2, 3}), w({3, 2}), b({2});
    x.values = {1, 2, 3, 4, 5, 6};
    w.values = {1, 0, 0, 1, 1, -1};
    b.values = {0.5f, 0};
    check_values(run(infer_matmul, matmul_ref, node, {&x, &w, &b}, NAN), {4.5f, -1, 10.5f, -1});

    for (int64_t rows : {1, 3, 64})
        for (int64_t k : {1, 7, 300})
            for (int64_t m : {1, 17, 128})
                for (Activation act : kActs) {
                    INFO("rows " << rows << " K " << k << " M " << m << " act " << int(act));
                    node.attrs.act = act;
                    node.attrs.alpha = 0.2f;
                    const Tensor xi = pattern(rows == 3 ? Shape{rows, 1, 1, k} : Shape{rows, k}, 1);
                    const Tensor wi = pattern({k, m}, 2), bi = pattern({m}, 3), ai = pattern({m}, 4);
                    const std::vector<const Tensor*> in = {&xi, &wi, m == 17 ? nullptr : &bi,
                                                           act == Activation::Prelu ? &ai : nullptr};
                    for (Isa isa : test_isas())
                        check_close(run(infer_matmul, matmul_ref, node, in, NAN), run(infer_matmul, matmul_fast, node, in, 1e30f, isa));
                }
}

TEST_CASE("sgemm at every level, packed or not, with the epilogue, matches a naive product") {
    struct G { int64_t m, n, k, lda, ldb, ldc; bool acc, epilogue; };
    const G cases[] = {{1, 1, 1, 1, 1, 1, false, true},      {7, 9, 5, 5, 9, 9, true, false},
                       {13, 17, 300, 301, 20, 18, false, true}, {130, 33, 257, 257, 33, 40, true, true},
                       {250, 130, 64, 70, 130, 130, false, false}, {29, 100, 520, 520, 100, 101, true, true},
                       {5, 3, 0, 1, 3, 3, false, true}};
    for (const G& g : cases)
        for (Isa isa : test_isas())
            for (bool packed : {false, true}) {
                INFO("M " << g.m << " N " << g.n << " K " << g.k << " isa " << isa_name(isa) << " packed " << packed);
                const Tensor a = pattern({g.m, g.lda}, 1), b = pattern({std::max<int64_t>(g.k, 1), g.ldb}, 2);
                const Tensor bias = pattern({g.n}, 4), res = pattern({g.m, g.ldc}, 5);
                Tensor c = pattern({g.m, g.ldc}, 3), want = c;
                for (int64_t i = 0; i < g.m; ++i)
                    for (int64_t j = 0; j < g.n; ++j) {
                        float s = g.acc ? want.values[i * g.ldc + j] : 0.f;
                        for (int64_t p = 0; p < g.k; ++p) s += a.values[i * g.lda + p] * b.values[p * g.ldb + j];
                        if (g.epilogue) s = activate(s + bias.values[j] + res.values[i * g.ldc + j], Activation::Leaky, 0.1f);
                        want.values[i * g.ldc + j] = s;
                    }
                GemmArgs args{g.m, g.n, g.k, a.values.data(), g.lda, b.values.data(), g.ldb, c.values.data(), g.ldc, g.acc, {}, {}};
                if (g.epilogue) args.ep = {bias.values.data(), res.values.data(), g.ldc, Activation::Leaky, 0.1f, nullptr};
                const GemmKernel kernel = gemm_kernel(isa, g.n);
                std::vector<float> panels(size_t(packed_b_floats(kernel, g.k, g.n)));
                if (packed && g.k > 0) args.packed = pack_gemm_b(kernel, g.k, g.n, b.values.data(), g.ldb, panels.data());
                std::vector<float> scratch(size_t(sgemm_scratch_floats(g.n, g.k)));
                sgemm(args, scratch.data(), isa);
                check_close(want, c);  // columns past N (ldc padding) must be untouched too
            }
}

TEST_CASE("kernel levels: NEON is the one that runs on aarch64, the x86 levels only on x86") {
    const std::vector<Isa> isas = cpu_isas();
    CHECK(isas.front() == Isa::Portable);
    CHECK(isas.back() == cpu_isa());
    CHECK(Workspace().isa == default_isa());  // what the executor and prepared weights run at
#if defined(__aarch64__)
    CHECK(cpu_isa() == Isa::Neon);
    if (!std::getenv("LFR_ISA")) {  // uncapped: the level models run at, and its GEMM
        CHECK(default_isa() == Isa::Neon);
        for (int64_t n : {8, 64, 100}) {
            const bool neon_tile = gemm_kernel(default_isa(), n).fn == gemm_detail::gemm_neon;
            CHECK(neon_tile);
        }
    }
#else
    CHECK(std::find(isas.begin(), isas.end(), Isa::Neon) == isas.end());
#endif
#ifndef LFR_HAVE_X86_KERNELS
    CHECK(std::find(isas.begin(), isas.end(), Isa::Avx2) == isas.end());
#endif
}
