#include "tfjs_graph.h"

#include <algorithm>
#include <cstring>
#include <fstream>

#include "passes.h"
#include "tfjs_converter.h"

namespace lfr::tools {
namespace tfjs {

Converter::Converter(std::string model, const json& root, std::string dir) : model_(std::move(model)), root_(root) {
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

ConvertedModel Converter::run() {
    for (const std::string& name : order_) visit(name);
    set_outputs();
    return std::move(m_);
}

void Converter::visit(const std::string& name) {
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

std::vector<std::string> Converter::data_inputs(const json& node) const {
    std::vector<std::string> out;
    if (node.contains("input"))
        for (const json& in : node.at("input")) {
            const std::string s = in.get<std::string>();
            if (s[0] != '^') out.push_back(key_of(s));
        }
    return out;
}

Val& Converter::val(const std::string& key, const json& node) {
    auto it = vals_.find(key);
    if (it == vals_.end()) unsupported(node, "input " + key + " is not a supported output of its node");
    return it->second;
}

int32_t Converter::tensor(Val& v, const json& node) {
    if (v.kind == Val::Runtime) return v.id;
    if (v.kind == Val::Int) unsupported(node, "int32 tensor " + v.name + " used as data");
    if (v.id < 0) v.id = m_.weight(v.name, v.shape, v.f);
    return v.id;
}

Val& Converter::emit(const json& node, OpType op, std::vector<int32_t> inputs, Attrs attrs, const Shape& shape) {
    const std::string name = node.at("name").get<std::string>();
    const int32_t id = m_.node(op, name, std::move(inputs), std::move(attrs));
    m_.graph.tensors[size_t(id)].shape = shape;
    Val& v = vals_[name + ":0"];
    v = Val{};
    v.kind = Val::Runtime, v.id = id, v.shape = shape, v.name = name;
    return v;
}

void Converter::set_const(const json& node, Val v) {
    v.name = node.at("name").get<std::string>();
    v.id = -1;
    vals_[v.name + ":0"] = std::move(v);
}

Val Converter::const_value(const json& node) {
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

const Val& Converter::int_const(const std::string& key, const json& node, const char* what) {
    Val& v = val(key, node);
    if (v.kind != Val::Int) unsupported(node, std::string(what) + " must be an int32 constant");
    return v;
}

const Val& Converter::float_const(const std::string& key, const json& node, const char* what) {
    Val& v = val(key, node);
    if (v.kind != Val::Float) unsupported(node, std::string(what) + " must be a float constant");
    return v;
}

Val& Converter::runtime(const std::string& key, const json& node) {
    Val& v = val(key, node);
    if (v.kind == Val::Int) unsupported(node, "data input " + key + " is an int32 tensor");
    return v;
}

std::vector<float> Converter::channel_vector(const Val& v, int64_t c, const json& node, const char* what) {
    LFR_CHECK(v.f.size() == size_t(c) || v.f.size() == 1,
              where(node) + ": " + what + " has " + std::to_string(v.f.size()) + " values for " +
                  std::to_string(c) + " channels");
    return v.f.size() == 1 ? std::vector<float>(size_t(c), v.f[0]) : v.f;
}

void Converter::set_outputs() {
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

}  // namespace tfjs

namespace {

using tfjs::json;

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
        tfjs::Converter conv(model, root, dir_of(json_path));
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
