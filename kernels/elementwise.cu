// Elementwise kernels: grid-stride loops, one template instance per op so the op's switch folds
// away. Scalar functions match include/lfr/ops/elementwise.h (std::max semantics, 1/sqrt not rsqrt).
#include "elementwise.cuh"

namespace lfr {
namespace cuda {
namespace {

template <int Op>
__device__ __forceinline__ float binary_fn(float a, float b) {
    switch (Op) {
        case kAdd: return a + b;
        case kSub: return a - b;
        case kMul: return a * b;
        case kDiv: return a / b;
        case kMaximum: return std_max(a, b);
        case kMinimum: return std_min(a, b);
        default: return a > 0.f ? a : b * a;  // kPreluOp: b is the slope
    }
}

template <int Op>
__device__ __forceinline__ float unary_fn(float v, float alpha) {
    switch (Op) {
        case kRelu: return activate(v, kActRelu, 0.f, 0.f);
        case kRelu6: return activate(v, kActRelu6, 0.f, 0.f);
        case kLeakyRelu: return activate(v, kActLeaky, alpha, 0.f);
        case kSigmoid: return activate(v, kActSigmoid, 0.f, 0.f);
        case kTanh: return tanhf(v);
        case kAbs: return fabsf(v);
        case kSquare: return v * v;
        case kSqrt: return sqrtf(v);
        case kRsqrt: return 1.f / sqrtf(v);
        case kExp: return expf(v);
        default: return -v;  // kNeg
    }
}

template <int Op>
__global__ void binary_periodic_kernel(int64_t n, const float* __restrict__ a, int64_t pa, const float* __restrict__ b,
                                       int64_t pb, int act, float alpha, float* __restrict__ y) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
        const float va = a[pa == n ? i : i % pa], vb = b[pb == n ? i : i % pb];
        y[i] = activate(binary_fn<Op>(va, vb), act, alpha, 0.f);
    }
}

template <int Op>
__global__ void binary_strided_kernel(Dims out, Strides6 sa, Strides6 sb, int64_t n, const float* __restrict__ a,
                                      const float* __restrict__ b, int act, float alpha, float* __restrict__ y) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
        int64_t rest = i, oa = 0, ob = 0;
        for (int d = out.rank - 1; d >= 0; --d) {
            const int64_t idx = rest % out.dim[d];
            rest /= out.dim[d];
            oa += idx * sa.st[d];
            ob += idx * sb.st[d];
        }
        y[i] = activate(binary_fn<Op>(a[oa], b[ob]), act, alpha, 0.f);
    }
}

template <int Op>
__global__ void unary_kernel(int64_t n, const float* __restrict__ x, float alpha, float* __restrict__ y) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
        y[i] = unary_fn<Op>(x[i], alpha);
}

// One warp per row: max, then sum of exp, each a warp reduction.
__global__ void softmax_kernel(int64_t rows, int cols, const float* __restrict__ x, float* __restrict__ y) {
    const int lane = threadIdx.x % 32;
    const int64_t warps = int64_t(gridDim.x) * (blockDim.x / 32);
    for (int64_t r = blockIdx.x * int64_t(blockDim.x / 32) + threadIdx.x / 32; r < rows; r += warps) {
        const float* xr = x + r * cols;
        float* yr = y + r * cols;
        float m = -INFINITY;
        for (int j = lane; j < cols; j += 32) m = std_max(m, xr[j]);
        for (int off = 16; off > 0; off /= 2) m = std_max(m, __shfl_xor_sync(0xffffffffu, m, off));
        float s = 0.f;
        for (int j = lane; j < cols; j += 32) {
            const float e = expf(xr[j] - m);
            yr[j] = e;
            s += e;
        }
        for (int off = 16; off > 0; off /= 2) s += __shfl_xor_sync(0xffffffffu, s, off);
        for (int j = lane; j < cols; j += 32) yr[j] /= s;
    }
}

template <int Op>
void binary_periodic_as(int64_t n, const float* a, int64_t pa, const float* b, int64_t pb, int act, float alpha,
                        float* y, cudaStream_t s) {
    binary_periodic_kernel<Op><<<blocks_for(n), kBlock, 0, s>>>(n, a, pa, b, pb, act, alpha, y);
}

