// Builds a one-node model in memory, loads it and runs it: the installed headers are complete.
#include <cstdio>

#include "lfr/runtime/executor.h"

int main() {
    lfr::Graph g;
    const int32_t x = g.add_tensor("x", lfr::TensorKind::Input, lfr::Shape{1, 4});
    const int32_t y = g.add_tensor("y", lfr::TensorKind::Value, lfr::Shape{});
    g.inputs = {x};
    g.outputs = {y};
    g.nodes.push_back({lfr::OpType::Relu, "relu", {x}, {y}, {}});
    const auto bytes = lfr::serialize_model(g, std::vector<std::vector<float>>(2));
    const lfr::Model model = lfr::Model::from_memory(bytes.data(), bytes.size());
    lfr::Session session(model);
    const float in[4] = {-1, 2, -3, 4};
    const auto out = session.run({lfr::ConstTensorView(in, lfr::Shape{1, 4})});
    const bool ok = out[0].values == std::vector<float>{0, 2, 0, 4};
    std::printf("consumer: %s\n", ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
