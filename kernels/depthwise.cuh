// DepthwiseConv2D on the device (bias + activation fused), and the fused depthwise-separable block
// (depthwise + pointwise 1x1 + bias + activation) that keeps the depthwise tile in shared memory.
#pragma once
#include <cuda_runtime.h>

#include "conv.cuh"

namespace lfr {
namespace cuda {

// p.Co = C * M; w [KH,KW,C,M]; output channel c*M + m (as TF). bias, prelu [C*M] may be null.
void launch_depthwise(const ConvParams& p, int M, const float* x, const float* w, const float* bias,
                      const float* prelu, float* y, cudaStream_t stream);

// Depthwise (multiplier 1) then pointwise: y = act_pw(pw_w^T act_dw(dw(x) + dw_bias) + pw_bias).
// dw.Co = dw.C; pw_w [C, Co]; dw.act/alpha and the pw act/alpha are independent.
struct PointwiseParams {
    int Co;
    int act;
    float alpha;
};
void launch_depthwise_pointwise(const ConvParams& dw, const float* x, const float* dw_w, const float* dw_bias,
                                const float* dw_prelu, const PointwiseParams& pw, const float* pw_w,
                                const float* pw_bias, const float* pw_prelu, float* y, cudaStream_t stream);

}  // namespace cuda
}  // namespace lfr
