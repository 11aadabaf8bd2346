// Every CUDA kernel against its CPU reference (include/lfr/ops/) on the shared table of odd shapes
// (op_cases.h), outputs poisoned first; plus the fused depthwise-separable kernel and a CudaSession
// on a small graph that mixes CUDA nodes, a fused pair and a CPU-fallback node, and on the LEFV-shaped
// graph of support/lefv_graph.h (MultiScaleFusion).
#include <doctest/doctest.h>

#include "gpu_test_util.h"
#include "lefv_graph.h"  // support/
#include "lfr/cuda/session.h"

using namespace lfr;
using namespace lfr::gpu_test;

TEST_CASE("every CUDA kernel matches its CPU reference") {
    const auto cases = gpu_cases::parity_cases();
    for (size_t i = 0; i < cases.size(); ++i) {
        const gpu_cases::OpCase& c = cases[i];
        INFO(c.name);
        const std::vector<Tensor> ins = make_inputs(c, unsigned(i));
        REQUIRE_MESSAGE(cuda::supports(c.node, shapes_of(ins)), c.name << ": no CUDA kernel for these shapes");
        const Tensor ref = run_cpu(c.node, ins);
        const Tensor got = run_gpu(c.node, ins, ref.shape);
        check_close(c.name, got, ref, c.tol);
    }
}

TEST_CASE("ops without a CUDA kernel are reported as unsupported") {
    Node n = gpu_cases::make_node(OpType::ResizeBilinear, "resize");
    n.attrs.ints = {8, 8};
    CHECK_FALSE(cuda::supports(n, {Shape{1, 4, 4, 3}}));
    Node m = gpu_cases::make_node(OpType::Mean, "mean c");
    m.attrs.ints = {3};
    CHECK_FALSE(cuda::supports(m, {Shape{1, 4, 4, 3}}));
    CHECK_THROWS_AS(gpu_test::run_gpu(n, {Tensor(Shape{1, 4, 4, 3})}, Shape{1, 8, 8, 3}), Error);
}

TEST_CASE("fused depthwise + pointwise matches the two CPU kernels") {
    const auto cases = gpu_cases::separable_cases(false);
    for (size_t i = 0; i < cases.size(); ++i) {
        const gpu_cases::SeparableCase& c = cases[i];
        INFO(c.name);
        const int64_t C = c.x[3];
        Tensor x(c.x), dw_w(Shape{3, 3, C, 1}), dw_b, pw_w(Shape{1, 1, C, c.co}), pw_b(Shape{c.co}), pw_a;
        x.values = gpu_cases::fill(x.shape.numel(), 100u + unsigned(i), false);
        dw_w.values = gpu_cases::fill(dw_w.shape.numel(), 200u + unsigned(i), false);
        dw_b.shape = gpu_cases::absent();
        if (c.dw_bias) dw_b = Tensor(Shape{C}), dw_b.values = gpu_cases::fill(C, 300u + unsigned(i), false);
        pw_w.values = gpu_cases::fill(pw_w.shape.numel(), 400u + unsigned(i), false);
        pw_b.values = gpu_cases::fill(c.co, 500u + unsigned(i), false);
        std::vector<Tensor> dw_in = {x, dw_w, dw_b};
        const Tensor mid = run_cpu(c.dw, dw_in);
        std::vector<Tensor> pw_in = {mid, pw_w, pw_b};
        if (c.pw.attrs.act == Activation::Prelu) {
            pw_a = Tensor(Shape{c.co});
            pw_a.values = gpu_cases::fill(c.co, 600u + unsigned(i), false);
            pw_in.push_back(pw_a);
        }
        const Tensor ref = run_cpu(c.pw, pw_in);

        REQUIRE(cuda::supports_depthwise_pointwise(c.dw, shapes_of(dw_in), c.pw, shapes_of(pw_in)));
        DeviceInputs d_dw(dw_in), d_pw(pw_in);
        cuda::DeviceBuffer<float> out = poisoned(ref.shape);
        cuda::run_depthwise_pointwise(c.dw, d_dw.views, c.pw, d_pw.views, {out.data(), ref.shape}, context());
        context().synchronize();
        check_close(c.name, download(out, ref.shape), ref, c.tol);
    }
}

