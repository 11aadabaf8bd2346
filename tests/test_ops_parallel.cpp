// The executor's residual-Add folding, and the threaded and prepared-weight paths: conv and depthwise
// split over 1..4 threads give the same bits as one thread (and match the reference); a Session gives
// the same bits for any thread count, with weights packed at load, shared between sessions, or packed
// per call.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>

#include "lfr/core/npy.h"
#include "lfr/format/model_file.h"
#include "lfr/runtime/executor.h"
#include "test_support.h"

using namespace lfr;

namespace {

using test::pattern;

bool same_bits(const Tensor& a, const Tensor& b) {
    return a.shape == b.shape && std::memcmp(a.values.data(), b.values.data(), a.values.size() * sizeof(float)) == 0;
}

// One conv or depthwise node on a pool of `threads` (0: no pool), at `isa`, into a junk-seeded output.
Tensor run_node(OpType op, const Shape& xs, const Shape& ws_, int stride, Padding pad, int threads, Isa isa,
                bool reference = false) {
    Node node;
    node.op = op;
    node.attrs.stride_h = node.attrs.stride_w = stride;
    node.attrs.padding = pad;
    node.attrs.act = Activation::Prelu;
    const int64_t co = op == OpType::Conv2D ? ws_[3] : ws_[2];
    const Tensor x = pattern(xs, 1), w = pattern(ws_, 2), b = pattern({co}, 3), slope = pattern({co}, 4);
    const std::vector<ConstTensorView> in = {x.view(), w.view(), b.view(), slope.view()};
    const OpKernels& k = op_kernels(op);
    Tensor out(k.infer(node, {xs, ws_, b.shape, slope.shape}), 1e30f);
    Workspace ws;
    ws.isa = isa;
    std::unique_ptr<ThreadPool> pool = threads > 0 ? std::make_unique<ThreadPool>(threads) : nullptr;
    ws.pool = pool.get();
    (reference ? k.reference : k.fast)(node, in, out.view(), ws);
    return out;
}

// Graph g with weights from pattern(), run with the fuse pass (1 and 2 threads) on batch 1 and 3 of x
// (batch 1 shape given): the same bits as without it, close to its own reference kernels, the output
// shape `out` and, in the plan, the shapes of the tensors folded away (batch 1 given; batch n there).
void check_fused_session(const Graph& g, const Shape& x1, const Shape& out, const std::vector<int32_t>& folded_away) {
    std::vector<std::vector<float>> blobs(g.tensors.size());
    for (size_t i = 0; i < g.tensors.size(); ++i)
        if (g.tensors[i].kind == TensorKind::Weight) blobs[i] = pattern(g.tensors[i].shape, int(i)).values;
    const std::vector<uint8_t> bytes = serialize_model(g, blobs);
    const Model model = Model::from_memory(bytes.data(), bytes.size());
    auto batch = [](Shape s, int64_t n) { return s[0] = n, s; };
    for (int64_t n : {1, 3}) {
        INFO("batch " << n);
        const Tensor xv = pattern(batch(x1, n), 1);
        SessionOptions unfused;
        unfused.fuse = false;
        const Tensor want = Session(model, unfused).run({xv.view()})[0];
        CHECK(want.shape == batch(out, n));
        for (int threads : {1, 2}) {
            SessionOptions o;
            o.threads = threads;
            Session s(model, o);
            CHECK(same_bits(want, s.run({xv.view()})[0]));
            for (int32_t id : folded_away) CHECK(s.plan().shapes[size_t(id)] == batch(g.tensors[size_t(id)].shape, n));
            s.set_reference_kernels(true);
            const Tensor ref = s.run({xv.view()})[0];
            REQUIRE(ref.shape == want.shape);
            for (size_t i = 0; i < want.values.size(); ++i) CHECK(ref.values[i] == doctest::Approx(want.values[i]).epsilon(1e-5));
        }
    }
}

}  // namespace

