// The benchmarks' one timing rule: 3 warm-up runs, then the median of `runs` timed runs, in ms.
#pragma once
#include <algorithm>
#include <chrono>
#include <vector>

#include "lfr/runtime/backend.h"

namespace bench {

inline double median_ms(lfr::Runner& r, const std::vector<lfr::ConstTensorView>& in, int runs) {
    for (int i = 0; i < 3; ++i) r.run(in);
    std::vector<double> t;
    for (int i = 0; i < runs; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        r.run(in);
        t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

}  // namespace bench
