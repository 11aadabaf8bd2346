// Model::from_memory on the bytes; when a model loads, shape inference, the memory plan and one run
// (fast and reference kernels) on an input of the declared shape, open (-1) dims set to 2.
#include <algorithm>
#include <cstring>
#include <vector>

#include "lfr/runtime/executor.h"

using namespace lfr;

namespace {

// The library has no work cap (a real model may plan gigabytes), so the harness refuses plans over
// these: each input must run in milliseconds, or slow units would hide real hangs.
constexpr int64_t kMaxFloats = 1 << 16;  // per graph input, and the arena
constexpr double kMaxWork = 1 << 20;     // rough multiply-adds over all nodes
constexpr size_t kMaxNodes = 64;

double numel_of(const Shape& s) {
    double n = 1;
    for (int d = 0; d < s.rank; ++d) n *= double(s.dim[d]);
    return n;
}

// Per node: every input read once, plus per output element the largest weight's rows (conv, matmul)
// or the pooling window.
bool affordable(const Graph& g, const MemoryPlan& p) {
    if (g.nodes.size() > kMaxNodes || p.arena_floats > kMaxFloats) return false;
    double work = 0;
    for (const Node& n : g.nodes) {
        double per_out = std::max(1.0, double(n.attrs.kernel_h) * double(n.attrs.kernel_w));
        for (int32_t id : n.inputs) {
            if (id < 0) continue;
            const Shape& s = p.shapes[size_t(id)];
            work += numel_of(s);
            if (g.tensors[size_t(id)].kind == TensorKind::Weight && s.rank > 0 && s.dim[s.rank - 1] > 0)
                per_out = std::max(per_out, numel_of(s) / double(s.dim[s.rank - 1]));
        }
        work += numel_of(p.shapes[size_t(n.outputs[0])]) * per_out;
    }
    return work <= kMaxWork;
}

void run_model(const Model& m) {
    const Graph& g = m.graph();
    std::vector<Tensor> inputs;
    std::vector<Shape> shapes;
    for (int32_t id : g.inputs) {
        Shape s = g.tensors[size_t(id)].shape;
        for (int d = 0; d < s.rank; ++d)
            if (s.dim[d] == -1) s.dim[d] = 2;
        if (numel_of(s) > kMaxFloats) return;
        Tensor t(s);
        for (size_t i = 0; i < t.values.size(); ++i) t.values[i] = float(int(i % 7) - 3) * 0.5f;
        inputs.push_back(std::move(t));
        shapes.push_back(s);
    }
    Session fast(m);
    if (!affordable(g, fast.make_plan(shapes))) return;
    fast.run(views(inputs));
    Session ref(m);
    ref.set_reference_kernels(true);
    ref.run(views(inputs));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // As given (header and checksum checks), then resealed with the right size and CRC so that
    // mutations reach the graph reader. A vector's buffer has the 4-byte alignment loading needs.
    std::vector<uint8_t> bytes(data, data + size);
    try {
        lfr::Model::from_memory(bytes.data(), bytes.size(), "fuzz");
    } catch (const lfr::Error&) {
    }
    if (size < lfr::kHeaderSize) return 0;
    const uint64_t file_size = size;
    const uint32_t crc = lfr::crc32(bytes.data() + lfr::kHeaderSize, size - lfr::kHeaderSize);
    std::memcpy(bytes.data() + 16, &file_size, 8);
    std::memcpy(bytes.data() + 56, &crc, 4);
    try {
        run_model(lfr::Model::from_memory(bytes.data(), bytes.size(), "fuzz"));
    } catch (const lfr::Error&) {  // refusing a bad model is the expected outcome; anything else is a finding
    }
    return 0;
}
