// Layout kernels: one thread per output element, the output index decomposed over the dims.
#include "layout.cuh"

namespace lfr {
namespace cuda {
namespace {

struct Pads {
    int before[kMaxDims];
};

__global__ void pad_kernel(Dims in, Dims out, Pads pads, float value, int64_t n, const float* __restrict__ x,
                           float* __restrict__ y) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
        int64_t rest = i, off = 0, stride = 1;
        bool inside = true;
        for (int d = out.rank - 1; d >= 0; --d) {
            const int idx = int(rest % out.dim[d]) - pads.before[d];
            rest /= out.dim[d];
            inside = inside && idx >= 0 && idx < in.dim[d];
            off += int64_t(idx) * stride;
            stride *= in.dim[d];
        }
        y[i] = inside ? x[off] : value;
    }
}

__global__ void gather_kernel(Dims shape, Strides6 st, int64_t start, int64_t n, const float* __restrict__ x,
                              float* __restrict__ y) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
        int64_t rest = i, off = start;
        for (int d = shape.rank - 1; d >= 0; --d) {
            off += (rest % shape.dim[d]) * st.st[d];
            rest /= shape.dim[d];
        }
        y[i] = x[off];
    }
}

int64_t numel(const Dims& d) {
    int64_t n = 1;
    for (int i = 0; i < d.rank; ++i) n *= d.dim[i];
    return n;
}

}  // namespace

void launch_pad(const Dims& in, const Dims& out, const int* before, float value, const float* x, float* y,
                cudaStream_t stream) {
    const int64_t n = numel(out);
    if (n == 0) return;
    Pads pads{};
    for (int d = 0; d < out.rank; ++d) pads.before[d] = before[d];
    pad_kernel<<<blocks_for(n), kBlock, 0, stream>>>(in, out, pads, value, n, x, y);
    LFR_CUDA_CHECK_LAUNCH();
}

void launch_gather(const Dims& shape, const Strides6& st, int64_t start, const float* x, float* y,
                   cudaStream_t stream) {
    const int64_t n = numel(shape);
    if (n == 0) return;
    gather_kernel<<<blocks_for(n), kBlock, 0, stream>>>(shape, st, start, n, x, y);
    LFR_CUDA_CHECK_LAUNCH();
}

void copy_blocks(int64_t outer, int64_t block, int64_t out_row, const float* x, float* y, cudaStream_t stream) {
    if (outer == 0 || block == 0) return;
    LFR_CUDA_CHECK(cudaMemcpy2DAsync(y, size_t(out_row) * sizeof(float), x, size_t(block) * sizeof(float),
                                     size_t(block) * sizeof(float), size_t(outer), cudaMemcpyDeviceToDevice, stream));
}

void copy_floats(int64_t n, const float* x, float* y, cudaStream_t stream) {
    if (n == 0 || x == y) return;
    LFR_CUDA_CHECK(cudaMemcpyAsync(y, x, size_t(n) * sizeof(float), cudaMemcpyDeviceToDevice, stream));
}

}  // namespace cuda
}  // namespace lfr
