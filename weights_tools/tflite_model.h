// Converting a TensorFlow Lite flatbuffer (.tflite, float32 / float16 weights) into an lfr graph.
//
// TFLite is NHWC like lfr, so ops map one to one: CONV_2D weights OHWI become HWIO, depthwise
// [1,KH,KW,C*M] becomes [KH,KW,C,M], FULLY_CONNECTED becomes MatMul with the weight transposed (and
// its input flattened), fused activations become lfr's fused act. Constant tensors become weights;
// DEQUANTIZE of a float16 constant is done here (lfr stores float32). Value shapes are inferred with
// the executor's own shape functions, so a mismatch is reported at conversion, naming the node.
// Graph inputs and outputs are the subgraph's, in its order and with its tensor names; a node is
// named after its (first) output tensor. Then the shared folds run (passes.h), which also turn the
// spelled-out PReLU and softmax patterns of TOCO-converted models into Prelu and Softmax.
//
// Errors are lfr::Error naming the file and the node: "pnet.tflite: node foo (SPLIT): unsupported op".
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "lfr/format/builder.h"

namespace lfr::tools {

struct TfliteOptions {
    std::string label = "model.tflite";          // names the model in error messages
    std::map<std::string, Shape> input_shapes;   // by input name: replaces the file's shape; -1 = any size
    bool optimize = true;                        // run run_default_passes(); dead nodes always go
};

struct TfliteReport {
    size_t tflite_ops = 0;          // operators in the file
    size_t nodes_before_folds = 0;  // lfr nodes right after mapping
};

// From memory (what a fuzzer calls): any bytes give either a model or one lfr::Error.
ConvertedModel convert_tflite(const uint8_t* data, size_t size, const TfliteOptions& options,
                              TfliteReport* report = nullptr);
// Reads the file; options.label defaults to its file name.
ConvertedModel convert_tflite_file(const std::string& path, TfliteOptions options, TfliteReport* report = nullptr);


}  // namespace lfr::tools
