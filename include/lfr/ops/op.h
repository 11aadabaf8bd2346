// The contract every CPU op implements. For each op family there is a header in this folder with
// three functions: infer (output shape from input shapes and attrs), a plain reference kernel that
// is easy to check by eye, and optionally a fast kernel that must match the reference (tests/).
//
// Inputs arrive in the node's input order. An absent optional input (id -1 in the graph, e.g. a conv
// without bias) has data == nullptr and shape.rank == -1. Kernels write every element of `out`
// (outputs are not zeroed beforehand; tests seed them with junk).
#pragma once
#include <vector>

#include "lfr/core/tensor.h"
#include "lfr/graph/graph.h"
#include "lfr/ops/cpu_isa.h"
#include "lfr/ops/gemm_kernel.h"
#include "lfr/ops/parallel.h"

namespace lfr {

// What a kernel call may use besides its inputs: scratch memory (im2col buffers, packed panels), the
// kernel level, the caller's thread pool and the node's weight packed at load. Owned by the caller
// (one per executor session), so kernels hold no hidden state and stay thread-safe.
class Workspace {
public:
    Isa isa = default_isa();           // the kernel level fast paths use (tests set each level in turn)
    ThreadPool* pool = nullptr;        // split heavy ops over it (nullptr: the calling thread only)
    const PackedB* packed = nullptr;   // the running node's GEMM weight, packed at load for `isa`

    // Scratch of at least n floats. slot: 0 for the calling thread's use, 1 + w for pool worker w.
    // Not thread-safe: size every worker's slot before a parallel region, then each reads its own.
    float* floats(size_t n, int slot = 0) {
        if (bufs_.size() <= size_t(slot)) bufs_.resize(size_t(slot) + 1);
        std::vector<float>& b = bufs_[size_t(slot)];
        if (b.size() < n) b.resize(n);
        return b.data();
    }

private:
    std::vector<std::vector<float>> bufs_;
};

using InferFn = Shape (*)(const Node& node, const std::vector<Shape>& in);
using RunFn = void (*)(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace& ws);

inline bool has_input(const std::vector<ConstTensorView>& in, size_t i) { return i < in.size() && in[i].data; }
inline bool has_input(const std::vector<Shape>& in, size_t i) { return i < in.size() && in[i].rank >= 0; }

}  // namespace lfr
