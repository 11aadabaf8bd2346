// The parts of the ONNX schema (onnx.proto3) the importer reads, decoded from the wire format by
// protobuf_reader.h. Field numbers are the schema's; unknown fields are skipped, as protobuf does.
// Tensor payloads are decoded to values here (FLOAT to floats; INT64/INT32 to int64), with their
// byte counts checked against the dims. write_model (onnx_write.cpp, for lfr_export) encodes the
// same structs with protobuf_writer.h, using the same field numbers.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lfr::tools::onnx {

enum DataType : int32_t { kFloat = 1, kInt32 = 6, kInt64 = 7 };

// Field numbers of onnx.proto3, one struct per message, shared by the reader and the writer.
namespace field {
struct Model { enum : uint32_t { kIrVersion = 1, kProducerName = 2, kGraph = 7, kOpsetImport = 8 }; };
struct OpsetId { enum : uint32_t { kDomain = 1, kVersion = 2 }; };
struct Graph { enum : uint32_t { kNode = 1, kName = 2, kInitializer = 5, kInput = 11, kOutput = 12 }; };
struct Node { enum : uint32_t { kInput = 1, kOutput = 2, kName = 3, kOpType = 4, kAttribute = 5, kDomain = 7 }; };
struct Attribute { enum : uint32_t { kName = 1, kF = 2, kI = 3, kS = 4, kT = 5, kFloats = 7, kInts = 8, kType = 20 }; };
struct Tensor {
    enum : uint32_t { kDims = 1, kDataType = 2, kFloatData = 4, kInt32Data = 5, kInt64Data = 7, kName = 8, kRawData = 9, kDataLocation = 14 };
};
// ValueInfoProto.type -> TypeProto.tensor_type -> {elem_type, shape -> dim -> dim_value | dim_param}
struct ValueInfo { enum : uint32_t { kName = 1, kType = 2 }; };
struct TypeProto { enum : uint32_t { kTensorType = 1 }; };
struct TensorType { enum : uint32_t { kElemType = 1, kShape = 2 }; };
struct Shape { enum : uint32_t { kDim = 1 }; };
struct Dim { enum : uint32_t { kValue = 1, kParam = 2 }; };
}  // namespace field

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

// The .onnx bytes of a model: tensors as raw_data (FLOAT, or INT64 from `ints`), value infos with
// their dims (-1 written as an unnamed dim), opset_import of the default domain.
std::string write_model(const Model& model);

}  // namespace lfr::tools::onnx
