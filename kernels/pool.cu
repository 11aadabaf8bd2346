// Pooling and H,W reductions: one thread per output element, channels fastest (coalesced). Cells
// are visited in the CPU reference's order (rows, then columns), so max and average results are
// bit-identical to it; so are the H,W sums (one accumulator per (n, c), pixels in order).
#include "pool.cuh"

#include "common.cuh"

namespace lfr {
namespace cuda {
namespace {

template <bool Max>
__global__ void pool_kernel(PoolParams p, const float* __restrict__ x, float* __restrict__ y) {
    const int total = p.N * p.OH * p.OW * p.C;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
        const int c = i % p.C, pix = i / p.C;
        const int ox = pix % p.OW, oy = (pix / p.OW) % p.OH, n = pix / (p.OW * p.OH);
        const int y0 = oy * p.sh - p.pt, x0 = ox * p.sw - p.pl;
        const int y1 = min(y0 + p.KH, p.H), x1 = min(x0 + p.KW, p.W);
        const int ys = max(y0, 0), xs = max(x0, 0);
        float acc = Max ? -INFINITY : 0.f;
        for (int yy = ys; yy < y1; ++yy)
            for (int xx = xs; xx < x1; ++xx) {
                const float v = x[((n * p.H + yy) * p.W + xx) * p.C + c];
                acc = Max ? std_max(acc, v) : acc + v;
            }
        if (!Max) acc /= float((y1 - ys) * (x1 - xs));
        y[i] = acc;
    }
}

__global__ void reduce_hw_kernel(int op, int N, int HW, int C, const float* __restrict__ x, float* __restrict__ y) {
    const int total = N * C;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
        const int c = i % C, n = i / C;
        const float* xn = x + int64_t(n) * HW * C + c;
        float acc = op == kReduceMax ? -INFINITY : 0.f;
        for (int q = 0; q < HW; ++q) acc = op == kReduceMax ? std_max(acc, xn[int64_t(q) * C]) : acc + xn[int64_t(q) * C];
        if (op == kReduceMean) acc /= float(HW);
        y[i] = acc;
    }
}

}  // namespace

void launch_pool(bool max, const PoolParams& p, const float* x, float* y, cudaStream_t stream) {
    const int64_t total = int64_t(p.N) * p.OH * p.OW * p.C;
    if (total == 0) return;
    if (max)
        pool_kernel<true><<<blocks_for(total), kBlock, 0, stream>>>(p, x, y);
    else
        pool_kernel<false><<<blocks_for(total), kBlock, 0, stream>>>(p, x, y);
    LFR_CUDA_CHECK_LAUNCH();
}

void launch_reduce_hw(int op, int N, int HW, int C, const float* x, float* y, cudaStream_t stream) {
    if (int64_t(N) * C == 0) return;
    reduce_hw_kernel<<<blocks_for(int64_t(N) * C), kBlock, 0, stream>>>(op, N, HW, C, x, y);
    LFR_CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace lfr
