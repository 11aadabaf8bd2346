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

namespace lfr {

// Scratch memory that a kernel may use during one call (im2col buffers, packed panels). Owned by
// the caller (one per executor session), so kernels hold no hidden state and stay thread-safe.
class Workspace {
public:
    Isa isa = default_isa();  // the kernel level fast paths use (tests set each level in turn)

    float* floats(size_t n) {
        if (buf_.size() < n) buf_.resize(n);
        return buf_.data();
    }

private:
    std::vector<float> buf_;
};

using InferFn = Shape (*)(const Node& node, const std::vector<Shape>& in);
using RunFn = void (*)(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace& ws);

inline bool has_input(const std::vector<ConstTensorView>& in, size_t i) { return i < in.size() && in[i].data; }
inline bool has_input(const std::vector<Shape>& in, size_t i) { return i < in.size() && in[i].rank >= 0; }

}  // namespace lfr
