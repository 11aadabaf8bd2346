#include "tfjs_graph.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "manifest.h"
#include "passes.h"

namespace lfr::tools {

namespace {

using json = nlohmann::ordered_json;  // key order matters: signature outputs keep the file's order

std::string base64_decode(const std::string& in) {
    static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char ch : in) {
        if (ch == '=' || ch == '\n' || ch == '\r') continue;
        size_t v = chars.find(ch);
        if (v == std::string::npos) v = ch == '-' ? 62 : ch == '_' ? 63 : std::string::npos;  // url-safe
        LFR_CHECK(v != std::string::npos, "bad base64 character in a TF attribute");
        acc = (acc << 6) | uint32_t(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(char((acc >> bits) & 0xff));
        }
    }
    return out;
}

int64_t to_i64(const json& v) { return v.is_string() ? std::stoll(v.get<std::string>()) : v.get<int64_t>(); }

// Proto-JSON field lookup accepting both camelCase (what tfjs-converter writes) and snake_case.
const json* field(const json& obj, const char* camel, const char* snake = nullptr) {
    if (!obj.is_object()) return nullptr;
    auto it = obj.find(camel);
    if (it != obj.end()) return &*it;
    if (snake) {
        it = obj.find(snake);
        if (it != obj.end()) return &*it;
    }
    return nullptr;
}

// A TF tensor during conversion: a runtime value (a tensor of the lfr graph) or a constant.
struct Val {
    enum Kind { Runtime, Float, Int } kind = Runtime;
    int32_t id = -1;  // Runtime: the graph tensor; Float: the weight made for it, once needed
    Shape shape;      // Runtime: static shape with the batch taken as 1; constants: exact
    std::vector<float> f;
    std::vector<int64_t> i;
    std::string name;
};

Shape broadcast(const Shape& a, const Shape& b, const std::string& where) {
    Shape r;
    r.rank = std::max(a.rank, b.rank);
    for (int k = 0; k < r.rank; ++k) {
        const int ia = a.rank - r.rank + k, ib = b.rank - r.rank + k;
        const int64_t da = ia >= 0 ? a.dim[ia] : 1, db = ib >= 0 ? b.dim[ib] : 1;
        LFR_CHECK(da == db || da == 1 || db == 1,
                  where + ": shapes " + a.str() + " and " + b.str() + " do not broadcast");
        r.dim[k] = da == 1 ? db : da;
    }
    return r;
}

// Row-major index of `out_index` (in shape `out`) into a broadcast operand of shape `s`.
int64_t broadcast_index(const Shape& out, const Shape& s, int64_t out_index) {
    int64_t idx = 0, stride = 1;
    for (int k = out.rank - 1; k >= 0; --k) {
        const int64_t c = out_index % out.dim[k];
        out_index /= out.dim[k];
        const int ks = s.rank - out.rank + k;
        if (ks < 0) continue;
        if (s.dim[ks] != 1) idx += c * stride;
        stride *= s.dim[ks];
    }
    return idx;
}

// TF's conv / pool output size.
int64_t window_out(int64_t in, int64_t k, int64_t s, Padding p, int64_t pad_before = 0, int64_t pad_after = 0) {
    if (p == Padding::Same) return (in + s - 1) / s;
    if (p == Padding::Valid) return (in - k + s) / s;
    return (in + pad_before + pad_after - k) / s + 1;
}

// StridedSlice resolved for a given input shape: per input dim begin/end/stride, the shrink mask
// over input dims, the shape after shrinking, and the final shape (new axes inserted).
struct SliceSpec {
    std::vector<int32_t> begin, end, stride;
    int32_t shrink = 0;
    Shape shrunk, final_shape;
};

SliceSpec resolve_strided_slice(const Shape& in, std::vector<int64_t> b, std::vector<int64_t> e, std::vector<int64_t> s,
                                int64_t begin_mask, int64_t end_mask, int64_t ellipsis_mask, int64_t new_axis_mask,
                                int64_t shrink_mask, const std::string& where) {
    const int n = int(b.size());
    LFR_CHECK(int(e.size()) == n && int(s.size()) == n, where + ": begin/end/strides lengths differ");
    if (!ellipsis_mask) {  // TF adds an implicit ellipsis after the given dims
        ellipsis_mask = int64_t(1) << n;
        b.push_back(0), e.push_back(0), s.push_back(1);
    }
    const int sparse = int(b.size());
    int new_after_ellipsis = 0;
    bool seen_ellipsis = false;
    for (int k = 0; k < sparse; ++k) {
        if ((ellipsis_mask >> k) & 1) seen_ellipsis = true;
        else if (seen_ellipsis && ((new_axis_mask >> k) & 1)) ++new_after_ellipsis;
    }
    SliceSpec r;
    const int rank = in.rank;
    r.begin.assign(size_t(rank), 0), r.end.assign(size_t(rank), 0), r.stride.assign(size_t(rank), 1);
    std::vector<int64_t> sizes(size_t(rank), 0);
    std::vector<int64_t> final_dims;
    int full = 0;
    auto set_dim = [&](int d, int64_t bb, int64_t ee, int64_t ss, bool bm, bool em, bool shrink) {
        LFR_CHECK(d < rank, where + ": slice has more dims than its input " + in.str());
        LFR_CHECK(ss != 0, where + ": stride 0");
        const int64_t dim = in.dim[d];
        if (shrink) {
            int64_t x = bb < 0 ? bb + dim : bb;
            LFR_CHECK(x >= 0 && x < dim, where + ": shrink index out of range");
            r.begin[size_t(d)] = int32_t(x), r.end[size_t(d)] = int32_t(x + 1), r.stride[size_t(d)] = 1;
            r.shrink |= 1 << d;
            sizes[size_t(d)] = 1;
            return;
        }
        auto canon = [&](int64_t x, bool masked, bool is_begin) {
            if (masked) return ss > 0 ? (is_begin ? 0 : dim) : (is_begin ? dim - 1 : -1);
            if (x < 0) x += dim;
            return ss > 0 ? std::clamp<int64_t>(x, 0, dim) : std::clamp<int64_t>(x, -1, dim - 1);
        };
        const int64_t cb = canon(bb, bm, true), ce = canon(ee, em, false);
        r.begin[size_t(d)] = int32_t(cb), r.end[size_t(d)] = int32_t(ce), r.stride[size_t(d)] = int32_t(ss);
        const int64_t len = ss > 0 ? (ce - cb + ss - 1) / ss : (cb - ce + (-ss) - 1) / (-ss);
        sizes[size_t(d)] = std::max<int64_t>(0, len);
        final_dims.push_back(sizes[size_t(d)]);
    };
    for (int k = 0; k < sparse; ++k) {
        if ((ellipsis_mask >> k) & 1) {
            const int next = std::min(rank - (sparse - k) + 1 + new_after_ellipsis, rank);
            for (; full < next; ++full) set_dim(full, 0, 0, 1, true, true, false);
        } else if ((new_axis_mask >> k) & 1) {
            final_dims.push_back(1);
        } else {
            set_dim(full, b[size_t(k)], e[size_t(k)], s[size_t(k)], (begin_mask >> k) & 1, (end_mask >> k) & 1,
                    (shrink_mask >> k) & 1);
            ++full;
        }
    }
    LFR_CHECK(full == rank, where + ": slice does not cover input rank " + std::to_string(rank));
    for (int d = 0; d < rank; ++d)
        if (!((r.shrink >> d) & 1)) r.shrunk.dim[r.shrunk.rank++] = sizes[size_t(d)];
    LFR_CHECK(final_dims.size() <= size_t(kMaxRank), where + ": slice result rank too large");
    for (int64_t d : final_dims) r.final_shape.dim[r.final_shape.rank++] = d;
    return r;
}

class Converter {
public:
    Converter(std::string model, const json& root, std::string dir) : model_(std::move(model)), root_(root) {
        const json& topo = root_.at("modelTopology");
        LFR_CHECK(topo.contains("node"), model_ + ": modelTopology has no nodes");
        for (const json& n : topo.at("node")) {
            const std::string name = n.at("name").get<std::string>();
            LFR_CHECK(!by_name_.count(name), model_ + ": duplicate node name " + name);
            by_name_[name] = &n;
            order_.push_back(name);
        }
        if (root_.contains("weightsManifest")) manifest_ = read_manifest(root_.at("weightsManifest"), dir);
    }

