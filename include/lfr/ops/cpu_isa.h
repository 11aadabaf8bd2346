// The instruction-set levels the CPU fast paths are compiled for, and the one this CPU runs.
//
// Each kernel is compiled once per level (GCC/Clang target attributes, no global -m flags), and
// the level is chosen at run time. LFR_ISA=portable|avx2|avx512 in the environment caps the level
// (to time or test the lower paths on a newer CPU); a Workspace can also be set to any level the
// CPU supports, which is how the tests cover every path in one process.
#pragma once
#include <cstdlib>
#include <cstring>

namespace lfr {

enum class Isa { Portable = 0, Avx2 = 1, Avx512 = 2 };

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define LFR_HAVE_X86_KERNELS 1
#endif

inline const char* isa_name(Isa isa) {
    switch (isa) {
        case Isa::Avx2: return "avx2";
        case Isa::Avx512: return "avx512";
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
#else
    return Isa::Portable;
#endif
}

// cpu_isa(), capped by LFR_ISA when set (read once).
inline Isa default_isa() {
    static const Isa isa = [] {
        const char* env = std::getenv("LFR_ISA");
        Isa cap = Isa::Avx512;
        if (env && std::strcmp(env, "portable") == 0) cap = Isa::Portable;
        if (env && std::strcmp(env, "avx2") == 0) cap = Isa::Avx2;
        return int(cap) < int(cpu_isa()) ? cap : cpu_isa();
    }();
    return isa;
}

}  // namespace lfr
