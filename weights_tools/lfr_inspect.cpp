// lfr_inspect FILE.lfr: prints a model's graph, one line per node (op, name, inputs and outputs with
// their shapes, non-default attributes), then the inputs, outputs and totals.
#include <cstdio>
#include <map>
#include <string>

#include "lfr/format/model_file.h"

namespace {

std::string tensor_str(const lfr::Graph& g, int32_t id) {
    if (id < 0) return "-";
    const lfr::TensorInfo& t = g.tensors[size_t(id)];
    const char* kind = t.kind == lfr::TensorKind::Weight ? "w:" : t.kind == lfr::TensorKind::Input ? "in:" : "";
    return kind + t.name + t.shape.str();
}

std::string attrs_str(const lfr::Node& n) {
    const lfr::Attrs& a = n.attrs;
    const lfr::Attrs d;
    std::string s;
    auto add = [&](const std::string& x) { s += " " + x; };
    if (a.kernel_h != d.kernel_h || a.kernel_w != d.kernel_w)
        add("kernel=" + std::to_string(a.kernel_h) + "x" + std::to_string(a.kernel_w));
    if (a.stride_h != d.stride_h || a.stride_w != d.stride_w)
        add("stride=" + std::to_string(a.stride_h) + "x" + std::to_string(a.stride_w));
    if (a.dilation_h != d.dilation_h || a.dilation_w != d.dilation_w)
        add("dilation=" + std::to_string(a.dilation_h) + "x" + std::to_string(a.dilation_w));
    const bool windowed = n.op == lfr::OpType::Conv2D || n.op == lfr::OpType::DepthwiseConv2D ||
                          n.op == lfr::OpType::MaxPool || n.op == lfr::OpType::AvgPool;
    if (windowed || a.padding != d.padding) {
        static const char* pads[] = {"valid", "same", "explicit"};
        add(std::string("padding=") + pads[int(a.padding) % 3]);
    }
    if (a.padding == lfr::Padding::Explicit)
        add("pad(t,b,l,r)=" + std::to_string(a.pad_top) + "," + std::to_string(a.pad_bottom) + "," +
            std::to_string(a.pad_left) + "," + std::to_string(a.pad_right));
    if (a.act != d.act) {
        static const char* acts[] = {"none", "relu", "relu6", "leaky", "prelu", "sigmoid"};
        add(std::string("act=") + (int(a.act) < 6 ? acts[int(a.act)] : "?"));
    }
    if (a.alpha != d.alpha) add("alpha=" + std::to_string(a.alpha));
    if (a.axis != d.axis || n.op == lfr::OpType::Concat) add("axis=" + std::to_string(a.axis));
    if (a.keep_dims) add("keep_dims");
    if (a.value != d.value) add("value=" + std::to_string(a.value));
    if (a.flags != d.flags) add("flags=" + std::to_string(a.flags));
    if (!a.ints.empty()) {
        std::string v;
        for (int32_t i : a.ints) v += (v.empty() ? "" : ",") + std::to_string(i);
        add("ints=[" + v + "]");
    }
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2 || std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help") {
        std::fprintf(argc == 2 ? stdout : stderr, "usage: lfr_inspect FILE.lfr\n");
        return argc == 2 ? 0 : 2;
    }
    try {
        const lfr::Model model = lfr::Model::load(argv[1]);
        const lfr::Graph& g = model.graph();
        std::map<std::string, int> ops;
        for (size_t i = 0; i < g.nodes.size(); ++i) {
            const lfr::Node& n = g.nodes[i];
            ++ops[lfr::op_name(n.op)];
            std::string ins, outs;
            for (int32_t id : n.inputs) ins += (ins.empty() ? "" : ", ") + tensor_str(g, id);
            for (int32_t id : n.outputs) outs += (outs.empty() ? "" : ", ") + tensor_str(g, id);
            std::printf("%4zu %-15s %s (%s) -> %s%s\n", i, lfr::op_name(n.op), n.name.c_str(), ins.c_str(),
                        outs.c_str(), attrs_str(n).c_str());
        }
        std::printf("inputs:");
        for (int32_t id : g.inputs) std::printf(" %s", tensor_str(g, id).c_str());
        std::printf("\noutputs:");
        for (int32_t id : g.outputs) std::printf(" %s", tensor_str(g, id).c_str());
        size_t weights = 0, halves = 0;
        uint64_t weight_bytes = 0;  // as float32, the way they run
        for (const lfr::TensorInfo& t : g.tensors)
            if (t.kind == lfr::TensorKind::Weight)
                ++weights, weight_bytes += uint64_t(t.shape.numel()) * 4, halves += t.storage == lfr::WeightType::F16;
        std::printf("\nops:");
        for (const auto& [op, n] : ops) std::printf(" %s=%d", op.c_str(), n);
        std::printf("\ntotal: %zu nodes, %zu tensors, %zu weights, %llu weight bytes (blob %zu bytes, %zu weights stored as float16)\n",
                    g.nodes.size(), g.tensors.size(), weights, (unsigned long long)weight_bytes, model.weight_bytes(), halves);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lfr_inspect: %s\n", e.what());
        return 1;
    }
    return 0;
}
