// Elementwise, pooling, reduction, layout and resize ops: the references against small cases worked
// by hand or by independent loops, and every fast path against its reference on odd shapes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "lfr/ops/elementwise.h"
#include "lfr/ops/layout.h"
#include "lfr/ops/pool.h"
#include "lfr/ops/reduce.h"
#include "lfr/ops/resize.h"

using namespace lfr;

namespace {

// Deterministic values in [-1.75, 1.75], multiples of 1/8; `offset` 1/16 keeps them off zero.
Tensor pattern(const Shape& s, int seed = 0, float offset = 0.f) {
    Tensor t(s);
    for (size_t i = 0; i < t.values.size(); ++i) t.values[i] = float((int64_t(i + seed) * 37) % 29 - 14) * 0.125f + offset;
    return t;
}

Tensor values(const Shape& s, std::vector<float> v) {
    Tensor t(s);
    REQUIRE(v.size() == t.values.size());
    t.values = std::move(v);
    return t;
}

Node make_node(OpType op, Attrs attrs = {}, std::string name = "op_1") {
    Node n;
    n.op = op;
    n.name = std::move(name);
    n.attrs = std::move(attrs);
    return n;
}

// Shape inference, then the kernel on an output seeded with NaN, so cells it skips show up; at `isa`,
// split over `threads` (0: no pool).
Tensor run(InferFn infer, RunFn kernel, const Node& node, const std::vector<Tensor>& ins, Isa isa = default_isa(),
           int threads = 0) {
    std::vector<Shape> shapes;
    std::vector<ConstTensorView> views;
    for (const Tensor& t : ins) {
        shapes.push_back(t.shape);
        views.push_back(t.view());
    }
    Tensor out(infer(node, shapes), std::nanf(""));
    Workspace ws;
    ws.isa = isa;
    std::unique_ptr<ThreadPool> pool = threads > 0 ? std::make_unique<ThreadPool>(threads) : nullptr;
    ws.pool = pool.get();
    kernel(node, views, out.view(), ws);
    return out;
}

bool same_bits(const Tensor& a, const Tensor& b) {
    return a.shape == b.shape &&  // (memcmp must not see an empty tensor's null data, UBSan)
           (a.values.empty() || std::memcmp(a.values.data(), b.values.data(), a.values.size() * sizeof(float)) == 0);
}

// The fast kernel at every level this CPU runs, on no pool and on 3 threads, gives the reference's bits.
void check_fast_levels(InferFn infer, RunFn ref, RunFn fast, const Node& n, const std::vector<Tensor>& ins) {
    const Tensor want = run(infer, ref, n, ins);
    for (Isa isa : cpu_isas())
        for (int threads : {0, 3}) {
            CAPTURE(isa_name(isa));
            CAPTURE(threads);
            CHECK(same_bits(run(infer, fast, n, ins, isa, threads), want));
        }
}

// Relative tolerance; 0 demands equality. Reports the first mismatch only.
void check_close(const Tensor& got, const Tensor& want, float tol = 0.f) {
    REQUIRE(got.shape == want.shape);
    for (size_t i = 0; i < want.values.size(); ++i) {
        const float g = got.values[i], w = want.values[i];
        if (!(std::fabs(g - w) <= tol * (1.f + std::fabs(w)))) {
            FAIL_CHECK("index " << i << " of " << want.shape.str() << ": got " << g << ", want " << w);
            return;
        }
    }
}

const Padding kPaddings[] = {Padding::Valid, Padding::Same, Padding::Explicit};

}  // namespace

// --- binary --------------------------------------------------------------------------------------

TEST_CASE("binary: [2,1,3] + [4,1] broadcasts to [2,4,3]") {
    const Tensor a = values({2, 1, 3}, {0, 1, 2, 3, 4, 5});
    const Tensor b = values({4, 1}, {10, 20, 30, 40});
    const Tensor out = run(infer_binary, binary_ref, make_node(OpType::Add), {a, b});
    REQUIRE(out.shape == Shape{2, 4, 3});
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 4; ++j)
            for (int k = 0; k < 3; ++k) CHECK(out.values[(i * 4 + j) * 3 + k] == float(i * 3 + k + 10 * (j + 1)));
}