    ConvertedModel run() {
        for (const std::string& name : order_) visit(name);
        set_outputs();
        return std::move(m_);
    }
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

    void visit(const std::string& name) {
        if (done_.count(name)) return;
        LFR_CHECK(!visiting_.count(name), model_ + ": cycle in the graph at node " + name);
        auto it = by_name_.find(name);
        LFR_CHECK(it != by_name_.end(), model_ + ": input refers to missing node " + name);
        visiting_.insert(name);
        const json& node = *it->second;
        if (node.contains("input"))
            for (const json& in : node.at("input")) visit(node_of(in.get<std::string>()));
        convert(node);
        visiting_.erase(name);
        done_.insert(name);
    }

    std::vector<std::string> data_inputs(const json& node) const {
        std::vector<std::string> out;
        if (node.contains("input"))
            for (const json& in : node.at("input")) {
                const std::string s = in.get<std::string>();
                if (s[0] != '^') out.push_back(key_of(s));
            }
        return out;
    }

    Val& val(const std::string& key, const json& node) {
        auto it = vals_.find(key);
        if (it == vals_.end()) unsupported(node, "input " + key + " is not a supported output of its node");
        return it->second;
    }

    // The graph tensor for a value: runtime tensors as they are, float constants as weights.
    int32_t tensor(Val& v, const json& node) {
        if (v.kind == Val::Runtime) return v.id;
        if (v.kind == Val::Int) unsupported(node, "int32 tensor " + v.name + " used as data");
        if (v.id < 0) v.id = m_.weight(v.name, v.shape, v.f);
        return v.id;
    }

    Val& emit(const json& node, OpType op, std::vector<int32_t> inputs, Attrs attrs, const Shape& shape) {
        const std::string name = node.at("name").get<std::string>();
        const int32_t id = m_.node(op, name, std::move(inputs), std::move(attrs));
        m_.graph.tensors[size_t(id)].shape = shape;
        Val& v = vals_[name + ":0"];
        v = Val{};
        v.kind = Val::Runtime, v.id = id, v.shape = shape, v.name = name;
        return v;
    }
    void set_const(const json& node, Val v) {
        v.name = node.at("name").get<std::string>();
        v.id = -1;
        vals_[v.name + ":0"] = std::move(v);
    }

    // ---- constants ---------------------------------------------------------------------------
    Val const_value(const json& node) {
        const std::string name = node.at("name").get<std::string>();
        Val v;
        v.name = name;
        auto mw = manifest_.find(name);
        if (mw != manifest_.end()) {
            v.shape = mw->second.shape;
            if (mw->second.is_int) {
                v.kind = Val::Int;
                v.i.assign(mw->second.ints.begin(), mw->second.ints.end());
            } else {
                v.kind = Val::Float;
                v.f = mw->second.floats;
            }
            return v;
        }
        const json* a = attr(node, "value");
        const json* t = a ? field(*a, "tensor") : nullptr;
        LFR_CHECK(t, where(node) + ": Const has neither a manifest entry nor an inline tensor");
        const std::string dtype = t->value("dtype", std::string("DT_FLOAT"));
        if (const json* ts = field(*t, "tensorShape", "tensor_shape"))
            if (ts->contains("dim"))
                for (const json& d : ts->at("dim")) {
                    LFR_CHECK(v.shape.rank < kMaxRank, where(node) + ": constant rank too large");
                    v.shape.dim[v.shape.rank++] = d.contains("size") ? to_i64(d.at("size")) : 0;
                }
        const size_t n = size_t(v.shape.checked_numel(where(node) + ": constant"));
        const bool is_float = dtype == "DT_FLOAT";
        const bool is_int = dtype == "DT_INT32" || dtype == "DT_INT64";
        if (!is_float && !is_int) unsupported(node, "constant of type " + dtype);
        v.kind = is_float ? Val::Float : Val::Int;
        if (const json* c = field(*t, "tensorContent", "tensor_content")) {
            const std::string bytes = base64_decode(c->get<std::string>());
            const size_t elem = dtype == "DT_INT64" ? 8 : 4;
            LFR_CHECK(bytes.size() == n * elem, where(node) + ": tensorContent size does not match its shape");
            for (size_t k = 0; k < n; ++k) {
                if (is_float) {
                    float x;
                    std::memcpy(&x, bytes.data() + 4 * k, 4);
                    v.f.push_back(x);
                } else if (elem == 8) {
                    int64_t x;
                    std::memcpy(&x, bytes.data() + 8 * k, 8);
                    v.i.push_back(x);
                } else {
                    int32_t x;
                    std::memcpy(&x, bytes.data() + 4 * k, 4);
                    v.i.push_back(x);
                }
            }
            return v;
        }
        // float_val / int_val: TF repeats the last value to fill the shape.
        const json* list = is_float ? field(*t, "floatVal", "float_val")
                                    : field(*t, dtype == "DT_INT64" ? "int64Val" : "intVal",
                                            dtype == "DT_INT64" ? "int64_val" : "int_val");
        std::vector<double> vals;
        if (list)
            for (const json& x : *list) vals.push_back(x.is_string() ? std::stod(x.get<std::string>()) : x.get<double>());
        if (vals.empty()) vals.push_back(0.0);
        for (size_t k = 0; k < n; ++k) {
            const double x = vals[std::min(k, vals.size() - 1)];
            if (is_float) v.f.push_back(float(x));
            else v.i.push_back(int64_t(x));
        }
        return v;
    }

