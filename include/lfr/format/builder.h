// ConvertedModel: a graph under construction plus its weights, what every converter produces.
#pragma once
#include <climits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "lfr/format/model_file.h"

namespace lfr::tools {

struct ConvertedModel {
    Graph graph;
    std::vector<std::vector<float>> weights;  // parallel to graph.tensors; empty for non-weights

    int32_t input(const std::string& name, const Shape& shape) {
        weights.emplace_back();
        int32_t id = graph.add_tensor(name, TensorKind::Input, shape);
        graph.inputs.push_back(id);
        return id;
    }
    int32_t weight(const std::string& name, const Shape& shape, std::vector<float> values) {
        LFR_CHECK(int64_t(values.size()) == shape.numel(), "weight " + name + ": " + std::to_string(values.size()) +
                                                               " values for shape " + shape.str());
        weights.push_back(std::move(values));
        return graph.add_tensor(name, TensorKind::Weight, shape);
    }
    // Appends a node whose single output is a new value tensor called `name`; returns that tensor.
    int32_t node(OpType op, const std::string& name, std::vector<int32_t> inputs, Attrs attrs = {}) {
        weights.emplace_back();
        int32_t out = graph.add_tensor(name, TensorKind::Value, Shape{});
        graph.nodes.push_back({op, name, std::move(inputs), {out}, std::move(attrs)});
        return out;
    }
    void output(int32_t id) { graph.outputs.push_back(id); }
    void save(const std::string& path, WeightType type = WeightType::F32) const { write_model(path, graph, weights, type); }
};

// A loaded model back as a ConvertedModel (weights as float32), e.g. to write it with other storage.
inline ConvertedModel to_converted(const Model& model) {
    ConvertedModel m;
    m.graph = model.graph();
    m.weights.resize(m.graph.tensors.size());
    for (size_t i = 0; i < m.graph.tensors.size(); ++i) {
        if (m.graph.tensors[i].kind != TensorKind::Weight) continue;
        const float* w = model.weight(int32_t(i));
        m.weights[i].assign(w, w + m.graph.tensors[i].shape.numel());
    }
    return m;
}

// "NAME=D0,D1,..." (lfr_convert --input-shape): an input's name and the shape to give it, -1 = any size.
inline std::pair<std::string, Shape> parse_input_shape(const std::string& spec) {
    const size_t eq = spec.rfind('=');
    LFR_CHECK(eq != std::string::npos && eq > 0 && eq + 1 < spec.size(),
              "--input-shape wants NAME=D0,D1,... (e.g. input=1,120,160,3), got '" + spec + "'");
    Shape s;
    size_t pos = eq + 1;
    while (pos <= spec.size()) {
        const size_t comma = std::min(spec.find(',', pos), spec.size());
        const std::string d = spec.substr(pos, comma - pos);
        size_t used = 0;
        long long v = 0;
        try {
            v = std::stoll(d, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        LFR_CHECK(used == d.size() && !d.empty() && (v == -1 || v > 0) && v <= INT32_MAX,
                  "--input-shape: bad dimension '" + d + "' in '" + spec + "' (positive, or -1 for any size)");
        LFR_CHECK(s.rank < kMaxRank, "--input-shape: more than " + std::to_string(kMaxRank) + " dims");
        s.dim[s.rank++] = v;
        pos = comma + 1;
    }
    return {spec.substr(0, eq), s};
}


}  // namespace lfr::tools