TEST_CASE("binary: each op and fused activation on equal shapes") {
    const Tensor a = pattern({3, 5, 7}), b = pattern({3, 5, 7}, 11, 0.0625f);
    const struct {
        OpType op;
        float (*f)(float, float);
    } ops[] = {
        {OpType::Add, [](float x, float y) { return x + y; }},
        {OpType::Sub, [](float x, float y) { return x - y; }},
        {OpType::Mul, [](float x, float y) { return x * y; }},
        {OpType::Div, [](float x, float y) { return x / y; }},
        {OpType::Maximum, [](float x, float y) { return x > y ? x : y; }},
        {OpType::Minimum, [](float x, float y) { return x < y ? x : y; }},
        {OpType::Prelu, [](float x, float y) { return x > 0 ? x : x * y; }},
    };
    for (const auto& c : ops)
        for (Activation act : {Activation::None, Activation::Relu, Activation::Leaky}) {
            CAPTURE(op_name(c.op));
            CAPTURE(int(act));
            Attrs at;
            at.act = act;
            at.alpha = 0.1f;
            Tensor want(a.shape);
            for (size_t i = 0; i < want.values.size(); ++i) want.values[i] = activate(c.f(a.values[i], b.values[i]), act, 0.1f);
            check_close(run(infer_binary, binary_ref, make_node(c.op, at), {a, b}), want);
            check_close(run(infer_binary, binary_fast, make_node(c.op, at), {a, b}), want);
        }
}

TEST_CASE("binary: Prelu takes its slope from the last axis") {
    const Tensor x = values({1, 2, 2}, {-2, -3, 4, -5});
    const Tensor alpha = values({2}, {0.5f, 0.25f});
    check_close(run(infer_binary, binary_ref, make_node(OpType::Prelu), {x, alpha}), values({1, 2, 2}, {-1, -0.75f, 4, -1.25f}));
}

TEST_CASE("binary: fast paths match the reference") {
    const std::pair<Shape, Shape> cases[] = {
        {{3, 7, 5, 17}, {3, 7, 5, 17}}, {{3, 7, 5, 17}, {17}},       {{17}, {3, 7, 5, 17}},
        {{1, 7, 5, 17}, {1, 1, 1, 17}}, {{3, 7, 5, 17}, {}},         {{}, {3, 7, 5, 17}},
        {{3, 7, 5, 17}, {5, 17}},       {{2, 1, 3}, {4, 1}},         {{3, 1, 5, 1}, {1, 7, 1, 17}},
        {{1, 6}, {6}},                  {{9, 1}, {1}},               {{}, {}},
        {{2, 9, 11, 3}, {3}},           {{3}, {1, 9, 11, 3}},        {{1, 5, 7, 64}, {64}},
        {{1, 5, 7, 65}, {65}},          {{2, 3, 130}, {3, 130}},     {{0, 4, 3}, {3}},
        // split over threads: RGB normalisation, a residual Add, a per-channel scale
        {{2, 131, 170, 3}, {3}},        {{1, 131, 67, 17}, {1, 131, 67, 17}}, {{5}, {3, 97, 93, 5}},
    };
    for (const auto& c : cases)
        for (OpType op : {OpType::Add, OpType::Sub, OpType::Mul, OpType::Div, OpType::Maximum, OpType::Minimum, OpType::Prelu}) {
            CAPTURE(c.first.str());
            CAPTURE(c.second.str());
            CAPTURE(op_name(op));
            Attrs at;
            at.act = op == OpType::Add ? Activation::Relu : op == OpType::Sub ? Activation::None : Activation::Relu6;
            const Tensor a = pattern(c.first, 0, 0.5f), b = pattern(c.second, 5, 0.0625f);
            check_fast_levels(infer_binary, binary_ref, binary_fast, make_node(op, at), {a, b});
        }
}

TEST_CASE("binary: shape errors name the node and the shapes") {
    const Node n = make_node(OpType::Add, {}, "add_3");
    CHECK_THROWS_WITH_AS(infer_binary(n, {Shape{1, 8, 8, 16}, Shape{1, 8, 8, 15}}),
                         "node add_3: shapes [1,8,8,16] and [1,8,8,15] do not broadcast", Error);
    CHECK_THROWS_AS(infer_binary(n, {Shape{1, 8, 8, 16}}), Error);
    Attrs prelu;
    prelu.act = Activation::Prelu;
    CHECK_THROWS_AS(infer_binary(make_node(OpType::Add, prelu), {Shape{4}, Shape{4}}), Error);
}