template <int Op>
void binary_strided_as(const Dims& out, const Strides6& sa, const Strides6& sb, int64_t n, const float* a,
                       const float* b, int act, float alpha, float* y, cudaStream_t s) {
    binary_strided_kernel<Op><<<blocks_for(n), kBlock, 0, s>>>(out, sa, sb, n, a, b, act, alpha, y);
}

template <int Op>
void unary_as(int64_t n, const float* x, float alpha, float* y, cudaStream_t s) {
    unary_kernel<Op><<<blocks_for(n), kBlock, 0, s>>>(n, x, alpha, y);
}

}  // namespace

#define LFR_BINARY_CASES(CALL)            \
    switch (op) {                         \
        case kAdd: CALL(kAdd); break;         \
        case kSub: CALL(kSub); break;         \
        case kMul: CALL(kMul); break;         \
        case kDiv: CALL(kDiv); break;         \
        case kMaximum: CALL(kMaximum); break; \
        case kMinimum: CALL(kMinimum); break; \
        case kPreluOp: CALL(kPreluOp); break; \
        default: throw Error("launch_binary: unknown op " + std::to_string(op)); \
    }

void launch_binary_periodic(int op, int64_t n, const float* a, int64_t pa, const float* b, int64_t pb, int act,
                            float alpha, float* out, cudaStream_t stream) {
    if (n == 0) return;
#define LFR_CALL(OP) binary_periodic_as<OP>(n, a, pa, b, pb, act, alpha, out, stream)
    LFR_BINARY_CASES(LFR_CALL)
#undef LFR_CALL
    LFR_CUDA_CHECK_LAUNCH();
}

void launch_binary_strided(int op, const Dims& out, const Strides6& sa, const Strides6& sb, const float* a,
                           const float* b, int act, float alpha, float* y, cudaStream_t stream) {
    int64_t n = 1;
    for (int d = 0; d < out.rank; ++d) n *= out.dim[d];
    if (n == 0) return;
#define LFR_CALL(OP) binary_strided_as<OP>(out, sa, sb, n, a, b, act, alpha, y, stream)
    LFR_BINARY_CASES(LFR_CALL)
#undef LFR_CALL
    LFR_CUDA_CHECK_LAUNCH();
}

void launch_unary(int op, int64_t n, const float* x, float alpha, float* y, cudaStream_t stream) {
    if (n == 0) return;
    switch (op) {
        case kRelu: unary_as<kRelu>(n, x, alpha, y, stream); break;
        case kRelu6: unary_as<kRelu6>(n, x, alpha, y, stream); break;
        case kLeakyRelu: unary_as<kLeakyRelu>(n, x, alpha, y, stream); break;
        case kSigmoid: unary_as<kSigmoid>(n, x, alpha, y, stream); break;
        case kTanh: unary_as<kTanh>(n, x, alpha, y, stream); break;
        case kAbs: unary_as<kAbs>(n, x, alpha, y, stream); break;
        case kSquare: unary_as<kSquare>(n, x, alpha, y, stream); break;
        case kSqrt: unary_as<kSqrt>(n, x, alpha, y, stream); break;
        case kRsqrt: unary_as<kRsqrt>(n, x, alpha, y, stream); break;
        case kExp: unary_as<kExp>(n, x, alpha, y, stream); break;
        case kNeg: unary_as<kNeg>(n, x, alpha, y, stream); break;
        default: throw Error("launch_unary: unknown op " + std::to_string(op));
    }
    LFR_CUDA_CHECK_LAUNCH();
}

void launch_softmax(int64_t rows, int cols, const float* x, float* y, cudaStream_t stream) {
    if (rows == 0 || cols == 0) return;
    constexpr int kWarpsPerBlock = kBlock / 32;
    softmax_kernel<<<blocks_for(rows, kWarpsPerBlock), kBlock, 0, stream>>>(rows, cols, x, y);
    LFR_CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace lfr
