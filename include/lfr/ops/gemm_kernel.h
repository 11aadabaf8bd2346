// The blocked GEMM template under every ISA path of gemm.h: packing, the register-tile micro-kernel
// with its fused epilogue, and the block loops. One template, instantiated per ISA with a vector
// type and a tile size (gemm.h), so the paths cannot drift apart.
//
// Structure, as in BLIS/OpenBLAS: B is cut into KC-deep blocks packed as NR-wide column strips, A
// into MC x KC blocks packed as MR-tall row strips, so the micro-kernel reads both panels
// contiguously and keeps an MR x NR tile of C in registers for the whole KC loop. A B strip
// (KC x NR) stays in L1 while the A block (MC x KC) streams from L2. Strips are zero-padded to full
// width, so the micro-kernel never branches on edges; only its final store is clipped.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "lfr/ops/activation.h"
#include "lfr/ops/cpu_isa.h"

#ifdef LFR_HAVE_X86_KERNELS
#include <immintrin.h>
#endif

namespace lfr {

// What the GEMM applies to each finished element of C before it stores it: + bias[col] +
// residual[row, col], then the activation (Prelu: slope prelu[col]). All optional.
struct GemmEpilogue {
    const float* bias = nullptr;
    const float* residual = nullptr;  // ldr floats between rows (usually the output's own layout)
    int64_t ldr = 0;
    Activation act = Activation::None;
    float alpha = 0.f;
    const float* prelu = nullptr;
};

// B packed once for one micro-kernel (see pack_b_full): `data` holds k_block(K)-deep blocks, each n_pad columns
// wide; col0 (a multiple of the ISA's NR) is where this product's column 0 sits.
struct PackedB {
    const float* data = nullptr;
    int64_t n_pad = 0;
    int64_t col0 = 0;
    int64_t nr = 0;  // strip width, which names the micro-kernel it was packed for
};

struct GemmArgs {
    int64_t M, N, K;
    const float* A;
    int64_t lda;
    const float* B;  // unused when packed.data is set
    int64_t ldb;
    float* C;
    int64_t ldc;
    bool accumulate;  // C += A*B rather than C = A*B (before the epilogue)
    GemmEpilogue ep;
    PackedB packed;
};

namespace gemm_detail {

constexpr int64_t kKC = 256;   // depth of a packed block: a 32-wide B strip is 32 KiB (L1 is 48)
constexpr int64_t kMC = 128;   // rows of a packed A block, rounded down to a multiple of MR: 128 KiB (L2)
constexpr int64_t kNC = 2048;  // columns of a B block packed per call: 2 MiB at most (L2/L3)
constexpr int64_t kMaxNR = 64;

inline int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// The depth of K's blocks: at most kKC, and equal, so that no thin last block costs a whole extra
// pass over C (K = 288 as 144 + 144, not 256 + 32).
inline int64_t k_block(int64_t K) {
    const int64_t blocks = std::max<int64_t>(1, (K + kKC - 1) / kKC);
    return (K + blocks - 1) / blocks;
}

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

// The whole K x N matrix B as k_block(K)-deep blocks of strips (PackedB): block pc starts at pc * n_pad.
template <int NR>
inline void pack_b_full(int64_t K, int64_t N, const float* b, int64_t ldb, float* out) {
    const int64_t n_pad = round_up(N, NR), kb = k_block(K);
    for (int64_t pc = 0; pc < K; pc += kb) pack_b<NR>(std::min(kb, K - pc), N, b + pc * ldb, ldb, out + pc * n_pad);
}

// GCC/Clang vector types: SSE2/NEON registers in the portable build, lowered to scalars elsewhere.
typedef float v4f __attribute__((vector_size(16)));
typedef float v8f __attribute__((vector_size(32)));
typedef float v16f __attribute__((vector_size(64)));

template <class V>
inline void load(V& v, const float* p) { __builtin_memcpy(&v, p, sizeof(V)); }  // unaligned
template <class V>
inline void store(float* p, const V& v) { __builtin_memcpy(p, &v, sizeof(V)); }

// The activation A on a vector, lane for lane the arithmetic of activate() (so any tile split gives
// the same bits); slope: the Prelu slopes of these columns.
template <Activation A, class V>
inline void activate_vec(V& v, float alpha, const V& slope) {
    const V zero = {};
    if constexpr (A == Activation::Relu || A == Activation::Relu6) v = v > zero ? v : zero;
    if constexpr (A == Activation::Relu6) v = v < zero + 6.f ? v : zero + 6.f;
    if constexpr (A == Activation::Leaky) v = v > zero ? v : v * alpha;
    if constexpr (A == Activation::Prelu) v = v > zero ? v : v * slope;
    if constexpr (A == Activation::Sigmoid)
        for (int l = 0; l < int(sizeof(V) / sizeof(float)); ++l) v[l] = activate(v[l], A, alpha);
}

// The first w lanes of p (the rest zero); w < L only at the right edge of C.
template <class V>
inline void load_lanes(V& v, const float* p, int64_t w) {
    if (w == int64_t(sizeof(V) / sizeof(float))) return load(v, p);
    v = V{};
    for (int64_t l = 0; l < w; ++l) v[l] = p[l];
}
template <class V>
inline void store_lanes(float* p, const V& v, int64_t w) {
    if (w == int64_t(sizeof(V) / sizeof(float))) return store(p, v);
    for (int64_t l = 0; l < w; ++l) p[l] = v[l];
}

#ifdef LFR_HAVE_X86_KERNELS
// Masked loads and stores for the x86 vectors: a lane-by-lane edge cost as much as the FMAs of a
// 24-column 1x1 conv. (Only called from code compiled for these targets: gemm.h's x86 paths.)
inline __attribute__((target("avx2"))) __m256i first_lanes8(int64_t w) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(w)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
template <>
inline __attribute__((target("avx2"))) void load_lanes<v8f>(v8f& v, const float* p, int64_t w) {
    v = (v8f)_mm256_maskload_ps(p, first_lanes8(w));
}
template <>
inline __attribute__((target("avx2"))) void store_lanes<v8f>(float* p, const v8f& v, int64_t w) {
    _mm256_maskstore_ps(p, first_lanes8(w), (__m256)v);
}
template <>
inline __attribute__((target("avx512f"))) void load_lanes<v16f>(v16f& v, const float* p, int64_t w) {
    v = (v16f)_mm512_maskz_loadu_ps(__mmask16((1u << w) - 1), p);
}
template <>
inline __attribute__((target("avx512f"))) void store_lanes<v16f>(float* p, const v16f& v, int64_t w) {
    _mm512_mask_storeu_ps(p, __mmask16((1u << w) - 1), (__m512)v);
}
#endif

// Zeroes a register tile element by element: `V acc[MR][NV] = {}` had GCC zero the array in memory
// with `rep stos` (the tile lives there for store_tile), whose start-up cost was 9% of blazeface's
// 24-channel 1x1 convs.
template <class V, int MR, int NV>
inline void zero_tile(V (&acc)[MR][NV]) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = V{};
}

// Stores rows [0, mr) and columns [0, nr) of an MR x NV-vector register tile to c (row stride ldc):
// + c (accumulate), then with ep: + bias + residual, activation A. Edge vectors get the same
// arithmetic as inner ones, so the bits do not depend on where a tile boundary falls.
template <Activation A, class V, int MR, int NV>
inline void store_tile(V (&acc)[MR][NV], float* c, int64_t ldc, int64_t mr, int64_t nr, bool accumulate,
                       const GemmEpilogue* ep) {
    constexpr int L = sizeof(V) / sizeof(float);
    V bias[NV] = {}, slope[NV] = {};  // per column: loaded once for all rows
    int64_t w[NV];
    for (int v = 0; v < NV; ++v) {
        w[v] = std::max<int64_t>(0, std::min<int64_t>(L, nr - v * L));
        if (ep && ep->bias) load_lanes(bias[v], ep->bias + v * L, w[v]);
        if (ep && ep->prelu) load_lanes(slope[v], ep->prelu + v * L, w[v]);
    }
    for (int i = 0; i < MR && i < mr; ++i)
        for (int v = 0; v < NV && w[v] > 0; ++v) {
            V x = acc[i][v], t;
            float* ci = c + i * ldc + v * L;
            if (accumulate) load_lanes(t, ci, w[v]), x += t;
            if (ep) {
                if (ep->bias) x += bias[v];
                if (ep->residual) load_lanes(t, ep->residual + i * ep->ldr + v * L, w[v]), x += t;
                activate_vec<A>(x, ep->alpha, slope[v]);
            }
            store_lanes(ci, x, w[v]);
        }
}

template <class V, int MR, int NV>
inline void store_tile(V (&acc)[MR][NV], float* c, int64_t ldc, int64_t mr, int64_t nr, bool accumulate,
                       const GemmEpilogue* ep) {
    switch (ep ? ep->act : Activation::None) {  // once per tile, not per vector
        case Activation::None: return store_tile<Activation::None>(acc, c, ldc, mr, nr, accumulate, ep);
        case Activation::Relu: return store_tile<Activation::Relu>(acc, c, ldc, mr, nr, accumulate, ep);
        case Activation::Relu6: return store_tile<Activation::Relu6>(acc, c, ldc, mr, nr, accumulate, ep);
        case Activation::Leaky: return store_tile<Activation::Leaky>(acc, c, ldc, mr, nr, accumulate, ep);
        case Activation::Prelu: return store_tile<Activation::Prelu>(acc, c, ldc, mr, nr, accumulate, ep);
        case Activation::Sigmoid: return store_tile<Activation::Sigmoid>(acc, c, ldc, mr, nr, accumulate, ep);
    }
}

// The register tile's K loop, acc += A strip * packed B strip over kc: MR rows of NV vectors, each
// A value broadcast, so A can be read where it lies as well as packed. Written with explicit vector
// types because GCC's auto-vectoriser does not keep a 2-D accumulator array in registers. An ISA may
// bring its own (gemm_neon.h); kReadsRows says whether it can read A's rows in place.
struct BroadcastTile {
    static constexpr bool kReadsRows = true;
    // A(i, p) = a[i * rs + p * cs]: a packed strip (rs 1, cs MR) or rows of A in place (rs lda, cs 1).
    template <class V, int MR, int NV>
    static void run(int64_t kc, const float* a, const float* b, V (&acc)[MR][NV], int64_t rs = 1, int64_t cs = MR) {
        constexpr int L = sizeof(V) / sizeof(float), NR = NV * L;
        for (int64_t p = 0; p < kc; ++p, a += cs, b += NR) {
            V bv[NV];
            for (int v = 0; v < NV; ++v) load(bv[v], b + v * L);
#pragma GCC unroll 16
            for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
                for (int v = 0; v < NV; ++v) acc[i][v] += a[i * rs] * bv[v];
        }
    }
};

// C[0:mr, 0:nr] (+)= A strip * packed B strip over kc (Tile's K loop), then the epilogue when ep is
// set (the last K block; its pointers already offset to this tile). lda 0: a is a packed strip;
// otherwise MR whole rows of A, lda apart.
template <class V, int MR, int NV, class Tile>
inline void micro_kernel(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, int64_t mr,
                         int64_t nr, bool accumulate, const GemmEpilogue* ep) {
    constexpr int NR = NV * int(sizeof(V) / sizeof(float));
    V acc[MR][NV];
    zero_tile(acc);
    if constexpr (Tile::kReadsRows) {
        if (lda) Tile::template run<V, MR, NV>(kc, a, b, acc, lda, 1);
        else Tile::template run<V, MR, NV>(kc, a, b, acc);
    } else {
        Tile::template run<V, MR, NV>(kc, a, b, acc);
    }
    if (mr == MR && nr == NR) return store_tile<V, MR, NV>(acc, c, ldc, MR, NR, accumulate, ep);  // unrolled: no edges
    store_tile<V, MR, NV>(acc, c, ldc, mr, nr, accumulate, ep);
}

// The epilogue for the tile at (row, col) of C.
inline GemmEpilogue tile_epilogue(const GemmEpilogue& e, int64_t row, int64_t col) {
    GemmEpilogue t = e;
    if (t.bias) t.bias += col;
    if (t.prelu) t.prelu += col;
    if (t.residual) t.residual += row * t.ldr + col;
    return t;
}

template <int MR>
constexpr int64_t mc_block() { return kMC / MR * MR; }

// scratch: at least scratch_floats(N, K) floats (gemm.h); the B part is unused when B is packed.
template <class V, int MR, int NV, class Tile = BroadcastTile>
inline void gemm_blocked(const GemmArgs& g, float* scratch) {
    constexpr int NR = NV * int(sizeof(V) / sizeof(float));
    constexpr int64_t MC = mc_block<MR>();
    static_assert(NR <= kMaxNR && MC >= MR, "block sizes must fit the micro-kernel");
    float* pa = scratch;
    float* pb = scratch + kMC * kKC;
    for (int64_t jc = 0; jc < g.N; jc += kNC) {
        const int64_t nc = std::min(kNC, g.N - jc);
        for (int64_t pc = 0, kb = k_block(g.K); pc < g.K; pc += kb) {
            const int64_t kc = std::min(kb, g.K - pc);
            const bool acc = g.accumulate || pc > 0;  // later K blocks add to the earlier ones
            const bool last = pc + kc == g.K;
            const float* b = pb;
            if (g.packed.data) b = g.packed.data + pc * g.packed.n_pad + (g.packed.col0 + jc) * kc;
            else pack_b<NR>(kc, nc, g.B + pc * g.ldb + jc, g.ldb, pb);
            for (int64_t ic = 0; ic < g.M; ic += MC) {
                const int64_t mc = std::min(MC, g.M - ic);
                // A tile that reads A's rows in place needs no packing (each A value is a broadcast
                // either way); only a last strip shorter than MR is packed, zero-padded.
                const int64_t in_place = Tile::kReadsRows ? mc / MR * MR : 0;
                pack_a<MR>(mc - in_place, kc, g.A + (ic + in_place) * g.lda + pc, g.lda, pa + in_place * kc);
                for (int64_t jr = 0; jr < nc; jr += NR)
                    for (int64_t ir = 0; ir < mc; ir += MR) {
                        const GemmEpilogue ep = tile_epilogue(g.ep, ic + ir, jc + jr);
                        const bool rows = ir < in_place;
                        micro_kernel<V, MR, NV, Tile>(kc, rows ? g.A + (ic + ir) * g.lda + pc : pa + ir * kc,
                                                      rows ? g.lda : 0, b + jr * kc, g.C + (ic + ir) * g.ldc + jc + jr,
                                                      g.ldc, std::min<int64_t>(MR, mc - ir), std::min<int64_t>(NR, nc - jr),
                                                      acc, last ? &ep : nullptr);
                    }
            }
        }
    }
}

}  // namespace gemm_detail
}  // namespace lfr