    const Val& int_const(const std::string& key, const json& node, const char* what) {
        Val& v = val(key, node);
        if (v.kind != Val::Int) unsupported(node, std::string(what) + " must be an int32 constant");
        return v;
    }
    const Val& float_const(const std::string& key, const json& node, const char* what) {
        Val& v = val(key, node);
        if (v.kind != Val::Float) unsupported(node, std::string(what) + " must be a float constant");
        return v;
    }
    Val& runtime(const std::string& key, const json& node) {
        Val& v = val(key, node);
        if (v.kind == Val::Int) unsupported(node, "data input " + key + " is an int32 tensor");
        return v;
    }

    // A per-channel [c] vector from a constant that is c values or a scalar.
    std::vector<float> channel_vector(const Val& v, int64_t c, const json& node, const char* what) {
        LFR_CHECK(v.f.size() == size_t(c) || v.f.size() == 1,
                  where(node) + ": " + what + " has " + std::to_string(v.f.size()) + " values for " +
                      std::to_string(c) + " channels");
        return v.f.size() == 1 ? std::vector<float>(size_t(c), v.f[0]) : v.f;
    }

    // ---- the op mapping ----------------------------------------------------------------------
    void convert(const json& node) {
        const std::string op = node.at("op").get<std::string>();
        const std::string name = node.at("name").get<std::string>();
        const std::vector<std::string> in = data_inputs(node);

        if (op == "Const") return set_const(node, const_value(node));
        if (op == "Placeholder" || op == "PlaceholderWithDefault") return placeholder(node);
        if (op == "Identity" || op == "StopGradient" || op == "Snapshot") {
            LFR_CHECK(!in.empty(), where(node) + ": Identity without input");
            vals_[name + ":0"] = val(in[0], node);
            return;
        }
        if (op == "NoOp") return;

        // Everything computable at conversion time is computed (shape subgraphs, constant math).
        bool all_const = !in.empty();
        for (const std::string& k : in) all_const = all_const && val(k, node).kind != Val::Runtime;
        if (all_const && fold_constant(node, op, in)) return;

        if (op == "Conv2D" || op == "_FusedConv2D" || op == "DepthwiseConv2dNative" || op == "FusedDepthwiseConv2dNative")
            return conv(node, op, in);
        if (op == "MatMul" || op == "_FusedMatMul") return matmul(node, op, in);
        if (op == "Add" || op == "AddV2" || op == "BiasAdd" || op == "Sub" || op == "Mul" || op == "RealDiv" ||
            op == "Div" || op == "Maximum" || op == "Minimum")
            return binary(node, op, in);
        static const std::map<std::string, OpType> unary = {
            {"Relu", OpType::Relu},     {"Relu6", OpType::Relu6}, {"Sigmoid", OpType::Sigmoid},
            {"Tanh", OpType::Tanh},     {"Abs", OpType::Abs},     {"Square", OpType::Square},
            {"Sqrt", OpType::Sqrt},     {"Rsqrt", OpType::Rsqrt}, {"Exp", OpType::Exp},
            {"Neg", OpType::Neg},       {"Softmax", OpType::Softmax}, {"LeakyRelu", OpType::LeakyRelu}};
        if (auto u = unary.find(op); u != unary.end()) {
            Val& x = runtime(in.at(0), node);
            Attrs a;
            if (op == "LeakyRelu") a.alpha = attr_f(node, "alpha", 0.2f);
            const Shape s = x.shape;
            emit(node, u->second, {tensor(x, node)}, a, s);
            return;
        }
        if (op == "Prelu") return prelu(node, in);
        if (op == "MaxPool" || op == "AvgPool") return pool(node, op, in);
        if (op == "Mean" || op == "Sum" || op == "Max") return reduce(node, op, in);
        if (op == "Reshape") return reshape(node, in);
        if (op == "ExpandDims" || op == "Squeeze") return expand_squeeze(node, op, in);
        if (op == "ConcatV2") return concat(node, in);
        if (op == "Pad" || op == "PadV2") return pad(node, op, in);
        if (op == "StridedSlice") return strided_slice(node, in);
        if (op == "ResizeBilinear") return resize_bilinear(node, in);
        if (op == "DepthToSpace") return depth_to_space(node, in);
        if (op == "Transpose") return transpose(node, in);
        if (op == "Shape") return shape_op(node, in);
        if (op == "Cast") {
            Val& x = val(in.at(0), node);
            if (x.kind == Val::Runtime) {  // float -> float only
                const std::string t = attr(node, "DstT") ? attr(node, "DstT")->value("type", std::string("DT_FLOAT")) : "DT_FLOAT";
                if (t != "DT_FLOAT") unsupported(node, "cast of a runtime tensor to " + t);
                vals_[name + ":0"] = x;
                return;
            }
        }
        unsupported(node);
    }

    void placeholder(const json& node) {
        const json* a = attr(node, "shape");
        Shape declared;
        LFR_CHECK(a && a->contains("shape") && !a->at("shape").value("unknownRank", false),
                  where(node) + ": Placeholder without a static rank");
        if (a->at("shape").contains("dim"))
            for (const json& d : a->at("shape").at("dim")) {
                LFR_CHECK(declared.rank < kMaxRank, where(node) + ": input rank too large");
                declared.dim[declared.rank++] = d.contains("size") ? to_i64(d.at("size")) : -1;
            }
        Shape stat = declared;
        for (int k = 0; k < stat.rank; ++k) {
            if (stat.dim[k] >= 0) continue;
            LFR_CHECK(k == 0, where(node) + ": input dim " + std::to_string(k) +
                                  " is dynamic; only the batch may be (shape " + declared.str() + ")");
            stat.dim[k] = 1;
            dynamic_batch_ = true;
        }
        const std::string name = node.at("name").get<std::string>();
        const int32_t id = m_.input(name, declared);
        Val v;
        v.kind = Val::Runtime, v.id = id, v.shape = stat, v.name = name;
        vals_[name + ":0"] = v;
    }

