// Single-precision GEMM for the conv and matmul fast paths: C[M,N] = A[M,K] * B[K,N] (+ C if
// accumulate), row-major with leading dimensions lda/ldb/ldc. Single-threaded.
//
// Structure, as in BLIS/OpenBLAS: B is cut into KC x NC blocks packed as NR-wide column strips, A
// into MC x KC blocks packed as MR-tall row strips, so the micro-kernel reads both panels
// contiguously and keeps an MR x NR tile of C in registers for the whole KC loop. A B strip
// (KC x NR) stays in L1 while the A block (MC x KC) streams from L2. Strips are zero-padded to full
// width, so the micro-kernel never branches on edges; only its final store is clipped.
//
// The micro-kernel is plain loops with compile-time bounds, which GCC and Clang fully unroll and
// vectorise (SSE2/NEON at 4 floats). On x86 the same template is also compiled for AVX2+FMA
// (target attribute, chosen at run time) with a wider 6x16 tile: 12 ymm accumulators.
#pragma once
#include <algorithm>
#include <cstdint>

namespace lfr {
namespace gemm_detail {

constexpr int64_t kKC = 256;   // depth of a packed block: a 16-wide B strip is 16 KiB (L1)
constexpr int64_t kMC = 120;   // rows of a packed A block (a multiple of every MR): 120 KiB (L2)
constexpr int64_t kNC = 2048;  // columns of a packed B block: 2 MiB at most (L2/L3)
constexpr int64_t kMaxNR = 16;

inline int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// Packs rows [0,mc) x depth [0,kc) of A into MR-row strips: strip s holds, for each p, A[s*MR+i][p].
template <int MR>
inline void pack_a(int64_t mc, int64_t kc, const float* a, int64_t lda, float* out) {
    for (int64_t r0 = 0; r0 < mc; r0 += MR) {
        const int64_t rows = std::min<int64_t>(MR, mc - r0);
        for (int64_t p = 0; p < kc; ++p, out += MR) {
            for (int64_t i = 0; i < rows; ++i) out[i] = a[(r0 + i) * lda + p];
            for (int64_t i = rows; i < MR; ++i) out[i] = 0.f;
        }
    }
}

// Packs depth [0,kc) x columns [0,nc) of B into NR-column strips: strip s holds, for each p,
// B[p][s*NR + j].
template <int NR>
inline void pack_b(int64_t kc, int64_t nc, const float* b, int64_t ldb, float* out) {
    for (int64_t c0 = 0; c0 < nc; c0 += NR) {
        const int64_t cols = std::min<int64_t>(NR, nc - c0);
        for (int64_t p = 0; p < kc; ++p, out += NR) {
            const float* src = b + p * ldb + c0;
            for (int64_t j = 0; j < cols; ++j) out[j] = src[j];
            for (int64_t j = cols; j < NR; ++j) out[j] = 0.f;
        }
    }
}

// GCC/Clang vector types: SSE2/NEON registers in the portable build, lowered to scalars elsewhere.
typedef float v4f __attribute__((vector_size(16)));
typedef float v8f __attribute__((vector_size(32)));

// C[0:mr, 0:nr] (+)= packed A strip * packed B strip over kc. The tile is MR rows of NV vectors;
// written with explicit vector types because GCC's auto-vectoriser does not keep a 2-D
// accumulator array in registers.
template <class V, int MR, int NV>
inline void micro_kernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int64_t mr,
                         int64_t nr, bool accumulate) {
    constexpr int L = sizeof(V) / sizeof(float);
    V acc[MR][NV] = {};
    for (int64_t p = 0; p < kc; ++p, a += MR, b += NV * L) {
        V bv[NV];
        for (int v = 0; v < NV; ++v) __builtin_memcpy(&bv[v], b + v * L, sizeof(V));  // unaligned load
#pragma GCC unroll 8
        for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[i][v] += a[i] * bv[v];
    }
    if (mr == MR && nr == NV * L) {
        for (int i = 0; i < MR; ++i) {
            for (int v = 0; v < NV; ++v) {
                V cv = acc[i][v];
                float* ci = c + i * ldc + v * L;
                if (accumulate) {
                    V old;
                    __builtin_memcpy(&old, ci, sizeof(V));
                    cv += old;
                }
                __builtin_memcpy(ci, &cv, sizeof(V));
            }
        }
        return;
    }
    float tile[MR][NV * L];
    __builtin_memcpy(tile, acc, sizeof(tile));
    for (int64_t i = 0; i < mr; ++i)
        for (int64_t j = 0; j < nr; ++j) c[i * ldc + j] = accumulate ? c[i * ldc + j] + tile[i][j] : tile[i][j];
}

// scratch: at least scratch_floats(N, K) floats.
template <class V, int MR, int NV>
inline void gemm_blocked(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                         int64_t ldb, float* C, int64_t ldc, bool accumulate, float* scratch) {
    constexpr int NR = NV * int(sizeof(V) / sizeof(float));
    static_assert(kMC % MR == 0 && NR <= kMaxNR, "block sizes must fit the micro-kernel");
    float* pa = scratch;
    float* pb = scratch + kMC * kKC;
    for (int64_t jc = 0; jc < N; jc += kNC) {
        const int64_t nc = std::min(kNC, N - jc);
        for (int64_t pc = 0; pc < K; pc += kKC) {
            const int64_t kc = std::min(kKC, K - pc);
            const bool acc = accumulate || pc > 0;  // later K blocks add to the earlier ones
            pack_b<NR>(kc, nc, B + pc * ldb + jc, ldb, pb);
            for (int64_t ic = 0; ic < M; ic += kMC) {
                const int64_t mc = std::min(kMC, M - ic);
                pack_a<MR>(mc, kc, A + ic * lda + pc, lda, pa);
                for (int64_t jr = 0; jr < nc; jr += NR)
                    for (int64_t ir = 0; ir < mc; ir += MR)
                        micro_kernel<V, MR, NV>(kc, pa + ir * kc, pb + jr * kc, C + (ic + ir) * ldc + jc + jr, ldc,
                                             std::min<int64_t>(MR, mc - ir), std::min<int64_t>(NR, nc - jr), acc);
            }
        }
    }
}

using GemmFn = void (*)(int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t,
                        bool, float*);

inline void gemm_portable(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                          int64_t ldb, float* C, int64_t ldc, bool accumulate, float* scratch) {
    gemm_blocked<v4f, 6, 2>(M, N, K, A, lda, B, ldb, C, ldc, accumulate, scratch);
}

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define LFR_GEMM_HAVE_AVX2 1
// flatten: inline the whole template here so all of it is compiled for AVX2+FMA.
__attribute__((target("avx2,fma"), flatten)) inline void gemm_avx2(int64_t M, int64_t N, int64_t K, const float* A,
                                                                   int64_t lda, const float* B, int64_t ldb, float* C,
                                                                   int64_t ldc, bool accumulate, float* scratch) {
    gemm_blocked<v8f, 6, 2>(M, N, K, A, lda, B, ldb, C, ldc, accumulate, scratch);
}
inline bool cpu_has_avx2() {
    static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return ok;
}
#endif

inline GemmFn best_gemm() {
#ifdef LFR_GEMM_HAVE_AVX2
    if (cpu_has_avx2()) return gemm_avx2;
#endif
    return gemm_portable;
}

}  // namespace gemm_detail

// Floats of scratch sgemm needs for an N-column, K-deep product (packed A block + packed B block).
inline int64_t sgemm_scratch_floats(int64_t N, int64_t K) {
    using namespace gemm_detail;
    const int64_t kc = std::min(kKC, K);
    return kMC * kKC + kc * round_up(std::min(kNC, N), kMaxNR);
}

// C = A*B (+ C). scratch: sgemm_scratch_floats(N, K) floats (from the caller's Workspace).
inline void sgemm(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                  int64_t ldc, bool accumulate, float* scratch) {
    if (K == 0) {  // empty sum: the blocked loops would leave C untouched
        if (!accumulate)
            for (int64_t i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, 0.f);
        return;
    }
    gemm_detail::best_gemm()(M, N, K, A, lda, B, ldb, C, ldc, accumulate, scratch);
}

}  // namespace lfr
