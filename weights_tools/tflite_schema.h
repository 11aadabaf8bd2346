// The part of TensorFlow Lite's schema (tensorflow/lite/schema/schema.fbs, version 3) the importer
// reads, decoded from the flatbuffer into plain structs with every index checked. Field numbers are
// the schema's declaration order; a union takes two (its type byte, then the table).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "flatbuffer_reader.h"
#include "lfr/core/shape.h"

namespace lfr::tools::tflite {

// BuiltinOperator values the importer maps (the schema has ~160).
enum Builtin : int32_t {
    ADD = 0, AVERAGE_POOL_2D = 1, CONCATENATION = 2, CONV_2D = 3, DEPTHWISE_CONV_2D = 4, DEPTH_TO_SPACE = 5,
    DEQUANTIZE = 6, FULLY_CONNECTED = 9, LOGISTIC = 14, MAX_POOL_2D = 17, MUL = 18, RELU = 19, RELU6 = 21,
    RESHAPE = 22, RESIZE_BILINEAR = 23, SOFTMAX = 25, TANH = 28, CUSTOM = 32, PAD = 34, TRANSPOSE = 39,
    MEAN = 40, SUB = 41, DIV = 42, EXP = 47, MAXIMUM = 55, MINIMUM = 57, NEG = 59, PADV2 = 60, SUM = 74,
    SQRT = 75, RSQRT = 76, REDUCE_MAX = 82, SQUARE = 92, LEAKY_RELU = 98, ABS = 101, DENSIFY = 124,
};
std::string builtin_name(int32_t code);  // "CONV_2D", or "BUILTIN_<n>" for codes not listed above

// TensorType values.
enum Type : int8_t { FLOAT32 = 0, FLOAT16 = 1, INT32 = 2, UINT8 = 3, INT64 = 4, INT8 = 9 };
const char* type_name(int8_t type);
size_t type_size(int8_t type);  // bytes per element; 0 for types the importer does not read

// TFLite's sparse storage (SparsityParameters): the tensor's dims, each optionally split into blocks,
// are stored in `traversal_order`; each stored dim ("level") is dense (dense_size entries) or CSR
// (segments into indices). The stored values are the leaves, in traversal order.
struct DimMetadata {
    bool sparse = false;
    int32_t dense_size = 0;
    std::vector<int32_t> segments, indices;
};
struct Sparsity {
    std::vector<int32_t> traversal_order, block_map;
    std::vector<DimMetadata> dims;  // one per level
};

struct Tensor {
    std::string name;
    std::vector<int32_t> shape;
    int8_t type = FLOAT32;
    const uint8_t* data = nullptr;  // constant data (its buffer), nullptr for activations
    size_t bytes = 0;
    bool sparse = false;            // has sparsity parameters (stored compressed, for DENSIFY)
    Sparsity sparsity;
};

struct Operator {
    int32_t code = 0;                // BuiltinOperator
    std::string custom;              // custom_code when code == CUSTOM
    std::vector<int32_t> inputs;     // tensor indices, -1 = optional input absent
    std::vector<int32_t> outputs;
    uint8_t options_type = 0;        // BuiltinOptions union type
    fb::Table options;               // the options table (absent: all defaults)
};

// BuiltinOptions union types of the option tables read.
enum OptionsType : uint8_t {
    Conv2DOptions = 1, DepthwiseConv2DOptions = 2, Pool2DOptions = 5, FullyConnectedOptions = 8,
    SoftmaxOptions = 9, ConcatenationOptions = 10, AddOptions = 11, ResizeBilinearOptions = 15,
    ReshapeOptions = 17, MulOptions = 21, ReducerOptions = 27, SubOptions = 28, DivOptions = 29,
    LeakyReluOptions = 75, DepthToSpaceOptions = 94,
};

struct Model {
    uint32_t version = 0;
    std::vector<Tensor> tensors;      // of subgraph 0
    std::vector<Operator> operators;  // in execution order
    std::vector<int32_t> inputs, outputs;
};

// The dense values of a sparse constant, as TFLite's DENSIFY computes them (FormatConverter);
// `values` are its stored values. Every index is checked; `where` names the tensor in errors.
std::vector<float> densify(const Tensor& t, const std::vector<float>& values, const std::string& where);

// Decodes subgraph 0 of a .tflite file held in `buf` (which must outlive the result: tensor data
// and option tables point into it). Throws lfr::Error naming the problem.
Model read_model(const fb::Buffer& buf);

}  // namespace lfr::tools::tflite
