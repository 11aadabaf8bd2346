// Elementwise ops on the device: binary ops with numpy broadcasting and a fused activation, unary
// math/activations, and softmax over the last axis.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "common.cuh"

namespace lfr {
namespace cuda {

enum BinaryOp : int { kAdd, kSub, kMul, kDiv, kMaximum, kMinimum, kPreluOp };
enum UnaryOp : int { kRelu, kRelu6, kLeakyRelu, kSigmoid, kTanh, kAbs, kSquare, kSqrt, kRsqrt, kExp, kNeg };

// out[i] = act(op(a[i % pa], b[i % pb])) for i < n: same-shape operands (period n), per-channel
// vectors (period C), scalars (period 1). act: ActKind (not Prelu).
void launch_binary_periodic(int op, int64_t n, const float* a, int64_t pa, const float* b, int64_t pb, int act,
                            float alpha, float* out, cudaStream_t stream);

// Any broadcast: out has dims `out`; sa/sb are a's and b's strides aligned to out's rank (0 where
// broadcast).
void launch_binary_strided(int op, const Dims& out, const Strides6& sa, const Strides6& sb, const float* a,
                           const float* b, int act, float alpha, float* y, cudaStream_t stream);

// alpha: LeakyRelu's slope.
void launch_unary(int op, int64_t n, const float* x, float alpha, float* y, cudaStream_t stream);

// rows x cols, softmax of each row (max subtracted first, as the CPU reference).
void launch_softmax(int64_t rows, int cols, const float* x, float* y, cudaStream_t stream);

}  // namespace cuda
}  // namespace lfr
