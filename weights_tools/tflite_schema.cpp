#include "tflite_schema.h"

#include <algorithm>

namespace lfr::tools::tflite {

namespace {

// Field numbers (schema.fbs declaration order).
namespace ModelF { enum { version = 0, operator_codes = 1, subgraphs = 2, buffers = 4 }; }
namespace OpCodeF { enum { deprecated_builtin_code = 0, custom_code = 1, builtin_code = 3 }; }
namespace SubGraphF { enum { tensors = 0, inputs = 1, outputs = 2, operators = 3 }; }
namespace TensorF { enum { shape = 0, type = 1, buffer = 2, name = 3, sparsity = 6 }; }
namespace BufferF { enum { data = 0, offset = 1, size = 2 }; }
namespace OperatorF { enum { opcode_index = 0, inputs = 1, outputs = 2, options_type = 3, options = 4 }; }
namespace SparsityF { enum { traversal_order = 0, block_map = 1, dim_metadata = 2 }; }
namespace DimF { enum { format = 0, dense_size = 1, segments_type = 2, segments = 3, indices_type = 4, indices = 5 }; }

std::vector<int32_t> ints(const fb::Vector& v) {
    std::vector<int32_t> out(v.size());
    for (uint32_t i = 0; i < v.size(); ++i) out[i] = v.at<int32_t>(i);
    return out;
}

// A SparseIndexVector union (Int32Vector = 1, Uint16Vector = 2, Uint8Vector = 3; each {values}).
std::vector<int32_t> index_vector(const fb::Table& dim, int type_field, int table_field, const std::string& where) {
    const uint8_t type = dim.scalar<uint8_t>(type_field, 0);
    LFR_CHECK(type >= 1 && type <= 3, where + ": sparse index vector of union type " + std::to_string(type));
    const fb::Vector v = dim.table(table_field).vector(0, type == 1 ? 4 : type == 2 ? 2 : 1);
    std::vector<int32_t> out(v.size());
    for (uint32_t i = 0; i < v.size(); ++i)
        out[i] = type == 1 ? v.at<int32_t>(i) : type == 2 ? int32_t(v.at<uint16_t>(i)) : int32_t(v.at<uint8_t>(i));
    return out;
}

Sparsity read_sparsity(const fb::Table& t, const std::string& where) {
    Sparsity s;
    s.traversal_order = ints(t.vector(SparsityF::traversal_order, 4));
    s.block_map = ints(t.vector(SparsityF::block_map, 4));
    const fb::Vector dims = t.vector(SparsityF::dim_metadata, 4);
    for (uint32_t i = 0; i < dims.size(); ++i) {
        const fb::Table d = dims.table(i);
        DimMetadata m;
        m.sparse = d.scalar<int8_t>(DimF::format, 0) == 1;  // DENSE = 0, SPARSE_CSR = 1
        m.dense_size = d.scalar<int32_t>(DimF::dense_size, 0);
        if (m.sparse) {
            m.segments = index_vector(d, DimF::segments_type, DimF::segments, where);
            m.indices = index_vector(d, DimF::indices_type, DimF::indices, where);
        }
        s.dims.push_back(std::move(m));
    }
    return s;
}

}  // namespace

size_t type_size(int8_t type) {
    switch (type) {
        case FLOAT32: case INT32: return 4;
        case FLOAT16: return 2;
        case INT64: return 8;
        case UINT8: case INT8: return 1;
        default: return 0;
    }
}

std::string builtin_name(int32_t code) {
    static const std::pair<int32_t, const char*> names[] = {
        {ADD, "ADD"}, {AVERAGE_POOL_2D, "AVERAGE_POOL_2D"}, {CONCATENATION, "CONCATENATION"}, {CONV_2D, "CONV_2D"},
        {DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D"}, {DEPTH_TO_SPACE, "DEPTH_TO_SPACE"}, {DEQUANTIZE, "DEQUANTIZE"},
        {FULLY_CONNECTED, "FULLY_CONNECTED"}, {LOGISTIC, "LOGISTIC"}, {MAX_POOL_2D, "MAX_POOL_2D"}, {MUL, "MUL"},
        {RELU, "RELU"}, {RELU6, "RELU6"}, {RESHAPE, "RESHAPE"}, {RESIZE_BILINEAR, "RESIZE_BILINEAR"},
        {SOFTMAX, "SOFTMAX"}, {TANH, "TANH"}, {CUSTOM, "CUSTOM"}, {PAD, "PAD"}, {TRANSPOSE, "TRANSPOSE"},
        {MEAN, "MEAN"}, {SUB, "SUB"}, {DIV, "DIV"}, {EXP, "EXP"}, {MAXIMUM, "MAXIMUM"}, {MINIMUM, "MINIMUM"},
        {NEG, "NEG"}, {PADV2, "PADV2"}, {SUM, "SUM"}, {SQRT, "SQRT"}, {RSQRT, "RSQRT"}, {REDUCE_MAX, "REDUCE_MAX"},
        {SQUARE, "SQUARE"}, {LEAKY_RELU, "LEAKY_RELU"}, {ABS, "ABS"}, {DENSIFY, "DENSIFY"},
        // Common ones lfr does not map, named so the error says what the model needs.
        {36, "GATHER"}, {43, "SQUEEZE"}, {45, "STRIDED_SLICE"}, {49, "SPLIT"}, {53, "CAST"}, {54, "PRELU"},
        {58, "LESS"}, {62, "GREATER_EQUAL"}, {65, "SLICE"}, {67, "TRANSPOSE_CONV"}, {70, "EXPAND_DIMS"},
        {77, "SHAPE"}, {83, "PACK"}, {97, "RESIZE_NEAREST_NEIGHBOR"}, {114, "QUANTIZE"}, {117, "HARD_SWISH"},
    };
    for (const auto& [c, n] : names)
        if (c == code) return n;
    return "BUILTIN_" + std::to_string(code);
}

const char* type_name(int8_t type) {
    switch (type) {
        case FLOAT32: return "FLOAT32";
        case FLOAT16: return "FLOAT16";
        case INT32: return "INT32";
        case UINT8: return "UINT8";
        case INT64: return "INT64";
        case INT8: return "INT8";
        default: return "an unsupported tensor type";
    }
}

Model read_model(const fb::Buffer& buf) {
    const std::string& label = buf.label();
    // "TFL3" file identifier at bytes 4..8; its absence is allowed by the format but never seen.
    buf.need(0, 8, "header");
    LFR_CHECK(std::equal(buf.bytes(4), buf.bytes(8), "TFL3"), label + ": not a TFLite file (no TFL3 identifier)");
    const fb::Table root = buf.root();
    Model m;
    m.version = root.scalar<uint32_t>(ModelF::version, 0);
    LFR_CHECK(m.version == 3, label + ": TFLite schema version " + std::to_string(m.version) + " (expected 3)");

    const fb::Vector subgraphs = root.vector(ModelF::subgraphs, 4);
    LFR_CHECK(subgraphs.size() >= 1, label + ": no subgraph");
    const fb::Table sg = subgraphs.table(0);

    struct Code {
        int32_t code;
        std::string custom;
    };
    std::vector<Code> codes;
    const fb::Vector opcodes = root.vector(ModelF::operator_codes, 4);
    for (uint32_t i = 0; i < opcodes.size(); ++i) {
        const fb::Table c = opcodes.table(i);
        // Codes above 127 live in builtin_code only; older files fill only the deprecated byte.
        const int32_t code = std::max<int32_t>(c.scalar<int8_t>(OpCodeF::deprecated_builtin_code, 0),
                                               c.scalar<int32_t>(OpCodeF::builtin_code, 0));
        codes.push_back({code, c.string(OpCodeF::custom_code)});
    }

    const fb::Vector buffers = root.vector(ModelF::buffers, 4);
    const fb::Vector tensors = sg.vector(SubGraphF::tensors, 4);
    for (uint32_t i = 0; i < tensors.size(); ++i) {
        const fb::Table t = tensors.table(i);
        Tensor x;
        x.name = t.string(TensorF::name);
        const std::string where = label + ": tensor " + std::to_string(i) + " (" + x.name + ")";
        x.shape = ints(t.vector(TensorF::shape, 4));
        LFR_CHECK(x.shape.size() <= size_t(kMaxRank), where + ": rank " + std::to_string(x.shape.size()) + " too large");
        for (int32_t d : x.shape) LFR_CHECK(d >= 0, where + ": negative dimension");
        x.type = t.scalar<int8_t>(TensorF::type, FLOAT32);
        x.sparse = t.has(TensorF::sparsity);
        if (x.sparse) x.sparsity = read_sparsity(t.table(TensorF::sparsity), where);
        const uint32_t b = t.scalar<uint32_t>(TensorF::buffer, 0);
        LFR_CHECK(b < buffers.size() || (b == 0 && buffers.size() == 0),
                  where + ": buffer " + std::to_string(b) + " out of range (" + std::to_string(buffers.size()) + ")");
        if (b > 0) {  // buffer 0 is the empty sentinel
            const fb::Table bt = buffers.table(b);
            const uint64_t off = bt.scalar<uint64_t>(BufferF::offset, 0);
            if (off > 1) {  // large models keep data after the flatbuffer (offset 1 = "empty")
                const uint64_t n = bt.scalar<uint64_t>(BufferF::size, 0);
                buf.need(off, n, "external buffer");
                x.data = buf.bytes(off), x.bytes = size_t(n);
            } else {
                const fb::Vector d = bt.vector(BufferF::data, 1);
                x.data = d.bytes(), x.bytes = d.size();
            }
        }
        if (x.data && x.sparse) {
            LFR_CHECK(type_size(x.type) && x.bytes % type_size(x.type) == 0,
                      where + ": " + std::to_string(x.bytes) + " bytes of sparse " + type_name(x.type) + " values");
        } else if (x.data) {
            uint64_t n = 1;
            for (int32_t d : x.shape) n = std::min<uint64_t>(n * uint64_t(d), uint64_t(1) << 32);  // saturate
            const size_t elem = type_size(x.type);
            LFR_CHECK(elem && n * elem == x.bytes, where + ": " + std::to_string(x.bytes) + " bytes of data for " +
                                                       type_name(x.type) + " shape of " + std::to_string(n) + " elements");
        }
        m.tensors.push_back(std::move(x));
    }

    const auto tensor_ids = [&](const fb::Vector& v, bool optional, const std::string& where) {
        std::vector<int32_t> ids = ints(v);
        for (int32_t id : ids)
            LFR_CHECK((optional && id == -1) || (id >= 0 && size_t(id) < m.tensors.size()),
                      where + ": tensor index " + std::to_string(id) + " out of range (" +
                          std::to_string(m.tensors.size()) + " tensors)");
        return ids;
    };
    m.inputs = tensor_ids(sg.vector(SubGraphF::inputs, 4), false, label + ": subgraph inputs");
    m.outputs = tensor_ids(sg.vector(SubGraphF::outputs, 4), false, label + ": subgraph outputs");

    const fb::Vector ops = sg.vector(SubGraphF::operators, 4);
    for (uint32_t i = 0; i < ops.size(); ++i) {
        const fb::Table o = ops.table(i);
        const std::string where = label + ": operator " + std::to_string(i);
        const uint32_t ci = o.scalar<uint32_t>(OperatorF::opcode_index, 0);
        LFR_CHECK(ci < codes.size(), where + ": opcode index " + std::to_string(ci) + " out of range (" +
                                         std::to_string(codes.size()) + ")");
        Operator op;
        op.code = codes[ci].code;
        op.custom = codes[ci].custom;
        op.inputs = tensor_ids(o.vector(OperatorF::inputs, 4), true, where + " inputs");
        op.outputs = tensor_ids(o.vector(OperatorF::outputs, 4), false, where + " outputs");
        LFR_CHECK(!op.outputs.empty(), where + ": no outputs");
        op.options_type = o.scalar<uint8_t>(OperatorF::options_type, 0);
        op.options = o.table(OperatorF::options);
        m.operators.push_back(std::move(op));
    }
    return m;
}

}  // namespace lfr::tools::tflite
