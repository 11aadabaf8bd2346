// MultiScaleFusion as one implicit GEMM: rows = output pixels (n, oy, ox), columns = output
// channels, reduction = the concatenated channels. The reduction runs map by map and, inside a
// map, in chunks of 16 channels, so a chunk never straddles two maps and the map is uniform per
// chunk. Loading the left-hand tile computes the max over the map's (fh x fw) window for each of
// the tile's pixels and channels; the right-hand tile is the matching 16 rows of w.
//
// Tiling as conv.cu: 64 pixels x 64 output channels per block, 256 threads, a 4x4 micro-tile per
// thread (rows ty + 16 i, columns tx + 16 j). A pooled value is recomputed once per 64-column
// block of output channels (Co / 64 times); the alternative to measure on real GPUs is pooling
// into a [P, sum C_i] buffer first and one cuBLAS SGEMM. Windows are visited row by row from
// -inf, as the CPU reference does, so the pooled values are bit-identical to it.
#include "msff.cuh"

#include "common.cuh"

namespace lfr {
namespace cuda {
namespace {

constexpr int kBM = 64, kBN = 64, kBK = 16, kThreads = 256;

__global__ void __launch_bounds__(kThreads)
msff_kernel(MsffParams p, const float* __restrict__ w, const float* __restrict__ bias, float* __restrict__ y) {
    __shared__ float As[kBK][kBM + 4];  // pooled tile, channel-major
    __shared__ float Bs[kBK][kBN];      // weight tile

    const int P = p.N * p.Ho * p.Wo;
    const int m0 = blockIdx.x * kBM, n0 = blockIdx.y * kBN;
    const int t = threadIdx.x, tx = t % 16, ty = t / 16;

    // The four pixels whose pooled values this thread loads: rows t / 16 + 16 r, channel t % 16.
    const int a_k = t % kBK;
    int a_n[4], a_oy[4], a_ox[4];
    bool a_ok[4];
    for (int r = 0; r < 4; ++r) {
        const int m = m0 + t / kBK + 16 * r;
        a_ok[r] = m < P;
        const int mm = a_ok[r] ? m : 0;
        a_ox[r] = mm % p.Wo;
        a_oy[r] = (mm / p.Wo) % p.Ho;
        a_n[r] = mm / (p.Wo * p.Ho);
    }

    float acc[4][4];
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) acc[i][j] = 0.f;

    for (int i = 0; i < p.k; ++i) {
        const float* __restrict__ x = p.x[i];
        const int H = p.H[i], W = p.W[i], C = p.C[i], fh = p.fh[i], fw = p.fw[i];
        const float* base[4];  // top-left cell of each pixel's window
        for (int r = 0; r < 4; ++r)
            base[r] = x + ((int64_t(a_n[r]) * H + a_oy[r] * fh) * W + a_ox[r] * fw) * C;
        for (int c0 = 0; c0 < C; c0 += kBK) {
            {  // pooled tile
                const int c = c0 + a_k;
                for (int r = 0; r < 4; ++r) {
                    float v = 0.f;
                    if (c < C && a_ok[r]) {
                        const float* q = base[r] + c;
                        v = -INFINITY;
                        for (int yy = 0; yy < fh; ++yy)
                            for (int xx = 0; xx < fw; ++xx) v = std_max(v, q[(int64_t(yy) * W + xx) * C]);
                    }
                    As[a_k][t / kBK + 16 * r] = v;
                }
            }
            for (int r = 0; r < 4; ++r) {  // weight tile: column t % 64, rows t / 64 + 4 r
                const int kk = t / kBN + 4 * r, n = n0 + t % kBN, c = c0 + kk;
                Bs[kk][t % kBN] = (c < C && n < p.Co) ? w[int64_t(p.offset[i] + c) * p.Co + n] : 0.f;
            }
            __syncthreads();
#pragma unroll
            for (int kk = 0; kk < kBK; ++kk) {
                float a[4], b[4];
                for (int ii = 0; ii < 4; ++ii) a[ii] = As[kk][ty + 16 * ii];
                for (int j = 0; j < 4; ++j) b[j] = Bs[kk][tx + 16 * j];
                for (int ii = 0; ii < 4; ++ii)
                    for (int j = 0; j < 4; ++j) acc[ii][j] += a[ii] * b[j];
            }
            __syncthreads();
        }
    }

    for (int ii = 0; ii < 4; ++ii) {
        const int m = m0 + ty + 16 * ii;
        if (m >= P) continue;
        for (int j = 0; j < 4; ++j) {
            const int n = n0 + tx + 16 * j;
            if (n >= p.Co) continue;
            y[int64_t(m) * p.Co + n] = activate(acc[ii][j] + (bias ? bias[n] : 0.f), p.act, p.alpha, 0.f);
        }
    }
}

}  // namespace

void launch_msff(const MsffParams& p, const float* w, const float* bias, float* y, cudaStream_t stream) {
    const int P = p.N * p.Ho * p.Wo;
    if (P == 0 || p.Co == 0) return;
    const dim3 grid((P + kBM - 1) / kBM, (p.Co + kBN - 1) / kBN);
    msff_kernel<<<grid, kThreads, 0, stream>>>(p, w, bias, y);
    LFR_CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace lfr
