// One decision per track, by sequential evidence (Wald's sequential probability ratio test).
//
// Each embedded view of a track gives, for every person of the gallery, the distance to their nearest
// descriptor. With genuine and impostor distances roughly normal with one spread, the log-likelihood
// ratio "this is p" : "this is not p" of one view is linear in the distance, zero at the threshold:
// llr = slope * (threshold - d), capped at +-max_view_llr so that one odd view cannot decide alone.
// A turned face (pose p = |yaw| / the gate's max_yaw, 0..1) is farther from frontal portraits whoever
// it is: its neutral point moves up by pose_allowance * p^2 (on short_hamilton_clip.mp4, Obama at 55
// degrees measures 1.10-1.23 to his portraits, the other audience faces 1.27 and more to anyone), and
// evidence against a person from it is weighed by 1 - p (a poor match of a profile proves little).
// The ratios add up over views (views of a track are taken as independent). The track is
//   - p         once L_p >= accept and p leads everyone else by accept (two people both matching well is
//               no evidence for either),
//   - unknown   once every person's L <= reject,
//   - undecided while neither holds; it stays so when the track ends first.
// A decision, once taken, is final: later views of the track are not embedded.
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "lfr/face/distance.h"
#include "lfr/face/gallery.h"

namespace lfr {

// The gallery's descriptors by person, for distances to everyone at once.
struct GalleryMatrix {
    std::vector<std::string> names;
    std::vector<std::vector<std::vector<float>>> rows;  // [person][descriptor][dim]

    static GalleryMatrix load(const Gallery& g) {
        GalleryMatrix m;
        for (const PersonInfo& p : g.list()) {
            if (p.descriptors == 0) continue;
            m.names.push_back(p.name);
            m.rows.emplace_back();
            for (SourcedDescriptor& d : g.descriptors(p.name)) m.rows.back().push_back(std::move(d.vector));
        }
        LFR_CHECK(!m.names.empty(), g.path() + ": the gallery is empty; enroll someone first (lfr enroll)");
        return m;
    }

    // The distance from `q` to each person's nearest descriptor.
    std::vector<float> distances(const std::vector<float>& q) const {
        std::vector<float> out(names.size(), std::numeric_limits<float>::infinity());
        for (size_t p = 0; p < names.size(); ++p)
            for (const auto& r : rows[p]) out[p] = std::min(out[p], euclidean_distance(q, r));
        return out;
    }
};

struct DecisionOptions {
    float threshold = 1.1f;     // the distance at which a frontal view is neutral (the embedder's, or calibrated)
    float pose_allowance = 0.15f;  // how much farther a genuine profile view may be
    float slope = 10;           // log-likelihood ratio per unit of distance
    float max_view_llr = 2;     // cap per view
    float accept = 3, reject = -3;  // about 20:1 either way
    int max_views = 8;          // views embedded per track at most
};

enum class Verdict { Undecided, Known, Unknown };

inline const char* verdict_name(Verdict v) {
    return v == Verdict::Known ? "identified" : v == Verdict::Unknown ? "unknown" : "undecided";
}

class TrackDecision {
public:
    explicit TrackDecision(const DecisionOptions& o = {}) : opt_(o) {}

    // Adds one view's distances to every person (GalleryMatrix order) and decides if the evidence
    // allows; `taken` holds the names other tracks in the same frame have (never given twice); `pose`
    // is the view's |yaw| as a fraction of the largest the quality gate lets through.
    void add_view(const std::vector<float>& distances, const std::vector<std::string>& names,
                  const std::set<std::string>& taken, float pose = 0) {
        if (verdict_ != Verdict::Undecided) return;
        if (evidence_.empty()) evidence_.assign(distances.size(), 0.f), best_distance_ = distances;
        ++views_;
        pose = std::clamp(pose, 0.f, 1.f);
        const float neutral = opt_.threshold + opt_.pose_allowance * pose * pose;
        for (size_t p = 0; p < distances.size(); ++p) {
            float llr = std::clamp(opt_.slope * (neutral - distances[p]), -opt_.max_view_llr, opt_.max_view_llr);
            if (llr < 0) llr *= 1 - pose;
            evidence_[p] += llr;
            best_distance_[p] = std::min(best_distance_[p], distances[p]);
        }
        decide(names, taken);
    }

    Verdict verdict() const { return verdict_; }
    const std::string& name() const { return name_; }  // the person when Known
    int views() const { return views_; }
    bool wants_views() const { return verdict_ == Verdict::Undecided && views_ < opt_.max_views; }
    // The leading person's (even while undecided) evidence and best distance so far.
    float evidence() const { return leader_evidence_; }
    float distance() const { return leader_distance_; }

private:
    void decide(const std::vector<std::string>& names, const std::set<std::string>& taken) {
        size_t best = names.size();
        float second = -std::numeric_limits<float>::infinity(), top = second;
        for (size_t p = 0; p < names.size(); ++p) {
            if (taken.count(names[p])) continue;
            if (evidence_[p] > top) second = top, top = evidence_[p], best = p;
            else second = std::max(second, evidence_[p]);
        }
        if (best == names.size()) return;
        leader_ = names[best];
        leader_evidence_ = top;
        leader_distance_ = best_distance_[best];
        const float max_all = *std::max_element(evidence_.begin(), evidence_.end());
        if (top >= opt_.accept && top - std::max(0.f, second) >= opt_.accept) {
            verdict_ = Verdict::Known;
            name_ = leader_;
        } else if (max_all <= opt_.reject) {
            verdict_ = Verdict::Unknown;
        }
    }

    DecisionOptions opt_;
    std::vector<float> evidence_, best_distance_;
    int views_ = 0;
    Verdict verdict_ = Verdict::Undecided;
    std::string name_, leader_;
    float leader_evidence_ = 0, leader_distance_ = std::numeric_limits<float>::infinity();
};

}  // namespace lfr
