// The parts of the ONNX schema (onnx.proto3) the importer reads, decoded from the wire format by
// protobuf_reader.h. Field numbers are the schema's; unknown fields are skipped, as protobuf does.
// Tensor payloads are decoded to values here (FLOAT to floats; INT64/INT32 to int64), with their
// byte counts checked against the dims.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lfr::tools::onnx {

enum DataType : int32_t { kFloat = 1, kInt32 = 6, kInt64 = 7 };

struct Tensor {
    std::string name;
    std::vector<int64_t> dims;
    int32_t data_type = 0;
    std::vector<float> floats;   // kFloat
    std::vector<int64_t> ints;   // kInt64, kInt32
};

struct Attribute {
    enum Type : int32_t { kFloat = 1, kInt = 2, kString = 3, kTensor = 4, kGraph = 5, kFloats = 6, kInts = 7 };
    std::string name;
    int32_t type = 0;
    float f = 0.f;
    int64_t i = 0;
    std::string s;
    Tensor t;
    std::vector<float> floats;
    std::vector<int64_t> ints;
};

struct Node {
    std::string name, op_type, domain;
    std::vector<std::string> inputs, outputs;  // "" = optional input absent
    std::vector<Attribute> attributes;
    const Attribute* find(const std::string& attr) const {
        for (const Attribute& a : attributes)
            if (a.name == attr) return &a;
        return nullptr;
    }
};

struct ValueInfo {
    std::string name;
    int32_t elem_type = 0;
    bool has_shape = false;
    std::vector<int64_t> dims;  // -1 where symbolic (dim_param) or unknown
};

struct Graph {
    std::string name;
    std::vector<Node> nodes;
    std::vector<Tensor> initializers;
    std::vector<ValueInfo> inputs, outputs;
};

struct Model {
    int64_t ir_version = 0;
    int64_t opset = 0;  // of the default ("" or "ai.onnx") domain
    std::string producer;
    Graph graph;
};

// Throws lfr::Error "<label>: ..." for any malformed or unsupported encoding.
Model parse_model(const uint8_t* data, size_t size, const std::string& label);

}  // namespace lfr::tools::onnx