namespace {

// A small graph: conv 3x3 + relu -> depthwise 3x3 -> pointwise 1x1 + leaky (a fusable pair) ->
// ResizeBilinear (no CUDA kernel: CPU fallback) -> maxpool -> residual add of a 1x1 branch ->
// mean over H,W -> matmul -> softmax. Outputs: the softmax and the resized map.
struct SmallModel {
    std::vector<uint8_t> bytes;
    Model model;
};

SmallModel small_model() {
    Graph g;
    std::vector<std::vector<float>> w;
    unsigned salt = 1000;
    auto weight = [&](const std::string& name, Shape s) {
        const int32_t id = g.add_tensor(name, TensorKind::Weight, s);
        w.resize(g.tensors.size());
        w[size_t(id)] = gpu_cases::fill(s.numel(), salt++, false);
        return id;
    };
    auto value = [&](const std::string& name) {
        const int32_t id = g.add_tensor(name, TensorKind::Value, Shape{});
        w.resize(g.tensors.size());
        return id;
    };
    auto node = [&](OpType op, const std::string& name, std::vector<int32_t> in, int32_t out, Attrs a = Attrs()) {
        Node n = gpu_cases::make_node(op, name);
        n.inputs = std::move(in);
        n.outputs = {out};
        n.attrs = a;
        g.nodes.push_back(n);
    };
    const int32_t x = g.add_tensor("x", TensorKind::Input, Shape{-1, 12, 12, 3});
    w.resize(g.tensors.size());
    g.inputs = {x};
    Attrs conv;
    conv.padding = Padding::Same;
    conv.act = Activation::Relu;
    const int32_t c1 = value("c1");
    node(OpType::Conv2D, "conv1", {x, weight("w1", {3, 3, 3, 8}), weight("b1", {8})}, c1, conv);
    Attrs dw;
    dw.padding = Padding::Same;
    const int32_t d1 = value("d1");
    node(OpType::DepthwiseConv2D, "dw", {c1, weight("wd", {3, 3, 8, 1})}, d1, dw);
    Attrs pw;
    pw.act = Activation::Leaky;
    pw.alpha = 0.1f;
    const int32_t p1 = value("p1");
    node(OpType::Conv2D, "pw", {d1, weight("wp", {1, 1, 8, 16}), weight("bp", {16})}, p1, pw);
    Attrs rs;
    rs.ints = {8, 8};
    rs.flags = 2;  // half_pixel_centers
    const int32_t r1 = value("resized");
    node(OpType::ResizeBilinear, "resize", {p1}, r1, rs);
    const int32_t m1 = value("m1");
    node(OpType::MaxPool, "pool", {r1}, m1, gpu_cases::pool_attrs(2, 2, Padding::Same));
    const int32_t b1 = value("b1x1");
    node(OpType::Conv2D, "branch", {m1, weight("wb", {1, 1, 16, 16}), -1}, b1);
    Attrs add;
    add.act = Activation::Relu;
    const int32_t a1 = value("sum");
    node(OpType::Add, "residual", {m1, b1}, a1, add);
    const int32_t g1 = value("gap");
    node(OpType::Mean, "gap", {a1}, g1, gpu_cases::ints_attrs({1, 2}));
    const int32_t f1 = value("fc");
    node(OpType::MatMul, "fc", {g1, weight("wf", {16, 5}), weight("bf", {5})}, f1);
    const int32_t s1 = value("prob");
    node(OpType::Softmax, "softmax", {f1}, s1);
    g.outputs = {s1, r1};
    SmallModel m;
    m.bytes = serialize_model(g, w);
    m.model = Model::from_memory(m.bytes.data(), m.bytes.size(), "small");
    return m;
}

}  // namespace

TEST_CASE("CudaSession matches the CPU Session, CPU fallback and fusion included") {
    const SmallModel m = small_model();
    for (int batch : {1, 3}) {
        for (bool fusion : {true, false}) {
            INFO("batch " << batch << ", fusion " << fusion);
            Tensor x(Shape{batch, 12, 12, 3});
            x.values = gpu_cases::fill(x.shape.numel(), unsigned(batch), false);
            Session cpu(m.model);
            const auto ref = cpu.run({x.view()});
            cuda::CudaSession gpu(m.model);
            gpu.set_fusion(fusion ? cuda::Fusion::Always : cuda::Fusion::Off);
            const auto got = gpu.run({x.view()});
            MESSAGE("small model: " << gpu.placement_summary());
            REQUIRE(got.size() == ref.size());
            for (size_t i = 0; i < ref.size(); ++i) check_close("output " + std::to_string(i), got[i], ref[i], 1e-5);
            const auto& place = gpu.placement();
            CHECK(place[3] == cuda::Placement::Cpu);  // ResizeBilinear
            CHECK(place[2] == (fusion ? cuda::Placement::FusedPointwise : cuda::Placement::Cuda));
            // A second run reuses the plan and gives the same answer.
            const auto again = gpu.run({x.view()});
            for (size_t i = 0; i < ref.size(); ++i) check_close("rerun output " + std::to_string(i), again[i], got[i], 0);
        }
    }
}

TEST_CASE("CudaSession rejects a wrong input shape with a message") {
    const SmallModel m = small_model();
    cuda::CudaSession gpu(m.model);
    Tensor x(Shape{1, 10, 12, 3});
    CHECK_THROWS_AS(gpu.run({x.view()}), Error);
}

TEST_CASE("CudaSession runs the LEFV-shaped graph (MultiScaleFusion on the device) as the CPU does") {
    const tools::ConvertedModel cm = bench::lefv_random_model(64);  // random weights: a kernel test only
    const std::vector<uint8_t> bytes = serialize_model(cm.graph, cm.weights);
    const Model model = Model::from_memory(bytes.data(), bytes.size(), "lefv-random");
    for (int batch : {1, 3}) {
        INFO("batch " << batch);
        Tensor x(Shape{batch, 64, 64, 3});
        x.values = gpu_cases::fill(x.shape.numel(), 77u + unsigned(batch), false);
        Session cpu(model);
        const auto ref = cpu.run({x.view()});
        cuda::CudaSession gpu(model);
        const auto got = gpu.run({x.view()});
        MESSAGE("lefv: " << gpu.placement_summary());
        for (size_t i = 0; i < model.graph().nodes.size(); ++i)
            if (model.graph().nodes[i].op == OpType::MultiScaleFusion) CHECK(gpu.placement()[i] == cuda::Placement::Cuda);
        REQUIRE(got.size() == 1);
        check_close("embedding", got[0], ref[0], 1e-4);
    }
}
