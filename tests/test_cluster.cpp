// Clustering with synthetic descriptors: the pruned neighbour graph equals the all-pairs scan, Chinese
// whispers and average linkage recover planted clusters (reproducibly), cannot-link groups are kept
// apart, medoids and silhouettes, and the pairwise/BCubed scores on hand-counted cases.
#include <doctest/doctest.h>

#include <random>

#include "lfr/face/cluster.h"
#include "lfr/face/cluster_metrics.h"

using namespace lfr;

namespace {

// `people` random unit centres in d dimensions, `each` descriptors per person at noise `sigma` per
// coordinate; truth[i] is the person of row i.
Descriptors planted(size_t people, size_t each, size_t d, float sigma, std::vector<int64_t>* truth, uint32_t seed = 3) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.f, 1.f);
    Descriptors x(people * each, d);
    std::vector<float> centre(d);
    for (size_t p = 0; p < people; ++p) {
        float norm = 0;
        for (float& c : centre) c = g(rng), norm += c * c;
        for (float& c : centre) c /= std::sqrt(norm);
        for (size_t k = 0; k < each; ++k) {
            float* r = x.row(p * each + k);
            for (size_t i = 0; i < d; ++i) r[i] = centre[i] + sigma * g(rng);
            if (truth) truth->push_back(int64_t(p));
        }
    }
    return x;
}

std::vector<int64_t> wide(const std::vector<int>& v) { return std::vector<int64_t>(v.begin(), v.end()); }

}  // namespace

TEST_CASE("cluster: the pruned neighbour graph equals the all-pairs scan") {
    for (size_t d : {128u, 192u, 7u}) {
        const Descriptors x = planted(40, 6, d, 0.03f, nullptr);
        for (float t : {0.3f, 0.6f, 1.1f}) {
            const std::vector<Edge> fast = neighbour_edges(x, t), plain = neighbour_edges_all_pairs(x, t);
            REQUIRE(fast.size() == plain.size());
            for (size_t i = 0; i < fast.size(); ++i) {
                CHECK(fast[i].a == plain[i].a);
                CHECK(fast[i].b == plain[i].b);
                CHECK(fast[i].distance == plain[i].distance);
            }
        }
    }
    // More rows than a tile (64 x 2048).
    const Descriptors big = planted(700, 4, 16, 0.05f, nullptr);
    const std::vector<Edge> fast = neighbour_edges(big, 0.6f), plain = neighbour_edges_all_pairs(big, 0.6f);
    REQUIRE(fast.size() == plain.size());
    for (size_t i = 0; i < fast.size(); ++i) CHECK((fast[i].a == plain[i].a && fast[i].b == plain[i].b));
    CHECK(neighbour_edges(Descriptors(1, 128), 0.6f).empty());
    CHECK(neighbour_edges(Descriptors(0, 128), 0.6f).empty());
}

TEST_CASE("cluster: Chinese whispers and average linkage recover planted people") {
    std::vector<int64_t> truth;
    const Descriptors x = planted(30, 5, 128, 0.02f, &truth);  // same person ~0.3 apart, others ~1.4
    const std::vector<Edge> edges = neighbour_edges(x, 0.6f);
    const std::vector<int> cw = chinese_whispers(x.n, edges);
    CHECK(cluster_scores(wide(cw), truth).bcubed_f == doctest::Approx(1.0));
    CHECK(cw == chinese_whispers(x.n, edges));  // same seed, same labels
    WhispersOptions weighted;
    weighted.threshold = 0.6f;
    CHECK(cluster_scores(wide(chinese_whispers(x.n, edges, {}, weighted)), truth).bcubed_f == doctest::Approx(1.0));
    const std::vector<int> al = average_linkage(x, 0.6f);
    CHECK(cluster_scores(wide(al), truth).bcubed_f == doctest::Approx(1.0));
    CHECK(members_of(al).size() == 30);
}

TEST_CASE("cluster: faces of one image are never put in one cluster") {
    std::vector<int64_t> truth;
    const Descriptors x = planted(4, 6, 128, 0.02f, &truth);
    // Faces 0 and 1 (one person) "come from one image"; so do 6 and 12 (different people).
    Groups groups(x.n);
    for (size_t i = 0; i < x.n; ++i) groups[i] = int64_t(100 + i);
    groups[1] = groups[0];
    groups[12] = groups[6];
    const std::vector<Edge> edges = neighbour_edges(x, 0.6f);
    for (uint64_t seed = 1; seed <= 5; ++seed) {
        WhispersOptions o;
        o.seed = seed;
        const std::vector<int> cw = chinese_whispers(x.n, edges, groups, o);
        CHECK(cw[0] != cw[1]);
        CHECK(cw[2] == cw[3]);
    }
    const std::vector<int> al = average_linkage(x, 0.6f, groups);
    CHECK(al[0] != al[1]);
    CHECK(al[2] == al[3]);
    CHECK(al[6] == al[7]);
}

TEST_CASE("cluster: medoid and silhouette") {
    Descriptors x(4, 2);
    const float pts[4][2] = {{0, 0}, {1, 0}, {2, 0}, {10, 0}};
    for (size_t i = 0; i < 4; ++i) x.row(i)[0] = pts[i][0], x.row(i)[1] = pts[i][1];
    CHECK(medoid(x, {0, 1, 2}) == 1);
    CHECK(medoid(x, {3}) == 3);
    const std::vector<float> s = silhouettes(x, {0, 0, 0, 1});
    // Point 0: a = 1.5, b = 10; point 1: a = 1, b = 9; point 2: a = 1.5, b = 8.
    CHECK(s[0] == doctest::Approx(((10 - 1.5) / 10 + (9 - 1.0) / 9 + (8 - 1.5) / 8) / 3));
    CHECK(s[1] == 0.f);  // a cluster of one
    CHECK(silhouettes(x, {0, 0, 0, 0})[0] == 0.f);
}

TEST_CASE("cluster scores: pairwise and BCubed on a hand-counted case") {
    // Clusters {0,1,2} {3,4}; classes {0,1} {2,3,4}.
    const ClusterScores s = cluster_scores({1, 1, 1, 2, 2}, {7, 7, 8, 8, 8});
    CHECK(s.pairwise_precision == doctest::Approx(2.0 / 4));  // together: 3 + 1 pairs; right: (0,1), (3,4)
    CHECK(s.pairwise_recall == doctest::Approx(2.0 / 4));     // same: 1 + 3 pairs
    // BCubed precision: 2/3, 2/3, 1/3, 1, 1; recall: 1, 1, 1/3, 2/3, 2/3.
    CHECK(s.bcubed_precision == doctest::Approx((2.0 / 3 * 2 + 1.0 / 3 + 2) / 5));
    CHECK(s.bcubed_recall == doctest::Approx((2 + 1.0 / 3 + 2.0 / 3 * 2) / 5));
    const ClusterScores perfect = cluster_scores({5, 5, 9}, {1, 1, 2});
    CHECK(perfect.pairwise_f == doctest::Approx(1.0));
    CHECK(perfect.bcubed_f == doctest::Approx(1.0));
}
