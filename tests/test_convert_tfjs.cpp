// The TF.js graph converter (weights_tools/tfjs_graph.*) and the graph rewrites (weights_tools/passes.*):
// each pass on tiny hand-built graphs, the JSON mapping on a hand-written model, and every real model of
// the human-models package when it is unpacked under .cache/packages.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "passes.h"
#include "tfjs_graph.h"

using namespace lfr;
using namespace lfr::tools;

namespace {

std::map<OpType, int> histogram(const Graph& g) {
    std::map<OpType, int> h;
    for (const Node& n : g.nodes) ++h[n.op];
    return h;
}

int count(const Graph& g, OpType op) { return histogram(g)[op]; }

// x [1,4,4,2] -> conv 1x1 (2->3 channels, weights 1..6, no bias); returns the conv's output tensor.
int32_t tiny_conv(ConvertedModel& m, int32_t& x) {
    x = m.input("x", Shape{-1, 4, 4, 2});
    m.graph.tensors[size_t(x)].shape = Shape{-1, 4, 4, 2};
    const int32_t w = m.weight("w", Shape{1, 1, 2, 3}, {1, 2, 3, 4, 5, 6});
    const int32_t y = m.node(OpType::Conv2D, "conv", {x, w, -1, -1});
    m.graph.tensors[size_t(y)].shape = Shape{1, 4, 4, 3};
    return y;
}

const std::vector<float>& weight_of(const ConvertedModel& m, const Node& n, size_t slot) {
    REQUIRE(n.inputs.size() > slot);
    REQUIRE(n.inputs[slot] >= 0);
    return m.weights[size_t(n.inputs[slot])];
}

std::string source_dir() { return LFR_SOURCE_DIR; }

}  // namespace

TEST_CASE("fold_bias_add puts a per-channel Add/Sub constant into the conv bias") {
    ConvertedModel m;
    int32_t x;
    const int32_t y = tiny_conv(m, x);
    const int32_t b = m.weight("b", Shape{3}, {1, 2, 3});
    const int32_t z = m.node(OpType::Add, "add", {b, y});  // constant first: still a bias
    const int32_t s = m.weight("s", Shape{}, {0.5f});
    const int32_t out = m.node(OpType::Sub, "sub", {z, s});
    m.output(out);
    CHECK(fold_bias_add(m) == 2);
    REQUIRE(m.graph.nodes.size() == 1);
    const Node& conv = m.graph.nodes[0];
    CHECK(conv.outputs[0] == out);  // the graph output tensor survives
    CHECK(weight_of(m, conv, 2) == std::vector<float>{0.5f, 1.5f, 2.5f});

    // x - c only: c - x is not a bias.
    ConvertedModel m2;
    const int32_t y2 = tiny_conv(m2, x);
    const int32_t c2 = m2.weight("c", Shape{3}, {1, 2, 3});
    m2.output(m2.node(OpType::Sub, "rsub", {c2, y2}));
    CHECK(fold_bias_add(m2) == 0);
}

TEST_CASE("fold_mul_scale scales weights and bias per output channel") {
    ConvertedModel m;
    int32_t x;
    const int32_t y = tiny_conv(m, x);
    const int32_t b = m.weight("b", Shape{1, 1, 1, 3}, {1, 1, 1});
    const int32_t z = m.node(OpType::Add, "add", {y, b});
    const int32_t s = m.weight("s", Shape{3}, {2, 3, 4});
    m.output(m.node(OpType::Mul, "mul", {z, s}));
    CHECK(fold_bias_add(m) == 1);
    CHECK(fold_mul_scale(m) == 1);
    REQUIRE(m.graph.nodes.size() == 1);
    const Node& conv = m.graph.nodes[0];
    CHECK(weight_of(m, conv, 1) == std::vector<float>{2, 6, 12, 8, 15, 24});
    CHECK(weight_of(m, conv, 2) == std::vector<float>{2, 3, 4});
}

