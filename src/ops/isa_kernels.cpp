// Every kernel isa_kernel<f>() and level_kernel<L, f>() hand out (lfr/ops/cpu_isa.h), compiled here
// once: the definitions of isa_detail::Level, then one line per f (per level, for a kernel written for
// one level's vector width). A new kernel is one more line below.
#include "lfr/ops/cpu_isa.h"
#include "lfr/ops/depthwise_rows.h"
#include "lfr/ops/elementwise.h"
#include "lfr/ops/pool.h"

namespace lfr {
namespace isa_detail {

template <class... A, void (*F)(A...)>
void Level<Isa::Portable, F>::run(A... a) {
    F(a...);
}
#ifdef LFR_HAVE_X86_KERNELS
template <class... A, void (*F)(A...)>
__attribute__((target("avx2,fma"), flatten)) void Level<Isa::Avx2, F>::run(A... a) {
    F(a...);
}
template <class... A, void (*F)(A...)>
__attribute__((target("avx512f,avx2,fma"), flatten)) void Level<Isa::Avx512, F>::run(A... a) {
    F(a...);
}
#define LFR_EVERY_LEVEL(...)                         \
    template struct Level<Isa::Portable, __VA_ARGS__>; \
    template struct Level<Isa::Avx2, __VA_ARGS__>;     \
    template struct Level<Isa::Avx512, __VA_ARGS__>;
#else
#define LFR_EVERY_LEVEL(...) template struct Level<Isa::Portable, __VA_ARGS__>;
#endif

LFR_EVERY_LEVEL(detail::binary_span)
LFR_EVERY_LEVEL(detail::unary_span)
LFR_EVERY_LEVEL(detail::pool_rows<true, 0>)
LFR_EVERY_LEVEL(detail::pool_rows<true, 2>)
LFR_EVERY_LEVEL(detail::pool_rows<true, 3>)
LFR_EVERY_LEVEL(detail::pool_rows<false, 0>)
LFR_EVERY_LEVEL(detail::pool_rows<false, 2>)
LFR_EVERY_LEVEL(detail::pool_rows<false, 3>)
template struct Level<Isa::Portable, depthwise_detail::rows<gemm_detail::v4f>>;
#ifdef LFR_HAVE_X86_KERNELS
template struct Level<Isa::Avx2, depthwise_detail::rows<gemm_detail::v8f>>;
template struct Level<Isa::Avx512, depthwise_detail::rows<gemm_detail::v16f>>;
#endif
#undef LFR_EVERY_LEVEL

}  // namespace isa_detail
}  // namespace lfr
