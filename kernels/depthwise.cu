// Depthwise convolution: one thread per output element, channels fastest so a warp reads 32
// adjacent channels of one pixel (coalesced) and the weights of one tap. 3x3 is unrolled.
//
// Fused depthwise-separable: a block owns 32 output pixels x 64 output channels. For each chunk of
// 32 input channels it computes the depthwise outputs of its 32 pixels into shared memory (with
// the depthwise bias/activation), stages the matching 32 x 64 pointwise weights, and accumulates;
// the depthwise result never goes to global memory. Each thread owns 2 pixels x 4 channels.
#include "depthwise.cuh"

#include "common.cuh"

namespace lfr {
namespace cuda {
namespace {

// Sum of the in-bounds taps for output (n, oy, ox), input channel c, multiplier m. KS > 0: a KS x
// KS kernel with unrolled loops; KS == 0: p.KH x p.KW.
template <int KS>
__device__ __forceinline__ float depthwise_sum(const ConvParams& p, int M, const float* __restrict__ x,
                                               const float* __restrict__ w, int n, int oy, int ox, int c, int m) {
    const int KH = KS > 0 ? KS : p.KH, KW = KS > 0 ? KS : p.KW;
    const int iy0 = oy * p.sh - p.pt, ix0 = ox * p.sw - p.pl;
    float acc = 0.f;
#pragma unroll
    for (int ky = 0; ky < KH; ++ky) {  // a constant when KS > 0: fully unrolled
        const int iy = iy0 + ky * p.dh;
        if (iy < 0 || iy >= p.H) continue;
#pragma unroll
        for (int kx = 0; kx < KW; ++kx) {
            const int ix = ix0 + kx * p.dw;
            if (ix < 0 || ix >= p.W) continue;
            acc += x[((n * p.H + iy) * p.W + ix) * p.C + c] * w[((ky * KW + kx) * p.C + c) * M + m];
        }
    }
    return acc;
}

template <int KS>
__global__ void depthwise_kernel(ConvParams p, int M, const float* __restrict__ x, const float* __restrict__ w,
                                 const float* __restrict__ bias, const float* __restrict__ prelu,
                                 float* __restrict__ y) {
    const int total = p.N * p.OH * p.OW * p.Co;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
        const int co = i % p.Co, pix = i / p.Co;
        const int ox = pix % p.OW, oy = (pix / p.OW) % p.OH, n = pix / (p.OW * p.OH);
        const int c = co / M, m = co - c * M;
        const float v = depthwise_sum<KS>(p, M, x, w, n, oy, ox, c, m) + (bias ? bias[co] : 0.f);
        y[i] = activate(v, p.act, p.alpha, prelu ? prelu[co] : 0.f);
    }
}

constexpr int kPix = 32, kCo = 64, kChunk = 32, kThreads = 256;

__global__ void __launch_bounds__(kThreads)
depthwise_pointwise_kernel(ConvParams dw, const float* __restrict__ x, const float* __restrict__ dw_w,
                           const float* __restrict__ dw_bias, const float* __restrict__ dw_prelu, PointwiseParams pw,
                           const float* __restrict__ pw_w, const float* __restrict__ pw_bias,
                           const float* __restrict__ pw_prelu, float* __restrict__ y) {
    __shared__ float D[kChunk][kPix + 1];  // depthwise outputs, channel-major (+1: no bank conflicts)
    __shared__ float Wt[kChunk][kCo];      // pointwise weights for this chunk
    __shared__ int pix_n[kPix], pix_iy[kPix], pix_ix[kPix];

    const int P = dw.N * dw.OH * dw.OW;
    const int p0 = blockIdx.x * kPix, co0 = blockIdx.y * kCo;
    const int t = threadIdx.x, tx = t % 16, ty = t / 16;
    if (t < kPix) {
        const int pix = p0 + t < P ? p0 + t : 0;
        const int ox = pix % dw.OW, oy = (pix / dw.OW) % dw.OH;
        pix_n[t] = p0 + t < P ? pix / (dw.OW * dw.OH) : -1;
        pix_iy[t] = oy * dw.sh - dw.pt;
        pix_ix[t] = ox * dw.sw - dw.pl;
    }
    __syncthreads();

    float acc[2][4];
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 4; ++j) acc[i][j] = 0.f;

