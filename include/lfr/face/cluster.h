// Clustering face descriptors of unknown people: the neighbour graph, Chinese whispers (dlib's
// formulation) and an exact alternative (average-linkage agglomerative, cut at the threshold), per
// cluster the medoid and silhouette, and cannot-link groups (faces of one image are never put together).
//
//   lfr::Descriptors x(n, d);   // x.row(i): descriptor i
//   std::vector<lfr::Edge> g = lfr::neighbour_edges(x, threshold);      // pairs nearer than threshold
//   std::vector<int> label = lfr::chinese_whispers(x.n, g, groups);     // groups[i]: image of face i
//
// The neighbour graph is exact (the same edges as the all-pairs scan) without computing most distances:
// the descriptors are rotated onto their principal axes (a rotation keeps Euclidean distances), sorted by
// the first axis, and each row scans only the rows whose first coordinate lies within the threshold;
// each candidate's squared distance over the 32 highest-variance axes is computed first, and the pair is
// dropped when that alone passes the threshold (on LFW, face_recognition_model: 27 of 128 coordinates
// on average decide a pair at 0.6). Accepted pairs are re-measured on the original vectors, so the edges
// and their distances are exactly those of euclidean_distance.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "lfr/core/error.h"
#include "lfr/face/distance.h"

namespace lfr {

// The neighbour threshold for clustering from the embedder's verification threshold. A threshold tuned
// to tell two faces apart is too loose across thousands of faces: false neighbours chain clusters
// together. Measured on lfw-dev's 4,569 faces (BCubed F, Chinese whispers): face_recognition_model 0.183
// at its 0.6, 0.912 at 0.5, 0.943 at 0.45; mobilefacenet 0.256 at its 1.1, 0.958 at 0.95, 0.979 at 0.9.
// 0.82 of the verification threshold lies in the good range of both.
inline float cluster_threshold(float match_threshold) { return 0.82f * match_threshold; }

// n descriptors of d floats, row-major.
struct Descriptors {
    size_t n = 0, d = 0;
    std::vector<float> data;
    Descriptors() = default;
    Descriptors(size_t rows, size_t dim) : n(rows), d(dim), data(rows * dim) {}
    float* row(size_t i) { return &data[i * d]; }
    const float* row(size_t i) const { return &data[i * d]; }
    float distance(size_t i, size_t j) const { return euclidean_distance(row(i), row(j), d); }
};

struct Edge {
    uint32_t a, b;   // a < b
    float distance;
};

namespace cluster_detail {

// Eigenvectors of the symmetric d x d matrix `a` (cyclic Jacobi), as rows, by decreasing eigenvalue.
inline std::vector<double> principal_axes(std::vector<double> a, size_t d) {
    std::vector<double> v(d * d, 0.0);
    double scale = 0;
    for (size_t i = 0; i < d; ++i) v[i * d + i] = 1, scale += a[i * d + i] * a[i * d + i];
    for (int sweep = 0; sweep < 30; ++sweep) {
        double off = 0;
        for (size_t p = 0; p < d; ++p)
            for (size_t q = p + 1; q < d; ++q) off += a[p * d + q] * a[p * d + q];
        if (off <= 1e-18 * scale) break;  // the axes need not be exact: any rotation keeps distances
        for (size_t p = 0; p < d; ++p)
            for (size_t q = p + 1; q < d; ++q) {
                const double apq = a[p * d + q];
                if (std::abs(apq) < 1e-30) continue;
                const double theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
                const double t = (theta >= 0 ? 1 : -1) / (std::abs(theta) + std::sqrt(theta * theta + 1));
                const double c = 1 / std::sqrt(t * t + 1), s = t * c;
                for (size_t k = 0; k < d; ++k) {  // columns p, q
                    const double akp = a[k * d + p], akq = a[k * d + q];
                    a[k * d + p] = c * akp - s * akq;
                    a[k * d + q] = s * akp + c * akq;
                }
                for (size_t k = 0; k < d; ++k) {  // rows p, q
                    const double apk = a[p * d + k], aqk = a[q * d + k];
                    a[p * d + k] = c * apk - s * aqk;
                    a[q * d + k] = s * apk + c * aqk;
                }
                for (size_t k = 0; k < d; ++k) {  // eigenvector rows
                    const double vpk = v[p * d + k], vqk = v[q * d + k];
                    v[p * d + k] = c * vpk - s * vqk;
                    v[q * d + k] = s * vpk + c * vqk;
                }
            }
    }
    std::vector<size_t> order(d);
    std::iota(order.begin(), order.end(), size_t(0));
    std::sort(order.begin(), order.end(), [&](size_t i, size_t j) { return a[i * d + i] > a[j * d + j]; });
    std::vector<double> out(d * d);
    for (size_t r = 0; r < d; ++r) std::copy_n(&v[order[r] * d], d, &out[r * d]);
    return out;
}

// x rotated onto the principal axes of (a sample of) its rows, padded to a multiple of 16 columns.
inline Descriptors rotate_to_principal_axes(const Descriptors& x, size_t padded) {
    const size_t d = x.d, step = std::max<size_t>(1, x.n / 4096);
    std::vector<double> mean(d, 0.0), cov(d * d, 0.0);
    size_t m = 0;
    for (size_t i = 0; i < x.n; i += step, ++m)
        for (size_t k = 0; k < d; ++k) mean[k] += x.row(i)[k];
    for (double& v : mean) v /= double(m);
    std::vector<double> c(d);
    for (size_t i = 0; i < x.n; i += step) {
        for (size_t k = 0; k < d; ++k) c[k] = x.row(i)[k] - mean[k];
        for (size_t p = 0; p < d; ++p)
            for (size_t q = p; q < d; ++q) cov[p * d + q] += c[p] * c[q];
    }
    for (size_t p = 0; p < d; ++p)
        for (size_t q = 0; q < p; ++q) cov[p * d + q] = cov[q * d + p];
    const std::vector<double> axes = principal_axes(std::move(cov), d);
    Descriptors r(x.n, padded);
    for (size_t i = 0; i < x.n; ++i)
        for (size_t a = 0; a < d; ++a) {
            double s = 0;
            for (size_t k = 0; k < d; ++k) s += axes[a * d + k] * (x.row(i)[k] - mean[k]);
            r.row(i)[a] = float(s);
        }
    return r;
}

// Squared distance of two rows (padded to a multiple of 32), or just the first 32 coordinates' share
// when that already passes `limit` (most pairs: the leading axes carry most of a pair's distance).
inline float squared_distance_upto(const float* a, const float* b, size_t padded, float limit) {
    float s[8] = {};
    auto add = [&](size_t from, size_t to) {
        for (size_t k = from; k < to; k += 8)
            for (size_t l = 0; l < 8; ++l) {
                const float t = a[k + l] - b[k + l];
                s[l] += t * t;
            }
        return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    };
    const float head = add(0, 32);
    return head > limit ? head : add(32, padded);
}

}  // namespace cluster_detail

// Every pair (a < b) with euclidean_distance < threshold, sorted by (a, b). Exact; see the top of the file.
inline std::vector<Edge> neighbour_edges(const Descriptors& x, float threshold) {
    std::vector<Edge> edges;
    if (x.n < 2) return edges;
    const size_t padded = (x.d + 31) / 32 * 32;
    const Descriptors r = cluster_detail::rotate_to_principal_axes(x, padded);
    std::vector<uint32_t> order(x.n);
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](uint32_t i, uint32_t j) { return r.row(i)[0] < r.row(j)[0]; });
    Descriptors sorted(x.n, padded);
    for (size_t i = 0; i < x.n; ++i) std::copy_n(r.row(order[i]), padded, sorted.row(i));
    // The rotation is float arithmetic: a small margin keeps borderline pairs for the exact test.
    const float window = threshold * 1.001f + 1e-6f, limit = window * window;
    // Tiles of rows against tiles of later rows, so that a tile's leading coordinates stay in cache
    // (one row against all later rows would stream the whole matrix n times).
    constexpr size_t kTileI = 64, kTileJ = 2048;
    for (size_t ib = 0; ib < x.n; ib += kTileI) {
        const size_t ie = std::min(x.n, ib + kTileI);
        for (size_t jb = ib; jb < x.n && sorted.row(jb)[0] - sorted.row(ie - 1)[0] < window; jb += kTileJ) {
            const size_t je = std::min(x.n, jb + kTileJ);
            for (size_t i = ib; i < ie; ++i) {
                const float* a = sorted.row(i);
                for (size_t j = std::max(jb, i + 1); j < je && sorted.row(j)[0] - a[0] < window; ++j) {
                    if (cluster_detail::squared_distance_upto(a, sorted.row(j), padded, limit) > limit) continue;
                    const uint32_t p = std::min(order[i], order[j]), q = std::max(order[i], order[j]);
                    const float dist = x.distance(p, q);
                    if (dist < threshold) edges.push_back({p, q, dist});
                }
            }
        }
    }
    std::sort(edges.begin(), edges.end(), [](const Edge& e, const Edge& f) { return e.a != f.a ? e.a < f.a : e.b < f.b; });
    return edges;
}

