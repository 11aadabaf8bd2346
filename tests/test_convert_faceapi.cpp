// The face-api converter (weights_tools/faceapi_nets.cpp) on the real package weights: each net
// converts, round-trips through the model file, has the documented input/output shapes, uses every
// manifest weight, and (where tests/golden/<net>/ exists) matches face-api run in TF.js.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "faceapi_nets.h"
#include "lfr/core/npy.h"
#include "lfr/runtime/executor.h"
#include "manifest.h"

namespace {

using lfr::Shape;
using lfr::TensorKind;
using lfr::tools::ConvertedModel;

const std::string kModelDir = std::string(LFR_SOURCE_DIR) + "/.cache/packages/face-api/package/model";

bool have_package() {
    if (std::ifstream(kModelDir + "/tiny_face_detector_model-weights_manifest.json")) return true;
    MESSAGE("face-api package not unpacked at " << kModelDir << ": face-api converter tests skipped");
    return false;
}

std::map<std::string, lfr::tools::ManifestWeight> manifest_of(const std::string& net) {
    std::ifstream f(kModelDir + "/" + lfr::tools::faceapi_model_stem(net) + "-weights_manifest.json");
    nlohmann::json j;
    f >> j;
    return lfr::tools::read_manifest(j, kModelDir);
}

int64_t weight_count(const lfr::Graph& g) {
    int64_t n = 0;
    for (const auto& t : g.tensors)
        if (t.kind == TensorKind::Weight) n += t.shape.numel();
    return n;
}

std::string op_histogram(const lfr::Graph& g) {
    std::map<std::string, int> h;
    for (const auto& n : g.nodes) h[lfr::op_name(n.op)]++;
    std::ostringstream s;
    for (const auto& [op, c] : h) s << op << " " << c << ", ";
    return s.str();
}

// Weight tensor names list the manifest paths they came from ("a * b / sqrt(c + eps)"): the tokens.
std::set<std::string> referenced_paths(const lfr::Graph& g) {
    std::set<std::string> out;
    for (const auto& t : g.tensors) {
        if (t.kind != TensorKind::Weight) continue;
        std::istringstream s(t.name);
        std::string tok;
        while (s >> tok) {
            if (tok.find('(') != std::string::npos) tok = tok.substr(tok.find('(') + 1);  // "sqrt(a"
            tok.erase(std::remove(tok.begin(), tok.end(), ')'), tok.end());
            if (!tok.empty() && tok.back() == ':') tok.pop_back();
            out.insert(tok);
        }
    }
    return out;
}

struct NetSpec {
    std::string name;
    Shape input;
    std::vector<Shape> outputs;  // for the reference input (batch 1, default size)
    int64_t folded;              // manifest floats folded away (scale layers, batch norms)
    int64_t added;               // floats added (normalisation constants, decode constants)
};

// Folded counts, by construction: face_recognition's scale layer (weights + biases, 2 x Co per
// conv) goes into the conv bias; ssd's batch norm (gamma, beta, mean, variance: 4 x C) becomes
// one bias (C), and its 2 preprocessor scalars are hard-coded by face-api. Added: the 2 x 3
// normalisation constants, and ssd's decode constants 2, 5, 10.
std::vector<NetSpec> specs(const std::map<std::string, std::map<std::string, lfr::tools::ManifestWeight>>& m) {
    auto sum_matching = [&](const std::string& net, const std::string& needle) {
        int64_t n = 0;
        for (const auto& [name, w] : m.at(net))
            if (!w.is_int && name.find(needle) != std::string::npos) n += w.shape.numel();
        return n;
    };
    const int64_t bn = sum_matching("ssd_mobilenetv1", "/BatchNorm/");
    return {
        {"tiny_face_detector", Shape{-1, -1, -1, 3}, {Shape{1, 13, 13, 25}}, 0, 6},
        {"face_landmark_68", Shape{-1, 112, 112, 3}, {Shape{1, 136}}, 0, 6},
        {"face_landmark_68_tiny", Shape{-1, 112, 112, 3}, {Shape{1, 136}}, 0, 6},
        {"face_recognition_model", Shape{-1, 150, 150, 3}, {Shape{1, 128}}, sum_matching("face_recognition_model", "/scale/"), 6},
        {"ssd_mobilenetv1", Shape{1, 512, 512, 3}, {Shape{1, 5118, 4}, Shape{1, 5118}}, bn / 4 * 3 + 2, 6 + 3},
        // (ssd's anchors: 5118 x 4 floats in, 4 columns of 5118 out: the count is unchanged)
    };
}

}  // namespace