TEST_CASE("fold_mul_scale on a depthwise conv with a shared weight copies it") {
    ConvertedModel m;
    const int32_t x = m.input("x", Shape{1, 4, 4, 2});
    const int32_t w = m.weight("w", Shape{3, 3, 2, 1}, std::vector<float>(18, 1.f));
    const int32_t y1 = m.node(OpType::DepthwiseConv2D, "dw1", {x, w});
    const int32_t y2 = m.node(OpType::DepthwiseConv2D, "dw2", {x, w});
    const int32_t s = m.weight("s", Shape{2}, {2, 3});
    m.output(m.node(OpType::Mul, "mul", {y1, s}));
    m.output(y2);
    CHECK(fold_mul_scale(m) == 1);
    REQUIRE(m.graph.nodes.size() == 2);
    CHECK(m.weights[size_t(w)] == std::vector<float>(18, 1.f));  // dw2's filter is untouched
    const auto& scaled = weight_of(m, m.graph.nodes[0], 1);
    for (size_t i = 0; i < scaled.size(); ++i) CHECK(scaled[i] == (i % 2 ? 3.f : 2.f));
}

TEST_CASE("fold_activation fuses Relu/Relu6/Prelu into their producer only when it has one consumer") {
    SUBCASE("conv + prelu") {
        ConvertedModel m;
        int32_t x;
        const int32_t y = tiny_conv(m, x);
        const int32_t a = m.weight("alpha", Shape{1, 1, 3}, {0.1f, 0.2f, 0.3f});
        m.output(m.node(OpType::Prelu, "prelu", {y, a}));
        CHECK(fold_activation(m) == 1);
        REQUIRE(m.graph.nodes.size() == 1);
        const Node& conv = m.graph.nodes[0];
        CHECK(conv.attrs.act == Activation::Prelu);
        CHECK(conv.inputs[2] == -1);
        CHECK(weight_of(m, conv, 3) == std::vector<float>{0.1f, 0.2f, 0.3f});
        CHECK(m.graph.tensors[size_t(conv.inputs[3])].shape == Shape{3});
    }
    SUBCASE("residual add + relu6, relu then relu6 composes") {
        ConvertedModel m;
        const int32_t x = m.input("x", Shape{1, 2, 2, 3});
        const int32_t s = m.node(OpType::Add, "add", {x, x});
        const int32_t r = m.node(OpType::Relu, "relu", {s});
        m.output(m.node(OpType::Relu6, "relu6", {r}));
        CHECK(fold_activation(m) == 2);
        REQUIRE(m.graph.nodes.size() == 1);
        CHECK(m.graph.nodes[0].attrs.act == Activation::Relu6);
    }
    SUBCASE("prelu does not fuse into a binary op; a second consumer blocks the fold") {
        ConvertedModel m;
        const int32_t x = m.input("x", Shape{1, 2, 2, 3});
        const int32_t s = m.node(OpType::Add, "add", {x, x});
        const int32_t a = m.weight("alpha", Shape{3}, {0.1f, 0.2f, 0.3f});
        m.output(m.node(OpType::Prelu, "prelu", {s, a}));
        int32_t x2;
        ConvertedModel m2;
        const int32_t y = tiny_conv(m2, x2);
        m2.output(m2.node(OpType::Relu, "relu", {y}));
        m2.output(y);
        CHECK(fold_activation(m) == 0);
        CHECK(fold_activation(m2) == 0);
    }
}

TEST_CASE("fold_pad_into_conv turns a spatial zero Pad into explicit conv padding") {
    ConvertedModel m;
    const int32_t x = m.input("x", Shape{1, 8, 8, 2});
    Attrs pa;
    pa.ints = {0, 0, 1, 2, 3, 4, 0, 0};
    const int32_t p = m.node(OpType::Pad, "pad", {x}, pa);
    const int32_t w = m.weight("w", Shape{3, 3, 2, 1}, std::vector<float>(18, 1.f));
    Attrs ca;
    ca.stride_h = ca.stride_w = 2;
    m.output(m.node(OpType::DepthwiseConv2D, "dw", {p, w}, ca));
    // A channel pad (blazeface's residual widening) and a non-zero fill stay Pads.
    Attrs chan;
    chan.ints = {0, 0, 0, 0, 0, 0, 0, 2};
    const int32_t p2 = m.node(OpType::Pad, "chanpad", {x}, chan);
    const int32_t w2 = m.weight("w2", Shape{1, 1, 4, 1}, {1, 1, 1, 1});
    m.output(m.node(OpType::Conv2D, "conv2", {p2, w2}));
    Attrs fill = pa;
    fill.value = 1.f;
    const int32_t p3 = m.node(OpType::Pad, "fillpad", {x}, fill);
    m.output(m.node(OpType::DepthwiseConv2D, "dw3", {p3, w}));

    CHECK(fold_pad_into_conv(m) == 1);
    eliminate_dead_nodes(m);
    REQUIRE(m.graph.nodes.size() == 5);
    const Node& dw = m.graph.nodes[0];
    CHECK(dw.op == OpType::DepthwiseConv2D);
    CHECK(dw.inputs[0] == m.graph.inputs[0]);
    CHECK(dw.attrs.padding == Padding::Explicit);
    CHECK(dw.attrs.pad_top == 1);
    CHECK(dw.attrs.pad_bottom == 2);
    CHECK(dw.attrs.pad_left == 3);
    CHECK(dw.attrs.pad_right == 4);
    CHECK(dw.attrs.stride_h == 2);
    CHECK(count(m.graph, OpType::Pad) == 2);
}