    for (int c0 = 0; c0 < dw.C; c0 += kChunk) {
        for (int r = 0; r < kChunk * kPix / kThreads; ++r) {  // depthwise tile: channel fastest
            const int e = t + kThreads * r, kc = e % kChunk, pp = e / kChunk, c = c0 + kc;
            const int n = pix_n[pp];
            float v = 0.f;
            if (c < dw.C && n >= 0) {
                float s = 0.f;
                for (int ky = 0; ky < dw.KH; ++ky) {
                    const int iy = pix_iy[pp] + ky * dw.dh;
                    if (iy < 0 || iy >= dw.H) continue;
                    for (int kx = 0; kx < dw.KW; ++kx) {
                        const int ix = pix_ix[pp] + kx * dw.dw;
                        if (ix < 0 || ix >= dw.W) continue;
                        s += x[((n * dw.H + iy) * dw.W + ix) * dw.C + c] * dw_w[(ky * dw.KW + kx) * dw.C + c];
                    }
                }
                v = activate(s + (dw_bias ? dw_bias[c] : 0.f), dw.act, dw.alpha, dw_prelu ? dw_prelu[c] : 0.f);
            }
            D[kc][pp] = v;
        }
        for (int r = 0; r < kChunk * kCo / kThreads; ++r) {  // pointwise weights: output channel fastest
            const int e = t + kThreads * r, j = e % kCo, kc = e / kCo, c = c0 + kc, co = co0 + j;
            Wt[kc][j] = (c < dw.C && co < pw.Co) ? pw_w[c * pw.Co + co] : 0.f;
        }
        __syncthreads();
#pragma unroll 8
        for (int kc = 0; kc < kChunk; ++kc) {
            const float a0 = D[kc][ty], a1 = D[kc][ty + 16];
            for (int j = 0; j < 4; ++j) {
                const float b = Wt[kc][tx + 16 * j];
                acc[0][j] += a0 * b;
                acc[1][j] += a1 * b;
            }
        }
        __syncthreads();
    }

    for (int i = 0; i < 2; ++i) {
        const int pix = p0 + ty + 16 * i;
        if (pix >= P) continue;
        for (int j = 0; j < 4; ++j) {
            const int co = co0 + tx + 16 * j;
            if (co >= pw.Co) continue;
            const float v = acc[i][j] + (pw_bias ? pw_bias[co] : 0.f);
            y[pix * pw.Co + co] = activate(v, pw.act, pw.alpha, pw_prelu ? pw_prelu[co] : 0.f);
        }
    }
}

}  // namespace

void launch_depthwise(const ConvParams& p, int M, const float* x, const float* w, const float* bias,
                      const float* prelu, float* y, cudaStream_t stream) {
    const int64_t total = int64_t(p.N) * p.OH * p.OW * p.Co;
    if (total == 0) return;
    if (p.KH == 3 && p.KW == 3)
        depthwise_kernel<3><<<blocks_for(total), kBlock, 0, stream>>>(p, M, x, w, bias, prelu, y);
    else
        depthwise_kernel<0><<<blocks_for(total), kBlock, 0, stream>>>(p, M, x, w, bias, prelu, y);
    LFR_CUDA_CHECK_LAUNCH();
}

void launch_depthwise_pointwise(const ConvParams& dw, const float* x, const float* dw_w, const float* dw_bias,
                                const float* dw_prelu, const PointwiseParams& pw, const float* pw_w,
                                const float* pw_bias, const float* pw_prelu, float* y, cudaStream_t stream) {
    const int P = dw.N * dw.OH * dw.OW;
    if (P == 0 || pw.Co == 0) return;
    const dim3 grid((P + kPix - 1) / kPix, (pw.Co + kCo - 1) / kCo);
    depthwise_pointwise_kernel<<<grid, kThreads, 0, stream>>>(dw, x, dw_w, dw_bias, dw_prelu, pw, pw_w, pw_bias,
                                                              pw_prelu, y);
    LFR_CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace lfr
