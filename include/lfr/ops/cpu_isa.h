// The instruction-set levels the CPU fast paths are compiled for, and the one this CPU runs.
//
// Each kernel is compiled once per level (GCC/Clang target attributes, no global -m flags), and
// the level is chosen at run time. LFR_ISA=portable|avx2|avx512 in the environment caps the level
// (to time or test the lower paths on a newer CPU); a Workspace can also be set to any level the
// CPU supports (cpu_isas()), which is how the tests cover every path in one process.
// On aarch64 the levels are portable and NEON (every aarch64 CPU has it, so no run-time check).
#pragma once
#include <cstdlib>
#include <cstring>
#include <vector>

namespace lfr {

enum class Isa { Portable = 0, Avx2 = 1, Avx512 = 2, Neon = 3 };

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define LFR_HAVE_X86_KERNELS 1
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__)
#define LFR_HAVE_NEON_KERNELS 1
#endif

inline const char* isa_name(Isa isa) {
    switch (isa) {
        case Isa::Avx2: return "avx2";
        case Isa::Avx512: return "avx512";
        case Isa::Neon: return "neon";
        default: return "portable";
    }
}

// The best level this CPU supports, ignoring LFR_ISA.
inline Isa cpu_isa() {
#ifdef LFR_HAVE_X86_KERNELS
    static const Isa isa = __builtin_cpu_supports("avx512f")                                               ? Isa::Avx512
                           : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? Isa::Avx2
                                                                                              : Isa::Portable;
    return isa;
#elif defined(LFR_HAVE_NEON_KERNELS)
    return Isa::Neon;
#else
    return Isa::Portable;
#endif
}

// Every level this CPU runs, portable first and cpu_isa() last.
inline std::vector<Isa> cpu_isas() {
    std::vector<Isa> isas{Isa::Portable};
#ifdef LFR_HAVE_X86_KERNELS
    for (Isa isa : {Isa::Avx2, Isa::Avx512})
        if (int(isa) <= int(cpu_isa())) isas.push_back(isa);
#endif
    if (cpu_isa() == Isa::Neon) isas.push_back(Isa::Neon);
    return isas;
}

// cpu_isa(), capped by LFR_ISA when set (read once).
inline Isa default_isa() {
    static const Isa isa = [] {
        const char* env = std::getenv("LFR_ISA");
        if (env && std::strcmp(env, "portable") == 0) return Isa::Portable;
        if (env && std::strcmp(env, "avx2") == 0 && cpu_isa() == Isa::Avx512) return Isa::Avx2;
        return cpu_isa();  // no cap, or one at or above this CPU's level
    }();
    return isa;
}

// isa_kernel<f>(isa): f compiled for that level; level_kernel<L, f>(): f for level L only (a kernel
// written for one level's vector width). The x86 copies are flatten'ed functions under the level's
// target attribute, so the loops f inlines vectorise at its width while the rest of the program stays
// generic. They are only declared here: src/ops/isa_kernels.cpp defines them and lists every f, so each
// kernel is compiled once for the whole program rather than once per source file that includes its op
// (a forgotten f is a link error, not a slow build).
namespace isa_detail {
template <Isa L, auto F>
struct Level;
template <class... A, void (*F)(A...)>
struct Level<Isa::Portable, F> {
    static void run(A... a);
};
#ifdef LFR_HAVE_X86_KERNELS
template <class... A, void (*F)(A...)>
struct Level<Isa::Avx2, F> {
    __attribute__((target("avx2,fma"), flatten)) static void run(A... a);
};
template <class... A, void (*F)(A...)>
struct Level<Isa::Avx512, F> {
    __attribute__((target("avx512f,avx2,fma"), flatten)) static void run(A... a);
};
#endif
}  // namespace isa_detail

template <Isa L, auto F>
auto level_kernel() {
    return &isa_detail::Level<L, F>::run;
}

template <auto F>
auto isa_kernel(Isa isa) {
#ifdef LFR_HAVE_X86_KERNELS
    if (isa == Isa::Avx512) return level_kernel<Isa::Avx512, F>();
    if (isa == Isa::Avx2) return level_kernel<Isa::Avx2, F>();
#endif
    (void)isa;
    return level_kernel<Isa::Portable, F>();
}

}  // namespace lfr