    // Pads/strides/padding of a conv or pool node.
    void window_attrs(const json& node, Attrs& a, bool conv) {
        const std::string fmt = attr_s(node, "data_format", "NHWC");
        if (fmt != "NHWC") unsupported(node, "data_format " + fmt);
        const auto strides = attr_ints(node, "strides");
        const auto positive = [](int64_t v) { return v >= 1 && v <= std::numeric_limits<int32_t>::max(); };
        LFR_CHECK(strides.size() == 4 && strides[0] == 1 && strides[3] == 1 && positive(strides[1]) && positive(strides[2]),
                  where(node) + ": strides must be [1,h,w,1] with h, w >= 1");
        a.stride_h = int32_t(strides[1]), a.stride_w = int32_t(strides[2]);
        if (conv) {
            const auto dil = attr_ints(node, "dilations");
            for (int64_t d : dil)
                if (d != 1) throw Error(where(node) + ": dilations other than 1 are not supported");
        }
        const std::string pad = attr_s(node, "padding", "VALID");
        if (pad == "SAME") a.padding = Padding::Same;
        else if (pad == "VALID") a.padding = Padding::Valid;
        else if (pad == "EXPLICIT") {
            const auto e = attr_ints(node, "explicit_paddings");
            LFR_CHECK(e.size() == 8 && !e[0] && !e[1] && !e[6] && !e[7],
                      where(node) + ": explicit_paddings must pad H and W only");
            a.padding = Padding::Explicit;
            a.pad_top = int32_t(e[2]), a.pad_bottom = int32_t(e[3]), a.pad_left = int32_t(e[4]), a.pad_right = int32_t(e[5]);
        } else unsupported(node, "padding " + pad);
    }

    Shape window_shape(const Shape& x, int64_t kh, int64_t kw, int64_t c, const Attrs& a, const json& node) {
        LFR_CHECK(x.rank == 4, where(node) + ": input must be NHWC, got " + x.str());
        const int64_t oh = window_out(x[1], kh, a.stride_h, a.padding, a.pad_top, a.pad_bottom);
        const int64_t ow = window_out(x[2], kw, a.stride_w, a.padding, a.pad_left, a.pad_right);
        LFR_CHECK(oh > 0 && ow > 0, where(node) + ": window larger than its input " + x.str());
        return Shape{x[0], oh, ow, c};
    }

    // fused_ops of _FusedConv2D / FusedDepthwiseConv2dNative / _FusedMatMul -> bias, act, alpha.
    void fused_ops(const json& node, const std::vector<std::string>& in, size_t first_arg, int64_t c,
                   std::vector<int32_t>& inputs, Attrs& a) {
        const auto ops = attr_strings(node, "fused_ops");
        if (ops.empty()) return;
        if (ops[0] != "BiasAdd") unsupported(node, "fused op " + ops[0]);
        inputs.resize(4, -1);
        const Val& bias = float_const(in.at(first_arg), node, "bias");
        inputs[2] = m_.weight(bias.name, Shape{c}, channel_vector(bias, c, node, "bias"));
        if (ops.size() == 1) return;
        LFR_CHECK(ops.size() == 2, where(node) + ": more than two fused ops");
        const std::string& act = ops[1];
        if (act == "Relu") a.act = Activation::Relu;
        else if (act == "Relu6") a.act = Activation::Relu6;
        else if (act == "Sigmoid") a.act = Activation::Sigmoid;
        else if (act == "LeakyRelu") {
            a.act = Activation::Leaky;
            a.alpha = attr_f(node, "leakyrelu_alpha", 0.2f);
        } else if (act == "Prelu") {
            a.act = Activation::Prelu;
            const Val& alpha = float_const(in.at(first_arg + 1), node, "prelu alpha");
            inputs[3] = m_.weight(alpha.name, Shape{c}, channel_vector(alpha, c, node, "prelu alpha"));
        } else unsupported(node, "fused activation " + act);
    }

    void conv(const json& node, const std::string& op, const std::vector<std::string>& in) {
        const bool depthwise = op.find("Depthwise") != std::string::npos;
        Val& x = runtime(in.at(0), node);
        const Val& w = float_const(in.at(1), node, "filter");
        LFR_CHECK(w.shape.rank == 4, where(node) + ": filter must be 4-D, got " + w.shape.str());
        Attrs a;
        window_attrs(node, a, true);
        const int64_t c = depthwise ? w.shape[2] * w.shape[3] : w.shape[3];
        LFR_CHECK(x.shape[3] == w.shape[2], where(node) + ": input " + x.shape.str() + " vs filter " + w.shape.str());
        std::vector<int32_t> inputs = {tensor(x, node), tensor(val(in[1], node), node)};
        fused_ops(node, in, 2, c, inputs, a);
        const Shape s = window_shape(x.shape, w.shape[0], w.shape[1], c, a, node);
        emit(node, depthwise ? OpType::DepthwiseConv2D : OpType::Conv2D, inputs, a, s);
    }

    void matmul(const json& node, const std::string&, const std::vector<std::string>& in) {
        Val& x = runtime(in.at(0), node);
        Val& wv = val(in.at(1), node);
        if (wv.kind != Val::Float) unsupported(node, "the second operand must be a constant");
        LFR_CHECK(x.shape.rank == 2 && wv.shape.rank == 2, where(node) + ": operands must be 2-D");
        int32_t xt = tensor(x, node);
        Shape xs = x.shape;
        if (attr_b(node, "transpose_a")) {
            Attrs t;
            t.ints = {1, 0};
            const std::string tname = node.at("name").get<std::string>() + "/transpose_a";
            xt = m_.node(OpType::Transpose, tname, {xt}, t);
            xs = Shape{xs[1], xs[0]};
            m_.graph.tensors[size_t(xt)].shape = xs;
        }
        int32_t w;
        int64_t k = wv.shape[0], c = wv.shape[1];
        if (attr_b(node, "transpose_b")) {
            std::swap(k, c);
            std::vector<float> t(wv.f.size());
            for (int64_t r = 0; r < k; ++r)
                for (int64_t q = 0; q < c; ++q) t[size_t(r * c + q)] = wv.f[size_t(q * k + r)];
            w = m_.weight(wv.name + "/transposed", Shape{k, c}, std::move(t));
        } else {
            w = tensor(wv, node);
        }
        LFR_CHECK(xs[1] == k, where(node) + ": x " + xs.str() + " vs weight [" + std::to_string(k) + "," +
                                  std::to_string(c) + "]");
        std::vector<int32_t> inputs = {xt, w};
        Attrs a;
        fused_ops(node, in, 2, c, inputs, a);
        emit(node, OpType::MatMul, inputs, a, Shape{xs[0], c});
    }

