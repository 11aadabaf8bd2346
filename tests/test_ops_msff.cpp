// MultiScaleFusion (include/lfr/ops/msff.h): the fast path against the reference over a table of
// odd shapes (junk-seeded outputs), the reference against the same computation spelled out as
// MaxPool + Concat + Conv2D nodes through the executor, and the shape checks.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "lfr/format/builder.h"
#include "lfr/runtime/executor.h"
#include "lfr/ops/msff.h"

using namespace lfr;

namespace {

// Deterministic values in [-1.75, 1.75]; salt varies the pattern between tensors.
std::vector<float> pattern(int64_t n, int salt) {
    std::vector<float> v(static_cast<size_t>(n));
    for (size_t i = 0; i < v.size(); ++i) v[i] = float(int64_t((i * 37 + size_t(salt) * 11) % 29) - 14) * 0.125f;
    return v;
}

struct MsffCase {
    std::string name;
    int64_t N;
    std::vector<Shape> maps;  // [N,H_i,W_i,C_i] (N filled in from the case)
    int64_t Co;
    bool bias;
    Activation act;
    int32_t target_h = 0, target_w = 0;  // attrs.kernel_h/w (0: the last map's size)
};

std::vector<MsffCase> cases() {
    using A = Activation;
    return {
        {"2 maps, odd channels", 1, {{1, 8, 8, 3}, {1, 4, 4, 5}}, 7, true, A::None},
        {"2 maps, batch 3, leaky", 3, {{3, 6, 9, 5}, {3, 2, 3, 11}}, 13, true, A::Leaky},
        {"3 maps, no bias, relu", 1, {{1, 12, 12, 9}, {1, 6, 6, 17}, {1, 3, 3, 1}}, 31, false, A::Relu},
        {"3 maps, batch 3, relu6, non-square", 3, {{3, 10, 4, 7}, {3, 5, 4, 3}, {3, 5, 2, 19}}, 5, true, A::Relu6},
        {"4 maps LEFV-like", 1, {{1, 56, 56, 32}, {1, 28, 28, 64}, {1, 14, 14, 128}, {1, 7, 7, 256}}, 96, true,
         A::Leaky},
        {"4 maps batch 3, 130 outputs (GEMM edges)", 3, {{3, 16, 16, 3}, {3, 8, 8, 33}, {3, 4, 4, 65}, {3, 2, 2, 1}},
         130, true, A::Sigmoid},
        {"explicit target smaller than the last map", 1, {{1, 12, 8, 5}, {1, 6, 4, 6}}, 9, true, A::None, 3, 2},
        {"big tile: 40x40 output pixels, batch 3", 3, {{3, 80, 80, 3}, {3, 40, 40, 2}}, 17, true, A::Relu},
    };
}

struct Built {
    tools::ConvertedModel cm;
    std::vector<uint8_t> bytes;
    Model model;
};

// Inputs x0..x{k-1}, and either one MultiScaleFusion node or MaxPool (where the map is larger than
// the target) + Concat + Conv2D 1x1 with the same weights.
std::unique_ptr<Built> build(const MsffCase& c, bool fused) {
    auto b = std::make_unique<Built>();
    tools::ConvertedModel& m = b->cm;
    std::vector<int32_t> xs;
    int64_t Cs = 0;
    for (size_t i = 0; i < c.maps.size(); ++i) {
        xs.push_back(m.input("x" + std::to_string(i), c.maps[i]));
        Cs += c.maps[i][3];
    }
    const Shape& last = c.maps.back();
    const int64_t Ho = c.target_h ? c.target_h : last[1], Wo = c.target_w ? c.target_w : last[2];
    std::vector<float> w = pattern(Cs * c.Co, 3), bias = pattern(c.Co, 5);
    for (float& v : w) v *= 0.25f;
    const int32_t bid = c.bias ? m.weight("bias", {c.Co}, bias) : -1;
    int32_t y;
    if (fused) {
        Attrs a;
        a.ints = {int32_t(c.maps.size())};
        a.kernel_h = c.target_h, a.kernel_w = c.target_w;
        a.act = c.act;
        a.alpha = 0.1f;
        std::vector<int32_t> ins = xs;
        ins.push_back(m.weight("w", {Cs, c.Co}, w));
        ins.push_back(bid);
        y = m.node(OpType::MultiScaleFusion, "msff", ins, a);
    } else {
        std::vector<int32_t> pooled;
        for (size_t i = 0; i < xs.size(); ++i) {
            const Shape& s = c.maps[i];
            if (s[1] == Ho && s[2] == Wo) {
                pooled.push_back(xs[i]);
                continue;
            }
            Attrs p;
            p.kernel_h = p.stride_h = int32_t(s[1] / Ho);
            p.kernel_w = p.stride_w = int32_t(s[2] / Wo);
            p.padding = Padding::Valid;
            pooled.push_back(m.node(OpType::MaxPool, "pool" + std::to_string(i), {xs[i]}, p));
        }
        Attrs cat;
        cat.axis = 3;
        const int32_t cc = m.node(OpType::Concat, "concat", pooled, cat);
        Attrs conv;
        conv.act = c.act;
        conv.alpha = 0.1f;
        y = m.node(OpType::Conv2D, "conv1x1", {cc, m.weight("w", {1, 1, Cs, c.Co}, w), bid}, conv);
    }
    m.output(y);
    b->bytes = serialize_model(m.graph, m.weights);
    b->model = Model::from_memory(b->bytes.data(), b->bytes.size(), c.name);
    return b;
}

std::vector<Tensor> case_inputs(const MsffCase& c) {
    std::vector<Tensor> xs;
    for (size_t i = 0; i < c.maps.size(); ++i) {
        Tensor t(c.maps[i]);
        t.values = pattern(t.shape.numel(), 10 + int(i));
        xs.push_back(std::move(t));
    }
    return xs;
}

// Runs the one MSFF node's kernel directly into an output seeded with junk.
Tensor run_kernel(const Built& b, const std::vector<Tensor>& xs, bool fast, float junk) {
    const Graph& g = b.model.graph();
    const Node& n = g.nodes.at(0);
    std::vector<Shape> shapes;
    std::vector<ConstTensorView> views;
    for (int32_t id : n.inputs) {
        Shape s;
        s.rank = -1;
        const float* d = nullptr;
        if (id >= 0) {
            const TensorInfo& t = g.tensors[size_t(id)];
            s = t.shape;
            if (t.kind == TensorKind::Weight) d = b.model.weight(id);
            else d = xs[size_t(id)].values.data();  // inputs are tensors 0..k-1
        }
        shapes.push_back(s);
        views.push_back({d, s});
    }
    Tensor out(infer_msff(n, shapes), junk);
    Workspace ws;
    (fast ? msff_fast : msff_ref)(n, views, out.view(), ws);
    return out;
}

// max |a - b| <= tol * max(1, max |ref|), NaN fails.
void check_close(const Tensor& ref, const Tensor& got, float tol) {
    REQUIRE(ref.shape == got.shape);
    float scale = 1.f, worst = 0.f;
    for (float v : ref.values) scale = std::max(scale, std::abs(v));
    for (size_t i = 0; i < ref.values.size(); ++i) {
        const float d = std::abs(ref.values[i] - got.values[i]);
        worst = std::isnan(d) ? std::numeric_limits<float>::infinity() : std::max(worst, d);
    }
    CHECK(worst <= tol * scale);
}

}  // namespace

