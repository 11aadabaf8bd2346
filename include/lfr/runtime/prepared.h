// Weights prepared once, when a model is loaded: each Conv2D and MatMul weight packed into the
// GEMM micro-kernel's panel layout for one ISA level, so no run repacks a weight.
//
// Immutable after construction: one PreparedWeights may be shared (shared_ptr) by any number of
// sessions and threads of the same Model. Memory-tight targets can do without it (Session option
// prepack = false): the conv kernel then packs each weight per call into its scratch.
#pragma once
#include <memory>
#include <vector>

#include "lfr/format/model_file.h"
#include "lfr/ops/gemm.h"

namespace lfr {

class PreparedWeights {
public:
    PreparedWeights(const Model& model, Isa isa) : isa_(isa) {
        const Graph& g = model.graph();
        panels_.resize(g.nodes.size());
        packed_.resize(g.nodes.size());
        for (size_t i = 0; i < g.nodes.size(); ++i) {
            const Node& n = g.nodes[i];
            if (n.op != OpType::Conv2D && n.op != OpType::MatMul) continue;
            if (n.inputs.size() < 2 || n.inputs[1] < 0) continue;
            const TensorInfo& w = g.tensors[size_t(n.inputs[1])];
            // Only weights the kernels take as they are (computed weights are packed per call; a
            // malformed shape is left for shape inference to report).
            const int rank = n.op == OpType::Conv2D ? 4 : 2;
            if (w.kind != TensorKind::Weight || w.shape.rank != rank) continue;
            bool ok = true;
            for (int d = 0; d < rank; ++d) ok = ok && w.shape[d] > 0;
            if (!ok) continue;
            const int64_t N = w.shape[rank - 1], K = w.shape.numel() / N;  // HWIO / [K, M]: a K x N matrix
            const GemmKernel kernel = gemm_kernel(isa, N);
            panels_[i].resize(size_t(packed_b_floats(kernel, K, N)));
            packed_[i] = pack_gemm_b(kernel, K, N, model.weight(n.inputs[1]), N, panels_[i].data());
        }
    }

    Isa isa() const { return isa_; }
    // Node ni's packed weight, or nullptr (not a GEMM node: the kernel reads the weight as stored).
    const PackedB* packed(size_t ni) const { return packed_[ni].data ? &packed_[ni] : nullptr; }

private:
    Isa isa_;
    std::vector<std::vector<float>> panels_;
    std::vector<PackedB> packed_;
};

inline std::shared_ptr<const PreparedWeights> prepare_weights(const Model& model, Isa isa = default_isa()) {
    return std::make_shared<const PreparedWeights>(model, isa);
}

}  // namespace lfr
