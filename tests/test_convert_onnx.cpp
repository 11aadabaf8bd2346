// The ONNX importer: a tiny hand-built model (written with protobuf_writer.h) checked
// against a plain NCHW reference (BatchNorm folding, dilated and depthwise Conv, PRelu, the
// Transpose + shape-subgraph + Reshape of fr_detect's heads, Flatten + Gemm, Softmax), and malformed
// files: each must give one lfr::Error with a message, never a crash (this file is also built with
// AddressSanitizer as lfr_onnx_tests).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "lfr/runtime/executor.h"
#include "onnx_model.h"
#include "protobuf_writer.h"

using namespace lfr;
using lfr::tools::convert_onnx;
using lfr::tools::OnnxOptions;

namespace {

using Pb = lfr::tools::pb::Writer;

Pb tensor(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v) {
    Pb t;
    for (int64_t d : dims) t.varint(1, d);
    t.varint(2, 1).bytes(8, name).bytes(9, std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4));
    return t;
}
Pb tensor_i64(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int64_t>& v) {
    Pb t, packed;
    for (int64_t d : dims) t.varint(1, d);
    for (int64_t x : v) packed.raw(uint64_t(x));
    return t.varint(2, 7).bytes(8, name).bytes(7, packed.b);  // int64_data, packed
}
Pb attr_ints(const std::string& name, const std::vector<int64_t>& v) {
    Pb a;
    a.bytes(1, name);
    for (int64_t x : v) a.varint(8, x);
    return a.varint(20, 7);
}
Pb attr_int(const std::string& name, int64_t v) { return Pb().bytes(1, name).varint(3, v).varint(20, 2); }
Pb node(const std::string& op, const std::vector<std::string>& in, const std::string& out, const std::vector<Pb>& attrs = {}) {
    Pb n;
    for (const auto& s : in) n.bytes(1, s);
    n.bytes(2, out).bytes(4, op);
    for (const Pb& a : attrs) n.msg(5, a);
    return n;
}
Pb value_info(const std::string& name, const std::vector<int64_t>& dims) {
    Pb shape;
    for (int64_t d : dims) shape.msg(1, Pb().varint(1, d));
    return Pb().bytes(1, name).msg(2, Pb().msg(1, Pb().varint(1, 1).msg(2, shape)));
}
// ir_version, opset, then the graph last: so every truncation of it is malformed.
std::string model(const Pb& graph, int64_t opset = 11) {
    return Pb().varint(1, 7).msg(8, Pb().varint(2, opset)).msg(7, graph).b;
}

std::vector<float> pattern(size_t n, int salt) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = float(int64_t((i * 37 + size_t(salt) * 11) % 29) - 14) * 0.0625f;
    return v;
}

// Sizes of the tiny model: x [1,C,H,W] -> dilated conv (K ch) -> BN -> Relu -> depthwise s2 -> PRelu.
constexpr int64_t C = 2, H = 5, W = 6, K = 4, OH = 3, OW = 3, G = 5;

struct Tiny {
    std::vector<float> x = pattern(C * H * W, 1), w1 = pattern(K * C * 9, 2), b1 = pattern(K, 3);
    std::vector<float> scale = {1.5f, 0.5f, -1.f, 2.f}, shift = pattern(K, 4), mean = pattern(K, 5), var = {0.5f, 1.f, 2.f, 0.25f};
    std::vector<float> wd = pattern(K * 9, 6), bd = pattern(K, 7), slope = {0.1f, 0.2f, 0.3f, 0.4f};
    std::vector<float> wg = pattern(K * OH * OW * G, 8), cg = pattern(G, 9);