TEST_CASE("MultiScaleFusion fast path matches the reference") {
    for (const MsffCase& c : cases()) {
        INFO(c.name);
        const auto b = build(c, true);
        const std::vector<Tensor> xs = case_inputs(c);
        const Tensor ref = run_kernel(*b, xs, false, 777.f);
        const Tensor fast = run_kernel(*b, xs, true, -555.f);
        CHECK(ref.shape == Shape{c.N, c.target_h ? c.target_h : c.maps.back()[1],
                                 c.target_w ? c.target_w : c.maps.back()[2], c.Co});
        check_close(ref, fast, 1e-5f);
        // Other junk, same answer: the fast path writes every element before reading any.
        const Tensor again = run_kernel(*b, xs, true, 1e6f);
        check_close(fast, again, 0.f);
    }
}

TEST_CASE("MultiScaleFusion equals MaxPool + Concat + Conv2D through the executor") {
    for (const MsffCase& c : cases()) {
        INFO(c.name);
        const auto fused = build(c, true), plain = build(c, false);
        const std::vector<Tensor> xs = case_inputs(c);
        std::vector<ConstTensorView> views;
        for (const Tensor& t : xs) views.push_back(t.view());
        for (bool reference : {true, false}) {
            INFO("reference kernels " << reference);
            Session a(fused->model), b(plain->model);
            a.set_reference_kernels(reference);
            b.set_reference_kernels(reference);
            const auto got = a.run(views);
            const auto want = b.run(views);
            REQUIRE(got.size() == 1);
            check_close(want[0], got[0], 1e-5f);
        }
    }
}

