// Conv2D (NHWC x HWIO) on the device: a direct implicit-GEMM kernel for any kernel/stride/padding,
// and cuBLAS SGEMM (+ bias/activation epilogue) for 1x1 stride-1 unpadded convs and MatMul.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace lfr {
namespace cuda {

struct ConvParams {
    int N, H, W, C;  // input
    int KH, KW;      // kernel
    int OH, OW;      // output
    int sh, sw;      // strides
    int pt, pl;      // leading zero padding
    int dh, dw;      // dilation: tap ky reads input row oy*sh - pt + ky*dh
    int Co;          // output channels (conv) or C*M (depthwise)
    int act;         // ActKind
    float alpha;     // leaky slope
};

// y[N,OH,OW,Co] = act(conv(x, w[KH,KW,C,Co]) + bias); bias and prelu ([Co]) may be null.
void launch_conv2d(const ConvParams& p, const float* x, const float* w, const float* bias, const float* prelu,
                   float* y, cudaStream_t stream);

// y[rows,cols] = act(x[rows,K] * w[K,cols] + bias), all row-major, through cuBLAS on its stream.
void gemm_bias_act(cublasHandle_t blas, cudaStream_t stream, int rows, int K, int cols, const float* x,
                   const float* w, const float* bias, const float* prelu, int act, float alpha, float* y);

// y[rows,C] = act(y + bias) in place; bias and prelu may be null.
void launch_bias_act(float* y, int64_t rows, int C, const float* bias, const float* prelu, int act, float alpha,
                     cudaStream_t stream);

}  // namespace cuda
}  // namespace lfr