// --- unary and softmax ---------------------------------------------------------------------------

TEST_CASE("unary: each op against its formula") {
    const Tensor x = pattern({3, 5, 7});
    const struct {
        OpType op;
        float (*f)(float);
    } ops[] = {
        {OpType::Relu, [](float v) { return v > 0 ? v : 0.f; }},
        {OpType::Relu6, [](float v) { return v < 0 ? 0.f : v > 6 ? 6.f : v; }},
        {OpType::LeakyRelu, [](float v) { return v > 0 ? v : 0.2f * v; }},
        {OpType::Sigmoid, [](float v) { return 1.f / (1.f + std::exp(-v)); }},
        {OpType::Tanh, [](float v) { return std::tanh(v); }},
        {OpType::Abs, [](float v) { return std::fabs(v); }},
        {OpType::Square, [](float v) { return v * v; }},
        {OpType::Sqrt, [](float v) { return std::sqrt(std::fabs(v)); }},
        {OpType::Rsqrt, [](float v) { return 1.f / std::sqrt(std::fabs(v) + 0.0625f); }},
        {OpType::Exp, [](float v) { return std::exp(v); }},
        {OpType::Neg, [](float v) { return -v; }},
    };
    for (const auto& c : ops) {
        CAPTURE(op_name(c.op));
        Tensor in = x;  // Sqrt and Rsqrt get non-negative (and non-zero) inputs
        if (c.op == OpType::Sqrt)
            for (float& v : in.values) v = std::fabs(v);
        if (c.op == OpType::Rsqrt)
            for (float& v : in.values) v = std::fabs(v) + 0.0625f;
        Tensor want(x.shape);
        for (size_t i = 0; i < x.values.size(); ++i) want.values[i] = c.f(x.values[i]);
        Attrs at;
        at.alpha = 0.2f;
        check_close(run(infer_unary, unary_ref, make_node(c.op, at), {in}), want, 1e-6f);
    }
}

TEST_CASE("unary: fast path matches the reference") {
    for (const Shape& s : {Shape{3, 5, 7}, Shape{0, 3}, Shape{}, Shape{2, 131, 170, 3}})  // the last one is split
        for (OpType op : {OpType::Relu, OpType::Relu6, OpType::LeakyRelu, OpType::Sigmoid, OpType::Tanh, OpType::Abs,
                          OpType::Square, OpType::Sqrt, OpType::Rsqrt, OpType::Exp, OpType::Neg}) {
            CAPTURE(s.str());
            CAPTURE(op_name(op));
            Tensor x = pattern(s, 2, 0.0625f);
            if (x.values.size() > 9) x.values[9] = std::nanf("");
            Attrs at;
            at.alpha = 0.2f;
            check_fast_levels(infer_unary, unary_ref, unary_fast, make_node(op, at), {x});
        }
}

TEST_CASE("softmax: known row, large logits, rows sum to one") {
    const Node n = make_node(OpType::Softmax);
    check_close(run(infer_unary, softmax_ref, n, {values({1, 3}, {1, 2, 3})}),
                values({1, 3}, {0.09003057f, 0.24472847f, 0.66524096f}), 1e-6f);
    check_close(run(infer_unary, softmax_ref, n, {values({1, 3}, {1001, 1002, 1003})}),
                values({1, 3}, {0.09003057f, 0.24472847f, 0.66524096f}), 1e-6f);
    const Tensor out = run(infer_unary, softmax_ref, n, {pattern({3, 4, 7})});
    for (int r = 0; r < 12; ++r) {
        float sum = 0;
        for (int j = 0; j < 7; ++j) sum += out.values[r * 7 + j];
        CHECK(sum == doctest::Approx(1.f).epsilon(1e-6));
    }
    CHECK_THROWS_AS(infer_unary(n, {Shape{}}), Error);
}

// --- pooling -------------------------------------------------------------------------------------

namespace {
Attrs pool_attrs(int kh, int kw, int stride, Padding p) {
    Attrs a;
    a.kernel_h = kh;
    a.kernel_w = kw;
    a.stride_h = a.stride_w = stride;
    a.padding = p;
    if (p == Padding::Explicit) {  // asymmetric on purpose, each pad below the window
        a.pad_top = kh - 1;
        a.pad_left = kw > 1 ? 1 : 0;
        a.pad_right = kw - 1;
    }
    return a;
}
}  // namespace

