// Face tracks across frames, SORT's scheme: each track a constant-velocity Kalman filter on its box
// (kalman.h); every frame the tracks are predicted, and on frames where the detector ran the
// detections are assigned to them by IoU. Birth: an unmatched detection opens a tentative track, which
// is confirmed after `min_hits` matched detections (at once in the first frames of a source, as SORT
// does). Death: a track unmatched for more than `max_missed` frames ends, as do all tracks at a cut.
//
// Assignment is greedy by descending IoU rather than SORT's Hungarian solver: faces in a frame rarely
// overlap, and where two boxes compete for one track the higher overlap wins either way.
#pragma once
#include <algorithm>
#include <vector>

#include "lfr/face/types.h"
#include "lfr/video/kalman.h"

namespace lfr {

inline float iou(const Box& a, const Box& b) {
    const Box i{std::max(a.x1, b.x1), std::max(a.y1, b.y1), std::min(a.x2, b.x2), std::min(a.y2, b.y2)};
    const float inter = i.area(), u = a.area() + b.area() - inter;
    return u > 0 ? inter / u : 0.f;
}

struct TrackerOptions {
    float min_iou = 0.3f;  // SORT's
    int min_hits = 3;      // SORT's
    int max_missed = 10;   // frames (SORT: 1 at every-frame detection; faces blink out of a detector more)
};

struct Track {
    int id = 0;
    BoxKalman filter;
    Box box;             // the latest detection where matched this frame, else the prediction
    Box seen;            // the latest matched detection
    int hits = 0;        // detections matched so far
    int missed = 0;      // frames since the last match
    bool confirmed = false;
    int detection = -1;  // index of this frame's matched detection, -1 when none
    explicit Track(int i, const Box& b) : id(i), filter(b), box(b), seen(b) {}
};

class Tracker {
public:
    explicit Tracker(TrackerOptions o = {}) : opt_(o) {}

    // One frame. With `dets` (the detector ran on it) the tracks are matched and corrected; without,
    // they only move on their predictions. Returns the tracks that ended (now gone from tracks()).
    std::vector<Track> step(const std::vector<Box>* dets) {
        ++frame_;
        for (Track& t : tracks_) t.box = t.filter.predict(), t.detection = -1, ++t.missed;
        if (dets) associate(*dets);
        std::vector<Track> ended;
        for (size_t i = 0; i < tracks_.size();) {
            if (tracks_[i].missed > opt_.max_missed) {
                ended.push_back(std::move(tracks_[i]));
                tracks_.erase(tracks_.begin() + long(i));
            } else {
                ++i;
            }
        }
        return ended;
    }

    // A scene cut: every track ends (a box at the same place after a cut is someone else).
    std::vector<Track> cut() {
        std::vector<Track> ended = std::move(tracks_);
        tracks_.clear();
        return ended;
    }

    const std::vector<Track>& tracks() const { return tracks_; }

private:
    void associate(const std::vector<Box>& dets) {
        struct Pair {
            float iou;
            size_t t, d;
        };
        std::vector<Pair> pairs;
        for (size_t t = 0; t < tracks_.size(); ++t)
            for (size_t d = 0; d < dets.size(); ++d) {
                const float v = iou(tracks_[t].box, dets[d]);
                if (v >= opt_.min_iou) pairs.push_back({v, t, d});
            }
        std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) { return a.iou > b.iou; });
        std::vector<bool> det_used(dets.size(), false);
        for (const Pair& p : pairs) {
            Track& t = tracks_[p.t];
            if (det_used[p.d] || t.detection >= 0) continue;
            det_used[p.d] = true;
            t.detection = int(p.d);
            t.filter.update(dets[p.d]);
            t.box = t.seen = dets[p.d];
            t.missed = 0;
            if (++t.hits >= opt_.min_hits || frame_ <= opt_.min_hits) t.confirmed = true;
        }
        for (size_t d = 0; d < dets.size(); ++d)
            if (!det_used[d]) {
                Track t(next_id_++, dets[d]);
                t.detection = int(d);
                t.hits = 1;
                t.confirmed = frame_ <= opt_.min_hits || opt_.min_hits <= 1;
                tracks_.push_back(std::move(t));
            }
    }

    TrackerOptions opt_;
    std::vector<Track> tracks_;
    int next_id_ = 1;
    int64_t frame_ = 0;
};

}  // namespace lfr
