#include "onnx_proto.h"

#include "protobuf_reader.h"

namespace lfr::tools::onnx {

namespace {

using pb::Field;
using pb::Reader;

constexpr int64_t kMaxElements = int64_t(1) << 31;  // per tensor: far above any face model

int64_t element_count(const Reader& r, const Tensor& t, size_t at) {
    int64_t n = 1;
    for (int64_t d : t.dims) {
        if (d < 0 || d > kMaxElements) r.fail("tensor " + t.name + " has dimension " + std::to_string(d), at);
        n *= d;  // both factors <= 2^31: no overflow before the check
        if (n > kMaxElements) r.fail("tensor " + t.name + " has more than 2^31 elements", at);
    }
    return n;
}

Tensor read_tensor(Reader r, size_t at) {
    Tensor t;
    const uint8_t* raw = nullptr;
    size_t raw_size = 0;
    bool external = false;
    std::vector<int64_t> int32s;
    Field f;
    while (r.next(f)) {
        switch (f.number) {
            case field::Tensor::kDims: r.int64s(f, t.dims); break;
            case field::Tensor::kDataType: t.data_type = int32_t(r.int64(f)); break;
            case field::Tensor::kFloatData: r.floats(f, t.floats); break;
            case field::Tensor::kInt32Data: r.int64s(f, int32s); break;
            case field::Tensor::kInt64Data: r.int64s(f, t.ints); break;
            case field::Tensor::kName: t.name = r.string(f); break;
            case field::Tensor::kRawData: raw = r.bytes(f), raw_size = f.size; break;
            case field::Tensor::kDataLocation: external = r.int64(f) == 1; break;
            default: break;
        }
    }
    if (external) r.fail("tensor " + t.name + " keeps its data in an external file (not supported)", at);
    const int64_t n = element_count(r, t, at);
    const bool is_float = t.data_type == kFloat;
    if (!is_float && t.data_type != kInt64 && t.data_type != kInt32)
        r.fail("tensor " + t.name + " has data type " + std::to_string(t.data_type) + " (only FLOAT, INT32, INT64 are supported)", at);
    if (t.data_type == kInt32) t.ints = std::move(int32s);
    if (raw) {
        const size_t elem = t.data_type == kInt64 ? 8 : 4;
        if (raw_size != size_t(n) * elem)
            r.fail("tensor " + t.name + " raw_data has " + std::to_string(raw_size) + " bytes for " + std::to_string(n) +
                       " elements",
                   at);
        if (is_float) {
            t.floats.resize(size_t(n));
            if (raw_size) std::memcpy(t.floats.data(), raw, raw_size);  // an empty vector's data() may be null
        } else {
            t.ints.resize(size_t(n));
            for (size_t i = 0; i < size_t(n); ++i) {
                int64_t v = 0;
                if (elem == 8) std::memcpy(&v, raw + 8 * i, 8);
                else {
                    int32_t w;
                    std::memcpy(&w, raw + 4 * i, 4);
                    v = w;
                }
                t.ints[i] = v;
            }
        }
    }
    const size_t have = is_float ? t.floats.size() : t.ints.size();
    if (have != size_t(n))
        r.fail("tensor " + t.name + " has " + std::to_string(have) + " values for " + std::to_string(n) + " elements", at);
    return t;
}

Attribute read_attribute(Reader r) {
    Attribute a;
    Field f;
    while (r.next(f)) {
        switch (f.number) {
            case field::Attribute::kName: a.name = r.string(f); break;
            case field::Attribute::kF: a.f = r.float32(f); break;
            case field::Attribute::kI: a.i = r.int64(f); break;
            case field::Attribute::kS: a.s = r.string(f); break;
            case field::Attribute::kT: a.t = read_tensor(r.message(f), f.offset); break;
            case field::Attribute::kFloats: r.floats(f, a.floats); break;
            case field::Attribute::kInts: r.int64s(f, a.ints); break;
            case field::Attribute::kType: a.type = int32_t(r.int64(f)); break;
            default: break;  // graphs, strings, sparse tensors: no supported op uses them
        }
    }
    return a;
}

Node read_node(Reader r) {
    Node n;
    Field f;
    while (r.next(f)) {
        switch (f.number) {
            case field::Node::kInput: n.inputs.push_back(r.string(f)); break;
            case field::Node::kOutput: n.outputs.push_back(r.string(f)); break;
            case field::Node::kName: n.name = r.string(f); break;
            case field::Node::kOpType: n.op_type = r.string(f); break;
            case field::Node::kAttribute: n.attributes.push_back(read_attribute(r.message(f))); break;
            case field::Node::kDomain: n.domain = r.string(f); break;
            default: break;
        }
    }
    return n;
}

// ValueInfoProto -> TypeProto (2) -> Tensor (1) -> elem_type (1), TensorShapeProto (2) -> dim (1)
// -> dim_value (1) | dim_param (2).
ValueInfo read_value_info(Reader r) {
    ValueInfo v;
    Field f, g, h, d, e;
    while (r.next(f)) {
        if (f.number == field::ValueInfo::kName) v.name = r.string(f);
        if (f.number != field::ValueInfo::kType) continue;
        Reader type = r.message(f);
        while (type.next(g)) {
            if (g.number != field::TypeProto::kTensorType) continue;
            Reader tensor = type.message(g);
            while (tensor.next(h)) {
                if (h.number == field::TensorType::kElemType) v.elem_type = int32_t(tensor.int64(h));
                if (h.number != field::TensorType::kShape) continue;
                v.has_shape = true;
                Reader shape = tensor.message(h);
                while (shape.next(d)) {
                    if (d.number != field::Shape::kDim) continue;
                    Reader dim = shape.message(d);
                    int64_t value = -1;
                    while (dim.next(e))
                        if (e.number == field::Dim::kValue) value = dim.int64(e);
                    v.dims.push_back(value < 0 ? -1 : value);
                }
            }
        }
    }
    return v;
}

Graph read_graph(Reader r) {
    Graph g;
    Field f;
    while (r.next(f)) {
        switch (f.number) {
            case field::Graph::kNode: g.nodes.push_back(read_node(r.message(f))); break;
            case field::Graph::kName: g.name = r.string(f); break;
            case field::Graph::kInitializer: g.initializers.push_back(read_tensor(r.message(f), f.offset)); break;
            case field::Graph::kInput: g.inputs.push_back(read_value_info(r.message(f))); break;
            case field::Graph::kOutput: g.outputs.push_back(read_value_info(r.message(f))); break;
            default: break;  // value_info: shapes are inferred from the input instead
        }
    }
    return g;
}

}  // namespace

Model parse_model(const uint8_t* data, size_t size, const std::string& label) {
    Reader r(data, size, label);
    Model m;
    bool have_graph = false;
    Field f, g;
    while (r.next(f)) {
        switch (f.number) {
            case field::Model::kIrVersion: m.ir_version = r.int64(f); break;
            case field::Model::kProducerName: m.producer = r.string(f); break;
            case field::Model::kGraph:
                m.graph = read_graph(r.message(f));
                have_graph = true;
                break;
            case field::Model::kOpsetImport: {
                Reader op = r.message(f);
                std::string domain;
                int64_t version = 0;
                while (op.next(g)) {
                    if (g.number == field::OpsetId::kDomain) domain = op.string(g);
                    if (g.number == field::OpsetId::kVersion) version = op.int64(g);
                }
                if (domain.empty() || domain == "ai.onnx") m.opset = version;
                break;
            }
            default: break;
        }
    }
    if (!have_graph) r.fail("no graph (not an ONNX model?)", size);
    return m;
}

}  // namespace lfr::tools::onnx
