// The 1:N scan (lfr/face/search.h) equals the plain loop of euclidean_distance, at odd sizes and with
// several threads.
#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "lfr/face/distance.h"
#include "lfr/face/search.h"

TEST_CASE("search: distances_to_rows equals euclidean_distance per row") {
    std::mt19937 rng(5);
    std::normal_distribution<float> g(0.f, 1.f);
    for (size_t d : {7u, 128u, 129u, 192u}) {
        for (size_t n : {0u, 1u, 5u, 10001u}) {
            std::vector<float> rows(n * d), q(d);
            for (float& v : rows) v = g(rng);
            for (float& v : q) v = g(rng);
            for (int threads : {1, 3}) {
                std::vector<float> out(n, -1.f);
                lfr::distances_to_rows(rows.data(), n, d, q.data(), out.data(), threads);
                for (size_t r = 0; r < n; ++r)
                    REQUIRE(out[r] == doctest::Approx(lfr::euclidean_distance(q.data(), &rows[r * d], d)).epsilon(1e-6));
            }
        }
    }
}