TEST_CASE("maxpool: SAME 2x2 stride 2 pads bottom/right and padding never wins") {
    const Tensor x = values({1, 3, 3, 1}, {-1, -2, -3, -4, -5, -6, -7, -8, -9});
    const Node n = make_node(OpType::MaxPool, pool_attrs(2, 2, 2, Padding::Same));
    check_close(run(infer_pool, pool_ref, n, {x}), values({1, 2, 2, 1}, {-1, -3, -7, -9}));
}

TEST_CASE("avgpool: divides by the count of real cells") {
    const Tensor x = values({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    const Node same = make_node(OpType::AvgPool, pool_attrs(3, 3, 1, Padding::Same));
    check_close(run(infer_pool, pool_ref, same, {x}), values({1, 3, 3, 1}, {3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7}));
    Attrs ex = pool_attrs(2, 2, 2, Padding::Explicit);
    ex.pad_left = 1;
    ex.pad_right = 0;  // pads top/left 1: windows rows {-1,0},{1,2}, same for columns
    check_close(run(infer_pool, pool_ref, make_node(OpType::AvgPool, ex), {x}), values({1, 2, 2, 1}, {1, 2.5f, 5.5f, 7}));
}

TEST_CASE("pool: fast path matches the reference") {
    // channels below, at and off the vector widths; batch 3
    const Shape shapes[] = {{1, 7, 7, 1}, {3, 8, 13, 5}, {1, 13, 9, 17}, {3, 2, 3, 4}, {2, 9, 10, 16}, {1, 6, 11, 33}};
    const int kernels[][2] = {{2, 2}, {3, 3}, {3, 2}, {1, 1}, {4, 4}};
    for (const Shape& s : shapes)
        for (const auto& k : kernels)
            for (int stride : {1, 2, 3})
                for (Padding p : kPaddings)
                    for (OpType op : {OpType::MaxPool, OpType::AvgPool}) {
                        if (p == Padding::Valid && (s[1] < k[0] || s[2] < k[1])) continue;
                        CAPTURE(s.str());
                        CAPTURE(k[0]);
                        CAPTURE(k[1]);
                        CAPTURE(stride);
                        CAPTURE(int(p));
                        const Node n = make_node(op, pool_attrs(k[0], k[1], stride, p));
                        check_fast_levels(infer_pool, pool_ref, pool_fast, n, {pattern(s, 3)});
                    }
}

TEST_CASE("pool: split over threads, NaN and -0 as the reference") {
    Tensor x = pattern({3, 67, 59, 23}, 1);  // big enough to split
    x.values[100] = std::nanf("");
    x.values[5000] = -0.f;
    x.values[5023] = -0.f;
    for (int k : {2, 3})
        for (Padding p : {Padding::Same, Padding::Valid})
            for (OpType op : {OpType::MaxPool, OpType::AvgPool}) {
                CAPTURE(k);
                CAPTURE(op_name(op));
                check_fast_levels(infer_pool, pool_ref, pool_fast, make_node(op, pool_attrs(k, k, k == 2 ? 2 : 1, p)), {x});
            }
}

TEST_CASE("pool: shape errors name the node") {
    const Node n = make_node(OpType::MaxPool, pool_attrs(3, 3, 1, Padding::Valid), "pool_2");
    CHECK_THROWS_WITH_AS(infer_pool(n, {Shape{1, 2, 2, 4}}), doctest::Contains("node pool_2: window 3"), Error);
    CHECK_THROWS_AS(infer_pool(n, {Shape{2, 2, 4}}), Error);
    Attrs wide = pool_attrs(2, 2, 1, Padding::Explicit);
    wide.pad_top = 2;
    CHECK_THROWS_AS(infer_pool(make_node(OpType::MaxPool, wide), {Shape{1, 5, 5, 1}}), Error);
}

// --- reductions ----------------------------------------------------------------------------------

namespace {
Node reduce_node(OpType op, std::vector<int32_t> axes, bool keep) {
    Attrs a;
    a.ints = std::move(axes);
    a.keep_dims = keep;
    return make_node(op, a);
}
}  // namespace

TEST_CASE("reduce: small cases by hand") {
    const Tensor x = values({2, 3}, {0, 1, 2, 3, 4, 5});
    check_close(run(infer_reduce, reduce_ref, reduce_node(OpType::Mean, {1}, false), {x}), values({2}, {1, 4}));
    check_close(run(infer_reduce, reduce_ref, reduce_node(OpType::Sum, {0}, true), {x}), values({1, 3}, {3, 5, 7}));
    check_close(run(infer_reduce, reduce_ref, reduce_node(OpType::Max, {0, 1}, true), {x}), values({1, 1}, {5}));
    check_close(run(infer_reduce, reduce_ref, reduce_node(OpType::Max, {1, 0}, false), {x}), values({}, {5}));
}

TEST_CASE("reduce: every axis set, against loops, and fast against reference") {
    const std::vector<std::vector<int32_t>> axis_sets = {{1, 2}, {2, 1}, {3}, {0}, {0, 2}, {1, 2, 3}, {}};
    for (const Shape& s : {Shape{3, 7, 5, 17}, Shape{1, 9, 11, 6}})
        for (const auto& axes : axis_sets)
            for (bool keep : {false, true})
                for (OpType op : {OpType::Mean, OpType::Sum, OpType::Max}) {
                    CAPTURE(s.str());
                    CAPTURE(axes.size());
                    CAPTURE(op_name(op));
                    const Node n = reduce_node(op, axes, keep);
                    const Tensor x = pattern(s, 1);
                    const Tensor ref = run(infer_reduce, reduce_ref, n, {x});
                    check_close(run(infer_reduce, reduce_fast, n, {x}), ref);
                    // Independent check of output cell 0: the input cells whose kept coordinates are 0.
                    float acc = op == OpType::Max ? -1e30f : 0.f;
                    int64_t count = 0;
                    for (int64_t i = 0; i < x.shape.numel(); ++i) {
                        bool at_origin = true;
                        int64_t rest = i;
                        for (int d = s.rank - 1; d >= 0; --d) {
                            const bool reduced = std::find(axes.begin(), axes.end(), d) != axes.end();
                            at_origin = at_origin && (reduced || rest % s[d] == 0);
                            rest /= s[d];
                        }
                        if (!at_origin) continue;
                        acc = op == OpType::Max ? std::max(acc, x.values[i]) : acc + x.values[i];
                        ++count;
                    }
                    if (op == OpType::Mean) acc /= float(count);
                    CHECK(ref.values[0] == doctest::Approx(acc).epsilon(1e-5));
                }
}

TEST_CASE("reduce: bad axes are errors") {
    CHECK_THROWS_AS(infer_reduce(reduce_node(OpType::Mean, {4}, false), {Shape{1, 2, 3, 4}}), Error);
    CHECK_THROWS_AS(infer_reduce(reduce_node(OpType::Mean, {1, 1}, false), {Shape{1, 2, 3, 4}}), Error);
}

// --- layout --------------------------------------------------------------------------------------

TEST_CASE("pad: fill value around the input") {
    Attrs a;
    a.ints = {0, 0, 1, 0, 0, 1, 0, 0};
    a.value = -1;
    const Tensor out = run(infer_pad, pad_ref, make_node(OpType::Pad, a), {values({1, 2, 2, 1}, {1, 2, 3, 4})});
    check_close(out, values({1, 3, 3, 1}, {-1, -1, -1, 1, 2, -1, 3, 4, -1}));
    a.ints = {0, 0, 1, 0};
    CHECK_THROWS_AS(infer_pad(make_node(OpType::Pad, a), {Shape{1, 2, 2, 1}}), Error);
}

TEST_CASE("concat: along inner and outer axes") {
    Attrs a;
    a.axis = 1;
    check_close(run(infer_concat, concat_ref, make_node(OpType::Concat, a), {values({1, 2}, {1, 2}), values({1, 3}, {3, 4, 5})}),
                values({1, 5}, {1, 2, 3, 4, 5}));
    check_close(run(infer_concat, concat_ref, make_node(OpType::Concat, a),
                    {values({2, 1, 2}, {1, 2, 3, 4}), values({2, 2, 2}, {5, 6, 7, 8, 9, 10, 11, 12})}),
                values({2, 3, 2}, {1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12}));
    a.axis = 3;  // three NHWC inputs along channels, batch 3
    const Tensor x = pattern({3, 2, 5, 4}), y = pattern({3, 2, 5, 1}, 7), z = pattern({3, 2, 5, 6}, 9);
    const Tensor out = run(infer_concat, concat_ref, make_node(OpType::Concat, a), {x, y, z});
    REQUIRE(out.shape == Shape{3, 2, 5, 11});
    for (int64_t p = 0; p < 30; ++p)
        for (int c = 0; c < 11; ++c) {
            const float want = c < 4 ? x.values[p * 4 + c] : c < 5 ? y.values[p] : z.values[p * 6 + c - 5];
            CHECK(out.values[p * 11 + c] == want);
        }
    CHECK_THROWS_WITH_AS(infer_concat(make_node(OpType::Concat, a, "cat"), {Shape{1, 2, 2, 3}, Shape{1, 2, 3, 3}}),
                         "node cat: input 1 [1,2,3,3] does not match [1,2,2,3] outside axis 3", Error);
}

TEST_CASE("reshape: -1 is inferred and numel is checked") {
    Attrs a;
    a.ints = {-1, 4};
    const Tensor x = pattern({2, 3, 4});
    const Tensor out = run(infer_reshape, reshape_ref, make_node(OpType::Reshape, a), {x});
    CHECK(out.shape == Shape{6, 4});
    CHECK(out.values == x.values);
    a.ints = {5, -1};
    CHECK_THROWS_AS(infer_reshape(make_node(OpType::Reshape, a), {x.shape}), Error);
    a.ints = {-1, -1};
    CHECK_THROWS_AS(infer_reshape(make_node(OpType::Reshape, a), {x.shape}), Error);
    a.ints = {2, 12};
    CHECK(infer_reshape(make_node(OpType::Reshape, a), {x.shape}) == Shape{2, 12});
}

namespace {
Node slice_node(std::vector<int32_t> begin_end_stride, int shrink) {
    Attrs a;
    a.ints = std::move(begin_end_stride);
    a.flags = shrink;
    return make_node(OpType::StridedSlice, a);
}
}  // namespace

TEST_CASE("strided slice: negative stride and shrink mask") {
    const Tensor x = values({2, 5}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    // x[1, 4::-2]: row 1 shrunk away, columns 4, 2, 0.
    check_close(run(infer_strided_slice, strided_slice_ref, slice_node({1, 4, 2, -1, 1, -2}, 1), {x}), values({3}, {9, 7, 5}));
    // x[::-1, 1:4:2]
    check_close(run(infer_strided_slice, strided_slice_ref, slice_node({1, 1, -1, 4, -1, 2}, 0), {x}),
                values({2, 2}, {6, 8, 1, 3}));
    CHECK_THROWS_AS(infer_strided_slice(slice_node({0, 0, 2, 5, 1, 1}, 1), {x.shape}), Error);  // shrunk dim of 2
    CHECK_THROWS_AS(infer_strided_slice(slice_node({0, 0, 2, 6, 1, 1}, 0), {x.shape}), Error);  // past the end
}

TEST_CASE("strided slice: odd shapes against loops") {
    const Tensor x = pattern({3, 7, 5, 4});
    // [1:3, 6:0:-2, 0:5:3, 3] with dim 3 shrunk
    const Tensor out = run(infer_strided_slice, strided_slice_ref, slice_node({1, 6, 0, 3, 3, 0, 5, 4, 1, -2, 3, 1}, 8), {x});
    REQUIRE(out.shape == Shape{2, 3, 2});
    for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 3; ++b)
            for (int c = 0; c < 2; ++c)
                CHECK(out.values[(a * 3 + b) * 2 + c] == x.values[(((1 + a) * 7 + 6 - 2 * b) * 5 + 3 * c) * 4 + 3]);
}

TEST_CASE("depth_to_space: DCR order") {
    Attrs a;
    a.kernel_h = 2;
    const Node n = make_node(OpType::DepthToSpace, a);
    check_close(run(infer_depth_to_space, depth_to_space_ref, n, {values({1, 1, 1, 4}, {0, 1, 2, 3})}),
                values({1, 2, 2, 1}, {0, 1, 2, 3}));
    // Two output channels: in[0,0,w,(i*2+j)*2+c] -> out[0,i,2w+j,c]
    std::vector<float> in(16);
    for (int i = 0; i < 16; ++i) in[i] = float(i);
    check_close(run(infer_depth_to_space, depth_to_space_ref, n, {values({1, 1, 2, 8}, in)}),
                values({1, 2, 4, 2}, {0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15}));
    a.kernel_h = 3;  // batch 3, odd sizes, against the formula
    const Tensor x = pattern({3, 2, 3, 18});
    const Tensor out = run(infer_depth_to_space, depth_to_space_ref, make_node(OpType::DepthToSpace, a), {x});
    REQUIRE(out.shape == Shape{3, 6, 9, 2});
    for (int nn = 0; nn < 3; ++nn)
        for (int y = 0; y < 6; ++y)
            for (int xx = 0; xx < 9; ++xx)
                for (int c = 0; c < 2; ++c)
                    CHECK(out.values[((nn * 6 + y) * 9 + xx) * 2 + c] ==
                          x.values[((nn * 2 + y / 3) * 3 + xx / 3) * 18 + ((y % 3) * 3 + xx % 3) * 2 + c]);
    CHECK_THROWS_AS(infer_depth_to_space(n, {Shape{1, 2, 2, 6}}), Error);
}

TEST_CASE("transpose: against loops") {
    Attrs a;
    a.ints = {2, 0, 1};
    const Tensor x = pattern({2, 3, 5});
    const Tensor out = run(infer_transpose, transpose_ref, make_node(OpType::Transpose, a), {x});
    REQUIRE(out.shape == Shape{5, 2, 3});
    for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 2; ++j)
            for (int k = 0; k < 3; ++k) CHECK(out.values[(i * 2 + j) * 3 + k] == x.values[(j * 3 + k) * 5 + i]);
    a.ints = {0, 0, 1};
    CHECK_THROWS_AS(infer_transpose(make_node(OpType::Transpose, a), {x.shape}), Error);
}

// --- resize --------------------------------------------------------------------------------------

namespace {
Node resize_node(int oh, int ow, int flags) {
    Attrs a;
    a.ints = {oh, ow};
    a.flags = flags;
    return make_node(OpType::ResizeBilinear, a);
}
}  // namespace

TEST_CASE("resize: 2x2 -> 3x3 in TF's three modes") {
    const Tensor x = values({1, 2, 2, 1}, {0, 1, 2, 3});
    const float t = 1.f / 3, tt = 2.f / 3;
    // legacy: src = dst * 2/3 -> rows and columns at 0, 2/3, 4/3 (clamped to 1)
    check_close(run(infer_resize_bilinear, resize_bilinear_ref, resize_node(3, 3, 0), {x}),
                values({1, 3, 3, 1}, {0, tt, 1, 2 * tt, 2, 2 + t, 2, 2 + tt, 3}), 1e-6f);
    // half pixel: src = (dst + 0.5) * 2/3 - 0.5 -> -1/6 (clamped to 0), 1/2, 7/6 (clamped to 1)
    check_close(run(infer_resize_bilinear, resize_bilinear_ref, resize_node(3, 3, 2), {x}),
                values({1, 3, 3, 1}, {0, 0.5f, 1, 1, 1.5f, 2, 2, 2.5f, 3}), 1e-6f);
    // align corners to 4x4: src = dst / 3
    std::vector<float> want;
    for (int y = 0; y < 4; ++y)
        for (int xx = 0; xx < 4; ++xx) want.push_back(2 * y / 3.f + xx / 3.f);
    check_close(run(infer_resize_bilinear, resize_bilinear_ref, resize_node(4, 4, 1), {x}), values({1, 4, 4, 1}, want), 1e-6f);
}

TEST_CASE("resize: same size is the identity; batch and channels stay apart") {
    const Tensor x = pattern({3, 5, 7, 3});
    for (int flags : {0, 1, 2}) check_close(run(infer_resize_bilinear, resize_bilinear_ref, resize_node(5, 7, flags), {x}), x);
    // Downscale by exactly 2 in legacy mode samples every other cell.
    const Tensor big = pattern({3, 6, 8, 5});
    const Tensor out = run(infer_resize_bilinear, resize_bilinear_ref, resize_node(3, 4, 0), {big});
    for (int n = 0; n < 3; ++n)
        for (int y = 0; y < 3; ++y)
            for (int xx = 0; xx < 4; ++xx)
                for (int c = 0; c < 5; ++c)
                    CHECK(out.values[((n * 3 + y) * 4 + xx) * 5 + c] == big.values[((n * 6 + 2 * y) * 8 + 2 * xx) * 5 + c]);
    CHECK_THROWS_AS(infer_resize_bilinear(resize_node(3, 3, 3), {x.shape}), Error);
    CHECK_THROWS_AS(infer_resize_bilinear(resize_node(0, 3, 0), {x.shape}), Error);
}