TEST_CASE("fold_clip_to_relu6 and fold_decomposed_prelu recognise the expanded forms") {
    SUBCASE("clip_by_value(relu(x), 0, 6)") {
        ConvertedModel m;
        const int32_t x = m.input("x", Shape{1, 2, 2, 3});
        const int32_t r = m.node(OpType::Relu, "relu", {x});
        const int32_t six = m.weight("six", Shape{}, {6.f});
        const int32_t zero = m.weight("zero", Shape{}, {0.f});
        const int32_t mn = m.node(OpType::Minimum, "min", {r, six});
        m.output(m.node(OpType::Maximum, "max", {mn, zero}));
        run_default_passes(m);
        REQUIRE(m.graph.nodes.size() == 1);
        CHECK(m.graph.nodes[0].op == OpType::Relu6);
        CHECK(m.graph.nodes[0].inputs[0] == m.graph.inputs[0]);
    }
    SUBCASE("max(0, x) + gamma * min(0, x) after a conv") {
        ConvertedModel m;
        int32_t x;
        const int32_t y = tiny_conv(m, x);
        const int32_t zero = m.weight("zero", Shape{}, {0.f});
        const int32_t gamma = m.weight("gamma", Shape{3}, {0.25f, 0.5f, 0.75f});
        const int32_t mx = m.node(OpType::Maximum, "max", {zero, y});
        const int32_t mn = m.node(OpType::Minimum, "min", {zero, y});
        const int32_t mul = m.node(OpType::Mul, "mul", {gamma, mn});
        const int32_t out = m.node(OpType::Add, "add", {mx, mul});
        m.output(out);
        CHECK(fold_decomposed_prelu(m) == 1);
        run_default_passes(m);
        REQUIRE(m.graph.nodes.size() == 1);
        const Node& conv = m.graph.nodes[0];
        CHECK(conv.op == OpType::Conv2D);
        CHECK(conv.attrs.act == Activation::Prelu);
        CHECK(weight_of(m, conv, 3) == std::vector<float>{0.25f, 0.5f, 0.75f});
        CHECK(m.graph.tensors[size_t(m.graph.outputs[0])].name == "add");
    }
}

TEST_CASE("eliminate_dead_nodes drops unused nodes and compacts the tensor table") {
    ConvertedModel m;
    const int32_t x = m.input("x", Shape{1, 4});
    const int32_t unused_w = m.weight("unused", Shape{4}, {1, 2, 3, 4});
    m.node(OpType::Mul, "dead", {x, unused_w});
    m.output(m.node(OpType::Relu, "live", {x}));
    CHECK(eliminate_dead_nodes(m) == 1);
    REQUIRE(m.graph.nodes.size() == 1);
    CHECK(m.graph.tensors.size() == 2);
    CHECK(m.weights.size() == 2);
    CHECK(m.graph.tensors[size_t(m.graph.outputs[0])].name == "live");
    CHECK(m.graph.nodes[0].inputs[0] == m.graph.inputs[0]);
    validate_round_trip(m);
}

