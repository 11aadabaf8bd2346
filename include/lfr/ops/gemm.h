// Single-precision GEMM for the conv and matmul fast paths: C[M,N] = A[M,K] * B[K,N] (+ C if
// accumulate), then a fused epilogue (bias, residual, activation), row-major with leading
// dimensions. Single-threaded: callers split the work (ops/parallel.h).
//
// The blocked template (gemm_kernel.h) is instantiated once per ISA level (cpu_isa.h):
//   portable  4-float vectors (SSE2/NEON), 6x8 tile
//   avx2      8-float ymm, 6x16 tile: 12 of the 16 registers accumulate
//   avx512    16-float zmm, 6x64 or 12x32 tile (gemm_kernel): 24 of the 32 registers accumulate
//             (on Zen 5, 14x32 was no faster than 12x32 on face_recognition_model's convs); 12x16
//             for 16 columns or fewer
//   neon      aarch64, 12x8 tile with lane-indexed FMAs (gemm_neon.h): 24 of the 32 registers accumulate
// Each x86 path is a flatten'ed function under a target attribute, so the whole template is
// compiled for that ISA while the rest of the program stays generic. Every tile also drives the
// direct convolution for few input channels (conv_direct.h).
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "lfr/ops/conv_direct.h"
#include "lfr/ops/cpu_isa.h"
#include "lfr/ops/gemm_kernel.h"
#include "lfr/ops/gemm_neon.h"

namespace lfr {
namespace gemm_detail {

using GemmFn = void (*)(const GemmArgs&, float*);
using DirectConvFn = void (*)(const DirectConvArgs&);

// The tiles, compiled once in src/ops/gemm_tiles.cpp (not in every file that includes this one).
void gemm_portable(const GemmArgs& g, float* scratch);
void conv_portable(const DirectConvArgs& a);
#ifdef LFR_HAVE_X86_KERNELS
void gemm_avx2(const GemmArgs& g, float* scratch);
void conv_avx2(const DirectConvArgs& a);
void gemm_avx512_16(const GemmArgs& g, float* scratch);
void conv_avx512_16(const DirectConvArgs& a);
void gemm_avx512_32(const GemmArgs& g, float* scratch);
void conv_avx512_32(const DirectConvArgs& a);
void gemm_avx512_64(const GemmArgs& g, float* scratch);
void conv_avx512_64(const DirectConvArgs& a);
#endif
#ifdef LFR_HAVE_NEON_KERNELS
void gemm_neon(const GemmArgs& g, float* scratch);
void conv_neon(const DirectConvArgs& a);
#endif

}  // namespace gemm_detail

// One register tile: its GEMM driver, its direct-conv driver (conv_direct.h) and its strip width
// (the granularity of packed B and column splits).
struct GemmKernel {
    gemm_detail::GemmFn fn;
    int64_t nr;
    gemm_detail::DirectConvFn direct;
};

// This level's kernel with strip width nr (its first kernel when none has it).
inline GemmKernel gemm_kernel_nr(Isa isa, int64_t nr) {
    using namespace gemm_detail;
#ifdef LFR_HAVE_X86_KERNELS
    if (isa == Isa::Avx512) {
        if (nr == 64) return {gemm_avx512_64, 64, conv_avx512_64};
        if (nr == 16) return {gemm_avx512_16, 16, conv_avx512_16};
        return {gemm_avx512_32, 32, conv_avx512_32};
    }
    if (isa == Isa::Avx2) return {gemm_avx2, 16, conv_avx2};
#endif
#ifdef LFR_HAVE_NEON_KERNELS
    if (isa == Isa::Neon) return {gemm_neon, 8, conv_neon};
#endif
    (void)isa, (void)nr;
    return {gemm_portable, 8, conv_portable};
}

// The kernel for an N-column product at this level. AVX-512 has three tiles: 6x64 is faster (fewer
// A broadcasts per FMA) where N fills 64-wide strips, 12x32 wastes less where it does not, and
// 12x16 serves products of 16 columns or fewer (a first conv's).
inline GemmKernel gemm_kernel(Isa isa, int64_t N) {
    return gemm_kernel_nr(isa, N <= 16 ? 16 : N % 64 == 0 || N % 64 > 32 ? 64 : 32);
}

// Floats of scratch sgemm needs for an N-column, K-deep product (packed A block + packed B block).
inline int64_t sgemm_scratch_floats(int64_t N, int64_t K) {
    using namespace gemm_detail;
    const int64_t kc = std::min(kKC, K);
    return kMC * kKC + kc * round_up(std::min(kNC, N), kMaxNR);
}

// Floats pack_gemm_b writes for a K x N matrix packed for `kernel`.
inline int64_t packed_b_floats(const GemmKernel& kernel, int64_t K, int64_t N) {
    return K * gemm_detail::round_up(N, kernel.nr);  // block pc (kc rows) starts at pc * n_pad
}

// B [K,N] (row stride ldb) packed for `kernel` into out (packed_b_floats): reused by every product
// with this B, and by every thread.
inline PackedB pack_gemm_b(const GemmKernel& kernel, int64_t K, int64_t N, const float* B, int64_t ldb, float* out) {
    using namespace gemm_detail;
    switch (kernel.nr) {
        case 64: pack_b_full<64>(K, N, B, ldb, out); break;
        case 32: pack_b_full<32>(K, N, B, ldb, out); break;
        case 16: pack_b_full<16>(K, N, B, ldb, out); break;
        default: pack_b_full<8>(K, N, B, ldb, out); break;
    }
    return {out, round_up(N, kernel.nr), 0, kernel.nr};
}

// The product of g at this ISA level. scratch: sgemm_scratch_floats(N, K) floats (from the
// caller's Workspace). g.packed, when set, must have been packed at the same level; its strip
// width then picks the kernel (a column slice of a wider product keeps the full product's kernel).
inline void sgemm(const GemmArgs& g, float* scratch, Isa isa = default_isa()) {
    if (g.K > 0) {
        return (g.packed.data ? gemm_kernel_nr(isa, g.packed.nr) : gemm_kernel(isa, g.N)).fn(g, scratch);
    }
    for (int64_t i = 0; i < g.M; ++i)  // empty sum: C stays (accumulate) or is zero, then the epilogue
        for (int64_t j = 0; j < g.N; ++j) {
            float& c = g.C[i * g.ldc + j];
            float v = g.accumulate ? c : 0.f;
            if (g.ep.bias) v += g.ep.bias[j];
            if (g.ep.residual) v += g.ep.residual[i * g.ep.ldr + j];
            c = activate(v, g.ep.act, g.ep.alpha, g.ep.prelu ? g.ep.prelu[j] : 0.f);
        }
}

// C = A*B (+ C), no epilogue.
inline void sgemm(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                  int64_t ldc, bool accumulate, float* scratch, Isa isa = default_isa()) {
    sgemm(GemmArgs{M, N, K, A, lda, B, ldb, C, ldc, accumulate, {}, {}}, scratch, isa);
}

}  // namespace lfr
