// Data movement on the device: Pad, a strided gather (Transpose, StridedSlice, DepthToSpace are all
// one), Concat (2-D async copies) and plain copies (Reshape).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "common.cuh"

namespace lfr {
namespace cuda {

// out dims `out`; x dims `in`; before[d] leading pad per dim; cells outside x get `value`.
void launch_pad(const Dims& in, const Dims& out, const int* before, float value, const float* x, float* y,
                cudaStream_t stream);

// y (contiguous, dims `shape`) [i] = x[start + sum_d idx_d(i) * st[d]].
void launch_gather(const Dims& shape, const Strides6& st, int64_t start, const float* x, float* y,
                   cudaStream_t stream);

// Appends one input to a concat: `outer` blocks of `block` floats from x, placed every `out_row`
// floats in y starting at y (the caller offsets y by the inputs before it).
void copy_blocks(int64_t outer, int64_t block, int64_t out_row, const float* x, float* y, cudaStream_t stream);

void copy_floats(int64_t n, const float* x, float* y, cudaStream_t stream);

}  // namespace cuda
}  // namespace lfr
