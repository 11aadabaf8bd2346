// Every model of the zoo on its golden input (tests/golden/*/in0.npy), single thread: median ms per
// run and the planned working memory; with --tfjs FILE (the table bench/tfjs_bench.js prints) also
// TF.js's median and the speed ratio. bench/compare_tfjs.sh runs both back to back.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "lfr/core/npy.h"
#include "lfr/runtime/executor.h"
#include "median_ms.h"

namespace fs = std::filesystem;
using namespace lfr;

static std::map<std::string, double> read_tfjs_table(const std::string& path) {
    std::map<std::string, double> ms;  // "name  [shape]  median" lines; '#' and header lines skipped
    std::ifstream f(path);
    LFR_CHECK(f, "cannot open " + path);
    for (std::string line; std::getline(f, line);) {
        std::istringstream in(line);
        std::string name, shape;
        double v;
        if (line.empty() || line[0] == '#' || !(in >> name >> shape >> v)) continue;
        ms[name] = v;
    }
    return ms;
}

int main(int argc, char** argv) {
    std::string root = ".", tfjs_path, only;
    int runs = 20;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--root" && i + 1 < argc) root = argv[++i];
        else if (a == "--tfjs" && i + 1 < argc) tfjs_path = argv[++i];
        else if (a == "--runs" && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
        else if (a == "--model" && i + 1 < argc) only = argv[++i];
        else {
            std::printf("usage: bench_models [--root REPO] [--tfjs TABLE.txt] [--runs N] [--model NAME]\n");
            return a == "--help" ? 0 : 2;
        }
    }
    try {
        const auto tfjs = tfjs_path.empty() ? std::map<std::string, double>{} : read_tfjs_table(tfjs_path);
        const std::regex batch_suffix("-b[0-9]+$");  // batched goldens (face_recognition_model-b3)
        std::vector<fs::path> dirs;
        for (const auto& e : fs::directory_iterator(fs::path(root) / "tests/golden"))
            if (fs::exists(e.path() / "meta.json") && !std::regex_search(e.path().filename().string(), batch_suffix))
                dirs.push_back(e.path());
        std::sort(dirs.begin(), dirs.end());
        std::printf("%-24s %-16s %10s %10s %10s %9s\n", "model", "input", "lfr_ms", "memory_KiB", "tfjs_ms", "speedup");
        for (const auto& dir : dirs) {
            std::ifstream mf(dir / "meta.json");
            const auto meta = nlohmann::json::parse(mf);
            if (!meta.contains("model")) continue;  // not a single-model golden (e.g. pipeline/)
            const std::string name = meta.at("model").get<std::string>();
            if (!only.empty() && name != only) continue;
            const Model model = Model::load((fs::path(root) / "models" / (name + ".lfr")).string());
            Tensor x = read_npy((dir / "in0.npy").string());
            x.values.resize(size_t(x.shape.numel() / x.shape[0]));  // batch 1, as tfjs_bench.js times it
            x.shape[0] = 1;
            Session s(model);
            const double ms = bench::median_ms(s, {x.view()}, runs);
            const auto t = tfjs.find(name);
            std::printf("%-24s %-16s %10.2f %10.0f", name.c_str(), x.shape.str().c_str(), ms, s.plan().arena_floats * 4 / 1024.0);
            if (t != tfjs.end()) std::printf(" %10.2f %8.2fx\n", t->second, t->second / ms);
            else std::printf(" %10s %9s\n", "-", "-");
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_models: %s\n", e.what());
        return 1;
    }
    return 0;
}
