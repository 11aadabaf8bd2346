// The GEMM register tiles of lfr/ops/gemm.h, each with its direct-convolution driver (conv_direct.h),
// compiled here once. The x86 ones are flatten'ed under their level's target attribute, so the whole
// blocked template is compiled for that ISA while the rest of the program stays generic.
#include "lfr/ops/gemm.h"

namespace lfr {
namespace gemm_detail {

void gemm_portable(const GemmArgs& g, float* scratch) { gemm_blocked<v4f, 6, 2>(g, scratch); }
void conv_portable(const DirectConvArgs& a) { conv_direct<v4f, 6, 2>(a); }

#ifdef LFR_HAVE_X86_KERNELS
#define LFR_X86_TILE(name, flags, V, MR, NV)                                                                    \
    __attribute__((target(flags), flatten)) void gemm_##name(const GemmArgs& g, float* scratch) {               \
        gemm_blocked<V, MR, NV>(g, scratch);                                                                      \
    }                                                                                                             \
    __attribute__((target(flags), flatten)) void conv_##name(const DirectConvArgs& a) { conv_direct<V, MR, NV>(a); }
LFR_X86_TILE(avx2, "avx2,fma", v8f, 6, 2)
LFR_X86_TILE(avx512_16, "avx512f,avx2,fma", v16f, 12, 1)
LFR_X86_TILE(avx512_32, "avx512f,avx2,fma", v16f, 12, 2)
LFR_X86_TILE(avx512_64, "avx512f,avx2,fma", v16f, 6, 4)
#undef LFR_X86_TILE
#endif

#ifdef LFR_HAVE_NEON_KERNELS
void gemm_neon(const GemmArgs& g, float* scratch) { gemm_blocked<v4f, 12, 2, NeonLaneTile>(g, scratch); }
void conv_neon(const DirectConvArgs& a) { conv_direct<v4f, 12, 2>(a); }
#endif

}  // namespace gemm_detail
}  // namespace lfr