namespace {

// A hand-written TF.js model: inline constants in each encoding, a conv with BiasAdd + Relu, two
// StridedSlices (masks, ellipsis, shrink), ExpandDims, and Identity sinks as outputs.
const char* kTinyModel = R"({
 "format": "graph-model",
 "modelTopology": {"node": [
  {"name": "x", "op": "Placeholder", "attr": {"dtype": {"type": "DT_FLOAT"},
     "shape": {"shape": {"dim": [{"size": "-1"}, {"size": "4"}, {"size": "4"}, {"size": "2"}]}}}},
  {"name": "w", "op": "Const", "attr": {"value": {"tensor": {"dtype": "DT_FLOAT",
     "tensorShape": {"dim": [{"size": "1"}, {"size": "1"}, {"size": "2"}, {"size": "3"}]},
     "tensorContent": "AACAPwAAAEAAAEBAAACAQAAAoEAAAMBA"}}, "dtype": {"type": "DT_FLOAT"}}},
  {"name": "b", "op": "Const", "attr": {"value": {"tensor": {"dtype": "DT_FLOAT",
     "tensorShape": {"dim": [{"size": "3"}]}, "floatVal": [0.5]}}}},
  {"name": "conv", "op": "Conv2D", "input": ["x", "w"], "attr": {"padding": {"s": "VkFMSUQ="},
     "strides": {"list": {"i": ["1", "1", "1", "1"]}}, "dilations": {"list": {"i": ["1", "1", "1", "1"]}}}},
  {"name": "bias", "op": "BiasAdd", "input": ["conv", "b"]},
  {"name": "relu", "op": "Relu", "input": ["bias"]},
  {"name": "begin", "op": "Const", "attr": {"value": {"tensor": {"dtype": "DT_INT32",
     "tensorShape": {"dim": [{"size": "4"}]}, "tensorContent": "AAAAAAEAAAAAAAAAAAAAAA=="}}}},
  {"name": "end", "op": "Const", "attr": {"value": {"tensor": {"dtype": "DT_INT32",
     "tensorShape": {"dim": [{"size": "4"}]}, "tensorContent": "AAAAAAMAAAAAAAAAAgAAAA=="}}}},
  {"name": "ones", "op": "Const", "attr": {"value": {"tensor": {"dtype": "DT_INT32",
     "tensorShape": {"dim": [{"size": "4"}]}, "intVal": [1]}}}},
  {"name": "ss1", "op": "StridedSlice", "input": ["relu", "begin", "end", "ones"],
     "attr": {"begin_mask": {"i": "5"}, "end_mask": {"i": "5"}}},
  {"name": "b2", "op": "Const", "attr": {"value": {"tensor": {"dtype": "DT_INT32",
     "tensorShape": {"dim": [{"size": "2"}]}, "intVal": [0, -1]}}}},
  {"name": "e2", "op": "Const", "attr": {"value": {"tensor": {"dtype": "DT_INT32",
     "tensorShape": {"dim": [{"size": "2"}]}, "intVal": [0, 0]}}}},
  {"name": "s2", "op": "Const", "attr": {"value": {"tensor": {"dtype": "DT_INT32",
     "tensorShape": {"dim": [{"size": "2"}]}, "intVal": [1, 1]}}}},
  {"name": "ss2", "op": "StridedSlice", "input": ["relu", "b2", "e2", "s2"],
     "attr": {"ellipsis_mask": {"i": "1"}, "shrink_axis_mask": {"i": "2"}}},
  {"name": "axis", "op": "Const", "attr": {"value": {"tensor": {"dtype": "DT_INT32", "tensorShape": {}, "intVal": [-1]}}}},
  {"name": "expand", "op": "ExpandDims", "input": ["ss2", "axis"]},
  {"name": "out_a", "op": "Identity", "input": ["ss1"]},
  {"name": "out_b", "op": "Identity", "input": ["expand"]}
 ]},
 "weightsManifest": []
})";

std::string write_temp(const std::string& name, const std::string& text) {
    const std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/" + name;
    std::ofstream f(path);
    f << text;
    return path;
}

}  // namespace

