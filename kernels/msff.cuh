// MultiScaleFusion (MSFF) on the device: max-pool k feature maps to one size, concatenate along
// channels and apply a 1x1 conv + bias + activation, in one kernel that pools while it loads the
// GEMM's left-hand tile: the pooled maps and their concatenation never exist in memory.
#pragma once
#include <cuda_runtime.h>

namespace lfr {
namespace cuda {

constexpr int kMsffMaxMaps = 8;  // supports() refuses nodes with more feature maps

struct MsffParams {
    int k;              // feature maps
    int N, Ho, Wo;      // output size
    int Co;             // output channels
    const float* x[kMsffMaxMaps];
    int H[kMsffMaxMaps], W[kMsffMaxMaps], C[kMsffMaxMaps];
    int fh[kMsffMaxMaps], fw[kMsffMaxMaps];  // pool window = stride of each map
    int offset[kMsffMaxMaps];                // first row of map i's block in w
    int act;            // ActKind (not Prelu)
    float alpha;
};

// y[N,Ho,Wo,Co] = act(concat_i(maxpool_i(x_i)) * w[sum C_i, Co] + bias); bias may be null.
void launch_msff(const MsffParams& p, const float* w, const float* bias, float* y, cudaStream_t stream);

}  // namespace cuda
}  // namespace lfr
