// The ONNX importer's state, shared by onnx_model.cpp (values, layouts, inputs/outputs) and
// onnx_ops.cpp (one handler per ONNX op). Internal to weights_tools; the API is onnx_model.h.
#pragma once
#include <limits>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "onnx_const.h"
#include "onnx_model.h"
#include "onnx_proto.h"

namespace lfr::tools::onnx {

// Physical dim i of a 4-D activation holds logical (NCHW) dim kNhwc[i].
extern const std::vector<int> kNhwc;
std::vector<int> identity(size_t rank);

// A named ONNX value: a constant (folded at conversion) or an lfr tensor with its layout.
struct Value {
    bool is_const = false;
    Const c;                   // is_const
    int32_t id = -1;           // lfr tensor
    std::vector<int> perm;     // physical dim i holds logical dim perm[i]
    std::vector<int64_t> chw;  // non-empty: [N, H*W*C], the NHWC-order flatten of logical [N, C, H, W]

    static Value constant(Const c) {
        Value v;
        v.is_const = true;
        v.c = std::move(c);
        return v;
    }
};

class Importer {
public:
    Importer(const Model& model, const OnnxOptions& options) : model_(model), options_(options) {}
    ConvertedModel run(OnnxReport* report);

    // The node being converted.
    const Node& node() const { return *node_; }
    int64_t opset() const { return model_.opset; }
    [[noreturn]] void fail(const std::string& msg) const;
    bool has_input(size_t i) const { return i < node_->inputs.size() && !node_->inputs[i].empty(); }
    const Value& input(size_t i) const;
    const Const& const_input(size_t i, const char* what) const;
    const Attribute* attr(const char* name, int32_t type) const;  // nullptr when absent; checks the type
    int64_t attr_int(const char* name, int64_t def) const;
    float attr_float(const char* name, float def) const;
    std::vector<int64_t> attr_ints(const char* name, std::vector<int64_t> def) const;
    std::string attr_string(const char* name, const std::string& def) const;
    void set_output(size_t i, Value v);

    // The lfr side. emit() names the node after the ONNX node's first output (+ suffix).
    int32_t emit(OpType op, std::vector<int32_t> inputs, const Attrs& attrs = {}, const std::string& suffix = "");
    int32_t weight(const Const& logical, const std::vector<int>& perm, const std::string& suffix);
    const Shape& shape(int32_t id) const { return m_.graph.tensors[size_t(id)].shape; }
    std::vector<int64_t> logical_dims(const Value& v) const;
    // The value as an lfr tensor in layout `perm` (constants become weights; Transposes as needed).
    int32_t in_layout(const Value& v, const std::vector<int>& perm);
    int32_t plain(const Value& v) { return in_layout(v, identity(logical_dims(v).size())); }
    int32_t nhwc(const Value& v);
    // A tensor holding the value's elements in logical order, any shape: the value itself when its
    // layout only moves size-1 dims (e.g. NHWC [N,1,1,C]), else plain(v). For Reshape and Flatten.
    int32_t in_order(const Value& v);
    // The value as a tensor in its own layout; a flatten (chw) is first made plain.
    Value placed(const Value& v);

private:
    const Model& model_;
    const OnnxOptions& options_;
    const Node* node_ = nullptr;
    ConvertedModel m_;
    std::unordered_map<std::string, Value> values_;
    std::map<std::pair<int32_t, std::vector<int>>, int32_t> relayouts_;  // (tensor, perm) -> Transpose output

    bool nhwc_input(const std::string& name) const;
    void add_inputs();
    void add_outputs();
};

// Helpers the op handlers share.
inline int64_t axis_in(const Importer& im, int64_t axis, size_t rank) {
    if (axis < -int64_t(rank) || axis >= int64_t(rank))
        im.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    return axis < 0 ? axis + int64_t(rank) : axis;
}

inline Value runtime(int32_t id, std::vector<int> perm) {
    Value v;
    v.id = id;
    v.perm = std::move(perm);
    return v;
}

// Values of an integer constant, saturated to int64 (INT64_MAX marks "to the end" in Slice).
inline std::vector<int64_t> ints_of(const Const& c) {
    std::vector<int64_t> out;
    for (double d : c.v)
        out.push_back(d >= 9.2e18 ? std::numeric_limits<int64_t>::max() : d <= -9.2e18 ? std::numeric_limits<int64_t>::min() : int64_t(d));
    return out;
}

using Handler = void (*)(Importer&);
const Handler* find_handler(const std::string& op_type);  // nullptr: unsupported

}  // namespace lfr::tools::onnx
