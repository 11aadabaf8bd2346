// The LEFV-shaped embedder (support/lefv_graph.h, RANDOM weights: a benchmark, never a model) on the
// CPU executor, single-threaded: median ms per run at batch 1 and 8; then the MultiScaleFusion op
// alone at its LEFV shapes, the fused fast path (no concatenated tensor) against the explicit
// MaxPool x3 + Concat + Conv2D 1x1 sequence of fast kernels it replaces.
//
//   bench_lefv                      run the benchmarks
//   bench_lefv --export-lefv PATH   write the random-weight graph as a .lfr file and exit
//                                   (the input for bench/pytorch_twin.py)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "lefv_graph.h"
#include "lfr/runtime/executor.h"

using namespace lfr;

namespace {

// Median milliseconds over enough runs to fill about 0.5 s (at least 5, after one warm-up).
double median_ms(const std::function<void()>& fn) {
    auto once = [&] {
        const auto t0 = std::chrono::steady_clock::now();
        fn();
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    };
    const double first = once();
    const int reps = std::max(5, std::min(300, int(500.0 / std::max(first, 1e-3))));
    std::vector<double> t(size_t(reps), 0.0);
    for (double& v : t) v = once();
    std::nth_element(t.begin(), t.begin() + reps / 2, t.end());
    return t[size_t(reps / 2)];
}

Tensor pattern(const Shape& s, int salt) {
    Tensor t(s);
    for (size_t i = 0; i < t.values.size(); ++i) t.values[i] = float(int64_t((i * 37 + size_t(salt) * 11) % 29) - 14) / 14.f;
    return t;
}

Shape absent() {
    Shape s;
    s.rank = -1;
    return s;
}

// MSFF at batch n: fused fast kernel vs MaxPool (fast) per larger map + Concat + Conv2D 1x1 (fast).
void bench_msff(const Model& model, int64_t n) {
    const Graph& g = model.graph();
    const Node* msff = nullptr;
    for (const Node& node : g.nodes)
        if (node.op == OpType::MultiScaleFusion) msff = &node;
    LFR_CHECK(msff, "the LEFV graph has no MultiScaleFusion node");
    const size_t k = size_t(msff->attrs.ints[0]);
    std::vector<Tensor> maps;
    std::vector<ConstTensorView> ins;
    std::vector<Shape> shapes;
    for (size_t i = 0; i < k; ++i) {  // block outputs at this batch: 56/28/14/7 for a 112 input
        const int64_t side = 56 >> i, c = bench::kLefvFilters[i];
        maps.push_back(pattern({n, side, side, c}, int(i)));
    }
    for (const Tensor& t : maps) ins.push_back(t.view()), shapes.push_back(t.shape);
    const int32_t wid = msff->inputs[k], bid = msff->inputs[k + 1];
    const Shape wshape = g.tensors[size_t(wid)].shape;
    ins.push_back({model.weight(wid), wshape});
    ins.push_back({model.weight(bid), g.tensors[size_t(bid)].shape});
    shapes.push_back(wshape);
    shapes.push_back(g.tensors[size_t(bid)].shape);
    const Shape out_shape = infer_msff(*msff, shapes);
    Tensor fused_out(out_shape), plain_out(out_shape);
    Workspace ws;
    const double fused = median_ms([&] { msff_fast(*msff, ins, fused_out.view(), ws); });

    // The explicit sequence, buffers allocated once outside the timed region.
    const int64_t Ho = out_shape[1], Wo = out_shape[2];
    std::vector<Node> pools(k);
    std::vector<Tensor> pooled(k);
    std::vector<ConstTensorView> cat_in;
    for (size_t i = 0; i < k; ++i) {
        const Shape& s = maps[i].shape;
        pools[i].op = OpType::MaxPool;
        pools[i].name = "pool" + std::to_string(i);
        pools[i].attrs.kernel_h = pools[i].attrs.stride_h = int32_t(s[1] / Ho);
        pools[i].attrs.kernel_w = pools[i].attrs.stride_w = int32_t(s[2] / Wo);
        pooled[i] = Tensor(Shape{n, Ho, Wo, s[3]});
        cat_in.push_back(s[1] == Ho ? maps[i].view() : pooled[i].view());
    }
    Node cat;
    cat.op = OpType::Concat;
    cat.attrs.axis = 3;
    Tensor concat(Shape{n, Ho, Wo, wshape[0]});
    Node conv;
    conv.op = OpType::Conv2D;
    conv.attrs = msff->attrs;
    conv.attrs.ints.clear();
    conv.attrs.kernel_h = conv.attrs.kernel_w = 0;
    const Shape w4{1, 1, wshape[0], wshape[1]};
    const std::vector<ConstTensorView> conv_in = {concat.view(), {model.weight(wid), w4}, ins[k + 1], {nullptr, absent()}};
    const OpKernels& pk = op_kernels(OpType::MaxPool);
    const OpKernels& ck = op_kernels(OpType::Conv2D);
    auto explicit_seq = [&] {
        for (size_t i = 0; i < k; ++i)
            if (maps[i].shape[1] != Ho) pk.fast(pools[i], {maps[i].view()}, pooled[i].view(), ws);
        concat_ref(cat, cat_in, concat.view(), ws);
        ck.fast(conv, conv_in, plain_out.view(), ws);
    };
    const double plain = median_ms(explicit_seq);
    double diff = 0;
    for (size_t i = 0; i < fused_out.values.size(); ++i)
        diff = std::max(diff, double(std::abs(fused_out.values[i] - plain_out.values[i])));
    std::printf("  msff batch %-3lld %s -> %s: fused %.3f ms, pool+concat+conv %.3f ms, ratio %.2fx "
                "(explicit / fused; max |diff| %.1e; concat tensor avoided: %.0f KiB)\n",
                (long long)n, "4 maps", out_shape.str().c_str(), fused, plain, plain / fused, diff,
                double(concat.values.size()) * 4.0 / 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const tools::ConvertedModel cm = bench::lefv_random_model();
        for (int i = 1; i < argc; ++i) {
            if (std::strcmp(argv[i], "--export-lefv") == 0 && i + 1 < argc) {
                cm.save(argv[i + 1]);
                std::printf("wrote %s (LEFV-shaped graph, RANDOM weights: for benchmarks only)\n", argv[i + 1]);
                return 0;
            }
            std::fprintf(stderr, "usage: bench_lefv [--export-lefv PATH]\n");
            return 2;
        }
        const std::vector<uint8_t> bytes = serialize_model(cm.graph, cm.weights);
        const Model model = Model::from_memory(bytes.data(), bytes.size(), "lefv-random");
        std::printf("LEFV-shaped embedder, RANDOM weights (benchmark only), 112x112x3 -> 128, CPU, 1 thread\n");
        for (int64_t n : {1, 8}) {
            const Tensor x = pattern({n, 112, 112, 3}, 1);
            Session s(model);
            s.set_profiling(false);
            const double ms = median_ms([&] { s.run({x.view()}); });
            // One profiled run for the MSFF node's share.
            s.set_profiling(true);
            for (int r = 0; r < 3; ++r) s.run({x.view()});
            double total = 0, fuse = 0;
            for (size_t i = 0; i < model.graph().nodes.size(); ++i) {
                total += s.node_ms()[i];
                if (model.graph().nodes[i].op == OpType::MultiScaleFusion) fuse += s.node_ms()[i];
            }
            std::printf("  graph batch %-3lld median %8.3f ms  (%7.3f ms/face, %6.1f faces/s; msff node %.0f%% of the time)\n",
                        (long long)n, ms, ms / double(n), 1000.0 * double(n) / ms, total > 0 ? 100.0 * fuse / total : 0.0);
        }
        for (int64_t n : {1, 8}) bench_msff(model, n);
        return 0;
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_lefv: %s\n", e.what());
        return 1;
    }
}
