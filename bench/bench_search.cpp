// bench_search: the 1:N scan behind Gallery::identify at 10^4, 10^5 and 10^6 stored descriptors
// (synthetic, in memory): milliseconds per query with one thread and with every core, and the matrix's
// memory per million descriptors. Every scan is checked against the plain loop (euclidean_distance per
// row): same nearest row, distances equal to 1e-5.
//
//   bench_search [--dim D] [--queries Q] [--max N]     (defaults: 128, 50, 1000000)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "lfr/face/distance.h"
#include "lfr/face/search.h"

int main(int argc, char** argv) {
    size_t dim = 128, queries = 50, max_n = 1000000;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        if ((k == "--dim" || k == "--queries" || k == "--max") && i + 1 < argc) {
            const size_t v = size_t(std::atof(argv[++i]));
            (k == "--dim" ? dim : k == "--queries" ? queries : max_n) = v;
        } else {
            std::fprintf(stderr, "usage: bench_search [--dim D] [--queries Q] [--max N]\n");
            return k == "--help" || k == "-h" ? 0 : 2;
        }
    }
    const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
    std::mt19937 rng(7);
    std::normal_distribution<float> g(0.f, 0.1f);
    std::vector<float> rows(max_n * dim), q(queries * dim);
    for (float& v : rows) v = g(rng);
    for (float& v : q) v = g(rng);
    std::vector<float> out(max_n);
    std::printf("| stored | threads | ms/query | plain loop ms/query | equal to plain |\n|---|---|---|---|---|\n");
    for (size_t n = 10000; n <= max_n; n *= 10) {
        // The plain loop: the reference, and the speed before the blocked scan.
        std::vector<size_t> best(queries);
        std::vector<float> plain(n);
        auto t0 = std::chrono::steady_clock::now();
        for (size_t i = 0; i < queries; ++i) {
            for (size_t r = 0; r < n; ++r) plain[r] = lfr::euclidean_distance(&q[i * dim], &rows[r * dim], dim);
            best[i] = size_t(std::min_element(plain.begin(), plain.end()) - plain.begin());
        }
        const double plain_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / double(queries);
        for (int threads : {1, cores}) {
            bool equal = true;
            t0 = std::chrono::steady_clock::now();
            for (size_t i = 0; i < queries; ++i) {
                lfr::distances_to_rows(rows.data(), n, dim, &q[i * dim], out.data(), threads);
                equal = equal && size_t(std::min_element(out.begin(), out.begin() + long(n)) - out.begin()) == best[i];
            }
            const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / double(queries);
            // Distances of the last query against the plain loop's.
            for (size_t r = 0; r < n; ++r)
                equal = equal && std::abs(out[r] - lfr::euclidean_distance(&q[(queries - 1) * dim], &rows[r * dim], dim)) <= 1e-5f;
            std::printf("| %zu | %d | %.3f | %.3f | %s |\n", n, threads, ms, plain_ms, equal ? "yes" : "NO");
            std::fflush(stdout);
            if (!equal) return 1;
            if (cores == 1) break;
        }
    }
    // The gallery keeps, per descriptor: dim floats, its owner (uint32) and its id (int64).
    std::printf("\nmemory per million %zu-d descriptors: %.0f MiB (matrix %.0f MiB + owner and id 12 B each)\n", dim,
                (1e6 * (double(dim) * 4 + 12)) / (1 << 20), 1e6 * double(dim) * 4 / (1 << 20));
    return 0;
}
