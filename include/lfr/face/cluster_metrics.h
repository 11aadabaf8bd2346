// How well a clustering matches the truth: pairwise precision/recall/F (over all pairs of items put
// together) and BCubed precision/recall/F (per item: the share of its cluster that is its class, and of
// its class that is in its cluster, averaged over items). Labels and classes are any integers.
#pragma once
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "lfr/core/error.h"

namespace lfr {

struct ClusterScores {
    double pairwise_precision = 0, pairwise_recall = 0, pairwise_f = 0;
    double bcubed_precision = 0, bcubed_recall = 0, bcubed_f = 0;
};

inline ClusterScores cluster_scores(const std::vector<int64_t>& label, const std::vector<int64_t>& truth) {
    LFR_CHECK(label.size() == truth.size() && !label.empty(), "cluster_scores: one label and one class per item");
    std::map<int64_t, double> cluster, klass;
    std::map<std::pair<int64_t, int64_t>, double> both;
    for (size_t i = 0; i < label.size(); ++i) {
        cluster[label[i]] += 1;
        klass[truth[i]] += 1;
        both[{label[i], truth[i]}] += 1;
    }
    auto pairs = [](double m) { return m * (m - 1) / 2; };
    double together = 0, same = 0, hit = 0;
    for (const auto& c : cluster) together += pairs(c.second);
    for (const auto& c : klass) same += pairs(c.second);
    for (const auto& c : both) hit += pairs(c.second);
    auto f = [](double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0.0; };
    ClusterScores s;
    s.pairwise_precision = together > 0 ? hit / together : 1;
    s.pairwise_recall = same > 0 ? hit / same : 1;
    s.pairwise_f = f(s.pairwise_precision, s.pairwise_recall);
    // BCubed: the m items of a (cluster, class) cell each score m / |cluster| and m / |class|.
    for (const auto& c : both) {
        s.bcubed_precision += c.second * c.second / cluster[c.first.first];
        s.bcubed_recall += c.second * c.second / klass[c.first.second];
    }
    s.bcubed_precision /= double(label.size());
    s.bcubed_recall /= double(label.size());
    s.bcubed_f = f(s.bcubed_precision, s.bcubed_recall);
    return s;
}

}  // namespace lfr