    std::string bytes() const {
        Pb g;
        g.msg(1, node("Conv", {"x", "w1", "b1"}, "c1", {attr_ints("dilations", {2, 2}), attr_ints("pads", {2, 2, 2, 2}), attr_ints("kernel_shape", {3, 3})}));
        g.msg(1, node("BatchNormalization", {"c1", "scale", "shift", "mean", "var"}, "bn"));
        g.msg(1, node("Relu", {"bn"}, "r"));
        g.msg(1, node("Conv", {"r", "wd", "bd"}, "d", {attr_int("group", K), attr_ints("strides", {2, 2}), attr_ints("pads", {1, 1, 1, 1})}));
        g.msg(1, node("PRelu", {"d", "slope"}, "p"));
        // fr_detect's head: NHWC view, then a batch-generic reshape built by a shape subgraph
        g.msg(1, node("Transpose", {"p"}, "t", {attr_ints("perm", {0, 2, 3, 1})}));
        g.msg(1, node("Shape", {"t"}, "sh"));
        g.msg(1, node("Gather", {"sh", "zero"}, "n", {attr_int("axis", 0)}));
        g.msg(1, node("Unsqueeze", {"n"}, "n1", {attr_ints("axes", {0})}));
        g.msg(1, node("Concat", {"n1", "minus1", "two"}, "target", {attr_int("axis", 0)}));
        g.msg(1, node("Reshape", {"t", "target"}, "heads"));
        g.msg(1, node("Flatten", {"p"}, "f"));
        g.msg(1, node("Gemm", {"f", "wg", "cg"}, "logits"));
        g.msg(1, node("Softmax", {"logits"}, "probs", {attr_int("axis", 1)}));
        g.msg(5, tensor("w1", {K, C, 3, 3}, w1)).msg(5, tensor("b1", {K}, b1));
        g.msg(5, tensor("scale", {K}, scale)).msg(5, tensor("shift", {K}, shift));
        g.msg(5, tensor("mean", {K}, mean)).msg(5, tensor("var", {K}, var));
        g.msg(5, tensor("wd", {K, 1, 3, 3}, wd)).msg(5, tensor("bd", {K}, bd)).msg(5, tensor("slope", {K, 1, 1}, slope));
        g.msg(5, tensor("wg", {K * OH * OW, G}, wg)).msg(5, tensor("cg", {G}, cg));
        g.msg(5, tensor_i64("zero", {}, {0})).msg(5, tensor_i64("minus1", {1}, {-1})).msg(5, tensor_i64("two", {1}, {2}));
        g.msg(11, value_info("x", {1, C, H, W})).msg(12, value_info("heads", {})).msg(12, value_info("probs", {}));
        return model(g);
    }

    // The same network in plain NCHW loops: heads [OH*OW*K/2, 2] (NHWC order), probs [G].
    void reference(std::vector<float>& heads, std::vector<float>& probs) const {
        std::vector<float> r(size_t(K * H * W)), p(size_t(K * OH * OW));
        for (int64_t k = 0; k < K; ++k)
            for (int64_t y = 0; y < H; ++y)
                for (int64_t x0 = 0; x0 < W; ++x0) {
                    double s = b1[size_t(k)];
                    for (int64_t c = 0; c < C; ++c)
                        for (int64_t i = 0; i < 3; ++i)
                            for (int64_t j = 0; j < 3; ++j) {
                                const int64_t iy = y - 2 + 2 * i, ix = x0 - 2 + 2 * j;
                                if (iy >= 0 && iy < H && ix >= 0 && ix < W)
                                    s += double(x[size_t((c * H + iy) * W + ix)]) * w1[size_t(((k * C + c) * 3 + i) * 3 + j)];
                            }
                    s = (s - mean[size_t(k)]) / std::sqrt(double(var[size_t(k)]) + 1e-5) * scale[size_t(k)] + shift[size_t(k)];
                    r[size_t((k * H + y) * W + x0)] = float(std::max(s, 0.0));
                }
        for (int64_t k = 0; k < K; ++k)
            for (int64_t y = 0; y < OH; ++y)
                for (int64_t x0 = 0; x0 < OW; ++x0) {
                    double s = bd[size_t(k)];
                    for (int64_t i = 0; i < 3; ++i)
                        for (int64_t j = 0; j < 3; ++j) {
                            const int64_t iy = 2 * y - 1 + i, ix = 2 * x0 - 1 + j;
                            if (iy >= 0 && iy < H && ix >= 0 && ix < W) s += double(r[size_t((k * H + iy) * W + ix)]) * wd[size_t(k * 9 + i * 3 + j)];
                        }
                    p[size_t((k * OH + y) * OW + x0)] = float(s > 0 ? s : s * slope[size_t(k)]);
                }
        heads.assign(p.size(), 0.f);
        for (int64_t k = 0; k < K; ++k)
            for (int64_t q = 0; q < OH * OW; ++q) heads[size_t(q * K + k)] = p[size_t(k * OH * OW + q)];
        probs.assign(size_t(G), 0.f);
        double sum = 0;
        std::vector<double> e(static_cast<size_t>(G));
        for (int64_t j = 0; j < G; ++j) {
            double s = cg[size_t(j)];
            for (int64_t i = 0; i < K * OH * OW; ++i) s += double(p[size_t(i)]) * wg[size_t(i * G + j)];
            sum += e[size_t(j)] = std::exp(s);
        }
        for (int64_t j = 0; j < G; ++j) probs[size_t(j)] = float(e[size_t(j)] / sum);
    }
};