TEST_CASE("faceapi: every net converts, round-trips and keeps all manifest weights") {
    if (!have_package()) return;
    std::map<std::string, std::map<std::string, lfr::tools::ManifestWeight>> manifests;
    for (const auto& n : lfr::tools::faceapi_net_names()) manifests[n] = manifest_of(n);

    for (const NetSpec& spec : specs(manifests)) {
        CAPTURE(spec.name);
        ConvertedModel cm = lfr::tools::convert_faceapi(spec.name, kModelDir);
        const lfr::Graph& g = cm.graph;

        REQUIRE(g.inputs.size() == 1);
        CHECK(g.tensors[size_t(g.inputs[0])].shape == spec.input);
        REQUIRE(g.outputs.size() == spec.outputs.size());
        for (size_t i = 0; i < spec.outputs.size(); ++i) CHECK(g.tensors[size_t(g.outputs[i])].shape == spec.outputs[i]);

        // parameters: the manifest's floats, less what folding merged, plus the constants added
        int64_t manifest_floats = 0;
        for (const auto& [name, w] : manifests[spec.name])
            if (!w.is_int) manifest_floats += w.shape.numel();
        CHECK(weight_count(g) == manifest_floats - spec.folded + spec.added);

        // every float manifest entry (but ssd's two preprocessor scalars) is named by a weight
        const std::set<std::string> refs = referenced_paths(g);
        for (const auto& [name, w] : manifests[spec.name]) {
            if (w.is_int || name.rfind("Preprocessor/", 0) == 0) continue;
            CHECK_MESSAGE(refs.count(name), name);
        }

        // the executor infers the same shapes the converter recorded, for the reference input
        const std::vector<uint8_t> bytes = lfr::serialize_model(g, cm.weights);
        const lfr::Model model = lfr::Model::from_memory(bytes.data(), bytes.size(), spec.name);
        const lfr::Graph& h = model.graph();
        REQUIRE(h.nodes.size() == g.nodes.size());
        REQUIRE(h.tensors.size() == g.tensors.size());
        for (size_t i = 0; i < g.nodes.size(); ++i) {
            CHECK(h.nodes[i].op == g.nodes[i].op);
            CHECK(h.nodes[i].name == g.nodes[i].name);
        }
        for (size_t i = 0; i < g.tensors.size(); ++i) {
            CHECK(h.tensors[i].name == g.tensors[i].name);
            if (g.tensors[i].kind == TensorKind::Weight)
                CHECK(std::equal(cm.weights[i].begin(), cm.weights[i].end(), model.weight(int32_t(i))));
        }
        Shape ref_in = spec.input;
        for (int d = 0; d < ref_in.rank; ++d)
            if (ref_in[d] < 0) ref_in[d] = d == 0 ? 1 : 416;
        lfr::Session session(model);
        const lfr::MemoryPlan plan = session.make_plan({ref_in});
        for (size_t i = 0; i < g.tensors.size(); ++i)
            if (g.tensors[i].kind == TensorKind::Value) CHECK_MESSAGE(plan.shapes[i] == g.tensors[i].shape, g.tensors[i].name);

        MESSAGE(spec.name << ": " << g.nodes.size() << " nodes (" << op_histogram(g) << "), " << weight_count(g)
                          << " parameters, input " << spec.input.str() << ", outputs " << spec.outputs[0].str()
                          << (spec.outputs.size() > 1 ? " " + spec.outputs[1].str() : ""));
    }
}

TEST_CASE("faceapi: tiny_face_detector takes any multiple of 32, landmarks and recognition any batch") {
    if (!have_package()) return;
    for (auto [net, in, out] : {std::tuple<std::string, Shape, Shape>{"tiny_face_detector", Shape{2, 224, 224, 3},
                                                                      Shape{2, 7, 7, 25}},
                                {"tiny_face_detector", Shape{1, 608, 608, 3}, Shape{1, 19, 19, 25}},
                                {"face_landmark_68", Shape{3, 112, 112, 3}, Shape{3, 136}},
                                {"face_recognition_model", Shape{3, 150, 150, 3}, Shape{3, 128}}}) {
        CAPTURE(net);
        ConvertedModel cm = lfr::tools::convert_faceapi(net, kModelDir);
        const std::vector<uint8_t> bytes = lfr::serialize_model(cm.graph, cm.weights);
        const lfr::Model model = lfr::Model::from_memory(bytes.data(), bytes.size(), net);
        lfr::Session session(model);
        const lfr::MemoryPlan plan = session.make_plan({in});
        CHECK(plan.shapes[size_t(model.graph().outputs[0])] == out);
    }
}

