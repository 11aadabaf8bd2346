// ConvertedModel: a graph under construction plus its weights, what every converter produces.
#pragma once
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
    void save(const std::string& path) const { write_model(path, graph, weights); }
};

}  // namespace lfr::tools