TEST_CASE("convert_tfjs_graph maps a hand-written model: inline constants, fused ops, slices, outputs") {
    const std::string path = write_temp("lfr_test_tiny_tfjs.json", kTinyModel);
    TfjsReport rep;
    ConvertedModel m = convert_tfjs_graph(path, TfjsOptions{}, &rep);
    const Graph& g = m.graph;
    CHECK(rep.tf_nodes == 18);
    REQUIRE(g.inputs.size() == 1);
    CHECK(g.tensors[size_t(g.inputs[0])].name == "x");
    CHECK(g.tensors[size_t(g.inputs[0])].shape == Shape{-1, 4, 4, 2});

    auto h = histogram(g);
    CHECK(h[OpType::Conv2D] == 1);
    CHECK(h[OpType::StridedSlice] == 2);
    CHECK(h[OpType::Reshape] == 1);
    CHECK(g.nodes.size() == 4);
    const Node& conv = g.nodes[0];
    CHECK(conv.attrs.act == Activation::Relu);
    CHECK(weight_of(m, conv, 1) == std::vector<float>{1, 2, 3, 4, 5, 6});
    CHECK(weight_of(m, conv, 2) == std::vector<float>{0.5f, 0.5f, 0.5f});

    REQUIRE(g.outputs.size() == 2);  // sinks in node order
    CHECK(g.tensors[size_t(g.outputs[0])].name == "out_a");
    CHECK(g.tensors[size_t(g.outputs[0])].shape == Shape{1, 2, 4, 2});
    CHECK(g.tensors[size_t(g.outputs[1])].name == "out_b");
    CHECK(g.tensors[size_t(g.outputs[1])].shape == Shape{1, 4, 4, 1});
    for (const Node& n : g.nodes) {
        if (n.name == "ss1") {
            CHECK(n.attrs.ints == std::vector<int32_t>{0, 1, 0, 0, 1, 3, 4, 2, 1, 1, 1, 1});
            CHECK(n.attrs.flags == 0);
        }
        if (n.name == "ss2") {
            CHECK(n.attrs.ints == std::vector<int32_t>{0, 0, 0, 2, 1, 4, 4, 3, 1, 1, 1, 1});
            CHECK(n.attrs.flags == 8);
        }
        if (n.name == "expand") CHECK(n.attrs.ints == std::vector<int32_t>{-1, 4, 4, 1});  // batch stays free
    }
}

TEST_CASE("convert_tfjs_graph errors name the model, the op and the node") {
    nlohmann::json j = nlohmann::json::parse(kTinyModel);
    j["modelTopology"]["node"][5]["op"] = "Conv9000";
    std::string path = write_temp("lfr_test_bad_op.json", j.dump());
    try {
        convert_tfjs_graph(path);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()) == "lfr_test_bad_op: unsupported TF op Conv9000 at node relu");
    }
    j = nlohmann::json::parse(kTinyModel);
    j["modelTopology"]["node"][3]["attr"]["dilations"]["list"]["i"] = {"1", "2", "2", "1"};
    path = write_temp("lfr_test_dilated.json", j.dump());
    CHECK_THROWS_WITH_AS(convert_tfjs_graph(path), doctest::Contains("dilations other than 1"), Error);
    CHECK_THROWS_AS(convert_tfjs_graph("/nonexistent/model.json"), Error);
}

TEST_CASE("convert_tfjs_graph refuses malformed manifests and fields with lfr::Error") {
    // Found by fuzzing (fuzz/corpus/fuzz_tfjs_graph/): a rank-8 manifest shape wrote past Shape::dim;
    // a missing "weights" list, a node without inputs and a non-numeric stride escaped as std::
    // exceptions; a zero stride divided by zero.
    write_temp("lfr_test_shard.bin", std::string(64, '\0'));
    auto manifest = nlohmann::json::parse(R"([{"paths": ["lfr_test_shard.bin"],
        "weights": [{"name": "w", "shape": [1, 1, 1, 1, 1, 1, 1, 4], "dtype": "float32"}]}])");
    nlohmann::json j = {{"format", "graph-model"}, {"modelTopology", {{"node", nlohmann::json::array()}}}, {"weightsManifest", manifest}};
    std::string path = write_temp("lfr_test_rank8.json", j.dump());
    CHECK_THROWS_WITH_AS(convert_tfjs_graph(path), doctest::Contains("weight w has rank 8"), Error);
    j["weightsManifest"][0].erase("weights");
    path = write_temp("lfr_test_no_weights.json", j.dump());
    CHECK_THROWS_WITH_AS(convert_tfjs_graph(path), doctest::Contains("malformed model JSON"), Error);

    j = nlohmann::json::parse(kTinyModel);
    j["modelTopology"]["node"][3]["input"] = nlohmann::json::array();
    path = write_temp("lfr_test_no_inputs.json", j.dump());
    CHECK_THROWS_WITH_AS(convert_tfjs_graph(path), doctest::Contains("malformed model"), Error);
    j = nlohmann::json::parse(kTinyModel);
    j["modelTopology"]["node"][3]["attr"]["strides"]["list"]["i"] = {"1", "x", "1", "1"};
    path = write_temp("lfr_test_bad_stride.json", j.dump());
    CHECK_THROWS_WITH_AS(convert_tfjs_graph(path), doctest::Contains("malformed model"), Error);
    j["modelTopology"]["node"][3]["attr"]["strides"]["list"]["i"] = {"1", "0", "1", "1"};  // was a division by 0
    path = write_temp("lfr_test_zero_stride.json", j.dump());
    CHECK_THROWS_WITH_AS(convert_tfjs_graph(path), doctest::Contains("strides must be [1,h,w,1] with h, w >= 1"), Error);
}

