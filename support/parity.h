// The parity measure and the single-model golden cases, shared by the CPU (tests/test_models.cpp)
// and CUDA (tests/gpu/) tests. tests/golden/NAME/ holds meta.json (which model, how many outputs),
// in0.npy, in1.npy, ... and the original runtime's out0.npy, out1.npy, ... (weights_tools/golden/).
#pragma once
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lfr/core/npy.h"

namespace lfr {
namespace parity {

// max |a - b| / max(1, max |b|); infinity when the sizes differ or NaN appears in one only.
// `worst`, when given, receives the index of the largest difference.
inline double relative_error(const Tensor& a, const Tensor& b, int64_t* worst = nullptr) {
    if (a.values.size() != b.values.size()) return INFINITY;
    double diff = 0, scale = 1;
    for (size_t i = 0; i < b.values.size(); ++i) {
        const float x = a.values[i], y = b.values[i];
        if (std::isnan(x) != std::isnan(y)) {
            if (worst) *worst = int64_t(i);
            return INFINITY;
        }
        if (std::isnan(x)) continue;
        const double d = x == y ? 0.0 : std::fabs(double(x) - double(y));  // equal infinities: 0
        if (d > diff) {
            diff = d;
            if (worst) *worst = int64_t(i);
        }
        if (std::isfinite(y)) scale = std::max(scale, double(std::fabs(y)));
    }
    return diff / scale;
}

struct GoldenCase {
    std::filesystem::path dir;
    std::string model;   // models/MODEL.lfr
    size_t outputs = 0;

    std::string name() const { return dir.filename().string(); }
    std::vector<Tensor> inputs() const {
        std::vector<Tensor> ins;
        for (int i = 0; std::filesystem::exists(dir / ("in" + std::to_string(i) + ".npy")); ++i)
            ins.push_back(read_npy((dir / ("in" + std::to_string(i) + ".npy")).string()));
        return ins;
    }
    Tensor output(size_t i) const { return read_npy((dir / ("out" + std::to_string(i) + ".npy")).string()); }
};

// Every folder of `golden_dir` whose meta.json names one model, sorted by name (folders such as
// pipeline/ hold other goldens and are left out).
inline std::vector<GoldenCase> model_golden_cases(const std::filesystem::path& golden_dir) {
    std::vector<GoldenCase> cases;
    if (!std::filesystem::exists(golden_dir)) return cases;
    for (const auto& e : std::filesystem::directory_iterator(golden_dir)) {
        std::ifstream f(e.path() / "meta.json");
        if (!f) continue;
        const auto meta = nlohmann::json::parse(f);
        if (!meta.contains("model")) continue;
        cases.push_back({e.path(), meta.at("model").get<std::string>(), meta.at("outputs").size()});
    }
    std::sort(cases.begin(), cases.end(), [](const GoldenCase& a, const GoldenCase& b) { return a.dir < b.dir; });
    return cases;
}

}  // namespace parity
}  // namespace lfr
