#include "onnx_model.h"

#include <fstream>
#include <iterator>

#include "lfr/ops/registry.h"
#include "onnx_importer.h"
#include "passes.h"

namespace lfr::tools {

namespace onnx {

const std::vector<int> kNhwc = {0, 2, 3, 1};

std::vector<int> identity(size_t rank) {
    std::vector<int> p(rank);
    for (size_t i = 0; i < rank; ++i) p[i] = int(i);
    return p;
}

void Importer::fail(const std::string& msg) const {
    if (!node_) throw Error(options_.label + ": " + msg);
    // Exporters often leave node names empty: name the node by its first output then.
    const std::string name = !node_->name.empty() ? node_->name : !node_->outputs.empty() ? node_->outputs[0] : "?";
    throw Error(options_.label + ": node " + name + " (op " + node_->op_type + "): " + msg);
}

const Value& Importer::input(size_t i) const {
    if (!has_input(i)) fail("input " + std::to_string(i) + " is missing");
    const auto it = values_.find(node_->inputs[i]);
    if (it == values_.end()) fail("input " + node_->inputs[i] + " is not defined before it is used");
    return it->second;
}

const Const& Importer::const_input(size_t i, const char* what) const {
    const Value& v = input(i);
    if (!v.is_const) fail(std::string(what) + " (" + node_->inputs[i] + ") must be a constant");
    return v.c;
}

const Attribute* Importer::attr(const char* name, int32_t type) const {
    const Attribute* a = node_->find(name);
    if (a && a->type != type) fail(std::string("attribute ") + name + " has type " + std::to_string(a->type) +
                                   ", expected " + std::to_string(type));
    return a;
}

int64_t Importer::attr_int(const char* name, int64_t def) const {
    const Attribute* a = attr(name, Attribute::kInt);
    return a ? a->i : def;
}

float Importer::attr_float(const char* name, float def) const {
    const Attribute* a = attr(name, Attribute::kFloat);
    return a ? a->f : def;
}

std::vector<int64_t> Importer::attr_ints(const char* name, std::vector<int64_t> def) const {
    const Attribute* a = attr(name, Attribute::kInts);
    return a ? a->ints : def;
}

std::string Importer::attr_string(const char* name, const std::string& def) const {
    const Attribute* a = attr(name, Attribute::kString);
    return a ? a->s : def;
}

void Importer::set_output(size_t i, Value v) {
    if (i >= node_->outputs.size() || node_->outputs[i].empty()) return;  // output not wanted
    if (v.is_const && (v.c.dims.size() > size_t(kMaxRank) || int64_t(v.c.v.size()) != product(v.c.dims)))
        fail("constant result has a bad shape");
    values_[node_->outputs[i]] = std::move(v);
}

int32_t Importer::emit(OpType op, std::vector<int32_t> inputs, const Attrs& attrs, const std::string& suffix) {
    const std::string name = (node_->outputs.empty() ? node_->name : node_->outputs[0]) + suffix;
    std::vector<Shape> shapes;
    for (int32_t id : inputs) {
        Shape s;
        if (id < 0) s.rank = -1;
        else s = shape(id);
        shapes.push_back(s);
    }
    Shape out;
    try {
        out = op_kernels(op).infer(lfr::Node{op, name, inputs, {}, attrs}, shapes);
    } catch (const Error& e) {
        fail(e.what());
    }
    const int32_t id = m_.node(op, name, std::move(inputs), attrs);
    m_.graph.tensors[size_t(id)].shape = out;
    return id;
}

int32_t Importer::weight(const Const& c, const std::vector<int>& perm, const std::string& suffix) {
    if (perm.size() != c.dims.size()) fail("constant of rank " + std::to_string(c.dims.size()) + " where rank " + std::to_string(perm.size()) + " is needed");
    const Const p = transpose(c, perm);
    if (p.dims.size() > size_t(kMaxRank)) fail("constant of rank " + std::to_string(p.dims.size()) + " is over the limit");
    Shape s;
    s.rank = int(p.dims.size());
    for (int i = 0; i < s.rank; ++i) s.dim[i] = p.dims[size_t(i)];
    const std::string name = (node_->outputs.empty() ? node_->name : node_->outputs[0]) + suffix;
    return m_.weight(name, s, std::vector<float>(p.v.begin(), p.v.end()));
}

std::vector<int64_t> Importer::logical_dims(const Value& v) const {
    if (v.is_const) return v.c.dims;
    const Shape& s = shape(v.id);
    if (!v.chw.empty()) return {s[0], s[1]};
    std::vector<int64_t> d(size_t(s.rank));
    for (int i = 0; i < s.rank; ++i) d[size_t(v.perm[size_t(i)])] = s.dim[i];
    return d;
}

Value Importer::placed(const Value& v) {
    if (v.is_const || v.chw.empty()) return v;
    // [N, H*W*C] in NHWC order -> [N,H,W,C] -> [N,C,H,W] -> [N, C*H*W]
    const int64_t n = shape(v.id)[0], c = v.chw[0], h = v.chw[1], w = v.chw[2];
    Attrs to4, to2, tr;
    to4.ints = {int32_t(n), int32_t(h), int32_t(w), int32_t(c)};
    tr.ints = {0, 3, 1, 2};
    to2.ints = {int32_t(n), int32_t(c * h * w)};
    Value out;
    out.id = emit(OpType::Reshape, {emit(OpType::Transpose, {emit(OpType::Reshape, {v.id}, to4, "/nhwc")}, tr, "/nchw")}, to2, "/flat");
    out.perm = identity(2);
    return out;
}

int32_t Importer::in_layout(const Value& value, const std::vector<int>& perm) {
    if (value.is_const) return weight(value.c, perm, "/const");
    const Value v = placed(value);
    if (v.perm == perm) return v.id;
    if (v.perm.size() != perm.size()) fail("layout of rank " + std::to_string(perm.size()) + " for a tensor of rank " + std::to_string(v.perm.size()));
    const auto key = std::make_pair(v.id, perm);
    const auto it = relayouts_.find(key);
    if (it != relayouts_.end()) return it->second;
    // out physical dim i = logical perm[i] = in physical dim inv[perm[i]]
    std::vector<int> inv(perm.size());
    for (size_t i = 0; i < perm.size(); ++i) inv[size_t(v.perm[i])] = int(i);
    Attrs a;
    for (int p : perm) a.ints.push_back(inv[size_t(p)]);
    const int32_t id = emit(OpType::Transpose, {v.id}, a, "/relayout");
    relayouts_[key] = id;
    return id;
}

int32_t Importer::in_order(const Value& value) {
    const Value v = placed(value);
    if (v.is_const) return plain(v);
    const Shape& s = shape(v.id);
    int last = -1;
    for (int i = 0; i < s.rank; ++i) {
        if (s.dim[i] == 1) continue;
        if (v.perm[size_t(i)] < last) return plain(v);
        last = v.perm[size_t(i)];
    }
    return v.id;
}

int32_t Importer::nhwc(const Value& v) {
    if (logical_dims(v).size() != 4) fail("expects a 4-D NCHW tensor, got rank " + std::to_string(logical_dims(v).size()));
    return in_layout(v, kNhwc);
}

// lfr_export's files take NHWC images: a 4-D input that feeds a Transpose to NCHW is taken as it is
// (for an NCHW image that Transpose would make no sense).
bool Importer::nhwc_input(const std::string& name) const {
    for (const Node& n : model_.graph.nodes) {
        const Attribute* perm = n.find("perm");
        if (n.op_type == "Transpose" && !n.inputs.empty() && n.inputs[0] == name && perm &&
            perm->ints == std::vector<int64_t>{0, 3, 1, 2})
            return true;
    }
    return false;
}

void Importer::add_inputs() {
    for (const Tensor& t : model_.graph.initializers) values_[t.name] = Value::constant(from_tensor(t));
    for (const ValueInfo& vi : model_.graph.inputs) {
        if (values_.count(vi.name)) continue;  // an initializer listed as an input (IR < 4)
        if (vi.elem_type != kFloat) throw Error(options_.label + ": input " + vi.name + " is not float32");
        std::vector<int64_t> dims = vi.dims;  // logical (ONNX) order
        const bool nhwc = dims.size() == 4 && nhwc_input(vi.name);
        for (const auto& [name, s] : options_.input_shapes) {
            if (name != vi.name) continue;
            if (vi.has_shape && size_t(s.rank) != vi.dims.size())
                throw Error(options_.label + ": --input-shape for " + name + " has rank " + std::to_string(s.rank) +
                            ", the model's input has rank " + std::to_string(vi.dims.size()));
            dims.assign(s.dim, s.dim + s.rank);
            if (s.rank == 4 && !nhwc) dims = {s[0], s[3], s[1], s[2]};  // given NHWC
        }
        if (dims.empty() || dims.size() > size_t(kMaxRank))
            throw Error(options_.label + ": input " + vi.name + " has no usable shape (give --input-shape)");
        int64_t numel = 1;
        for (size_t i = 0; i < dims.size(); ++i) {
            if (dims[i] < 0 && i == 0) dims[i] = 1;  // dynamic batch: convert for batch 1
            if (dims[i] <= 0 || dims[i] >= (int64_t(1) << 31))
                throw Error(options_.label + ": input " + vi.name + " dim " + std::to_string(i) + " is not fixed (give --input-shape)");
            numel *= dims[i];
            if (numel >= (int64_t(1) << 31)) throw Error(options_.label + ": input " + vi.name + " has over 2^31 elements");
        }
        Value v;
        v.perm = dims.size() == 4 && !nhwc ? kNhwc : identity(dims.size());
        Shape s;
        s.rank = int(dims.size());
        for (size_t i = 0; i < dims.size(); ++i) s.dim[i] = dims[size_t(v.perm[i])];
        v.id = m_.input(vi.name, s);
        values_[vi.name] = v;
    }
}

void Importer::add_outputs() {
    if (model_.graph.outputs.empty()) throw Error(options_.label + ": the graph has no outputs");
    for (const ValueInfo& vi : model_.graph.outputs) {
        const auto it = values_.find(vi.name);
        if (it == values_.end()) throw Error(options_.label + ": graph output " + vi.name + " is never computed");
        const Value& v = it->second;
        if (v.is_const) throw Error(options_.label + ": graph output " + vi.name + " is a constant");
        const int32_t id = (v.perm == kNhwc && v.chw.empty()) ? v.id : plain(v);  // 4-D maps stay NHWC
        TensorInfo& t = m_.graph.tensors[size_t(id)];
        if (t.kind != TensorKind::Value) throw Error(options_.label + ": graph output " + vi.name + " is a graph input");
        t.name = vi.name;
        m_.output(id);
    }
}

ConvertedModel Importer::run(OnnxReport* report) {
    add_inputs();
    for (const Node& n : model_.graph.nodes) {
        node_ = &n;
        if (!n.domain.empty() && n.domain != "ai.onnx") fail("operator domain " + n.domain + " is not supported");
        const Handler* h = find_handler(n.op_type);
        if (!h) fail("unsupported ONNX op");
        try {
            (*h)(*this);
        } catch (const Error& e) {  // from the constant folds: add the file and the node
            if (std::string(e.what()).rfind(options_.label + ": ", 0) == 0) throw;
            fail(e.what());
        }
    }
    node_ = nullptr;
    add_outputs();
    if (report) {
        report->opset = model_.opset;
        report->onnx_nodes = model_.graph.nodes.size();
        report->nodes_before_folds = m_.graph.nodes.size();
    }
    return std::move(m_);
}

}  // namespace onnx

ConvertedModel convert_onnx(const uint8_t* data, size_t size, const OnnxOptions& options, OnnxReport* report) {
    const onnx::Model model = onnx::parse_model(data, size, options.label);
    ConvertedModel m = onnx::Importer(model, options).run(report);
    if (options.optimize) run_default_passes(m);
    else eliminate_dead_nodes(m);
    return m;
}

ConvertedModel convert_onnx_file(const std::string& path, OnnxOptions options, OnnxReport* report) {
    std::ifstream f(path, std::ios::binary);
    LFR_CHECK(f, path + ": cannot open ONNX file");
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (options.label == OnnxOptions().label) options.label = path;
    return convert_onnx(bytes.data(), bytes.size(), options, report);
}

}  // namespace lfr::tools
