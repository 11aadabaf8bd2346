// Error checks for the CUDA runtime and cuBLAS: LFR_CUDA_CHECK(x) and LFR_CUBLAS_CHECK(x) throw
// lfr::Error("file:line: call: error string") when x fails. Plain C++14, so .cu files include it too.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <string>

#include "lfr/core/error.h"

namespace lfr {
namespace cuda {

inline const char* cublas_status_string(cublasStatus_t s) {
    switch (s) {
        case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
        case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
        case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
        case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
        case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
        case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
        case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
        case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
        case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
        default: return "unknown cuBLAS status";
    }
}

inline std::string check_where(const char* file, int line, const char* call) {
    return std::string(file) + ":" + std::to_string(line) + ": " + call + ": ";
}

}  // namespace cuda
}  // namespace lfr

#define LFR_CUDA_CHECK(x)                                                                                   \
    do {                                                                                                    \
        const cudaError_t lfr_cuda_err_ = (x);                                                              \
        if (lfr_cuda_err_ != cudaSuccess)                                                                   \
            throw ::lfr::Error(::lfr::cuda::check_where(__FILE__, __LINE__, #x) +                           \
                               cudaGetErrorName(lfr_cuda_err_) + " (" + cudaGetErrorString(lfr_cuda_err_) + \
                               ")");                                                                        \
    } while (0)

#define LFR_CUBLAS_CHECK(x)                                                                                 \
    do {                                                                                                    \
        const cublasStatus_t lfr_cublas_st_ = (x);                                                          \
        if (lfr_cublas_st_ != CUBLAS_STATUS_SUCCESS)                                                        \
            throw ::lfr::Error(::lfr::cuda::check_where(__FILE__, __LINE__, #x) +                           \
                               ::lfr::cuda::cublas_status_string(lfr_cublas_st_));                          \
    } while (0)

// After a kernel launch: configuration errors surface here, execution errors at the next sync.
#define LFR_CUDA_CHECK_LAUNCH() LFR_CUDA_CHECK(cudaGetLastError())
