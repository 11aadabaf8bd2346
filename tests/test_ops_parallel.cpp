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
    std::vector<std::pair<int32_t, int32_t>> folded;
    const Graph fused = fuse_residual_adds(g, origin, folded);
    CHECK(folded == std::vector<std::pair<int32_t, int32_t>>{{y, z}});
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
