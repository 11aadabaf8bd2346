// Bias + fused activation over rows of channels, the last step of conv, depthwise and matmul fast
// paths. One loop per activation kind (a template on it), so the per-element switch of activate()
// folds away and the row loop vectorises.
#pragma once
#include <cstdint>

#include "lfr/ops/activation.h"

namespace lfr {
namespace epilogue_detail {

template <Activation A>
inline void bias_activate_rows(float* y, int64_t rows, int64_t C, const float* bias, float alpha,
                               const float* prelu) {
    for (int64_t r = 0; r < rows; ++r) {
        float* __restrict yr = y + r * C;
        if (bias)  // two loops: a branch inside one would stop it vectorising
            for (int64_t c = 0; c < C; ++c)
                yr[c] = activate(yr[c] + bias[c], A, alpha, A == Activation::Prelu ? prelu[c] : 0.f);
        else
            for (int64_t c = 0; c < C; ++c)
                yr[c] = activate(yr[c], A, alpha, A == Activation::Prelu ? prelu[c] : 0.f);
    }
}

}  // namespace epilogue_detail

// y: rows x C, updated in place to act(y + bias). bias may be null; prelu: [C] slopes for Prelu.
inline void bias_activate(float* y, int64_t rows, int64_t C, const float* bias, Activation act, float alpha,
                          const float* prelu) {
    using namespace epilogue_detail;
    switch (act) {
        case Activation::None:
            if (bias) bias_activate_rows<Activation::None>(y, rows, C, bias, alpha, prelu);
            return;
        case Activation::Relu: return bias_activate_rows<Activation::Relu>(y, rows, C, bias, alpha, prelu);
        case Activation::Relu6: return bias_activate_rows<Activation::Relu6>(y, rows, C, bias, alpha, prelu);
        case Activation::Leaky: return bias_activate_rows<Activation::Leaky>(y, rows, C, bias, alpha, prelu);
        case Activation::Prelu: return bias_activate_rows<Activation::Prelu>(y, rows, C, bias, alpha, prelu);
        case Activation::Sigmoid: return bias_activate_rows<Activation::Sigmoid>(y, rows, C, bias, alpha, prelu);
    }
}

}  // namespace lfr