TEST_CASE("faceapi: face_recognition residualDown pads the conv path and the shortcut channels as face-api") {
    if (!have_package()) return;
    ConvertedModel cm = lfr::tools::convert_faceapi("face_recognition_model", kModelDir);
    std::map<std::string, std::vector<int32_t>> pads;
    for (const auto& n : cm.graph.nodes)
        if (n.op == lfr::OpType::Pad) pads[n.name] = n.attrs.ints;
    // 35 -> 17 -> 8 -> conv 3 / pool 4 -> conv 1 / pool 2; channels 32 -> 64 -> 128 -> 256 -> 256
    const std::map<std::string, std::vector<int32_t>> want = {
        {"conv64_down/pad_channels", {0, 0, 0, 0, 0, 0, 0, 32}},
        {"conv128_down/pad_channels", {0, 0, 0, 0, 0, 0, 0, 64}},
        {"conv256_down/pad_hw", {0, 0, 0, 1, 0, 1, 0, 0}},
        {"conv256_down/pad_channels", {0, 0, 0, 0, 0, 0, 0, 128}},
        {"conv256_down_out/pad_hw", {0, 0, 0, 1, 0, 1, 0, 0}},
    };
    CHECK(pads == want);
}

TEST_CASE("faceapi: unknown net names are refused") {
    CHECK_THROWS_AS(lfr::tools::convert_faceapi("age_gender_model", kModelDir), lfr::Error);
}

// Parity with face-api in TF.js (tests/golden/<net>/in0.npy -> out*.npy, from weights_tools/golden/).
TEST_CASE("faceapi: converted nets match face-api in TF.js on the goldens") {
    if (!have_package()) return;
    const std::string golden = std::string(LFR_SOURCE_DIR) + "/tests/golden/";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"tiny_face_detector", "tiny_face_detector"},         {"face_landmark_68", "face_landmark_68"},
        {"face_landmark_68", "face_landmark_68-b3"},          {"face_landmark_68_tiny", "face_landmark_68_tiny"},
        {"face_recognition_model", "face_recognition_model"}, {"face_recognition_model", "face_recognition_model-b3"},
        {"ssd_mobilenetv1", "ssd_mobilenetv1"},
    };
    for (const auto& [net, dir] : cases) {
        CAPTURE(dir);
        if (!std::ifstream(golden + dir + "/in0.npy")) {
            MESSAGE("no golden " << golden << dir << ": parity for " << dir << " not checked");
            continue;
        }
        ConvertedModel cm = lfr::tools::convert_faceapi(net, kModelDir);
        const std::vector<uint8_t> bytes = lfr::serialize_model(cm.graph, cm.weights);
        const lfr::Model model = lfr::Model::from_memory(bytes.data(), bytes.size(), net);
        const lfr::Tensor in = lfr::read_npy(golden + dir + "/in0.npy");
        // the reference kernels too, where that stays quick (not ssd's 512 input, not the batch-3 cases)
        const bool check_reference = net != "ssd_mobilenetv1" && dir.find("-b3") == std::string::npos;
        for (bool reference : {false, true}) {
            if (reference && !check_reference) continue;
            lfr::Session session(model);
            session.set_reference_kernels(reference);
            const std::vector<lfr::Tensor> outs = session.run({in.view()});
            for (size_t i = 0; i < outs.size(); ++i) {
                const lfr::Tensor ref = lfr::read_npy(golden + dir + "/out" + std::to_string(i) + ".npy");
                REQUIRE(outs[i].shape == ref.shape);
                double max_diff = 0, max_ref = 0;
                for (size_t k = 0; k < ref.values.size(); ++k) {
                    max_diff = std::max(max_diff, double(std::fabs(outs[i].values[k] - ref.values[k])));
                    max_ref = std::max(max_ref, double(std::fabs(ref.values[k])));
                }
                const double rel = max_diff / max_ref;
                const std::string kernels = reference ? "reference kernels" : "default kernels";
                MESSAGE(dir << " out" << i << " (" << kernels << "): max|lfr - ref| / max|ref| = " << rel
                            << " (max|ref| " << max_ref << ")");
                CHECK(rel < 2e-5);  // measured 1e-7 .. 3e-6
            }
        }
    }
}
