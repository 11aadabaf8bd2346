// The .lfr reader must refuse every malformed file with a clear message and never read out of range
// (this file is also built with AddressSanitizer as lfr_format_tests).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <unistd.h>

#include "lfr/format/builder.h"
#include "lfr/format/model_file.h"
#include "lfr/runtime/executor.h"

using namespace lfr;

namespace {

std::vector<uint8_t> small_model_bytes() {
    tools::ConvertedModel m;
    int32_t x = m.input("image", Shape{-1, 5, 5, 3});
    std::vector<float> w(3 * 3 * 3 * 4), b(4);
    for (size_t i = 0; i < w.size(); ++i) w[i] = float(i) * 0.25f - 3.f;
    for (size_t i = 0; i < b.size(); ++i) b[i] = float(i);
    Attrs conv;
    conv.padding = Padding::Same;
    conv.act = Activation::Leaky;
    conv.alpha = 0.1f;
    int32_t y = m.node(OpType::Conv2D, "conv", {x, m.weight("conv/w", Shape{3, 3, 3, 4}, w), m.weight("conv/b", Shape{4}, b)}, conv);
    Attrs mean;
    mean.ints = {1, 2};
    m.output(m.node(OpType::Mean, "pool", {y}, mean));
    return serialize_model(m.graph, m.weights);
}

// Recomputes the checksum after a deliberate edit, so the structural checks are what fail.
void reseal(std::vector<uint8_t>& bytes) {
    uint32_t c = crc32(bytes.data() + kHeaderSize, bytes.size() - kHeaderSize);
    std::memcpy(bytes.data() + 56, &c, 4);
}

template <class T> void poke(std::vector<uint8_t>& bytes, size_t at, T v) { std::memcpy(bytes.data() + at, &v, sizeof v); }

// Where tensor `name`'s dims start in the serialised graph: after its name, kind and rank bytes.
size_t dims_of(const std::vector<uint8_t>& bytes, const std::string& name) {
    auto at = std::search(bytes.begin(), bytes.end(), name.begin(), name.end());
    REQUIRE(at != bytes.end());
    return size_t(at - bytes.begin()) + name.size() + 2;
}

std::string load_error(const std::vector<uint8_t>& bytes) {
    try {
        Model::from_memory(bytes.data(), bytes.size(), "test.lfr");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("model file: round trip keeps the graph and the weights") {
    auto bytes = small_model_bytes();
    Model m = Model::from_memory(bytes.data(), bytes.size());
    const Graph& g = m.graph();
    REQUIRE(g.nodes.size() == 2);
    CHECK(g.nodes[0].op == OpType::Conv2D);
    CHECK(g.nodes[0].attrs.padding == Padding::Same);
    CHECK(g.nodes[0].attrs.act == Activation::Leaky);
    CHECK(g.nodes[0].attrs.alpha == 0.1f);
    CHECK(g.nodes[1].attrs.ints == std::vector<int32_t>{1, 2});
    CHECK(g.tensors[size_t(g.inputs[0])].shape == Shape{-1, 5, 5, 3});
    const float* w = m.weight(g.nodes[0].inputs[1]);
    CHECK(reinterpret_cast<uintptr_t>(w) % 4 == 0);
    CHECK(w[5] == 5 * 0.25f - 3.f);
    CHECK(m.weight(g.nodes[0].inputs[2])[3] == 3.f);
    for (const auto& t : g.tensors)
        if (t.kind == TensorKind::Weight) CHECK((t.blob_offset % kBlobAlign) == 0);
}

TEST_CASE("model file: dilation survives the round trip; version 1 files load with dilation 1") {
    tools::ConvertedModel m;
    int32_t x = m.input("x", Shape{1, 9, 9, 2});
    Attrs conv;
    conv.dilation_h = 3;
    conv.dilation_w = 2;
    m.output(m.node(OpType::Conv2D, "conv", {x, m.weight("w", Shape{3, 3, 2, 1}, std::vector<float>(18, 1.f))}, conv));
    const auto bytes = serialize_model(m.graph, m.weights);
    uint32_t version;
    std::memcpy(&version, bytes.data() + 8, 4);
    CHECK(version == 2);
    const Model loaded = Model::from_memory(bytes.data(), bytes.size());
    const Attrs& a = loaded.graph().nodes[0].attrs;
    CHECK(a.dilation_h == 3);
    CHECK(a.dilation_w == 2);

    // Written by the version-1 writer (small_model_bytes' graph): no dilation fields in its records.
    const Model v1 = Model::load(LFR_SOURCE_DIR "/tests/golden/format/model_v1.lfr");
    const auto now = small_model_bytes();
    const Model v2 = Model::from_memory(now.data(), now.size());
    REQUIRE(v1.graph().nodes.size() == v2.graph().nodes.size());
    for (size_t i = 0; i < v1.graph().nodes.size(); ++i) {
        const Attrs &p = v1.graph().nodes[i].attrs, &q = v2.graph().nodes[i].attrs;
        CHECK(p.dilation_h == 1);
        CHECK(p.dilation_w == 1);
        CHECK(p.padding == q.padding);
        CHECK(p.alpha == q.alpha);
        CHECK(p.ints == q.ints);
    }
    const int32_t w = v1.graph().nodes[0].inputs[1];
    CHECK(std::memcmp(v1.weight(w), v2.weight(w), 3 * 3 * 3 * 4 * 4) == 0);
}

TEST_CASE("model file: every truncation is refused") {
    const auto bytes = small_model_bytes();
    for (size_t n = 0; n < bytes.size(); ++n) {
        std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + long(n));
        CHECK_MESSAGE(!load_error(cut).empty(), "truncated to " << n << " bytes was accepted");
    }
    CHECK(load_error(std::vector<uint8_t>(bytes.begin(), bytes.begin() + 100)).find("truncated") != std::string::npos);
}

TEST_CASE("model file: corrupt, wrong-magic and newer files name the problem") {
    const auto good = small_model_bytes();
    auto bytes = good;
    bytes[bytes.size() / 2] ^= 0x40;
    CHECK(load_error(bytes).find("checksum mismatch") != std::string::npos);

    bytes = good;
    bytes[0] = 'X';
    CHECK(load_error(bytes).find("bad magic") != std::string::npos);

    bytes = good;
    poke<uint32_t>(bytes, 8, kModelVersion + 1);
    CHECK(load_error(bytes).find("newer than this build") != std::string::npos);

    bytes = good;
    bytes.push_back(0);
    CHECK(load_error(bytes).find("header says") != std::string::npos);
}

TEST_CASE("model file: offsets and counts past the end are refused") {
    const auto good = small_model_bytes();
    uint64_t graph_size, blob_size;
    std::memcpy(&graph_size, good.data() + 32, 8);
    std::memcpy(&blob_size, good.data() + 48, 8);

    auto bytes = good;  // the graph section claims more bytes than the file has
    poke<uint64_t>(bytes, 32, uint64_t(bytes.size()));
    CHECK(load_error(bytes).find("graph section out of range") != std::string::npos);

    bytes = good;  // blob section shrunk under the weights: they now point past its end
    poke<uint64_t>(bytes, 48, blob_size - 64);
    reseal(bytes);
    CHECK(load_error(bytes).find("past the end of the blob section") != std::string::npos);

    bytes = good;  // a huge tensor count
    poke<uint32_t>(bytes, kHeaderSize, 0x7fffffffu);
    reseal(bytes);
    CHECK(load_error(bytes).find("exceeds the section size") != std::string::npos);

    bytes = good;  // graph section cut short inside the header's own accounting
    poke<uint64_t>(bytes, 32, graph_size - 9);
    reseal(bytes);
    CHECK(!load_error(bytes).empty());
}

TEST_CASE("model file: graph structure is validated") {
    tools::ConvertedModel m;
    int32_t x = m.input("x", Shape{1, 2});
    int32_t later = m.node(OpType::Relu, "a", {x});
    m.graph.nodes[0].inputs = {later};  // reads its own output: not topological
    m.output(later);
    CHECK_THROWS_WITH_AS(serialize_model(m.graph, m.weights), doctest::Contains("before it is produced"), Error);
}

TEST_CASE("model file: load() reports missing and empty files") {
    CHECK_THROWS_WITH_AS(Model::load("/nonexistent/model.lfr"), doctest::Contains("cannot open model file"), Error);
    CHECK_THROWS_WITH_AS(Model::load("/dev/null"), doctest::Contains("not a regular file"), Error);
}

TEST_CASE("model file: weights whose element count wraps round 64 bits are refused") {
    // Found by fuzzing (fuzz/corpus/fuzz_lfr_model/numel_wrap_transpose.lfr): 2^64 + 4 and 3 * 2^64
    // elements wrapped to 4 and 0, which the blob held, and the kernels then ran past it.
    const int64_t shapes[][4] = {{1, 111620, 429509837, 384773}, {1 << 30, 1 << 30, 3, 16}};
    for (const auto& dims : shapes) {
        tools::ConvertedModel m;
        int32_t x = m.input("x", Shape{1, 1, 1, 4});
        m.output(m.node(OpType::Add, "add", {x, m.weight("wrap", Shape{1, 1, 1, 4}, {1, 2, 3, 4})}));
        auto bytes = serialize_model(m.graph, m.weights);
        const size_t at = dims_of(bytes, "wrap");
        for (size_t d = 0; d < 4; ++d) poke<int64_t>(bytes, at + 8 * d, dims[d]);
        reseal(bytes);
        CHECK(load_error(bytes).find("weight wrap [" + std::to_string(dims[0])) != std::string::npos);
        CHECK(load_error(bytes).find("more than 2^40 elements") != std::string::npos);
    }
}

TEST_CASE("executor: an inferred shape too large to count is refused before planning") {
    // Pads of 2^30 on six dims: 2^186 elements, which numel() would wrap into a small arena.
    tools::ConvertedModel m;
    int32_t x = m.input("x", Shape{1, 1, 1, 1, 1, 1});
    Attrs pad;
    pad.ints.assign(12, 1 << 30);
    m.output(m.node(OpType::Pad, "pad", {x}, pad));
    auto bytes = serialize_model(m.graph, m.weights);
    Model model = Model::from_memory(bytes.data(), bytes.size());
    CHECK_THROWS_WITH_AS(Session(model).make_plan({Shape{1, 1, 1, 1, 1, 1}}), doctest::Contains("more than 2^40 elements"), Error);
}

TEST_CASE("executor: a Reshape target too large to count is refused") {
    // Three int32 dims of 2^31 - 1 multiplied past int64 while checking the target against the input.
    tools::ConvertedModel m;
    int32_t x = m.input("x", Shape{1, 4});
    Attrs reshape;
    reshape.ints = {2147483647, 2147483647, 2147483647, -1};
    m.output(m.node(OpType::Reshape, "reshape", {x}, reshape));
    auto bytes = serialize_model(m.graph, m.weights);
    Model model = Model::from_memory(bytes.data(), bytes.size());
    CHECK_THROWS_WITH_AS(Session(model).make_plan({Shape{1, 4}}), doctest::Contains("more than 2^40 elements"), Error);
}

TEST_CASE("float16: every half value survives half -> float -> half; rounding is to nearest even") {
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const float f = half_to_float(uint16_t(h));
        REQUIRE_MESSAGE(float_to_half(f) == h, "half 0x" << std::hex << h);
        const uint32_t e = (h >> 10) & 0x1f, m = h & 0x3ff;
        if (e == 0x1f) CHECK((m ? std::isnan(f) : std::isinf(f)));
        if (e == 0x1f || (h & 0x7fff) == 0x7bff) continue;
        // Halfway to the next half up (in magnitude) rounds to the even one of the two; just above it
        // rounds up, just below it rounds down.
        const float next = half_to_float(uint16_t(h + 1)), mid = (f + next) / 2;
        if ((h & 0x7fff) == 0) continue;  // the midpoint below the smallest subnormal, checked below
        CHECK(float_to_half(mid) == ((h & 1) ? h + 1 : h));
        CHECK(float_to_half(std::nextafter(mid, 2 * next)) == h + 1);
        CHECK(float_to_half(std::nextafter(mid, 0.f)) == h);
    }
    CHECK(float_to_half(65504.f) == 0x7bff);
    CHECK(float_to_half(65519.99f) == 0x7bff);
    CHECK(float_to_half(65520.f) == 0x7c00);   // overflow: infinity
    CHECK(float_to_half(-1e10f) == 0xfc00);
    CHECK(float_to_half(std::ldexp(1.f, -25)) == 0);  // half the smallest subnormal: ties to 0
    CHECK(float_to_half(std::nextafter(std::ldexp(1.f, -25), 1.f)) == 1);
    CHECK(float_to_half(-1e-30f) == 0x8000);
    CHECK(std::isnan(half_to_float(float_to_half(std::nanf("")))));
    uint32_t low_nan = 0x7f800001;  // payload only in bits a half drops: still NaN, not infinity
    float f;
    std::memcpy(&f, &low_nan, 4);
    CHECK(std::isnan(half_to_float(float_to_half(f))));
}

namespace {
uint32_t version_of(const std::vector<uint8_t>& bytes) {
    uint32_t v;
    std::memcpy(&v, bytes.data() + 8, 4);
    return v;
}
}  // namespace

TEST_CASE("float16 weights: version 3 file, half the blob, widened at load, tiny tensors kept float32") {
    tools::ConvertedModel m;
    int32_t x = m.input("image", Shape{-1, 5, 5, 3});
    std::vector<float> w(3 * 3 * 3 * 4), b = {0.1f, 0.2f, 0.3f, 0.4f};
    for (size_t i = 0; i < w.size(); ++i) w[i] = float(i) * 0.1f - 3.f;
    m.output(m.node(OpType::Conv2D, "conv", {x, m.weight("conv/w", Shape{3, 3, 3, 4}, w), m.weight("conv/b", Shape{4}, b)}));
    const auto f32 = serialize_model(m.graph, m.weights);
    const auto f16 = serialize_model(m.graph, m.weights, WeightType::F16);
    CHECK(version_of(f32) == 2);  // all float32: still readable by older lfr builds
    CHECK(version_of(f16) == 3);
    const Model a = Model::from_memory(f32.data(), f32.size()), h = Model::from_memory(f16.data(), f16.size());
    CHECK(h.weight_bytes() < a.weight_bytes());
    const Graph& g = h.graph();
    CHECK(g.tensors[size_t(g.nodes[0].inputs[1])].storage == WeightType::F16);
    CHECK(g.tensors[size_t(g.nodes[0].inputs[2])].storage == WeightType::F32);
    const float* hw = h.weight(g.nodes[0].inputs[1]);
    for (size_t i = 0; i < w.size(); ++i) CHECK(hw[i] == half_to_float(float_to_half(w[i])));
    CHECK(std::memcmp(h.weight(g.nodes[0].inputs[2]), b.data(), 16) == 0);
    // float32 weights are still read in place from the file's bytes.
    const auto* p = reinterpret_cast<const uint8_t*>(a.weight(g.nodes[0].inputs[1]));
    CHECK((p >= f32.data() && p < f32.data() + f32.size()));
    // load() widens and then unmaps the file: the weights must outlive the mapping.
    const std::string path = "/tmp/lfr_test_f16_" + std::to_string(::getpid()) + ".lfr";
    tools::ConvertedModel(m).save(path, WeightType::F16);
    {
        const Model loaded = Model::load(path);
        std::remove(path.c_str());
        CHECK(std::memcmp(loaded.weight(g.nodes[0].inputs[1]), hw, w.size() * 4) == 0);
        CHECK(std::memcmp(loaded.weight(g.nodes[0].inputs[2]), b.data(), 16) == 0);
    }
    // Copies share the widened buffer.
    const Model copy = h;
    CHECK(copy.weight(g.nodes[0].inputs[1]) == hw);
    // Re-encoding a loaded float16 model as float32 gives the widened values.
    const auto back = serialize_model(tools::to_converted(h).graph, tools::to_converted(h).weights);
    CHECK(version_of(back) == 2);

    // Hostile float16 files: truncated, a weight grown past the blob, an unknown storage type.
    for (size_t n = 0; n < f16.size(); n += 7) {
        std::vector<uint8_t> cut(f16.begin(), f16.begin() + long(n));
        CHECK_MESSAGE(!load_error(cut).empty(), "truncated to " << n << " bytes was accepted");
    }
    auto bytes = f16;
    poke<int64_t>(bytes, dims_of(bytes, "conv/w") + 24, 400);  // 3x3x3x400 halves > the blob
    reseal(bytes);
    CHECK(load_error(bytes).find("lies past the end of the blob section") != std::string::npos);
    bytes = f16;
    const size_t storage = dims_of(bytes, "conv/w") + 4 * 8 + 8;
    REQUIRE(bytes[storage] == uint8_t(WeightType::F16));
    bytes[storage] = 7;
    reseal(bytes);
    CHECK(load_error(bytes).find("unknown storage type 7") != std::string::npos);
}

TEST_CASE("float16 weights: a newer file's message names its version and says to update lfr") {
    auto bytes = small_model_bytes();
    poke<uint32_t>(bytes, 8, kModelVersion + 1);
    const std::string e = load_error(bytes);
    CHECK(e.find("version " + std::to_string(kModelVersion + 1)) != std::string::npos);
    CHECK(e.find("update lfr") != std::string::npos);
}