TEST_CASE("conv and depthwise: bit-identical for any thread count, at every level") {
    struct C { OpType op; Shape x, w; int stride; Padding pad; };
    const C cases[] = {  // each big enough to be split (kMinSplitMacs)
        {OpType::Conv2D, {1, 9, 9, 128}, {3, 3, 128, 128}, 1, Padding::Same},   // few pixels: column split
        {OpType::Conv2D, {3, 33, 29, 33}, {3, 3, 33, 100}, 2, Padding::Same},   // batch 3, 64-wide tiles
        {OpType::Conv2D, {1, 73, 61, 32}, {1, 1, 32, 72}, 1, Padding::Valid},   // direct 1x1, pixel split
        {OpType::Conv2D, {1, 4, 4, 256}, {3, 3, 256, 232}, 1, Padding::Same},  // column split
        {OpType::DepthwiseConv2D, {3, 71, 57, 24}, {3, 3, 24, 1}, 1, Padding::Same},
        {OpType::DepthwiseConv2D, {1, 129, 127, 40}, {5, 5, 40, 1}, 2, Padding::Valid},
    };
    for (const C& c : cases)
        for (Isa isa : cpu_isas()) {
            INFO(op_name(c.op) << " x " << c.x.str() << " w " << c.w.str() << " isa " << isa_name(isa));
            const Tensor one = run_node(c.op, c.x, c.w, c.stride, c.pad, 0, isa);
            const Tensor ref = run_node(c.op, c.x, c.w, c.stride, c.pad, 0, isa, true);
            float scale = 1.f, worst = 0.f;
            for (size_t i = 0; i < ref.values.size(); ++i) {
                scale = std::max(scale, std::abs(ref.values[i]));
                worst = std::max(worst, std::abs(ref.values[i] - one.values[i]));
            }
            CHECK(worst <= 1e-5f * scale);
            for (int threads : {1, 2, 3, 4}) {
                INFO("threads " << threads);
                CHECK(same_bits(one, run_node(c.op, c.x, c.w, c.stride, c.pad, threads, isa)));
            }
        }
}

TEST_CASE("Session: same bits for any thread count, prepared, shared or packed per call") {
    const std::string dir = std::string(LFR_SOURCE_DIR) + "/";
    for (const std::string name : {"face_recognition_model", "mobilefacenet", "blazeface-back"}) {
        const std::string path = dir + "models/" + name + ".lfr";
        if (!std::filesystem::exists(path)) {
            if (std::getenv("LFR_REQUIRE_MODELS")) FAIL("missing " << path);
            continue;
        }
        INFO(name);
        const Model model = Model::load(path);
        const Tensor x = read_npy(dir + "tests/golden/" + name + "/in0.npy");
        const Tensor want = Session(model).run({x.view()})[0];
        const auto shared = prepare_weights(model);
        ThreadPool pool(3);
        SessionOptions per_call, two, on_pool, with_shared;
        per_call.prepack = false;
        two.threads = 2;
        on_pool.pool = &pool;
        with_shared.weights = shared;
        with_shared.threads = 4;
        for (const SessionOptions& o : {per_call, two, on_pool, with_shared}) {
            Session s(model, o);
            CHECK(same_bits(want, s.run({x.view()})[0]));
            CHECK(same_bits(want, s.run({x.view()})[0]));  // the second run reuses the plan and arena
        }
    }
}

