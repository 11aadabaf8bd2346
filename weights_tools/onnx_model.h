// Converting an ONNX model (.onnx, e.g. a PyTorch export) into an lfr graph.
//
// ONNX is NCHW; the lfr IR is NHWC. Every value carries a layout: the permutation from its physical
// (lfr) dims to its logical (ONNX) dims. 4-D activations live as NHWC, so Conv, pooling and
// per-channel ops need no transposes; an ONNX Transpose only relabels the layout; ops whose
// meaning depends on the element order (Reshape, Flatten, Squeeze, ...) first restore the logical
// order with an lfr Transpose (which the passes drop when it is not needed). Flatten of an NHWC
// map feeding a Gemm instead permutes the Gemm's weight rows. Constant subgraphs (Shape, Gather,
// Unsqueeze, Concat, Constant, Cast, arithmetic on constants) are evaluated here; BatchNormalization
// becomes a per-channel Mul + Add that the default passes fold into the preceding Conv or Gemm.
//
// Ops: Conv (plain, depthwise, dilated), BatchNormalization, Relu, PRelu, LeakyRelu, Clip(0,6|inf),
// Sigmoid, Tanh, Exp, Abs, Neg, Sqrt, Add/Sub/Mul/Div, Softmax (last axis), MaxPool, AveragePool,
// GlobalAverage/MaxPool, ReduceMean/Sum/Max, Pad (constant), Concat, Split, Slice, Reshape, Max, Min,
// Resize (bilinear: align_corners, half_pixel, asymmetric), DepthToSpace (DCR),
// Flatten, Squeeze, Unsqueeze, Transpose, Gemm, MatMul (constant B), and for constants only:
// Shape, Gather, Cast, Constant; Identity and Dropout pass through. float32 tensors only.
//
// Graph inputs of rank 4 are taken as NCHW images and become NHWC ([1,3,240,320] -> [1,240,320,3]),
// except those that feed a Transpose to NCHW (lfr_export's NHWC inputs): they stay as they are;
// 4-D outputs stay NHWC, the others keep ONNX's order. Errors are lfr::Error naming the file, and
// for unsupported ops the node and its op: "m.onnx: node foo (op Bar): unsupported ONNX op".
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "lfr/format/builder.h"

namespace lfr::tools {

struct OnnxOptions {
    std::map<std::string, Shape> input_shapes;  // by input name, in lfr order (NHWC for images)
    bool optimize = true;                                     // run_default_passes() (folds)
    std::string label = "model.onnx";                         // names the model in errors
};

struct OnnxReport {
    int64_t opset = 0;
    size_t onnx_nodes = 0;          // nodes in the ONNX graph
    size_t nodes_before_folds = 0;  // lfr nodes right after mapping
};

// From memory (no file access: a fuzz target can call it on any bytes).
ConvertedModel convert_onnx(const uint8_t* data, size_t size, const OnnxOptions& options, OnnxReport* report = nullptr);
// Reads the file; options.label defaults to its path.
ConvertedModel convert_onnx_file(const std::string& path, OnnxOptions options = {}, OnnxReport* report = nullptr);

}  // namespace lfr::tools
