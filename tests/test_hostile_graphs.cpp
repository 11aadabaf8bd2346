// Hostile graphs built in memory: each must end in exactly one lfr::Error somewhere between writing,
// loading, planning and running (reference and fast kernels), never a crash or another exception.
// Beside test_model_file.cpp, which corrupts the bytes; this corrupts the structure and attributes.
#include <doctest/doctest.h>

#include <functional>

#include "lfr/format/builder.h"
#include "lfr/runtime/executor.h"

using namespace lfr;

namespace {

using Build = std::function<void(tools::ConvertedModel&)>;

// One input x [1,8,8,2] and whatever `build` adds; returns the lfr::Error's message ("" if none).
std::string first_error(const Build& build, Shape input = Shape{1, 8, 8, 2}) {
    try {
        tools::ConvertedModel m;
        m.input("x", input);
        build(m);
        const std::vector<uint8_t> bytes = serialize_model(m.graph, m.weights);
        Model model = Model::from_memory(bytes.data(), bytes.size(), "hostile.lfr");
        std::vector<float> x(size_t(input.numel()), 1.f);
        for (bool reference : {false, true}) {
            Session s(model);
            s.set_reference_kernels(reference);
            s.run({ConstTensorView{x.data(), input}});
        }
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

// A conv on x with weight [kh,kw,2,1] and the given attributes.
Build conv(Attrs a, int64_t kh = 3, int64_t kw = 3) {
    return [a, kh, kw](tools::ConvertedModel& m) {
        const int32_t w = m.weight("w", Shape{kh, kw, 2, 1}, std::vector<float>(size_t(kh * kw * 2), 0.5f));
        m.output(m.node(OpType::Conv2D, "conv", {0, w}, a));
    };
}

Build pool(Attrs a) {
    return [a](tools::ConvertedModel& m) { m.output(m.node(OpType::MaxPool, "pool", {0}, a)); };
}

Build one_op(OpType op, Attrs a) {
    return [op, a](tools::ConvertedModel& m) { m.output(m.node(op, "op", {0}, a)); };
}

Attrs with(std::function<void(Attrs&)> f) {
    Attrs a;
    f(a);
    return a;
}

struct Case {
    const char* name;
    Build build;
    const char* expect;  // a part of the message
};

}  // namespace

TEST_CASE("hostile graphs: structure, shapes and attributes each give one lfr::Error") {
    const Case cases[] = {
        // Sizes
        {"weight shape past int64", [](tools::ConvertedModel& m) {
             m.graph.add_tensor("huge", TensorKind::Weight, Shape{1 << 30, 1 << 30, 1 << 30, 16});
             m.weights.emplace_back();
             m.output(m.node(OpType::Add, "add", {0, 1}));
         }, "more than 2^40 elements"},
        {"Pad to 2^38 floats: over the working-memory limit", one_op(OpType::Pad, with([](Attrs& a) {
             a.ints = {0, 0, 0, 65528, 0, 65528, 0, 62};
         })), "working memory"},
        {"Reshape to more elements", one_op(OpType::Reshape, with([](Attrs& a) { a.ints = {1, 1 << 30, 1 << 30}; })),
         "Reshape"},
        // Structure
        {"cycle: two nodes read each other", [](tools::ConvertedModel& m) {
             const int32_t a = m.node(OpType::Relu, "a", {0});
             const int32_t b = m.node(OpType::Relu, "b", {a});
             m.graph.nodes[0].inputs = {b};
             m.output(b);
         }, "before it is produced"},
        {"dangling input id", [](tools::ConvertedModel& m) { m.output(m.node(OpType::Relu, "a", {999})); },
         "refers to tensor 999"},
        {"negative input id other than absent", [](tools::ConvertedModel& m) { m.output(m.node(OpType::Relu, "a", {-7})); },
         "refers to tensor -7"},
        {"dangling graph output", [](tools::ConvertedModel& m) {
             m.node(OpType::Relu, "a", {0});
             m.output(12345);
         }, "graph output refers to tensor 12345"},
        {"node writes the graph input", [](tools::ConvertedModel& m) {
             m.output(m.node(OpType::Relu, "a", {0}));
             m.graph.nodes[0].outputs = {0};
         }, "produced twice or is not a value"},
        {"node writes a weight", [](tools::ConvertedModel& m) {
             const int32_t w = m.weight("w", Shape{2}, {1, 2});
             m.output(m.node(OpType::Relu, "a", {0}));
             m.graph.nodes[0].outputs = {w};
         }, "produced twice or is not a value"},
        {"node writes its own input", [](tools::ConvertedModel& m) {
             const int32_t a = m.node(OpType::Relu, "a", {0});
             m.output(m.node(OpType::Relu, "b", {a}));
             m.graph.nodes[1].outputs = {a};
         }, "produced twice or is not a value"},
        {"two outputs on one node", [](tools::ConvertedModel& m) {
             const int32_t a = m.node(OpType::Relu, "a", {0});
             m.graph.nodes[0].outputs.push_back(a);
             m.output(a);
         }, "exactly one output"},
        {"no outputs", [](tools::ConvertedModel& m) { m.node(OpType::Relu, "a", {0}); }, "no outputs"},
        {"missing required input", [](tools::ConvertedModel& m) { m.output(m.node(OpType::Add, "add", {0, -1})); },
         "absent"},
        // Attributes
        {"conv stride 0", conv(with([](Attrs& a) { a.stride_h = 0; })), "stride"},
        {"conv negative stride", conv(with([](Attrs& a) { a.stride_w = -4; })), "stride"},
        {"conv dilation 0", conv(with([](Attrs& a) { a.dilation_h = 0; })), "dilation"},
        {"conv dilation 2^31-1", conv(with([](Attrs& a) { a.dilation_w = INT32_MAX; })), "does not fit"},
        {"conv negative explicit pads", conv(with([](Attrs& a) {
             a.padding = Padding::Explicit;
             a.pad_top = -5;
             a.pad_bottom = 5;
         })), "negative pad"},
        {"conv pads of 2^31-1", conv(with([](Attrs& a) {
             a.padding = Padding::Explicit;
             a.pad_top = a.pad_bottom = a.pad_left = a.pad_right = INT32_MAX;
         })), "more than 2^40 elements"},
        {"pool kernel 2^31-1", pool(with([](Attrs& a) { a.kernel_h = a.kernel_w = INT32_MAX; })), "does not fit"},
        {"pool kernel 0", pool(with([](Attrs& a) { a.kernel_h = 0; a.kernel_w = 2; })), "window"},
        {"pool stride 0", pool(with([](Attrs& a) { a.kernel_h = a.kernel_w = 2; a.stride_h = 0; })), "stride"},
        {"pool negative pads", pool(with([](Attrs& a) {
             a.kernel_h = a.kernel_w = 2;
             a.padding = Padding::Explicit;
             a.pad_left = -3;
         })), "negative pad"},
        {"Pad negative", one_op(OpType::Pad, with([](Attrs& a) { a.ints = {0, 0, -1, 0, 0, 0, 0, 0}; })), "negative pad"},
        {"Concat axis 99", one_op(OpType::Concat, with([](Attrs& a) { a.axis = 99; })), "axis 99"},
        {"Mean over axis 7", one_op(OpType::Mean, with([](Attrs& a) { a.ints = {7}; })), "axis"},
        {"Transpose with a repeated axis", one_op(OpType::Transpose, with([](Attrs& a) { a.ints = {0, 1, 1, 3}; })),
         "Transpose"},
        {"StridedSlice stride 0", one_op(OpType::StridedSlice, with([](Attrs& a) {
             a.ints = {0, 0, 0, 0, 1, 8, 8, 2, 1, 0, 1, 1};
         })), "stride"},
        {"ResizeBilinear to 2^31-1 a side", one_op(OpType::ResizeBilinear, with([](Attrs& a) {
             a.ints = {INT32_MAX, INT32_MAX};
         })), "more than 2^40 elements"},
        {"ResizeBilinear to 65536 a side: 32 GiB", one_op(OpType::ResizeBilinear, with([](Attrs& a) {
             a.ints = {65536, 65536};
         })), "working memory"},
        {"DepthToSpace block 0", one_op(OpType::DepthToSpace, with([](Attrs& a) { a.kernel_h = 0; })), "block"},
        {"MultiScaleFusion of 2^31-1 maps", one_op(OpType::MultiScaleFusion, with([](Attrs& a) { a.ints = {INT32_MAX}; })),
         "MultiScaleFusion"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        std::string message;
        CHECK_NOTHROW(message = first_error(c.build));
        CHECK_MESSAGE(message.find(c.expect) != std::string::npos, "got: " << message);
    }
}

TEST_CASE("executor: the working-memory limit is the caller's") {
    tools::ConvertedModel m;
    const int32_t x = m.input("x", Shape{1, -1, -1, 1});
    m.output(m.node(OpType::Relu, "relu", {x}));
    const std::vector<uint8_t> bytes = serialize_model(m.graph, m.weights);
    Model model = Model::from_memory(bytes.data(), bytes.size(), "small.lfr");
    Session s(model);
    s.set_max_arena_bytes(1 << 12);  // 1024 floats
    CHECK_NOTHROW(s.make_plan({Shape{1, 16, 16, 1}}));
    CHECK_THROWS_WITH_AS(s.make_plan({Shape{1, 64, 64, 1}}),
                         doctest::Contains("small.lfr: working memory of 16384 bytes for input shapes [1,64,64,1]"), Error);
}
