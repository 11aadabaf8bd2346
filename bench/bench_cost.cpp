// bench_cost MODEL.lfr INPUT.npy [--runs N]: what one model costs, counted rather than timed, for a
// board that is not here. scripts/cost-arm.sh runs it for aarch64 under qemu-aarch64 with an
// instruction-counting plugin (bench/arm/qemu_insn_count.c): the instructions of N runs are the count
// with 1 + N runs less the count with 1 (the first run also plans the memory and zeroes the arena).
// It runs the model N + 1 times (default N = 0) on the input's first item (or the model's fixed batch), one thread, then prints a line:
//   macs     multiply-adds of the convolutions, depthwise convolutions, MatMuls (op_cost.h, from shapes)
//   weights  weight bytes as stored in the file (float32 or float16)
//   arena    the session's planned working memory for this input: every intermediate tensor
//   heap     bytes held from malloc after the runs (glibc's mallinfo2, exact under emulation too): the
//            packed GEMM weights, the arena, the graph; not a float32 file's weights (mapped, in RSS)
//   rss0     peak resident set at the start of main(), before the model is read
//   maxrss   peak resident set at the end (under qemu-user both are the emulator's, translator included)
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "lfr/core/npy.h"
#include "lfr/runtime/executor.h"
#include "op_cost.h"

using namespace lfr;

static double macs(const Graph& g, const MemoryPlan& plan) {
    double m = 0;
    for (const Node& n : g.nodes) {
        if (!is_mac_op(n.op)) continue;
        std::vector<Shape> in;
        for (int32_t id : n.inputs) in.push_back(id < 0 ? absent_shape() : plan.shapes[size_t(id)]);
        m += flops(n, in, plan.shapes[size_t(n.outputs[0])]) / 2;
    }
    return m;
}

static long maxrss_kib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

int main(int argc, char** argv) {
    if (argc != 3 && !(argc == 5 && std::string(argv[3]) == "--runs")) {
        std::fprintf(stderr, "usage: bench_cost MODEL.lfr INPUT.npy [--runs N]\n");
        return 2;
    }
    const int runs = argc == 5 ? std::max(0, std::atoi(argv[4])) : 0;
    const long rss0 = maxrss_kib();
    try {
        const Model model = Model::load(argv[1]);
        Tensor x = read_npy(argv[2]);
        const Graph& g = model.graph();
        const int64_t batch = std::max<int64_t>(1, g.tensors[size_t(g.inputs[0])].shape[0]);  // -1: any
        x.values.resize(size_t(x.shape.numel() / x.shape[0] * batch));
        x.shape[0] = batch;
        Session s(model);
        for (int i = 0; i <= runs; ++i) s.run({x.view()});
        const struct mallinfo2 heap = mallinfo2();
        std::printf("isa %s input %s macs %.0f weights %zu arena %lld heap %zu rss0 %ld maxrss %ld\n",
                    isa_name(default_isa()), x.shape.str().c_str(), macs(g, s.plan()), model.weight_bytes(),
                    (long long)s.plan().arena_floats * 4, heap.uordblks + heap.hblkhd, rss0 * 1024, maxrss_kib() * 1024);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_cost: %s\n", e.what());
        return 1;
    }
    return 0;
}