// The same edges by the plain all-pairs scan (the reference for tests and benchmarks).
inline std::vector<Edge> neighbour_edges_all_pairs(const Descriptors& x, float threshold) {
    std::vector<Edge> edges;
    for (uint32_t a = 0; a < x.n; ++a)
        for (uint32_t b = a + 1; b < x.n; ++b) {
            const float dist = x.distance(a, b);
            if (dist < threshold) edges.push_back({a, b, dist});
        }
    return edges;
}

// Cannot-link groups: groups[i] is the image of face i (faces of one image are never clustered
// together); empty: no constraint.
using Groups = std::vector<int64_t>;

struct WhispersOptions {
    int iterations = 100;   // dlib's default: iterations * n random node updates
    uint64_t seed = 1;      // same seed, same input: same labels
    float threshold = 0;    // > 0: edges weigh 1 - distance / threshold (nearer counts more); 0: every edge 1
};

// Chinese whispers as dlib's chinese_whispers(): every node starts in its own cluster; n * iterations
// times, a node drawn at random takes the label whose edges to it weigh most (ties: the smaller label).
// Unweighted, its own label counts 1 more, as the self-edges of dlib's face-clustering example; weighted,
// only its edges count (else a self-weight of 1 outweighs every single neighbour and nothing moves).
// A label held by another face of the node's image is never taken.
// Labels come back as 0..k-1, numbered by first appearance.
inline std::vector<int> chinese_whispers(size_t n, const std::vector<Edge>& edges, const Groups& groups = {},
                                         const WhispersOptions& options = {}) {
    LFR_CHECK(groups.empty() || groups.size() == n, "chinese_whispers: groups must give one image per face");
    std::vector<size_t> start(n + 1, 0);
    for (const Edge& e : edges) ++start[e.a + 1], ++start[e.b + 1];
    for (size_t i = 0; i < n; ++i) start[i + 1] += start[i];
    std::vector<std::pair<uint32_t, float>> adj(start[n]);
    std::vector<size_t> fill(start.begin(), start.end() - 1);
    for (const Edge& e : edges) {
        const float w = options.threshold > 0 ? 1 - e.distance / options.threshold : 1.f;
        adj[fill[e.a]++] = {e.b, w};
        adj[fill[e.b]++] = {e.a, w};
    }
    // Faces of the same image, for the cannot-link rule.
    std::vector<std::vector<uint32_t>> same_image(n);
    if (!groups.empty()) {
        std::vector<uint32_t> by(n);
        std::iota(by.begin(), by.end(), 0u);
        std::sort(by.begin(), by.end(), [&](uint32_t i, uint32_t j) { return groups[i] < groups[j]; });
        for (size_t s = 0; s < n;) {
            size_t e = s;
            while (e < n && groups[by[e]] == groups[by[s]]) ++e;
            for (size_t i = s; e - s > 1 && i < e; ++i)
                for (size_t j = s; j < e; ++j)
                    if (i != j) same_image[by[i]].push_back(by[j]);
            s = e;
        }
    }
    std::vector<int> label(n);
    std::iota(label.begin(), label.end(), 0);
    std::vector<float> weight(n, 0.f);
    std::vector<int> touched;
    std::mt19937_64 rng(options.seed);
    for (uint64_t it = 0; n > 0 && it < uint64_t(n) * uint64_t(options.iterations); ++it) {
        const size_t v = size_t(rng() % n);
        if (start[v] == start[v + 1]) continue;
        touched.clear();
        auto add = [&](int l, float w) {
            if (weight[size_t(l)] == 0.f) touched.push_back(l);
            weight[size_t(l)] += w;
        };
        add(label[v], options.threshold > 0 ? 0.f : 1.f);
        for (size_t k = start[v]; k < start[v + 1]; ++k) add(label[adj[k].first], adj[k].second);
        for (uint32_t o : same_image[v]) weight[size_t(label[o])] = -1.f;  // never the label of a face beside it
        int best = label[v];
        for (int l : touched) {  // ties go to the smaller label, as dlib's ordered map does
            const float w = weight[size_t(l)], wb = weight[size_t(best)];
            if (w > wb || (w == wb && l < best)) best = l;
        }
        label[v] = best;
        for (int l : touched) weight[size_t(l)] = 0.f;
        for (uint32_t o : same_image[v]) weight[size_t(label[o])] = 0.f;
    }
    std::vector<int> renumber(n, -1);
    int k = 0;
    for (int& l : label) {
        if (renumber[size_t(l)] < 0) renumber[size_t(l)] = k++;
        l = renumber[size_t(l)];
    }
    return label;
}

