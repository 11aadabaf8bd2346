// The aarch64 GEMM register tile: 12 rows x 8 columns (gemm.h's "neon" level).
//
// aarch64 has 32 128-bit registers: 24 hold the 12x8 accumulators, 2 the B row and 3 the 12 A values,
// each A lane multiplied straight from its register (fmla by element, vfmaq_laneq_f32) instead of
// being broadcast into a register of its own first. 8 columns, as the portable 6x8 tile, so weights
// packed for one level serve the other. Plain C++14: the NEON intrinsics of arm_neon.h only.
#pragma once
#include "lfr/ops/cpu_isa.h"

#ifdef LFR_HAVE_NEON_KERNELS
#include <arm_neon.h>

#include <cstdint>

namespace lfr {
namespace gemm_detail {

struct NeonLaneTile {
    static constexpr bool kReadsRows = false;  // 4 A rows per vector load: A must be packed
    // acc += packed A strip (MR rows, 4 per register) * packed B strip (NV 4-float vectors) over kc.
    template <class V, int MR, int NV>
    static void run(int64_t kc, const float* a, const float* b, V (&acc)[MR][NV]) {
        static_assert(MR % 4 == 0 && sizeof(V) == sizeof(float32x4_t), "4 A rows per register, 4-float vectors");
        float32x4_t c[MR][NV] = {};  // no loop here or below: GCC keeps c in registers only if every index is a constant
        for (int64_t p = 0; p < kc; ++p, a += MR, b += 4 * NV) {
            float32x4_t bv[NV];
            for (int v = 0; v < NV; ++v) bv[v] = vld1q_f32(b + 4 * v);
#pragma GCC unroll 4
            for (int r = 0; r < MR; r += 4) {
                const float32x4_t av = vld1q_f32(a + r);
#pragma GCC unroll 4
                for (int v = 0; v < NV; ++v) {  // the lane is an immediate: one line per lane
                    c[r + 0][v] = vfmaq_laneq_f32(c[r + 0][v], bv[v], av, 0);
                    c[r + 1][v] = vfmaq_laneq_f32(c[r + 1][v], bv[v], av, 1);
                    c[r + 2][v] = vfmaq_laneq_f32(c[r + 2][v], bv[v], av, 2);
                    c[r + 3][v] = vfmaq_laneq_f32(c[r + 3][v], bv[v], av, 3);
                }
            }
        }
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[i][v] = V(c[i][v]);  // same bits, GCC's vector type
    }
};

}  // namespace gemm_detail
}  // namespace lfr
#endif
