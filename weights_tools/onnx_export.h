// Exporting an lfr model to ONNX (lfr_export onnx): the same network for other runtimes, so a
// benchmark can time ONNX Runtime on exactly lfr's weights and input (bench/bench_ort.sh).
//
// Inside, the ONNX graph is NCHW, as ONNX runtimes expect it: 4-D activations are transposed once,
// conv and depthwise weights are written as [Co, Ci/group, KH, KW], per-channel constants as
// [1, C, 1, 1]. At the edges it is lfr's: inputs and outputs keep lfr's names and NHWC shapes (a
// Transpose right after each image input and before each 4-D output), so both engines take and
// return the same tensors. Ops whose meaning depends on the element order (Reshape, MatMul of a
// flattened map, Transpose) see the NHWC order through a Transpose. Fused epilogues (bias,
// activation, PRelu slopes) become separate ONNX nodes. Opset 13; every shape is fixed (the
// model's input shapes, or the ones given; a dynamic batch is exported as 1).
#pragma once
#include <map>
#include <string>

#include "lfr/format/model_file.h"
#include "onnx_proto.h"

namespace lfr::tools {

struct ExportOptions {
    std::map<std::string, Shape> input_shapes;  // by input name, NHWC; replaces -1 dims
};

// Throws lfr::Error naming the node for an op without an ONNX mapping (MultiScaleFusion).
onnx::Model export_onnx(const Model& model, const ExportOptions& options = {});

}  // namespace lfr::tools