    void binary(const json& node, const std::string& op, const std::vector<std::string>& in) {
        LFR_CHECK(in.size() == 2, where(node) + ": expects two inputs");
        static const std::map<std::string, OpType> ops = {
            {"Add", OpType::Add}, {"AddV2", OpType::Add}, {"BiasAdd", OpType::Add}, {"Sub", OpType::Sub},
            {"Mul", OpType::Mul}, {"RealDiv", OpType::Div}, {"Div", OpType::Div}, {"Maximum", OpType::Maximum},
            {"Minimum", OpType::Minimum}};
        if (op == "BiasAdd") {
            const std::string fmt = attr_s(node, "data_format", "NHWC");
            if (fmt != "NHWC") unsupported(node, "data_format " + fmt);
        }
        Val& a = runtime(in[0], node);
        Val& b = runtime(in[1], node);
        const Shape s = broadcast(a.shape, b.shape, where(node));
        const int32_t ta = tensor(a, node);
        const int32_t tb = tensor(val(in[1], node), node);
        emit(node, ops.at(op), {ta, tb}, Attrs{}, s);
    }

    void prelu(const json& node, const std::vector<std::string>& in) {
        Val& x = runtime(in.at(0), node);
        const Val& alpha = float_const(in.at(1), node, "alpha");
        const int64_t c = x.shape[-1];
        const int32_t aw = m_.weight(alpha.name, Shape{c}, channel_vector(alpha, c, node, "alpha"));
        const Shape s = x.shape;
        emit(node, OpType::Prelu, {tensor(x, node), aw}, Attrs{}, s);
    }

    void pool(const json& node, const std::string& op, const std::vector<std::string>& in) {
        Val& x = runtime(in.at(0), node);
        Attrs a;
        window_attrs(node, a, false);
        LFR_CHECK(a.padding != Padding::Explicit, where(node) + ": explicit pool padding is not supported");
        const auto k = attr_ints(node, "ksize");
        LFR_CHECK(k.size() == 4 && k[0] == 1 && k[3] == 1, where(node) + ": ksize must be [1,h,w,1]");
        a.kernel_h = int32_t(k[1]), a.kernel_w = int32_t(k[2]);
        const Shape s = window_shape(x.shape, k[1], k[2], x.shape[3], a, node);
        emit(node, op == "MaxPool" ? OpType::MaxPool : OpType::AvgPool, {tensor(x, node)}, a, s);
    }

    static int32_t resolve_axis(int64_t axis, int rank, const std::string& where) {
        if (axis < 0) axis += rank;
        LFR_CHECK(axis >= 0 && axis < rank, where + ": axis out of range for rank " + std::to_string(rank));
        return int32_t(axis);
    }

    void reduce(const json& node, const std::string& op, const std::vector<std::string>& in) {
        Val& x = runtime(in.at(0), node);
        const Val& axes = int_const(in.at(1), node, "reduction axes");
        Attrs a;
        a.keep_dims = attr_b(node, "keep_dims");
        std::set<int32_t> ax;
        for (int64_t v : axes.i) ax.insert(resolve_axis(v, x.shape.rank, where(node)));
        a.ints.assign(ax.begin(), ax.end());
        Shape s;
        for (int d = 0; d < x.shape.rank; ++d) {
            if (!ax.count(d)) s.dim[s.rank++] = x.shape[d];
            else if (a.keep_dims) s.dim[s.rank++] = 1;
        }
        const OpType t = op == "Mean" ? OpType::Mean : op == "Sum" ? OpType::Sum : OpType::Max;
        emit(node, t, {tensor(x, node)}, a, s);
    }

    // Static shape of a reshape target (one -1 allowed), checked against the element count.
    Shape reshape_target(const std::vector<int64_t>& target, int64_t n, const json& node) {
        Shape s;
        int unknown = -1;
        int64_t known = 1;
        LFR_CHECK(target.size() <= size_t(kMaxRank), where(node) + ": reshape rank too large");
        for (size_t k = 0; k < target.size(); ++k) {
            if (target[k] == -1) {
                LFR_CHECK(unknown < 0, where(node) + ": more than one -1 in a reshape");
                unknown = int(k);
            } else known *= target[k];
            s.dim[s.rank++] = target[k];
        }
        if (unknown >= 0) {
            LFR_CHECK(known > 0 && n % known == 0, where(node) + ": reshape does not divide");
            s.dim[unknown] = n / known;
        }
        LFR_CHECK(s.numel() == n, where(node) + ": reshape to " + s.str() + " of " + std::to_string(n) + " elements");
        return s;
    }

    void reshape(const json& node, const std::vector<std::string>& in) {
        Val& x = runtime(in.at(0), node);
        const Val& shape = int_const(in.at(1), node, "reshape shape");
        const Shape s = reshape_target(shape.i, x.shape.numel(), node);
        Attrs a;
        for (int64_t v : shape.i) a.ints.push_back(int32_t(v));
        if (dynamic_batch_ && !a.ints.empty() && a.ints[0] != -1 &&
            std::find(a.ints.begin(), a.ints.end(), -1) == a.ints.end())
            batch_pinned_ = true;
        emit(node, OpType::Reshape, {tensor(x, node)}, a, s);
    }

    // A Reshape to a static shape, with the batch left free (-1) when the graph's batch is dynamic.
    void reshape_to(const json& node, Val& x, const Shape& s, bool batch_kept) {
        Attrs a;
        for (int k = 0; k < s.rank; ++k) a.ints.push_back(int32_t(s.dim[k]));
        if (dynamic_batch_ && batch_kept && s.rank > 0 && x.shape.rank > 0) a.ints[0] = -1;
        emit(node, OpType::Reshape, {tensor(x, node)}, a, s);
    }

    void expand_squeeze(const json& node, const std::string& op, const std::vector<std::string>& in) {
        Val& x = runtime(in.at(0), node);
        Shape s;
        bool batch_kept = true;
        if (op == "ExpandDims") {
            const Val& axv = int_const(in.at(1), node, "axis");
            LFR_CHECK(axv.i.size() == 1, where(node) + ": axis must be a scalar");
            const int32_t axis = resolve_axis(axv.i[0], x.shape.rank + 1, where(node));
            LFR_CHECK(x.shape.rank < kMaxRank, where(node) + ": rank too large");
            for (int d = 0, k = 0; d <= x.shape.rank; ++d) s.dim[s.rank++] = d == axis ? 1 : x.shape.dim[k++];
            batch_kept = axis != 0;
        } else {
            std::set<int32_t> dims;
            for (int64_t d : attr_ints(node, "squeeze_dims")) dims.insert(resolve_axis(d, x.shape.rank, where(node)));
            for (int d = 0; d < x.shape.rank; ++d) {
                const bool squeeze = dims.empty() ? x.shape[d] == 1 : dims.count(d) > 0;
                if (squeeze) {
                    LFR_CHECK(x.shape[d] == 1, where(node) + ": squeezing a dim that is not 1");
                    if (d == 0) batch_kept = false;
                } else s.dim[s.rank++] = x.shape[d];
            }
        }
        reshape_to(node, x, s, batch_kept);
    }

