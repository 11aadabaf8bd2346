// bench_one MODEL.lfr INPUT.npy [--runs N] [--threads T] [--batch1] [--save DIR] [--profile]: one model on one
// input, 3 warm-up runs then N timed ones; prints "median_ms X". bench/bench_ort.sh calls it in
// turns with ONNX Runtime, so each engine runs alone on the (shared) cores.
//   --batch1  time item 0 of a batched input
//   --save    writes the outputs as DIR/out0.npy, out1.npy, ... (to compare with the other engine)
//   --threads the Session's thread pool size (SessionOptions::threads)
//   --profile then N more runs timed per node: a line "node OP INPUT WEIGHTS OUTPUT MFLOP MS" (shapes
//             as [a,b,...], MS the mean per run) for each node of multiply-adds (support/op_cost.h);
//             one folded into another reads 0 ms, its time counted in that one's (bench_ort.js --profile)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "lfr/core/npy.h"
#include "lfr/runtime/executor.h"
#include "median_ms.h"
#include "op_cost.h"

using namespace lfr;

int main(int argc, char** argv) {
    std::vector<std::string> pos;
    std::string save;
    int runs = 20, threads = 1;
    bool batch1 = false, profile = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--runs" && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
        else if (a == "--threads" && i + 1 < argc) threads = std::max(1, std::atoi(argv[++i]));
        else if (a == "--save" && i + 1 < argc) save = argv[++i];
        else if (a == "--batch1") batch1 = true;
        else if (a == "--profile") profile = true;
        else if (!a.empty() && a[0] != '-') pos.push_back(a);
        else pos.clear(), i = argc;
    }
    if (pos.size() != 2) {
        std::fprintf(stderr, "usage: bench_one MODEL.lfr INPUT.npy [--runs N] [--threads T] [--batch1] [--save DIR] [--profile]\n");
        return 2;
    }
    try {
        const Model model = Model::load(pos[0]);
        Tensor x = read_npy(pos[1]);
        if (batch1) {
            x.values.resize(size_t(x.shape.numel() / x.shape[0]));
            x.shape[0] = 1;
        }
        SessionOptions so;
        so.threads = threads;
        Session s(model, so);
        const std::vector<ConstTensorView> in = {x.view()};
        std::printf("median_ms %.3f\n", bench::median_ms(s, in, runs));
        if (profile) {
            s.set_profiling(true);
            for (int i = 0; i < runs; ++i) s.run(in);
            const Graph& g = model.graph();
            const std::vector<Shape>& shapes = s.plan().shapes;
            for (size_t i = 0; i < g.nodes.size(); ++i) {
                const Node& n = g.nodes[i];
                if (!is_mac_op(n.op)) continue;
                std::vector<Shape> in_shapes;
                for (int32_t id : n.inputs) in_shapes.push_back(id < 0 ? absent_shape() : shapes[size_t(id)]);
                const Shape& out = shapes[size_t(n.outputs[0])];
                std::printf("node %s %s %s %s %.4f %.4f\n", op_name(n.op), in_shapes[0].str().c_str(), in_shapes[1].str().c_str(),
                            out.str().c_str(), flops(n, in_shapes, out) * 1e-6, s.node_ms()[i] / runs);
            }
        }
        if (!save.empty()) {
            const auto outs = s.run(in);
            for (size_t i = 0; i < outs.size(); ++i) write_npy(save + "/out" + std::to_string(i) + ".npy", outs[i].view());
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_one: %s\n", e.what());
        return 1;
    }
    return 0;
}