// ---- the real models ------------------------------------------------------------------------------

namespace {

struct Expect {
    const char* name;
    Shape input;
    std::vector<std::string> outputs;  // TF names, in TF.js order
    std::vector<Shape> output_shapes;
};

const std::vector<Expect>& expectations() {
    static const std::vector<Expect> e = {
        {"blazeface-front", Shape{1, 128, 128, 3}, {"Identity_1", "Identity_2", "Identity_3", "Identity"},
         {Shape{1, 384, 1}, Shape{1, 512, 16}, Shape{1, 384, 16}, Shape{1, 512, 1}}},
        {"blazeface-back", Shape{1, 256, 256, 3}, {"Identity_3", "Identity", "Identity_1", "Identity_2"},
         {Shape{1, 384, 16}, Shape{1, 512, 1}, Shape{1, 384, 1}, Shape{1, 512, 16}}},
        {"facemesh", Shape{-1, 192, 192, 3}, {"Identity_2", "Identity_1", "Identity"},
         {Shape{1, 1404}, Shape{1, 1}, Shape{1, 266}}},
        {"iris", Shape{-1, 64, 64, 3}, {"Identity"}, {Shape{1, 1, 1, 228}}},
        {"faceres", Shape{-1, 224, 224, 3}, {"gender_pred/Sigmoid", "global_pooling/Mean", "age_pred/Softmax"},
         {Shape{1, 1}, Shape{1, 1024}, Shape{1, 100}}},
        {"faceres-deep", Shape{-1, 224, 224, 3}, {"gender_pred/Sigmoid", "global_pooling/Mean", "age_pred/Softmax"},
         {Shape{1, 1}, Shape{1, 1024}, Shape{1, 100}}},
        {"mobileface", Shape{-1, 112, 112, 3}, {"batchnorm0/add_1"}, {Shape{1, 256}}},
        {"antispoof", Shape{-1, 128, 128, 3}, {"Identity"}, {Shape{1, 1}}},
        {"liveness", Shape{-1, 32, 32, 3}, {"Identity"}, {Shape{1, 2}}},
        {"emotion", Shape{-1, 64, 64, 1}, {"Identity"}, {Shape{1, 7}}},
        {"gender", Shape{-1, 64, 64, 1}, {"Identity"}, {Shape{1, 2}}},
        {"age", Shape{-1, 64, 64, 3}, {"Identity"}, {Shape{1, 1}}},
        {"gear", Shape{-1, 198, 198, 3}, {"Identity_2", "Identity_1", "Identity"},
         {Shape{1, 5}, Shape{1, 2}, Shape{1, 7}}},
    };
    return e;
}

std::string models_dir() { return source_dir() + "/.cache/packages/human-models/package/models"; }

bool have(const std::string& path) { return std::ifstream(path).good(); }

}  // namespace

