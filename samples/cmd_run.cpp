// `lfr run`: one model on raw .npy inputs, outputs to DIR/0.npy, 1.npy, ... (DESIGN.md contract).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sys/stat.h>

#include "cli.h"
#include "lfr/core/npy.h"
#include "lfr/runtime/executor.h"

namespace lfr::cli {

static const char* kRunHelp =
    "usage: lfr run MODEL.lfr --input IN.npy [--input IN2.npy ...] --out DIR [--repeat N] [--threads N] [--reference]\n"
    "\n"
    "Runs one model on float32 NHWC .npy inputs (the model's own input scaling, e.g. 0..255 for the\n"
    "face-api models) and writes DIR/0.npy, DIR/1.npy, ... in the order TF.js returns the outputs.\n"
    "  --repeat N     run N times and print the median milliseconds per run\n"
    "  --threads N    threads per run (default: the CPUs this process may use); the outputs do not depend on it\n"
    "  --reference    use the plain reference kernels only\n"
    "  --profile      with --repeat: time per op type, slowest first\n";

// Per op type: total ms per run, node count, share of the run. shapes: per tensor, as planned for
// the inputs that ran (the graph's own shapes are the converter's, e.g. 416x416 for any input).
static void print_profile(const Graph& g, const std::vector<Shape>& shapes, const std::vector<double>& node_ms, int runs) {
    std::vector<double> ms(kOpCount, 0.0);
    std::vector<int> count(kOpCount, 0);
    double total = 0;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        ms[size_t(g.nodes[i].op)] += node_ms[i] / runs;
        count[size_t(g.nodes[i].op)]++;
        total += node_ms[i] / runs;
    }
    std::vector<int> order;
    for (int op = 0; op < kOpCount; ++op)
        if (count[size_t(op)]) order.push_back(op);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return ms[size_t(a)] > ms[size_t(b)]; });
    std::printf("%-16s %6s %10s %6s\n", "op", "nodes", "ms/run", "share");
    for (int op : order)
        std::printf("%-16s %6d %10.3f %5.1f%%\n", op_name(OpType(op)), count[size_t(op)], ms[size_t(op)],
                    100 * ms[size_t(op)] / total);
    // Then the slowest nodes, with the shapes of their first two inputs and output (data, weights).
    std::vector<size_t> nodes(g.nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) nodes[i] = i;
    std::sort(nodes.begin(), nodes.end(), [&](size_t a, size_t b) { return node_ms[a] > node_ms[b]; });
    nodes.resize(std::min<size_t>(nodes.size(), 12));
    std::printf("\n%-16s %10s %6s  %s\n", "slowest nodes", "ms/run", "share", "shapes: input, weights -> output");
    for (size_t i : nodes) {
        const Node& n = g.nodes[i];
        std::string text;
        for (size_t k = 0; k < std::min<size_t>(n.inputs.size(), 2); ++k)
            if (n.inputs[k] >= 0) text += (k ? ", " : "") + shapes[size_t(n.inputs[k])].str();
        text += " -> " + shapes[size_t(n.outputs[0])].str();
        std::printf("%-16s %10.3f %5.1f%%  %s\n", op_name(n.op), node_ms[i] / runs, 100 * node_ms[i] / runs / total,
                    text.c_str());
    }
}

int cmd_run(Args& args) {
    if (args.flag("--help") || args.flag("-h")) {
        std::fputs(kRunHelp, stdout);
        return 0;
    }
    const auto input_paths = args.values("--input");
    const std::string out_dir = args.value("--out");
    const int repeat = args.int_value("--repeat", 0);
    const bool reference = args.flag("--reference");
    const bool profile = args.flag("--profile");
    SessionOptions so;
    so.threads = args.int_value("--threads", available_cpus());
    LFR_CHECK(so.threads >= 1 && so.threads <= 256, "--threads must be between 1 and 256");
    const auto pos = args.positionals();
    usage_check(pos.size() == 1, "expected one MODEL.lfr (see lfr run --help)");
    usage_check(!input_paths.empty(), "give at least one --input IN.npy");
    usage_check(repeat >= 0, "--repeat must be >= 0");

    const Model model = Model::load(pos[0]);
    std::vector<Tensor> inputs;
    for (const auto& p : input_paths) inputs.push_back(read_npy(p));
    const std::vector<ConstTensorView> in_views = views(inputs);
    Session session(model, so);
    session.set_reference_kernels(reference);
    std::vector<Tensor> outputs = session.run(in_views);

    if (repeat > 0) {
        session.set_profiling(profile);
        std::vector<double> ms;
        for (int i = 0; i < repeat; ++i) {
            auto t0 = std::chrono::steady_clock::now();
            session.run(in_views);
            ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        }
        std::sort(ms.begin(), ms.end());
        std::printf("%s: median %.3f ms over %d runs; working memory %.1f KiB (%.1f KiB without reuse)\n",
                    pos[0].c_str(), ms[ms.size() / 2], repeat, session.plan().arena_floats * 4 / 1024.0,
                    session.plan().naive_floats * 4 / 1024.0);
        if (profile) print_profile(model.graph(), session.plan().shapes, session.node_ms(), repeat);
    }
    if (!out_dir.empty()) {
        ::mkdir(out_dir.c_str(), 0755);
        for (size_t i = 0; i < outputs.size(); ++i)
            write_npy(out_dir + "/" + std::to_string(i) + ".npy", outputs[i].view());
    }
    return 0;
}

}  // namespace lfr::cli