// Average-linkage agglomerative clustering cut at `threshold`: clusters merge, nearest first, while the
// mean distance between their members is below it; two clusters holding faces of one image never merge.
// Exact: all n^2 distances (n^2 floats of memory), nearest-neighbour chain, O(n^2) time after them.
inline std::vector<int> average_linkage(const Descriptors& x, float threshold, const Groups& groups = {}) {
    LFR_CHECK(groups.empty() || groups.size() == x.n, "average_linkage: groups must give one image per face");
    const size_t n = x.n;
    const float inf = std::numeric_limits<float>::infinity();
    std::vector<float> dist(n * n);
    for (size_t i = 0; i < n; ++i)
        for (size_t j = i; j < n; ++j) {
            const bool apart = i == j || (!groups.empty() && groups[i] == groups[j]);
            dist[i * n + j] = dist[j * n + i] = apart ? inf : x.distance(i, j);
        }
    std::vector<size_t> size(n, 1);
    std::vector<bool> alive(n, true);
    struct Merge { size_t a, b; float height; };
    std::vector<Merge> merges;
    std::vector<size_t> chain;
    for (size_t left = n; left > 1;) {
        if (chain.empty())
            for (size_t i = 0; i < n; ++i)
                if (alive[i]) { chain.push_back(i); break; }
        const size_t a = chain.back();
        const size_t prev = chain.size() > 1 ? chain[chain.size() - 2] : n;
        size_t b = prev;  // ties keep the previous link, so the chain ends
        float best = prev < n ? dist[a * n + prev] : inf;
        for (size_t j = 0; j < n; ++j)
            if (alive[j] && j != a && (dist[a * n + j] < best || b == n)) best = dist[a * n + j], b = j;
        if (b != prev) {
            chain.push_back(b);
            continue;
        }
        chain.pop_back();
        chain.pop_back();
        merges.push_back({a, b, best});
        // Lance-Williams for the average: the merged cluster lives on in b; infinity (cannot-link) stays.
        for (size_t k = 0; k < n; ++k) {
            if (!alive[k] || k == a || k == b) continue;
            const float da = dist[a * n + k], db = dist[b * n + k];
            const float m = (da == inf || db == inf) ? inf : (float(size[a]) * da + float(size[b]) * db) / float(size[a] + size[b]);
            dist[b * n + k] = dist[k * n + b] = m;
        }
        size[b] += size[a];
        alive[a] = false;
        --left;
    }
    // Average linkage has no inversions, so the merges below the threshold are exactly the cut.
    std::vector<size_t> parent(n);
    std::iota(parent.begin(), parent.end(), size_t(0));
    auto root = [&](size_t i) {
        while (parent[i] != i) i = parent[i] = parent[parent[i]];
        return i;
    };
    for (const Merge& m : merges)
        if (m.height < threshold) parent[root(m.a)] = root(m.b);
    std::vector<int> label(n), renumber(n, -1);
    int k = 0;
    for (size_t i = 0; i < n; ++i) {
        int& r = renumber[root(i)];
        if (r < 0) r = k++;
        label[i] = r;
    }
    return label;
}