TEST_CASE("Session folds a residual Add into the conv before it, same result as conv then Add") {
    // z = relu(conv(x) + b + x): Conv2D (no activation) then Add with relu.
    Graph g;
    const Shape xs{1, 9, 7, 16};
    const int32_t x = g.add_tensor("x", TensorKind::Input, {-1, 9, 7, 16});
    const int32_t w = g.add_tensor("w", TensorKind::Weight, {3, 3, 16, 16});
    const int32_t b = g.add_tensor("b", TensorKind::Weight, {16});
    const int32_t y = g.add_tensor("y", TensorKind::Value, xs);
    const int32_t z = g.add_tensor("z", TensorKind::Value, xs);
    Node conv;
    conv.op = OpType::Conv2D;
    conv.name = "conv";
    conv.attrs.padding = Padding::Same;
    conv.inputs = {x, w, b};
    conv.outputs = {y};
    Node add;
    add.op = OpType::Add;
    add.name = "add";
    add.attrs.act = Activation::Relu;
    add.inputs = {x, y};  // the residual first: either order folds
    add.outputs = {z};
    g.nodes = {conv, add};
    g.inputs = {x};
    g.outputs = {z};
    std::vector<size_t> origin;
    const Graph fused = fuse_graph(g, origin);
    REQUIRE(fused.nodes.size() == 1);
    CHECK(fused.nodes[0].inputs[4] == x);
    CHECK(fused.nodes[0].outputs[0] == z);
    CHECK(fused.nodes[0].attrs.act == Activation::Relu);

    const Tensor xv = pattern(xs, 1), wv = pattern({3, 3, 16, 16}, 2), bv = pattern({16}, 3);
    const std::vector<uint8_t> bytes = serialize_model(g, {{}, wv.values, bv.values, {}, {}});
    const Model model = Model::from_memory(bytes.data(), bytes.size());
    Tensor want(xs);
    Workspace ws;
    Shape none;
    none.rank = -1;
    const std::vector<ConstTensorView> conv_in = {xv.view(), wv.view(), bv.view(), {nullptr, none}, {nullptr, none}};
    conv2d_ref(conv, conv_in, want.view(), ws);
    for (size_t i = 0; i < want.values.size(); ++i) want.values[i] = std::max(0.f, want.values[i] + xv.values[i]);
    for (bool reference : {false, true}) {
        Session s(model);
        s.set_reference_kernels(reference);
        const Tensor got = s.run({xv.view()})[0];
        CHECK(s.plan().shapes[size_t(y)] == xs);  // the folded-away tensor keeps its shape in the plan
        REQUIRE(got.shape == want.shape);
        for (size_t i = 0; i < want.values.size(); ++i) CHECK(got.values[i] == doctest::Approx(want.values[i]).epsilon(1e-5));
    }
}

TEST_CASE("Session folds a MaxPool into the conv before it, bit for bit the conv then the pool") {
    // x [n,13,11,3] -> conv 3x3 3->16 leaky (direct path) -> MaxPool 2x2/2 SAME (7x6, clipped last
    // windows) -> conv 1x1 16->24 relu (GEMM path) -> MaxPool 3x3/3 VALID (2x2).
    Graph g;
    const int32_t x = g.add_tensor("x", TensorKind::Input, {-1, 13, 11, 3});
    const int32_t w1 = g.add_tensor("w1", TensorKind::Weight, {3, 3, 3, 16});
    const int32_t b1 = g.add_tensor("b1", TensorKind::Weight, {16});
    const int32_t w2 = g.add_tensor("w2", TensorKind::Weight, {1, 1, 16, 24});
    const Shape value_shapes[4] = {{1, 13, 11, 16}, {1, 7, 6, 16}, {1, 7, 6, 24}, {1, 2, 2, 24}};
    int32_t t[4];
    for (int i = 0; i < 4; ++i) t[i] = g.add_tensor("t" + std::to_string(i), TensorKind::Value, value_shapes[i]);
    auto node = [&](OpType op, std::vector<int32_t> inputs, int32_t out) {
        Node n;
        n.op = op;
        n.name = "n" + std::to_string(out);
        n.inputs = std::move(inputs);
        n.outputs = {out};
        return n;
    };
    Node conv1 = node(OpType::Conv2D, {x, w1, b1}, t[0]), pool1 = node(OpType::MaxPool, {t[0]}, t[1]);
    Node conv2 = node(OpType::Conv2D, {t[1], w2}, t[2]), pool2 = node(OpType::MaxPool, {t[2]}, t[3]);
    conv1.attrs.padding = Padding::Same;
    conv1.attrs.act = Activation::Leaky;
    conv1.attrs.alpha = 0.1f;
    conv2.attrs.act = Activation::Relu;
    pool1.attrs.kernel_h = pool1.attrs.kernel_w = pool1.attrs.stride_h = pool1.attrs.stride_w = 2;
    pool1.attrs.padding = Padding::Same;
    pool2.attrs.kernel_h = pool2.attrs.kernel_w = pool2.attrs.stride_h = pool2.attrs.stride_w = 3;
    g.nodes = {conv1, pool1, conv2, pool2};
    g.inputs = {x};
    g.outputs = {t[3]};
    std::vector<size_t> origin;
    const Graph fused = fuse_graph(g, origin);
    REQUIRE(fused.nodes.size() == 2);
    CHECK(origin == std::vector<size_t>{0, 2});
    CHECK((fused.nodes[0].attrs.pool == 2 && fused.nodes[0].attrs.pool_same && fused.nodes[0].outputs[0] == t[1]));
    CHECK((fused.nodes[1].attrs.pool == 3 && !fused.nodes[1].attrs.pool_same && fused.nodes[1].outputs[0] == t[3]));

    check_fused_session(g, {1, 13, 11, 3}, {1, 2, 2, 24}, {t[0], t[2]});
}