    void concat(const json& node, const std::vector<std::string>& in) {
        LFR_CHECK(in.size() >= 2, where(node) + ": ConcatV2 needs inputs and an axis");
        const Val& axv = int_const(in.back(), node, "axis");
        LFR_CHECK(axv.i.size() == 1, where(node) + ": axis must be a scalar");
        Shape s = val(in[0], node).shape;
        const int32_t axis = resolve_axis(axv.i[0], s.rank, where(node));
        std::vector<int32_t> inputs;
        for (size_t k = 0; k + 1 < in.size(); ++k) {
            Val& v = runtime(in[k], node);
            LFR_CHECK(v.shape.rank == s.rank, where(node) + ": concat of different ranks");
            if (k) s.dim[axis] += v.shape[axis];
            inputs.push_back(tensor(v, node));
        }
        Attrs a;
        a.axis = axis;
        emit(node, OpType::Concat, inputs, a, s);
    }

    void pad(const json& node, const std::string& op, const std::vector<std::string>& in) {
        Val& x = runtime(in.at(0), node);
        const Val& p = int_const(in.at(1), node, "paddings");
        LFR_CHECK(p.i.size() == size_t(2 * x.shape.rank), where(node) + ": paddings do not match rank");
        Attrs a;
        Shape s = x.shape;
        for (int d = 0; d < s.rank; ++d) {
            LFR_CHECK(p.i[size_t(2 * d)] >= 0 && p.i[size_t(2 * d + 1)] >= 0, where(node) + ": negative padding");
            s.dim[d] += p.i[size_t(2 * d)] + p.i[size_t(2 * d + 1)];
        }
        for (int64_t v : p.i) a.ints.push_back(int32_t(v));
        if (op == "PadV2") {
            const Val& c = float_const(in.at(2), node, "constant_values");
            LFR_CHECK(c.f.size() == 1, where(node) + ": constant_values must be a scalar");
            a.value = c.f[0];
        }
        emit(node, OpType::Pad, {tensor(x, node)}, a, s);
    }

    SliceSpec slice_spec(const json& node, const Shape& in_shape, const std::vector<std::string>& in) {
        const Val& b = int_const(in.at(1), node, "begin");
        const Val& e = int_const(in.at(2), node, "end");
        const Val& st = int_const(in.at(3), node, "strides");
        return resolve_strided_slice(in_shape, b.i, e.i, st.i, attr_i(node, "begin_mask"), attr_i(node, "end_mask"),
                                     attr_i(node, "ellipsis_mask"), attr_i(node, "new_axis_mask"),
                                     attr_i(node, "shrink_axis_mask"), where(node));
    }

    void strided_slice(const json& node, const std::vector<std::string>& in) {
        Val& x = runtime(in.at(0), node);
        const SliceSpec sp = slice_spec(node, x.shape, in);
        Attrs a;
        a.ints = sp.begin;
        a.ints.insert(a.ints.end(), sp.end.begin(), sp.end.end());
        a.ints.insert(a.ints.end(), sp.stride.begin(), sp.stride.end());
        a.flags = sp.shrink;
        if (dynamic_batch_) batch_pinned_ = true;  // bounds are resolved for batch 1
        if (sp.shrunk == sp.final_shape) {
            emit(node, OpType::StridedSlice, {tensor(x, node)}, a, sp.shrunk);
            return;
        }
        // new_axis_mask: slice, then reshape to the final shape.
        const std::string name = node.at("name").get<std::string>();
        const int32_t t = m_.node(OpType::StridedSlice, name + "/slice", {tensor(x, node)}, a);
        m_.graph.tensors[size_t(t)].shape = sp.shrunk;
        Val tmp;
        tmp.kind = Val::Runtime, tmp.id = t, tmp.shape = sp.shrunk;
        Attrs r;
        for (int k = 0; k < sp.final_shape.rank; ++k) r.ints.push_back(int32_t(sp.final_shape.dim[k]));
        emit(node, OpType::Reshape, {t}, r, sp.final_shape);
    }

    void resize_bilinear(const json& node, const std::vector<std::string>& in) {
        Val& x = runtime(in.at(0), node);
        const Val& size = int_const(in.at(1), node, "size");
        LFR_CHECK(size.i.size() == 2 && x.shape.rank == 4, where(node) + ": size must be [h,w] of an NHWC input");
        Attrs a;
        a.ints = {int32_t(size.i[0]), int32_t(size.i[1])};
        a.flags = (attr_b(node, "align_corners") ? 1 : 0) | (attr_b(node, "half_pixel_centers") ? 2 : 0);
        emit(node, OpType::ResizeBilinear, {tensor(x, node)}, a, Shape{x.shape[0], size.i[0], size.i[1], x.shape[3]});
    }

    void depth_to_space(const json& node, const std::vector<std::string>& in) {
        Val& x = runtime(in.at(0), node);
        const std::string fmt = attr_s(node, "data_format", "NHWC");
        if (fmt != "NHWC") unsupported(node, "data_format " + fmt);
        const int64_t bs = attr_i(node, "block_size");
        LFR_CHECK(bs > 0 && x.shape.rank == 4 && x.shape[3] % (bs * bs) == 0, where(node) + ": bad block size");
        Attrs a;
        a.kernel_h = int32_t(bs);
        emit(node, OpType::DepthToSpace, {tensor(x, node)}, a,
             Shape{x.shape[0], x.shape[1] * bs, x.shape[2] * bs, x.shape[3] / (bs * bs)});
    }

    void transpose(const json& node, const std::vector<std::string>& in) {
        Val& x = runtime(in.at(0), node);
        const Val& perm = int_const(in.at(1), node, "perm");
        LFR_CHECK(perm.i.size() == size_t(x.shape.rank), where(node) + ": perm does not match rank");
        Attrs a;
        Shape s;
        for (int64_t p : perm.i) {
            const int32_t d = resolve_axis(p, x.shape.rank, where(node));
            a.ints.push_back(d);
            s.dim[s.rank++] = x.shape[d];
        }
        emit(node, OpType::Transpose, {tensor(x, node)}, a, s);
    }

