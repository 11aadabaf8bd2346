// Device discovery and the per-session execution context (one stream, one cuBLAS handle on it).
#pragma once
#include <string>

#include "lfr/cuda/check.h"

namespace lfr {
namespace cuda {

// True when a CUDA driver and at least one device are present. Never throws and never aborts:
// without a driver or a device the runtime reports an error code, which means "no".
inline bool cuda_available() {
    int n = 0;
    const cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();  // clear it so later calls start clean
        return false;
    }
    return n > 0;
}

// "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs)", for logs and benchmark headers.
inline std::string device_description(int device = 0) {
    cudaDeviceProp p;
    LFR_CUDA_CHECK(cudaGetDeviceProperties(&p, device));
    return std::string(p.name) + " (sm_" + std::to_string(p.major) + std::to_string(p.minor) + ", " +
           std::to_string(p.multiProcessorCount) + " SMs)";
}

// What every device kernel launch needs: the stream it runs on and a cuBLAS handle bound to it.
// Owns both; move-only.
class Context {
public:
    explicit Context(int device = 0) : device_(device) {
        LFR_CUDA_CHECK(cudaSetDevice(device));
        LFR_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
        const cublasStatus_t st = cublasCreate(&blas_);
        if (st != CUBLAS_STATUS_SUCCESS) {
            (void)cudaStreamDestroy(stream_);
            LFR_CUBLAS_CHECK(st);
        }
        LFR_CUBLAS_CHECK(cublasSetStream(blas_, stream_));
        // Plain FP32 SGEMM, no TF32 tensor-core rounding (which CUBLAS_DEFAULT_MATH never picks for
        // SGEMM): results must match the CPU kernels to ~1e-5.
        LFR_CUBLAS_CHECK(cublasSetMathMode(blas_, CUBLAS_DEFAULT_MATH));
    }
    ~Context() {
        if (blas_) (void)cublasDestroy(blas_);
        if (stream_) (void)cudaStreamDestroy(stream_);
    }
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
    Context(Context&& o) noexcept : device_(o.device_), stream_(o.stream_), blas_(o.blas_) {
        o.stream_ = nullptr;
        o.blas_ = nullptr;
    }
    Context& operator=(Context&&) = delete;

    cudaStream_t stream() const { return stream_; }
    cublasHandle_t blas() const { return blas_; }
    int device() const { return device_; }
    void synchronize() const { LFR_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

private:
    int device_ = 0;
    cudaStream_t stream_ = nullptr;
    cublasHandle_t blas_ = nullptr;
};

}  // namespace cuda
}  // namespace lfr
