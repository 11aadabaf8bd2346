// Fused activations applied by conv, depthwise, matmul and binary ops to their output.
#pragma once
#include <algorithm>
#include <cmath>

#include "lfr/graph/graph.h"

namespace lfr {

// prelu_alpha: the per-channel slope for Activation::Prelu (ignored otherwise).
inline float activate(float v, Activation act, float alpha, float prelu_alpha = 0.f) {
    switch (act) {
        case Activation::None: return v;
        case Activation::Relu: return v > 0.f ? v : 0.f;
        case Activation::Relu6: return std::min(std::max(v, 0.f), 6.f);
        case Activation::Leaky: return v > 0.f ? v : alpha * v;
        case Activation::Prelu: return v > 0.f ? v : prelu_alpha * v;
        case Activation::Sigmoid: return 1.f / (1.f + std::exp(-v));
    }
    return v;
}

}  // namespace lfr