    void shape_op(const json& node, const std::vector<std::string>& in) {
        const Val& x = val(in.at(0), node);
        Val v;
        v.kind = Val::Int;
        v.shape = Shape{x.shape.rank};
        for (int d = 0; d < x.shape.rank; ++d) v.i.push_back(x.shape[d]);
        if (dynamic_batch_ && x.kind == Val::Runtime) batch_pinned_ = true;
        set_const(node, std::move(v));
    }

    // ---- constant folding --------------------------------------------------------------------
    // Evaluates an op whose inputs are all constants; returns false if the op is not foldable here.
    bool fold_constant(const json& node, const std::string& op, const std::vector<std::string>& in) {
        auto get = [&](size_t k) -> const Val& { return val(in.at(k), node); };
        if (op == "Cast") {
            Val v = get(0);
            const std::string t = attr(node, "DstT") ? attr(node, "DstT")->value("type", std::string("DT_FLOAT")) : "DT_FLOAT";
            if (t == "DT_FLOAT" && v.kind == Val::Int) {
                v.kind = Val::Float;
                for (int64_t x : v.i) v.f.push_back(float(x));
                v.i.clear();
            } else if ((t == "DT_INT32" || t == "DT_INT64") && v.kind == Val::Float) {
                v.kind = Val::Int;
                for (float x : v.f) v.i.push_back(int64_t(x));
                v.f.clear();
            }
            set_const(node, std::move(v));
            return true;
        }
        if (op == "Reshape" || op == "ExpandDims" || op == "Squeeze") {
            Val v = get(0);
            if (op == "Reshape") v.shape = reshape_target(get(1).i, v.shape.numel(), node);
            else if (op == "ExpandDims") {
                const int32_t axis = resolve_axis(get(1).i.at(0), v.shape.rank + 1, where(node));
                Shape s;
                for (int d = 0, k = 0; d <= v.shape.rank; ++d) s.dim[s.rank++] = d == axis ? 1 : v.shape.dim[k++];
                v.shape = s;
            } else {
                auto dims = attr_ints(node, "squeeze_dims");
                Shape s;
                for (int d = 0; d < v.shape.rank; ++d) {
                    bool sq = dims.empty() ? v.shape[d] == 1
                                           : std::any_of(dims.begin(), dims.end(), [&](int64_t q) {
                                                 return resolve_axis(q, v.shape.rank, where(node)) == d;
                                             });
                    if (!sq) s.dim[s.rank++] = v.shape[d];
                }
                v.shape = s;
            }
            set_const(node, std::move(v));
            return true;
        }
        if (op == "Pack") {
            const Val& first = get(0);
            const int64_t axis = attr_i(node, "axis");
            LFR_CHECK(axis == 0, where(node) + ": constant Pack only on axis 0");
            Val v;
            v.kind = first.kind;
            v.shape.rank = first.shape.rank + 1;
            v.shape.dim[0] = int64_t(in.size());
            for (int d = 0; d < first.shape.rank; ++d) v.shape.dim[d + 1] = first.shape.dim[d];
            for (size_t k = 0; k < in.size(); ++k) {
                const Val& x = get(k);
                LFR_CHECK(x.kind == first.kind && x.shape == first.shape, where(node) + ": Pack of mixed inputs");
                v.f.insert(v.f.end(), x.f.begin(), x.f.end());
                v.i.insert(v.i.end(), x.i.begin(), x.i.end());
            }
            set_const(node, std::move(v));
            return true;
        }
        if (op == "ConcatV2") {
            const int32_t axis = resolve_axis(get(in.size() - 1).i.at(0), get(0).shape.rank, where(node));
            if (axis != 0) return false;
            Val v = get(0);
            for (size_t k = 1; k + 1 < in.size(); ++k) {
                const Val& x = get(k);
                LFR_CHECK(x.kind == v.kind, where(node) + ": concat of mixed types");
                v.f.insert(v.f.end(), x.f.begin(), x.f.end());
                v.i.insert(v.i.end(), x.i.begin(), x.i.end());
                v.shape.dim[0] += x.shape[0];
            }
            set_const(node, std::move(v));
            return true;
        }
        if (op == "StridedSlice") {
            const Val& x = get(0);
            const SliceSpec sp = slice_spec(node, x.shape, in);
            Val v;
            v.kind = x.kind;
            v.shape = sp.final_shape;
            const int r = x.shape.rank;
            std::vector<int64_t> cnt(static_cast<size_t>(r));
            int64_t total = 1;
            for (int d = 0; d < r; ++d) {
                const int64_t st = sp.stride[size_t(d)];
                cnt[size_t(d)] = std::max<int64_t>(0, st > 0 ? (sp.end[size_t(d)] - sp.begin[size_t(d)] + st - 1) / st
                                                             : (sp.begin[size_t(d)] - sp.end[size_t(d)] - st - 1) / -st);
                total *= cnt[size_t(d)];
            }
            for (int64_t o = 0; o < total; ++o) {
                int64_t rem = o, src = 0, stride = 1;
                for (int d = r - 1; d >= 0; --d) {
                    const int64_t c = rem % cnt[size_t(d)];
                    rem /= cnt[size_t(d)];
                    src += (sp.begin[size_t(d)] + c * sp.stride[size_t(d)]) * stride;
                    stride *= x.shape[d];
                }
                if (x.kind == Val::Float) v.f.push_back(x.f[size_t(src)]);
                else v.i.push_back(x.i[size_t(src)]);
            }
            set_const(node, std::move(v));
            return true;
        }
        static const std::set<std::string> binops = {"Add", "AddV2", "Sub", "Mul", "RealDiv", "Div",
                                                     "Maximum", "Minimum", "FloorDiv", "BiasAdd"};
        if (binops.count(op) && in.size() == 2) {
            const Val& a = get(0);
            const Val& b = get(1);
            if (a.kind != b.kind) return false;
            Val v;
            v.kind = a.kind;
            v.shape = broadcast(a.shape, b.shape, where(node));
            const int64_t n = v.shape.numel();
            for (int64_t o = 0; o < n; ++o) {
                const int64_t ia = broadcast_index(v.shape, a.shape, o), ib = broadcast_index(v.shape, b.shape, o);
                auto calc = [&](auto x, auto y) -> decltype(x) {
                    if (op == "Sub") return x - y;
                    if (op == "Mul") return x * y;
                    if (op == "RealDiv" || op == "Div" || op == "FloorDiv") {
                        if constexpr (std::is_integral_v<decltype(x)>) {
                            LFR_CHECK(y != 0, where(node) + ": integer division by zero");
                            auto q = x / y;
                            return (q * y != x && ((x < 0) != (y < 0))) ? q - 1 : q;  // floor, as TF
                        } else return op == "FloorDiv" ? std::floor(x / y) : x / y;
                    }
                    if (op == "Maximum") return std::max(x, y);
                    if (op == "Minimum") return std::min(x, y);
                    return x + y;
                };
                if (v.kind == Val::Float) v.f.push_back(calc(a.f[size_t(ia)], b.f[size_t(ib)]));
                else v.i.push_back(calc(a.i[size_t(ia)], b.i[size_t(ib)]));
            }
            set_const(node, std::move(v));
            return true;
        }
        if (op == "Prod" || op == "Sum") {
            const Val& x = get(0);
            const Val& axes = get(1);
            if (x.shape.rank != 1 || axes.i.size() != 1 || (axes.i[0] != 0 && axes.i[0] != -1)) return false;
            Val v;
            v.kind = x.kind;
            v.shape = attr_b(node, "keep_dims") ? Shape{1} : Shape{};
            if (x.kind == Val::Int) {
                int64_t acc = op == "Prod" ? 1 : 0;
                for (int64_t q : x.i) acc = op == "Prod" ? acc * q : acc + q;
                v.i.push_back(acc);
            } else {
                float acc = op == "Prod" ? 1.f : 0.f;
                for (float q : x.f) acc = op == "Prod" ? acc * q : acc + q;
                v.f.push_back(acc);
            }
            set_const(node, std::move(v));
            return true;
        }
        return false;
    }