TEST_CASE("MultiScaleFusion shape checks name the problem") {
    Node n;
    n.op = OpType::MultiScaleFusion;
    n.name = "msff";
    n.attrs.ints = {2};
    const Shape none = [] {
        Shape s;
        s.rank = -1;
        return s;
    }();
    const Shape x0{1, 8, 8, 3}, x1{1, 4, 4, 5};
    CHECK(infer_msff(n, {x0, x1, Shape{8, 6}, Shape{6}}) == Shape{1, 4, 4, 6});
    CHECK(infer_msff(n, {x0, x1, Shape{8, 6}, none}) == Shape{1, 4, 4, 6});
    CHECK_THROWS_AS(infer_msff(n, {x0, Shape{1, 3, 3, 5}, Shape{8, 6}, none}), Error);  // 8 not a multiple of 3
    CHECK_THROWS_AS(infer_msff(n, {x0, Shape{2, 4, 4, 5}, Shape{8, 6}, none}), Error);  // batch differs
    CHECK_THROWS_AS(infer_msff(n, {x0, x1, Shape{7, 6}, none}), Error);                 // w rows != sum C_i
    CHECK_THROWS_AS(infer_msff(n, {x0, x1, Shape{8, 6}, Shape{5}}), Error);             // bias size
    CHECK_THROWS_AS(infer_msff(n, {x0, x1, Shape{8, 6}}), Error);                       // bias slot missing
    CHECK_THROWS_AS(infer_msff(n, {x0, Shape{1, 4, 4}, Shape{8, 6}, none}), Error);     // not NHWC
    n.attrs.kernel_h = n.attrs.kernel_w = 16;  // target larger than a map
    CHECK_THROWS_AS(infer_msff(n, {x0, x1, Shape{8, 6}, none}), Error);
    n.attrs.kernel_h = n.attrs.kernel_w = 0;
    n.attrs.act = Activation::Prelu;
    CHECK_THROWS_AS(infer_msff(n, {x0, x1, Shape{8, 6}, none}), Error);
    n.attrs.act = Activation::None;
    n.attrs.ints = {};
    CHECK_THROWS_AS(infer_msff(n, {x0, x1, Shape{8, 6}, none}), Error);
    CHECK(std::string(op_name(OpType::MultiScaleFusion)) == "MultiScaleFusion");
}

TEST_CASE("MultiScaleFusion survives a model file round trip") {
    const MsffCase c = cases()[1];
    const auto b = build(c, true);
    const Model again = Model::from_memory(b->bytes.data(), b->bytes.size(), "again");
    REQUIRE(again.graph().nodes.size() == 1);
    const Node& n = again.graph().nodes[0];
    CHECK(n.op == OpType::MultiScaleFusion);
    CHECK(n.attrs.ints == std::vector<int32_t>{2});
    CHECK(n.inputs.size() == 4);
}
