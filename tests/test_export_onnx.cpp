// lfr_export's ONNX twins (weights_tools/onnx_export.h): every model of the zoo exports, and our own
// ONNX importer reads the file back into a model that gives the original's outputs on its golden
// input; the ONNX structs survive write_model -> parse_model; an op without a mapping names its
// node. That ONNX Runtime agrees with lfr on the same files is bench/bench_ort.sh's check.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "lfr/core/npy.h"
#include "lfr/runtime/executor.h"
#include "onnx_export.h"
#include "onnx_model.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace lfr;

namespace {

std::vector<Tensor> run(const Model& m, const Tensor& x) {
    Session s(m);
    return s.run({x.view()});
}

}  // namespace

TEST_CASE("onnx export: every model round-trips through lfr_export and the ONNX importer") {
    std::vector<fs::path> cases;
    for (const auto& e : fs::directory_iterator(fs::path(LFR_SOURCE_DIR) / "tests/golden"))
        if (fs::exists(e.path() / "in0.npy") && fs::exists(e.path() / "meta.json")) cases.push_back(e.path());
    std::sort(cases.begin(), cases.end());
    REQUIRE(!cases.empty());
    for (const fs::path& dir : cases) {
        const auto meta = test::load_json(dir / "meta.json");
        if (!meta.contains("model")) continue;
        const std::string name = meta.at("model").get<std::string>();
        const fs::path path = test::models_dir() / (name + ".lfr");
        if (!test::have_file(path)) continue;
        INFO(dir.filename().string());
        const Model model = Model::load(path.string());
        const Tensor x = read_npy((dir / "in0.npy").string());
        tools::ExportOptions eo;
        eo.input_shapes[model.graph().tensors[size_t(model.graph().inputs.at(0))].name] = x.shape;
        const std::string onnx = tools::onnx::write_model(tools::export_onnx(model, eo));
        tools::OnnxOptions io;
        io.label = name + ".onnx";
        const tools::ConvertedModel back = tools::convert_onnx(reinterpret_cast<const uint8_t*>(onnx.data()), onnx.size(), io);
        const std::vector<uint8_t> bytes = serialize_model(back.graph, back.weights);
        const Model reimported = Model::from_memory(bytes.data(), bytes.size());
        const auto want = run(model, x), got = run(reimported, x);
        REQUIRE(got.size() == want.size());
        for (size_t i = 0; i < want.size(); ++i) {
            REQUIRE(got[i].shape == want[i].shape);
            double diff = 0, scale = 1;  // max |a - b| / max(1, max |b|), as the golden tests
            for (size_t k = 0; k < want[i].values.size(); ++k) {
                diff = std::max(diff, double(std::fabs(got[i].values[k] - want[i].values[k])));
                scale = std::max(scale, double(std::fabs(want[i].values[k])));
            }
            MESSAGE(dir.filename().string() << " out" << i << " max abs diff " << diff);
            CHECK(diff / scale <= 1e-4);
        }
    }
}

TEST_CASE("onnx export: write_model and parse_model agree on every field the exporter writes") {
    namespace ox = tools::onnx;
    ox::Model m;
    m.ir_version = 7, m.opset = 13, m.producer = "test";
    m.graph.name = "g";
    ox::Node n;
    n.name = n.op_type = "Conv", n.inputs = {"x", "", "w"}, n.outputs = {"y"};
    ox::Attribute a;
    a.name = "i", a.type = ox::Attribute::kInt, a.i = -3;
    n.attributes.push_back(a);
    a.name = "ints", a.type = ox::Attribute::kInts, a.ints = {1, -2, 300};
    n.attributes.push_back(a);
    a.name = "f", a.type = ox::Attribute::kFloat, a.f = 0.25f;
    n.attributes.push_back(a);
    a.name = "s", a.type = ox::Attribute::kString, a.s = "SAME_UPPER";
    n.attributes.push_back(a);
    m.graph.nodes.push_back(n);
    ox::Tensor w;
    w.name = "w", w.dims = {2, 1}, w.data_type = ox::kFloat, w.floats = {1.5f, -2.f};
    ox::Tensor s;
    s.name = "s", s.dims = {3}, s.data_type = ox::kInt64, s.ints = {-1, 0, int64_t(1) << 40};
    m.graph.initializers = {w, s};
    m.graph.inputs = {{"x", ox::kFloat, true, {1, 3, -1, 4}}};
    m.graph.outputs = {{"y", ox::kFloat, true, {}}};
    const std::string bytes = ox::write_model(m);
    const ox::Model r = ox::parse_model(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "t.onnx");
    CHECK(r.ir_version == 7);
    CHECK(r.opset == 13);
    CHECK(r.producer == "test");
    REQUIRE(r.graph.nodes.size() == 1);
    const ox::Node& rn = r.graph.nodes[0];
    CHECK(rn.inputs == n.inputs);
    CHECK(rn.outputs == n.outputs);
    CHECK(rn.op_type == "Conv");
    REQUIRE(rn.attributes.size() == 4);
    CHECK(rn.find("i")->i == -3);
    CHECK(rn.find("ints")->ints == std::vector<int64_t>{1, -2, 300});
    CHECK(rn.find("f")->f == 0.25f);
    CHECK(rn.find("s")->s == "SAME_UPPER");
    REQUIRE(r.graph.initializers.size() == 2);
    CHECK(r.graph.initializers[0].floats == w.floats);
    CHECK(r.graph.initializers[0].dims == w.dims);
    CHECK(r.graph.initializers[1].ints == s.ints);
    REQUIRE(r.graph.inputs.size() == 1);
    CHECK(r.graph.inputs[0].dims == std::vector<int64_t>{1, 3, -1, 4});
    CHECK(r.graph.outputs[0].dims.empty());
}

TEST_CASE("onnx export: an op without an ONNX mapping, or a size left open, is an error naming it") {
    tools::ConvertedModel m;
    const int32_t x = m.input("x", Shape{1, 4, 4, 2});
    Attrs a;
    a.ints = {1};
    const int32_t y = m.node(OpType::MultiScaleFusion, "fuse", {x, m.weight("w", Shape{2, 3}, std::vector<float>(6, 1.f)), -1}, a);
    m.output(y);
    const std::vector<uint8_t> bytes = serialize_model(m.graph, m.weights);
    const Model model = Model::from_memory(bytes.data(), bytes.size(), "msff.lfr");
    CHECK_THROWS_WITH_AS(tools::export_onnx(model), doctest::Contains("msff.lfr: node fuse (op MultiScaleFusion): no ONNX mapping"), Error);

    tools::ConvertedModel open;
    const int32_t in = open.input("img", Shape{1, -1, -1, 3});
    open.output(open.node(OpType::Relu, "r", {in}));
    const std::vector<uint8_t> b2 = serialize_model(open.graph, open.weights);
    const Model any_size = Model::from_memory(b2.data(), b2.size(), "any.lfr");
    CHECK_THROWS_WITH_AS(tools::export_onnx(any_size), doctest::Contains("input img [1,-1,-1,3] has a size chosen at run time"), Error);
    tools::ExportOptions o;
    o.input_shapes["img"] = Shape{1, 8, 6, 3};
    CHECK(tools::export_onnx(any_size, o).graph.inputs.at(0).dims == std::vector<int64_t>{1, 8, 6, 3});
}