TEST_CASE("Session folds a depthwise conv into the 1x1 conv after it, bit for bit the pair") {
    // x [n,37,29,24] -> depthwise 3x3 SAME relu -> 1x1 24->24 (direct tile) + x, relu (the residual
    // Add folded first) -> depthwise 3x3/2 VALID prelu -> 1x1 24->72 prelu (GEMM). Rows of 29 pixels:
    // bands of 23 rows, so bands end inside images and cross from one image to the next (batch 3).
    Graph g;
    const int32_t x = g.add_tensor("x", TensorKind::Input, {-1, 37, 29, 24});
    const Shape weight_shapes[9] = {{3, 3, 24, 1}, {24}, {1, 1, 24, 24}, {24}, {3, 3, 24, 1}, {24}, {24}, {1, 1, 24, 72}, {72}};
    int32_t wt[9];
    for (int i = 0; i < 9; ++i) wt[i] = g.add_tensor("w" + std::to_string(i), TensorKind::Weight, weight_shapes[i]);
    const Shape value_shapes[5] = {{1, 37, 29, 24}, {1, 37, 29, 24}, {1, 37, 29, 24}, {1, 18, 14, 24}, {1, 18, 14, 72}};
    int32_t t[5];
    for (int i = 0; i < 5; ++i) t[i] = g.add_tensor("t" + std::to_string(i), TensorKind::Value, value_shapes[i]);
    auto node = [&](OpType op, std::vector<int32_t> inputs, int32_t out, Activation act) {
        Node n;
        n.op = op;
        n.name = "n" + std::to_string(out);
        n.inputs = std::move(inputs);
        n.outputs = {out};
        n.attrs.act = act;
        return n;
    };
    Node dw1 = node(OpType::DepthwiseConv2D, {x, wt[0], wt[1]}, t[0], Activation::Relu);
    dw1.attrs.padding = Padding::Same;
    const Node pw1 = node(OpType::Conv2D, {t[0], wt[2], wt[3]}, t[1], Activation::None);
    const Node add = node(OpType::Add, {t[1], x}, t[2], Activation::Relu);
    Node dw2 = node(OpType::DepthwiseConv2D, {t[2], wt[4], wt[5], wt[6]}, t[3], Activation::Prelu);
    dw2.attrs.stride_h = dw2.attrs.stride_w = 2;
    const int32_t slopes = g.add_tensor("slopes", TensorKind::Weight, {72});
    const Node pw2 = node(OpType::Conv2D, {t[3], wt[7], wt[8], slopes}, t[4], Activation::Prelu);
    g.nodes = {dw1, pw1, add, dw2, pw2};
    g.inputs = {x};
    g.outputs = {t[4]};
    std::vector<size_t> origin;
    const Graph fused = fuse_graph(g, origin);
    REQUIRE(fused.nodes.size() == 2);
    CHECK(origin == std::vector<size_t>{1, 4});  // the 1x1 convs' places (their packed weights)
    const Node &f1 = fused.nodes[0], &f2 = fused.nodes[1];
    CHECK((f1.op == OpType::DepthwiseConv2D && f1.attrs.pointwise && f1.attrs.pointwise_act == Activation::Relu));
    CHECK(f1.inputs == std::vector<int32_t>{x, wt[0], wt[1], -1, wt[2], wt[3], -1, x});
    CHECK(f1.outputs[0] == t[2]);
    CHECK((f2.attrs.pointwise && f2.attrs.act == Activation::Prelu && f2.attrs.pointwise_act == Activation::Prelu));
    CHECK(f2.inputs == std::vector<int32_t>{t[2], wt[4], wt[5], wt[6], wt[7], wt[8], slopes, -1});

    check_fused_session(g, {1, 37, 29, 24}, {1, 18, 14, 72}, {t[0], t[1], t[3]});
}