tools::ConvertedModel convert(const std::string& bytes, const OnnxOptions& opt = {}) {
    return convert_onnx(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), opt);
}

// "" when the bytes convert; otherwise the lfr::Error's message (any other exception fails).
std::string convert_error(const std::string& bytes) {
    try {
        convert(bytes);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

std::string fr_detect_path() { return std::string(LFR_SOURCE_DIR) + "/.cache/packages/faceplugin/package/model/fr_detect.onnx"; }

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("onnx: a tiny NCHW model converts to NHWC and matches a plain NCHW reference") {
    const Tiny tiny;
    const tools::ConvertedModel m = convert(tiny.bytes());
    const Graph& g = m.graph;
    REQUIRE(g.inputs.size() == 1);
    CHECK(g.tensors[size_t(g.inputs[0])].shape == Shape{1, H, W, C});  // NCHW input becomes NHWC
    int convs = 0, others = 0;
    for (const Node& n : g.nodes) {
        if (n.op == OpType::Conv2D || n.op == OpType::DepthwiseConv2D) ++convs;
        else if (n.op == OpType::Mul || n.op == OpType::Add || n.op == OpType::Relu || n.op == OpType::Prelu ||
                 n.op == OpType::Transpose)
            ++others;
    }
    CHECK(convs == 2);
    CHECK(others == 0);  // BN folded into the conv, Relu/PRelu fused, the head needs no transpose
    CHECK(g.nodes[0].attrs.dilation_h == 2);
    CHECK(g.nodes[0].attrs.act == Activation::Relu);

    const std::vector<uint8_t> bytes = serialize_model(m.graph, m.weights);
    const Model model = Model::from_memory(bytes.data(), bytes.size());
    Tensor x({1, H, W, C});
    for (int64_t c = 0; c < C; ++c)
        for (int64_t p = 0; p < H * W; ++p) x.values[size_t(p * C + c)] = tiny.x[size_t(c * H * W + p)];
    Session session(model);
    const auto out = session.run({x.view()});
    std::vector<float> heads, probs;
    tiny.reference(heads, probs);
    REQUIRE(out.size() == 2);
    CHECK(out[0].shape == Shape{1, OH * OW * K / 2, 2});
    CHECK(out[1].shape == Shape{1, G});
    for (size_t i = 0; i < heads.size(); ++i) CHECK(out[0].values[i] == doctest::Approx(heads[i]).epsilon(1e-5));
    for (size_t i = 0; i < probs.size(); ++i) CHECK(out[1].values[i] == doctest::Approx(probs[i]).epsilon(1e-5));
}

TEST_CASE("onnx: GlobalAveragePool then Flatten needs no transpose; a Transpose back to NCHW before a Reshape does") {
    Pb g;
    g.msg(1, node("GlobalAveragePool", {"x"}, "gap")).msg(1, node("Flatten", {"gap"}, "y"));
    g.msg(1, node("Reshape", {"x", "s"}, "z")).msg(5, tensor_i64("s", {2}, {1, -1}));
    g.msg(11, value_info("x", {1, 3, 4, 4})).msg(12, value_info("y", {})).msg(12, value_info("z", {}));
    const tools::ConvertedModel m = convert(model(g));
    std::string ops;
    for (const Node& n : m.graph.nodes) ops += std::string(op_name(n.op)) + " ";
    CHECK(ops == "Mean Reshape Transpose Reshape ");  // z must see NCHW order: [1,3,4,4] -> [1,48]
    CHECK(m.graph.nodes[2].attrs.ints == std::vector<int32_t>{0, 3, 1, 2});
}

TEST_CASE("onnx: Pad, Split and ReduceMean on an NHWC map") {
    // x [1,2,3,4] = 0..23 (NCHW); pad H by 1 before and W by 2 after; split the 2 channels; mean
    // of channel 0 over H, W (keepdims 0); channel 1 comes out as a 4-D NHWC output.
    Pb split = node("Split", {"p"}, "a", {attr_int("axis", 1)});
    split.bytes(2, "b");  // the second output
    Pb g;
    g.msg(1, node("Pad", {"x"}, "p", {attr_ints("pads", {0, 0, 1, 0, 0, 0, 0, 2})})).msg(1, split);
    g.msg(1, node("ReduceMean", {"a"}, "m", {attr_ints("axes", {2, 3}), attr_int("keepdims", 0)}));
    g.msg(11, value_info("x", {1, 2, 3, 4})).msg(12, value_info("m", {})).msg(12, value_info("b", {}));
    const tools::ConvertedModel m = convert(model(g));
    const std::vector<uint8_t> bytes = serialize_model(m.graph, m.weights);
    const Model converted = Model::from_memory(bytes.data(), bytes.size());
    Tensor x({1, 3, 4, 2});
    for (int64_t c = 0; c < 2; ++c)
        for (int64_t p = 0; p < 12; ++p) x.values[size_t(p * 2 + c)] = float(c * 12 + p);
    Session session(converted);
    const auto out = session.run({x.view()});
    REQUIRE(out.size() == 2);
    CHECK(out[0].shape == Shape{1, 1});
    CHECK(out[0].values[0] == doctest::Approx(66.0 / 24));  // sum 0..11 over a 4x6 padded map
    REQUIRE(out[1].shape == Shape{1, 4, 6, 1});
    CHECK(out[1].values[0] == 0.f);                         // the padded row
    CHECK(out[1].values[6] == 12.f);                        // b[0,0] = x[1,0,0]
    CHECK(out[1].values[6 + 4] == 0.f);                     // padded column
    CHECK(out[1].values[23 - 2] == 23.f);
}

TEST_CASE("onnx: --input-shape overrides the input in NHWC; a dynamic batch becomes 1") {
    Pb g;
    g.msg(1, node("Relu", {"x"}, "y")).msg(11, value_info("x", {-1, 3, 8, 8})).msg(12, value_info("y", {}));
    const tools::ConvertedModel m = convert(model(g));
    CHECK(m.graph.tensors[size_t(m.graph.inputs[0])].shape == Shape{1, 8, 8, 3});
    OnnxOptions opt;
    opt.input_shapes = {{"x", Shape{2, 16, 12, 3}}};
    const tools::ConvertedModel m2 = convert(model(g), opt);
    CHECK(m2.graph.tensors[size_t(m2.graph.inputs[0])].shape == Shape{2, 16, 12, 3});
    CHECK(m2.graph.tensors[size_t(m2.graph.outputs[0])].shape == Shape{2, 16, 12, 3});  // 4-D outputs stay NHWC
    opt.input_shapes = {{"x", Shape{2, 16}}};
    CHECK_THROWS_WITH_AS(convert(model(g), opt), doctest::Contains("has rank 2"), Error);
}

TEST_CASE("onnx: lfr_export's shapes: an NHWC input, DepthToSpace, Resize (align_corners), Softmax over channels") {
    const auto attr_str = [](const std::string& name, const std::string& v) { return Pb().bytes(1, name).bytes(4, v).varint(20, 3); };
    Pb g;  // x NHWC [1,1,1,8] -> NCHW [1,8,1,1] -> DepthToSpace 2 -> [1,2,2,2] -> Resize 3x3 / Softmax(axis 1)
    g.msg(1, node("Transpose", {"x"}, "t", {attr_ints("perm", {0, 3, 1, 2})}));
    g.msg(1, node("DepthToSpace", {"t"}, "d", {attr_int("blocksize", 2), attr_str("mode", "DCR")}));
    g.msg(1, node("Resize", {"d", "", "", "sizes"}, "r", {attr_str("mode", "linear"), attr_str("coordinate_transformation_mode", "align_corners")}));
    g.msg(1, node("Transpose", {"r"}, "y", {attr_ints("perm", {0, 2, 3, 1})}));
    g.msg(1, node("Softmax", {"d"}, "s", {attr_int("axis", 1)}));
    g.msg(5, tensor_i64("sizes", {4}, {1, 2, 3, 3}));
    g.msg(11, value_info("x", {1, 1, 1, 8})).msg(12, value_info("y", {})).msg(12, value_info("s", {}));
    const tools::ConvertedModel m = convert(model(g, 13));
    REQUIRE(m.graph.tensors[size_t(m.graph.inputs[0])].shape == Shape{1, 1, 1, 8});  // taken as NHWC
    for (const Node& n : m.graph.nodes) CHECK(n.op != OpType::Transpose);             // the Transposes only relabel
    const std::vector<uint8_t> bytes = serialize_model(m.graph, m.weights);
    const Model converted = Model::from_memory(bytes.data(), bytes.size());
    Tensor x({1, 1, 1, 8});
    for (size_t i = 0; i < 8; ++i) x.values[i] = float(i);
    Session session(converted);
    const auto out = session.run({x.view()});
    REQUIRE(out.size() == 2);
    // DCR: channel c of pixel (i, j) is x[(2i + j) * 2 + c]: channel 0 is [[0,2],[4,6]], channel 1 adds 1;
    // align_corners to 3x3 puts the means between them.
    REQUIRE(out[0].shape == Shape{1, 3, 3, 2});
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            for (int c = 0; c < 2; ++c) CHECK(out[0].values[size_t((i * 3 + j) * 2 + c)] == doctest::Approx(2 * i + j + c));
    REQUIRE(out[1].shape == Shape{1, 2, 2, 2});  // a 4-D output stays NHWC
    for (size_t p = 0; p < 4; ++p) CHECK(out[1].values[p * 2 + 1] == doctest::Approx(1 / (1 + std::exp(-1.0))));
}

TEST_CASE("onnx: unsupported and inconsistent graphs name the node and the problem") {
    auto graph_with = [](const Pb& n, const std::vector<Pb>& inits = {}) {
        Pb g;
        g.msg(1, n);
        for (const Pb& t : inits) g.msg(5, t);
        return model(g.msg(11, value_info("x", {1, 3, 4, 4})).msg(12, value_info("y", {})));
    };
    const std::vector<float> w9(27, 1.f);
    struct Case { std::string bytes, want; };
    const Case cases[] = {
        {graph_with(node("LSTM", {"x"}, "y")), "node y (op LSTM): unsupported ONNX op"},
        {graph_with(node("Relu", {"nowhere"}, "y")), "input nowhere is not defined"},
        {graph_with(node("Conv", {"x", "x"}, "y")), "Conv weight (x) must be a constant"},
        {graph_with(node("Conv", {"x", "w"}, "y"), {tensor("w", {3, 3, 3}, w9)}), "Conv weight must be"},
        {graph_with(node("Conv", {"x", "w"}, "y"), {tensor("w", {3, 1, 3, 3}, w9)}), "group 1, weight 1 in-channels per group over 3"},
        {graph_with(node("Conv", {"x", "w"}, "y", {attr_int("group", 3), attr_ints("pads", {0, 0})}), {tensor("w", {3, 1, 3, 3}, w9)}), "only 2-D windows"},
        {graph_with(node("Softmax", {"x"}, "y", {attr_int("axis", 1)})), "not over the last axis"},
        {graph_with(node("Transpose", {"x"}, "y", {attr_ints("perm", {0, 1, 1, 2})})), "not a permutation"},
        {graph_with(node("Concat", {"x", "x"}, "y", {attr_int("axis", 7)})), "axis 7 is out of range"},
        {graph_with(node("Reshape", {"x", "s"}, "y"), {tensor_i64("s", {2}, {5, -1})}), "does not divide"},
        {graph_with(node("Gather", {"s", "i"}, "y"), {tensor_i64("s", {2}, {5, 1}), tensor_i64("i", {}, {9})}), "index 9 is out of range"},
        {graph_with(node("Slice", {"x", "a", "b", "c"}, "y"), {tensor_i64("a", {1}, {0}), tensor_i64("b", {1}, {2}), tensor_i64("c", {1}, {9})}), "axis 9 is out of range"},
        {graph_with(node("MaxPool", {"x"}, "y", {attr_ints("kernel_shape", {2, 2}), attr_int("ceil_mode", 1)})), "ceil_mode"},
        {graph_with(node("Relu", {"x"}, "z")), "graph output y is never computed"},
        {graph_with(node("Relu", {"x"}, "y"), {tensor("t", {4, -3}, {})}), "has dimension -3"},
        {graph_with(node("Relu", {"x"}, "y"), {tensor("t", {1 << 20, 1 << 20, 1 << 20}, {})}), "more than 2^31 elements"},
        {graph_with(node("Relu", {"x"}, "y"), {tensor("t", {4}, {1.f})}), "raw_data has 4 bytes for 4 elements"},
        {graph_with(node("Relu", {"x"}, "y"), {Pb().varint(1, 2).varint(2, 8).bytes(8, "t")}), "data type 8"},
        {graph_with(node("Relu", {"x"}, "y"), {Pb().varint(1, 1).varint(2, 1).bytes(8, "t").varint(14, 1)}), "external file"},
    };
    for (const Case& c : cases) {
        INFO(c.want);
        const std::string err = convert_error(c.bytes);
        CHECK(err.find(c.want) != std::string::npos);
        CHECK(err.rfind("model.onnx: ", 0) == 0);
    }
}

TEST_CASE("onnx: malformed wire format: huge lengths and varints, bad tags, truncation anywhere") {
    Pb long_varint;
    long_varint.raw(1 << 3);
    long_varint.b += std::string(10, char(0xff)) + char(1);
    Pb huge_length;
    huge_length.raw(7 << 3 | 2);
    huge_length.raw(uint64_t(1) << 62);
    Pb group_wire;
    group_wire.raw(7 << 3 | 3);
    Pb field_zero;
    field_zero.raw(0 << 3);
    const std::pair<std::string, std::string> cases[] = {
        {"", "no graph"},
        {long_varint.b, "varint longer than"},
        {huge_length.b, "claims 4611686018427387904 bytes"},
        {group_wire.b, "unsupported wire type 3"},
        {field_zero.b + '\0', "bad field number 0"},
        {Pb().varint(7, 5).b, "should be a message"},
        {Pb().bytes(1, "x").b, "should be an integer"},
        {std::string("\x08\x80", 2), "varint runs past the end"},
        {std::string("\x3a\x02\x0a", 3), "claims 2 bytes, 1 remain"},
    };
    for (const auto& [bytes, want] : cases) {
        INFO(want);
        const std::string err = convert_error(bytes);
        CHECK(err.find(want) != std::string::npos);
        const bool located = err.find("at byte") != std::string::npos;
        CHECK((located || want == "no graph"));
    }
    // The graph is the last field, so every proper prefix is malformed.
    const std::string good = Tiny().bytes();
    for (size_t n = 0; n < good.size(); ++n) CHECK_MESSAGE(!convert_error(good.substr(0, n)).empty(), "prefix " << n << " converted");
    // Every single-byte corruption either converts or gives an lfr::Error (never anything else).
    for (size_t i = 0; i < good.size(); ++i)
        for (uint8_t flip : {uint8_t(0x01), uint8_t(0x80), uint8_t(0xff)}) {
            std::string bad = good;
            bad[i] = char(uint8_t(bad[i]) ^ flip);
            convert_error(bad);
        }
}

TEST_CASE("onnx: fr_detect.onnx truncated and corrupted never crashes") {
    const std::string path = fr_detect_path();
    if (!std::filesystem::exists(path)) {
        MESSAGE("skipping: " << path << " missing (run scripts/setup.sh)");
        return;
    }
    const std::string good = read_file(path);
    CHECK(convert_error(good).empty());
    // Prefixes: protobuf allows a cut between top-level fields, so a prefix may still convert;
    // anything that fails must fail with an lfr::Error.
    for (size_t n = 0; n < good.size(); n += 1 + n / 8) convert_error(good.substr(0, n));
    uint32_t s = 12345;
    for (int i = 0; i < 64; ++i) {
        s = s * 1664525u + 1013904223u;
        std::string bad = good;
        bad[size_t(s >> 8) % bad.size()] ^= char(1 + (s & 0x7f));
        convert_error(bad);
    }
}