TEST_CASE("real TF.js models convert, fold and round-trip") {
    if (!have(models_dir() + "/iris.json")) {
        MESSAGE("skipped: human-models package not unpacked under " << models_dir());
        return;
    }
    for (const Expect& e : expectations()) {
        CAPTURE(e.name);
        const std::string path = models_dir() + "/" + e.name + ".json";
        TfjsReport rep;
        ConvertedModel m = convert_tfjs_graph(path, TfjsOptions{}, &rep);
        const Graph& g = m.graph;
        REQUIRE(g.inputs.size() == 1);
        CHECK(g.tensors[size_t(g.inputs[0])].shape == e.input);
        REQUIRE(g.outputs.size() == e.outputs.size());
        for (size_t i = 0; i < e.outputs.size(); ++i) {
            CHECK(g.tensors[size_t(g.outputs[i])].name == e.outputs[i]);
            CHECK(g.tensors[size_t(g.outputs[i])].shape == e.output_shapes[i]);
        }
        CHECK(g.nodes.size() <= rep.nodes_before_folds);

        // No Pad is left in front of a conv, and no standalone activation follows a conv it could fuse into.
        const std::vector<int> uses = consumer_counts(g);
        for (const Node& n : g.nodes) {
            if (n.op == OpType::Conv2D || n.op == OpType::DepthwiseConv2D) {
                const int p = producer_of(g, n.inputs[0]);
                if (p >= 0 && g.nodes[size_t(p)].op == OpType::Pad && uses[size_t(n.inputs[0])] == 1) {
                    const auto& q = g.nodes[size_t(p)].attrs.ints;
                    CHECK_MESSAGE((q[2] || q[3] || q[4] || q[5]) == false, "spatial Pad left before " << n.name);
                }
            }
            if (n.op == OpType::Relu || n.op == OpType::Relu6 || n.op == OpType::Prelu) {
                const int p = producer_of(g, n.inputs[0]);
                if (p >= 0 && (g.nodes[size_t(p)].op == OpType::Conv2D || g.nodes[size_t(p)].op == OpType::DepthwiseConv2D))
                    CHECK_MESSAGE(uses[size_t(n.inputs[0])] > 1, "unfused activation after " << g.nodes[size_t(p)].name);
            }
        }
        // Round trip through the file format: the same graph comes back.
        const std::vector<uint8_t> bytes = validate_round_trip(m);
        const Model loaded = Model::from_memory(bytes.data(), bytes.size(), e.name);
        CHECK(loaded.graph().nodes.size() == g.nodes.size());

        // The golden outputs' names and order (tests/golden/<model>/meta.json), where generated.
        const std::string meta = source_dir() + "/tests/golden/" + e.name + "/meta.json";
        if (have(meta)) {
            std::ifstream f(meta);
            const nlohmann::json j = nlohmann::json::parse(f);
            REQUIRE(j.at("outputs").size() == g.outputs.size());
            for (size_t i = 0; i < g.outputs.size(); ++i)
                CHECK(j.at("outputs")[i].at("name").get<std::string>() == g.tensors[size_t(g.outputs[i])].name);
        }
    }
}

TEST_CASE("real TF.js models: what the folds leave") {
    if (!have(models_dir() + "/iris.json")) {
        MESSAGE("skipped: human-models package not unpacked under " << models_dir());
        return;
    }
    auto convert = [](const char* name) { return convert_tfjs_graph(models_dir() + "/" + name + ".json"); };
    {
        const auto h = histogram(convert("blazeface-front").graph);
        CHECK(h.at(OpType::Conv2D) == 21);
        CHECK(h.at(OpType::DepthwiseConv2D) == 16);
        CHECK(h.at(OpType::Add) == 16);  // residual adds, with the ReLU fused
        CHECK(h.count(OpType::Relu) == 0);
        CHECK(h.at(OpType::Pad) == 11);  // channel widening of the residual path only
    }
    {
        const auto h = histogram(convert("faceres").graph);
        CHECK(h.at(OpType::Conv2D) == 14);  // BN scale and offset folded; clip(relu, 0, 6) -> fused relu6
        CHECK(h.at(OpType::DepthwiseConv2D) == 13);
        CHECK(h.count(OpType::Relu6) == 0);
        CHECK(h.count(OpType::Mul) == 0);
        CHECK(h.count(OpType::Add) == 0);
        CHECK(h.count(OpType::Sigmoid) == 0);  // fused into the gender MatMul
    }
    {
        const auto h = histogram(convert("mobileface").graph);
        CHECK(h.count(OpType::Prelu) == 0);    // max(0,x) + g*min(0,x) -> prelu fused into each conv
        CHECK(h.count(OpType::Pad) == 0);      // every pad folded into its conv
        CHECK(h.count(OpType::Maximum) == 0);
        CHECK(h.at(OpType::MatMul) == 1);      // final batchnorm folded into the dense layer
    }
}
