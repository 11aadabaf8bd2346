// Shared by every kernel file: the host/device macro, launch geometry and the fused activation.
// Plain C++14 (Jetson toolkits are older); no lfr headers beyond error checks, which are C++14 too.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "lfr/cuda/check.h"

#if defined(__CUDACC__)
#define LFR_HOST_DEVICE __host__ __device__ inline
#else
#define LFR_HOST_DEVICE inline
#endif

namespace lfr {
namespace cuda {

// Mirrors lfr::Activation (graph.h); kernels/dispatch.cpp static_asserts the values match.
enum ActKind : int { kActNone = 0, kActRelu = 1, kActRelu6 = 2, kActLeaky = 3, kActPrelu = 4, kActSigmoid = 5 };

// std::max / std::min exactly (NaN handling included), unlike fmaxf / fminf.
LFR_HOST_DEVICE float std_max(float a, float b) { return a < b ? b : a; }
LFR_HOST_DEVICE float std_min(float a, float b) { return b < a ? b : a; }

// The fused epilogue activation, exactly as lfr::activate (include/lfr/ops/activation.h).
LFR_HOST_DEVICE float activate(float v, int act, float alpha, float prelu_alpha) {
    switch (act) {
        case kActRelu: return v > 0.f ? v : 0.f;
        case kActRelu6: return std_min(std_max(v, 0.f), 6.f);
        case kActLeaky: return v > 0.f ? v : alpha * v;
        case kActPrelu: return v > 0.f ? v : prelu_alpha * v;
        case kActSigmoid: return 1.f / (1.f + expf(-v));
        default: return v;
    }
}

constexpr int kMaxDims = 6;  // = lfr::kMaxRank

// Dims and strides for the N-d kernels (pad, strided gather, broadcasting binary ops), by value.
struct Dims {
    int rank;
    int dim[kMaxDims];
};
struct Strides6 {
    int st[kMaxDims];
};

constexpr int kBlock = 256;  // threads per block for the one-thread-per-element kernels

inline int blocks_for(int64_t n, int block = kBlock) {
    const int64_t b = (n + block - 1) / block;
    return int(b < 65535 * 32 ? b : 65535 * 32);  // grid-stride loops cover the rest
}

}  // namespace cuda
}  // namespace lfr