    // ---- outputs -----------------------------------------------------------------------------
    // As tfjs-converter: the signature's outputs (userDefinedMetadata.signature wins over the
    // top-level one), in the order of its keys; without one, every node nothing consumes (control
    // inputs count as consumers), in node order.
    void set_outputs() {
        const json* sig = root_.contains("signature") ? &root_.at("signature") : nullptr;
        if (root_.contains("userDefinedMetadata") && root_.at("userDefinedMetadata").contains("signature"))
            sig = &root_.at("userDefinedMetadata").at("signature");
        std::vector<std::string> names;
        if (sig && sig->contains("outputs") && !sig->at("outputs").empty()) {
            for (const auto& item : sig->at("outputs").items())
                names.push_back(item.value().value("name", item.key()));
        } else {
            std::set<std::string> consumed;
            for (const std::string& n : order_) {
                const json& node = *by_name_.at(n);
                if (node.contains("input"))
                    for (const json& in : node.at("input")) consumed.insert(node_of(in.get<std::string>()));
            }
            for (const std::string& n : order_)
                if (!consumed.count(n)) names.push_back(n);
        }
        for (const std::string& full : names) {
            const std::string node = node_of(full);
            LFR_CHECK(by_name_.count(node), model_ + ": signature output " + full + " names no node");
            const std::string key = key_of(full);
            auto it = vals_.find(key);
            LFR_CHECK(it != vals_.end(), model_ + ": output " + full + " was not produced");
            Val& v = it->second;
            LFR_CHECK(v.kind == Val::Runtime, model_ + ": output " + full + " is a constant");
            LFR_CHECK(m_.graph.tensors[size_t(v.id)].kind == TensorKind::Value,
                      model_ + ": output " + full + " is a graph input");
            LFR_CHECK(std::find(m_.graph.outputs.begin(), m_.graph.outputs.end(), v.id) == m_.graph.outputs.end(),
                      model_ + ": output " + full + " repeats another output");
            m_.graph.tensors[size_t(v.id)].name = node;  // the TF name callers know it by
            m_.output(v.id);
        }
        LFR_CHECK(!m_.graph.outputs.empty(), model_ + ": no outputs");
    }
};

std::string stem_of(const std::string& path) {
    size_t slash = path.find_last_of("/\\");
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    size_t dot = base.rfind(".json");
    return dot == std::string::npos ? base : base.substr(0, dot);
}

std::string dir_of(const std::string& path) {
    size_t slash = path.find_last_of("/\\");
    return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

std::vector<uint8_t> validate_round_trip(const ConvertedModel& m) {
    std::vector<uint8_t> bytes = serialize_model(m.graph, m.weights);
    // from_memory wants 4-byte alignment; a vector<uint8_t>'s buffer comes from operator new (16+).
    Model loaded = Model::from_memory(bytes.data(), bytes.size(), "round trip");
    const Graph& g = loaded.graph();
    LFR_CHECK(g.nodes.size() == m.graph.nodes.size() && g.tensors.size() == m.graph.tensors.size() &&
                  g.inputs == m.graph.inputs && g.outputs == m.graph.outputs,
              "round trip changed the graph");
    for (size_t t = 0; t < g.tensors.size(); ++t) {
        if (g.tensors[t].kind != TensorKind::Weight) continue;
        LFR_CHECK(std::memcmp(loaded.weight(int32_t(t)), m.weights[t].data(), m.weights[t].size() * 4) == 0,
                  "round trip changed weight " + g.tensors[t].name);
    }
    return bytes;
}

ConvertedModel convert_tfjs_graph(const std::string& json_path) { return convert_tfjs_graph(json_path, TfjsOptions{}); }

ConvertedModel convert_tfjs_graph(const std::string& json_path, const TfjsOptions& options, TfjsReport* report) {
    std::ifstream f(json_path);
    LFR_CHECK(f, "cannot open " + json_path);
    json root;
    try {
        root = json::parse(f);
    } catch (const std::exception& e) {
        throw Error(json_path + ": not valid JSON (" + e.what() + ")");
    }
    const std::string model = stem_of(json_path);
    ConvertedModel m;
    try {  // a wrongly typed or missing field anywhere, the manifest included, is the model's error
        LFR_CHECK(root.contains("modelTopology"), model + ": no modelTopology (not a TF.js graph model?)");
        LFR_CHECK(root.value("format", std::string("graph-model")) == "graph-model",
                  model + ": format is " + root.value("format", std::string()) + ", expected graph-model");
        Converter conv(model, root, dir_of(json_path));
        m = conv.run();
        if (report) {
            report->tf_nodes = conv.tf_nodes();
            report->nodes_before_folds = m.graph.nodes.size();
            report->batch_pinned = conv.batch_pinned();
        }
    } catch (const nlohmann::json::exception& e) {
        throw Error(model + ": malformed model JSON (" + e.what() + ")");
    } catch (const std::logic_error& e) {  // .at() past a node's inputs, std::stoll on a bad number
        throw Error(model + ": malformed model (" + e.what() + ")");
    }
    if (options.optimize) run_default_passes(m);
    eliminate_dead_nodes(m);
    validate_round_trip(m);
    return m;
}

}  // namespace lfr::tools