// Members of each cluster (labels 0..k-1), in index order.
inline std::vector<std::vector<uint32_t>> members_of(const std::vector<int>& label) {
    std::vector<std::vector<uint32_t>> out;
    for (size_t i = 0; i < label.size(); ++i) {
        if (size_t(label[i]) >= out.size()) out.resize(size_t(label[i]) + 1);
        out[size_t(label[i])].push_back(uint32_t(i));
    }
    return out;
}

// The member with the least summed distance to the others (the first such member on ties).
inline uint32_t medoid(const Descriptors& x, const std::vector<uint32_t>& members) {
    uint32_t best = members.at(0);
    double best_sum = std::numeric_limits<double>::infinity();
    for (uint32_t i : members) {
        double s = 0;
        for (uint32_t j : members) s += x.distance(i, j);
        if (s < best_sum) best_sum = s, best = i;
    }
    return best;
}

// Mean silhouette of each cluster's members: s(i) = (b - a) / max(a, b), a the mean distance to its own
// cluster, b the least mean distance to another cluster; 0 for a cluster of one (Rousseeuw's convention)
// and when there is only one cluster. O(n^2 d).
inline std::vector<float> silhouettes(const Descriptors& x, const std::vector<int>& label) {
    const auto members = members_of(label);
    const size_t k = members.size();
    std::vector<float> out(k, 0.f);
    if (k < 2) return out;
    std::vector<double> sum(k);
    for (size_t c = 0; c < k; ++c) {
        if (members[c].size() < 2) continue;
        double total = 0;
        for (uint32_t i : members[c]) {
            std::fill(sum.begin(), sum.end(), 0.0);
            for (size_t j = 0; j < x.n; ++j)
                if (j != i) sum[size_t(label[j])] += x.distance(i, j);
            const double a = sum[c] / double(members[c].size() - 1);
            double b = std::numeric_limits<double>::infinity();
            for (size_t o = 0; o < k; ++o)
                if (o != c) b = std::min(b, sum[o] / double(members[o].size()));
            total += (b - a) / std::max(a, b);
        }
        out[c] = float(total / double(members[c].size()));
    }
    return out;
}

}  // namespace lfr
