// write_model: the structs of onnx_proto.h back to protobuf bytes (the writing half of onnx_proto.cpp).
#include "onnx_proto.h"
#include "protobuf_writer.h"

namespace lfr::tools::onnx {

namespace {

using pb::Writer;

Writer tensor(const Tensor& t) {
    Writer w;
    w.packed_ints(field::Tensor::kDims, t.dims).varint(field::Tensor::kDataType, t.data_type).bytes(field::Tensor::kName, t.name);
    if (t.data_type == kFloat) return w.packed_floats(field::Tensor::kRawData, t.floats);
    return w.bytes(field::Tensor::kRawData, t.ints.data(), t.ints.size() * 8);  // INT64, little-endian
}

Writer attribute(const Attribute& a) {
    using F = field::Attribute;
    Writer w;
    w.bytes(F::kName, a.name).varint(F::kType, a.type);
    switch (a.type) {
        case Attribute::kFloat: return w.f32(F::kF, a.f);
        case Attribute::kInt: return w.varint(F::kI, a.i);
        case Attribute::kString: return w.bytes(F::kS, a.s);
        case Attribute::kTensor: return w.msg(F::kT, tensor(a.t));
        case Attribute::kFloats: return w.packed_floats(F::kFloats, a.floats);
        case Attribute::kInts: return w.packed_ints(F::kInts, a.ints);
        default: throw Error("write_model: attribute " + a.name + " has unsupported type " + std::to_string(a.type));
    }
}

Writer node(const Node& n) {
    using F = field::Node;
    Writer w;
    for (const std::string& s : n.inputs) w.bytes(F::kInput, s);
    for (const std::string& s : n.outputs) w.bytes(F::kOutput, s);
    w.bytes(F::kName, n.name).bytes(F::kOpType, n.op_type);
    if (!n.domain.empty()) w.bytes(F::kDomain, n.domain);
    for (const Attribute& a : n.attributes) w.msg(F::kAttribute, attribute(a));
    return w;
}

Writer value_info(const ValueInfo& v) {
    Writer shape;
    for (int64_t d : v.dims) {
        Writer dim;
        if (d >= 0) dim.varint(field::Dim::kValue, d);  // an empty Dim: unknown size
        shape.msg(field::Shape::kDim, dim);
    }
    Writer tensor_type;
    tensor_type.varint(field::TensorType::kElemType, v.elem_type);
    if (v.has_shape) tensor_type.msg(field::TensorType::kShape, shape);
    Writer type;
    type.msg(field::TypeProto::kTensorType, tensor_type);
    Writer w;
    return w.bytes(field::ValueInfo::kName, v.name).msg(field::ValueInfo::kType, type);
}

}  // namespace

std::string write_model(const Model& model) {
    using G = field::Graph;
    Writer g;
    for (const Node& n : model.graph.nodes) g.msg(G::kNode, node(n));
    g.bytes(G::kName, model.graph.name);
    for (const Tensor& t : model.graph.initializers) g.msg(G::kInitializer, tensor(t));
    for (const ValueInfo& v : model.graph.inputs) g.msg(G::kInput, value_info(v));
    for (const ValueInfo& v : model.graph.outputs) g.msg(G::kOutput, value_info(v));
    Writer opset;
    opset.bytes(field::OpsetId::kDomain, "").varint(field::OpsetId::kVersion, model.opset);
    Writer m;
    m.varint(field::Model::kIrVersion, model.ir_version).bytes(field::Model::kProducerName, model.producer);
    m.msg(field::Model::kGraph, g).msg(field::Model::kOpsetImport, opset);
    return m.b;
}

}  // namespace lfr::tools::onnx
