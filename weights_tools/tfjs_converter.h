// The TF.js graph converter (tfjs_graph.h's convert_tfjs_graph): walks the GraphDef in dependency
// order, keeps every TF output as a Val, and maps each node to lfr nodes. Split by concern:
// tfjs_graph.cpp (traversal, constants, inputs and outputs), tfjs_ops.cpp (the op mapping),
// tfjs_fold.cpp (constant folding). Private to weights_tools.
#pragma once
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "lfr/format/builder.h"
#include "manifest.h"
#include "tfjs_tensor.h"

namespace lfr::tools::tfjs {

class Converter {
public:
    Converter(std::string model, const json& root, std::string dir);
    ConvertedModel run();
    bool batch_pinned() const { return batch_pinned_; }
    size_t tf_nodes() const { return order_.size(); }

private:
    std::string model_;
    const json& root_;
    std::map<std::string, const json*> by_name_;
    std::vector<std::string> order_;
    std::map<std::string, ManifestWeight> manifest_;
    std::map<std::string, Val> vals_;  // key: "node:index"
    std::set<std::string> done_, visiting_;
    ConvertedModel m_;
    bool dynamic_batch_ = false, batch_pinned_ = false;

    // ---- node attributes ---------------------------------------------------------------------
    static const json* attr(const json& node, const char* key) {
        if (!node.contains("attr")) return nullptr;
        const json& a = node.at("attr");
        auto it = a.find(key);
        return it == a.end() ? nullptr : &*it;
    }
    static std::string attr_s(const json& node, const char* key, const std::string& def = "") {
        const json* a = attr(node, key);
        return a && a->contains("s") ? base64_decode(a->at("s").get<std::string>()) : def;
    }
    static int64_t attr_i(const json& node, const char* key, int64_t def = 0) {
        const json* a = attr(node, key);
        return a && a->contains("i") ? to_i64(a->at("i")) : def;
    }
    static bool attr_b(const json& node, const char* key, bool def = false) {
        const json* a = attr(node, key);
        return a && a->contains("b") ? a->at("b").get<bool>() : def;
    }
    static float attr_f(const json& node, const char* key, float def = 0.f) {
        const json* a = attr(node, key);
        if (!a || !a->contains("f")) return def;
        const json& f = a->at("f");
        return f.is_string() ? std::stof(f.get<std::string>()) : f.get<float>();
    }
    static std::vector<int64_t> attr_ints(const json& node, const char* key) {
        std::vector<int64_t> out;
        const json* a = attr(node, key);
        if (a && a->contains("list") && a->at("list").contains("i"))
            for (const json& v : a->at("list").at("i")) out.push_back(to_i64(v));
        return out;
    }
    static std::vector<std::string> attr_strings(const json& node, const char* key) {
        std::vector<std::string> out;
        const json* a = attr(node, key);
        if (a && a->contains("list") && a->at("list").contains("s"))
            for (const json& v : a->at("list").at("s")) out.push_back(base64_decode(v.get<std::string>()));
        return out;
    }

    std::string where(const json& node) const { return model_ + ": node " + node.at("name").get<std::string>(); }

    [[noreturn]] void unsupported(const json& node, const std::string& detail = "") const {
        throw Error(model_ + ": unsupported TF op " + node.at("op").get<std::string>() + " at node " +
                    node.at("name").get<std::string>() + (detail.empty() ? "" : " (" + detail + ")"));
    }

    // ---- traversal ---------------------------------------------------------------------------
    static std::string key_of(const std::string& input) {
        const std::string s = input[0] == '^' ? input.substr(1) : input;
        return s.find(':') == std::string::npos ? s + ":0" : s;
    }
    static std::string node_of(const std::string& input) {
        const std::string s = input[0] == '^' ? input.substr(1) : input;
        return s.substr(0, s.find(':'));
    }

    void visit(const std::string& name);
    std::vector<std::string> data_inputs(const json& node) const;
    Val& val(const std::string& key, const json& node);

    // The graph tensor for a value: runtime tensors as they are, float constants as weights.
    int32_t tensor(Val& v, const json& node);
    Val& emit(const json& node, OpType op, std::vector<int32_t> inputs, Attrs attrs, const Shape& shape);
    void set_const(const json& node, Val v);

    // ---- constants ---------------------------------------------------------------------------
    Val const_value(const json& node);
    const Val& int_const(const std::string& key, const json& node, const char* what);
    const Val& float_const(const std::string& key, const json& node, const char* what);
    Val& runtime(const std::string& key, const json& node);

    // A per-channel [c] vector from a constant that is c values or a scalar.
    std::vector<float> channel_vector(const Val& v, int64_t c, const json& node, const char* what);

    // ---- the op mapping ----------------------------------------------------------------------
    void convert(const json& node);
    void placeholder(const json& node);

    // Pads/strides/padding of a conv or pool node.
    void window_attrs(const json& node, Attrs& a, bool conv);
    Shape window_shape(const Shape& x, int64_t kh, int64_t kw, int64_t c, const Attrs& a, const json& node);

    // fused_ops of _FusedConv2D / FusedDepthwiseConv2dNative / _FusedMatMul -> bias, act, alpha.
    void fused_ops(const json& node, const std::vector<std::string>& in, size_t first_arg, int64_t c,
                   std::vector<int32_t>& inputs, Attrs& a);
    void conv(const json& node, const std::string& op, const std::vector<std::string>& in);
    void matmul(const json& node, const std::string&, const std::vector<std::string>& in);
    void binary(const json& node, const std::string& op, const std::vector<std::string>& in);
    void prelu(const json& node, const std::vector<std::string>& in);
    void pool(const json& node, const std::string& op, const std::vector<std::string>& in);
    static int32_t resolve_axis(int64_t axis, int rank, const std::string& where);
    void reduce(const json& node, const std::string& op, const std::vector<std::string>& in);

    // Static shape of a reshape target (one -1 allowed), checked against the element count.
    Shape reshape_target(const std::vector<int64_t>& target, int64_t n, const json& node);
    void reshape(const json& node, const std::vector<std::string>& in);

    // A Reshape to a static shape, with the batch left free (-1) when the graph's batch is dynamic.
    void reshape_to(const json& node, Val& x, const Shape& s, bool batch_kept);
    void expand_squeeze(const json& node, const std::string& op, const std::vector<std::string>& in);
    void concat(const json& node, const std::vector<std::string>& in);
    void pad(const json& node, const std::string& op, const std::vector<std::string>& in);
    SliceSpec slice_spec(const json& node, const Shape& in_shape, const std::vector<std::string>& in);
    void strided_slice(const json& node, const std::vector<std::string>& in);
    void resize_bilinear(const json& node, const std::vector<std::string>& in);
    void depth_to_space(const json& node, const std::vector<std::string>& in);
    void transpose(const json& node, const std::vector<std::string>& in);
    void shape_op(const json& node, const std::vector<std::string>& in);

    // ---- constant folding --------------------------------------------------------------------
    // Evaluates an op whose inputs are all constants; returns false if the op is not foldable here.
    bool fold_constant(const json& node, const std::string& op, const std::vector<std::string>& in);

    // ---- outputs -----------------------------------------------------------------------------
    // As tfjs-converter: the signature's outputs (userDefinedMetadata.signature wins over the
    // top-level one), in the order of its keys; without one, every node nothing consumes (control
    // inputs count as consumers), in node order.
    void set_outputs();
};

}  // namespace lfr::tools::tfjs
