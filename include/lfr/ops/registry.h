// One table from OpType to its shape inference and kernels; the executor and the tests use it.
#pragma once
#include "lfr/ops/conv.h"
#include "lfr/ops/depthwise.h"
#include "lfr/ops/elementwise.h"
#include "lfr/ops/layout.h"
#include "lfr/ops/matmul.h"
#include "lfr/ops/msff.h"
#include "lfr/ops/pool.h"
#include "lfr/ops/reduce.h"
#include "lfr/ops/resize.h"

namespace lfr {

struct OpKernels {
    InferFn infer;
    RunFn reference;
    RunFn fast;  // nullptr where the reference is the only kernel
};

inline const OpKernels& op_kernels(OpType op) {
    static const OpKernels table[] = {
        {infer_conv2d, conv2d_ref, conv2d_fast},           // Conv2D
        {infer_depthwise, depthwise_ref, depthwise_fast},  // DepthwiseConv2D
        {infer_matmul, matmul_ref, matmul_fast},           // MatMul
        {infer_binary, binary_ref, binary_fast},           // Add
        {infer_binary, binary_ref, binary_fast},           // Sub
        {infer_binary, binary_ref, binary_fast},           // Mul
        {infer_binary, binary_ref, binary_fast},           // Div
        {infer_binary, binary_ref, binary_fast},           // Maximum
        {infer_binary, binary_ref, binary_fast},           // Minimum
        {infer_binary, binary_ref, binary_fast},           // Prelu
        {infer_unary, unary_ref, unary_fast},              // Relu
        {infer_unary, unary_ref, unary_fast},              // Relu6
        {infer_unary, unary_ref, unary_fast},              // LeakyRelu
        {infer_unary, unary_ref, unary_fast},              // Sigmoid
        {infer_unary, unary_ref, unary_fast},              // Tanh
        {infer_unary, unary_ref, unary_fast},              // Abs
        {infer_unary, unary_ref, unary_fast},              // Square
        {infer_unary, unary_ref, unary_fast},              // Sqrt
        {infer_unary, unary_ref, unary_fast},              // Rsqrt
        {infer_unary, unary_ref, unary_fast},              // Exp
        {infer_unary, unary_ref, unary_fast},              // Neg
        {infer_unary, softmax_ref, nullptr},               // Softmax
        {infer_pool, pool_ref, pool_fast},                 // MaxPool
        {infer_pool, pool_ref, pool_fast},                 // AvgPool
        {infer_reduce, reduce_ref, reduce_fast},           // Mean
        {infer_reduce, reduce_ref, reduce_fast},           // Sum
        {infer_reduce, reduce_ref, reduce_fast},           // Max
        {infer_pad, pad_ref, nullptr},                     // Pad
        {infer_concat, concat_ref, nullptr},               // Concat
        {infer_reshape, reshape_ref, nullptr},             // Reshape
        {infer_strided_slice, strided_slice_ref, nullptr}, // StridedSlice
        {infer_resize_bilinear, resize_bilinear_ref, nullptr},  // ResizeBilinear
        {infer_depth_to_space, depth_to_space_ref, nullptr},    // DepthToSpace
        {infer_transpose, transpose_ref, nullptr},         // Transpose
        {infer_msff, msff_ref, msff_fast},                 // MultiScaleFusion
    };
    static_assert(sizeof(table) / sizeof(table[0]) == kOpCount, "op table out of date");
    return table[int(op)];
}

}  // namespace lfr
