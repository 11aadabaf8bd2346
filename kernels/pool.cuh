// MaxPool / AvgPool (TF semantics: padded cells skipped) and Mean/Sum/Max over H and W of NHWC.
#pragma once
#include <cuda_runtime.h>

namespace lfr {
namespace cuda {

struct PoolParams {
    int N, H, W, C;
    int OH, OW;
    int KH, KW, sh, sw;
    int pt, pl;
};

void launch_pool(bool max, const PoolParams& p, const float* x, float* y, cudaStream_t stream);

enum ReduceOp : int { kReduceMean, kReduceSum, kReduceMax };
// x [N,H,W,C] -> y [N,C] (any keep_dims layout of it), reduced over H and W.
void launch_reduce_hw(int op, int N, int HW, int C, const float* x, float* y, cudaStream_t stream);

}  // namespace cuda
}  // namespace lfr
