// The 1:N scan: distances from one query to every row of a descriptor matrix (Gallery::identify's inner
// loop, and bench_search's). Eight running sums per row let the compiler vectorise without -ffast-math.
// The scan is bound by memory bandwidth (one pass over n x d floats; 10^5 128-d rows: ~5 ms on one
// core), so blocking several rows against the query gained nothing (it ran 2x slower: register spills);
// `threads` > 1 splits the rows into contiguous blocks to use more of the bandwidth.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <thread>
#include <vector>

namespace lfr {

namespace search_detail {

inline void distances_block(const float* rows, size_t begin, size_t end, size_t d, const float* q, float* out) {
    constexpr size_t kLanes = 8;
    const size_t dv = d - d % kLanes;
    for (size_t r = begin; r < end; ++r) {
        const float* x = rows + r * d;
        float s[kLanes] = {};
        for (size_t k = 0; k < dv; k += kLanes)
            for (size_t l = 0; l < kLanes; ++l) {
                const float t = x[k + l] - q[k + l];
                s[l] += t * t;
            }
        for (size_t k = dv; k < d; ++k) s[0] += (x[k] - q[k]) * (x[k] - q[k]);
        out[r] = std::sqrt(((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])));
    }
}

}  // namespace search_detail

// out[r] = Euclidean distance from q to row r of the n x d row-major matrix.
inline void distances_to_rows(const float* rows, size_t n, size_t d, const float* q, float* out, int threads = 1) {
    const size_t parts = std::max<size_t>(1, std::min<size_t>(size_t(std::max(threads, 1)), n / 4096));
    if (parts == 1) return search_detail::distances_block(rows, 0, n, d, q, out);
    std::vector<std::thread> pool;
    const size_t step = (n + parts - 1) / parts;
    for (size_t p = 0; p < parts; ++p) {
        const size_t b = p * step, e = std::min(n, b + step);
        pool.emplace_back([=] { search_detail::distances_block(rows, b, e, d, q, out); });
    }
    for (std::thread& t : pool) t.join();
}

}  // namespace lfr
