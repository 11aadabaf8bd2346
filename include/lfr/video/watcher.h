// The live-video face loop: frames in, track events out.
//
//     lfr::Watcher w(pipeline, lfr::GalleryMatrix::load(gallery), options);
//     while (auto frame = source->next()) {
//         std::optional<std::vector<lfr::Detection>> dets;
//         if (w.detects(*frame)) dets = pipeline.detect_boxes(frame->image);   // or lfr::DetectAhead
//         for (const lfr::TrackEvent& e : w.process(*frame, dets)) ...
//     }
//     for (const lfr::TrackEvent& e : w.finish()) ...      // the tracks still open at the end
//
// Per frame: a scene cut ends every track; the detector runs (every `detect_every`-th frame, tracks
// predicted in between); detections are tracked (tracker.h); each confirmed, still undecided track
// offers its view to the quality gate (quality.h), and the best accepted view of every window of
// `view_gap` frames is embedded and added to the track's evidence (decision.h).
#pragma once
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lfr/face/pipeline.h"
#include "lfr/video/decision.h"
#include "lfr/video/frame_source.h"
#include "lfr/video/liveness.h"
#include "lfr/video/quality.h"
#include "lfr/video/scene_cut.h"
#include "lfr/video/tracker.h"

namespace lfr {

struct WatchOptions {
    int detect_every = 1;  // run the detector on every k-th frame, track in between
    int view_gap = 3;      // frames per view window: the best view of each is embedded
    bool cut_detection = true;
    std::shared_ptr<const LivenessScorer> liveness;  // null: no liveness checks
    int liveness_frames = 10;                        // frames scored per track before its verdict
    TrackerOptions tracker;
    QualityOptions quality;
    DecisionOptions decision;
};

struct TrackEvent {
    std::string type;  // track_started, identified, unknown, live, spoof, track_ended
    double time = 0;
    int64_t frame = 0;
    int track = 0;
    Box box;
    Verdict verdict = Verdict::Undecided;
    std::string name;  // the person, or "unknown" / "undecided"
    float distance = 0, evidence = 0, quality = 0;
    int views = 0;
    std::map<std::string, int> rejected;  // views the quality gate refused, by reason (track_ended)
    std::optional<TrackLiveness> liveness;  // with liveness checks on
};

// Milliseconds spent per stage, summed over the run.
struct StageTimes {
    double decode = 0, detect = 0, track = 0, landmarks = 0, quality = 0, embed = 0, match = 0, liveness = 0;
    int64_t frames = 0, detected_frames = 0, views_embedded = 0, tracks = 0;
};

// f(), its milliseconds added to `ms`.
template <class F>
auto timed(double& ms, F&& f) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = f();
    ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

class Watcher {
public:
    Watcher(const Pipeline& pipeline, GalleryMatrix gallery, WatchOptions o)
        : pipeline_(pipeline), gallery_(std::move(gallery)), opt_(o) {
        opt_.tracker.max_missed = std::max(opt_.tracker.max_missed, 2 * opt_.detect_every + 1);
    }

    // Whether `frame` is one the detector runs on (every detect_every-th).
    bool detects(const Frame& frame) const { return frame.index % opt_.detect_every == 0; }

    // One frame and, when detects(frame), its detections (detect_ahead.h runs the detector ahead).
    std::vector<TrackEvent> process(const Frame& frame, const std::optional<std::vector<Detection>>& detections) {
        std::vector<TrackEvent> events;
        frame_ = &frame;
        last_time_ = frame.time, last_index_ = frame.index;
        ++times_.frames;
        if (opt_.cut_detection && cuts_.is_cut(frame.image)) end_tracks(tracker_.cut(), events);

        const bool detect = detections.has_value();
        const std::vector<Detection> none;
        const std::vector<Detection>& dets = detect ? *detections : none;
        std::vector<Box> boxes;
        for (const Detection& d : dets) boxes.push_back(d.box);
        if (detect) ++times_.detected_frames;
        std::vector<Track> ended = timed(times_.track, [&] { return tracker_.step(detect ? &boxes : nullptr); });
        end_tracks(std::move(ended), events);

        for (const Track& t : tracker_.tracks())
            if (t.confirmed && !state_.count(t.id)) {
                state_[t.id].decision = TrackDecision(opt_.decision);
                state_[t.id].live = TrackLiveness(opt_.liveness_frames);
                ++times_.tracks;
                events.push_back(event("track_started", t, state_[t.id]));
            }
        if (detect && opt_.liveness) check_liveness(dets, events);
        if (detect) offer_views(dets, events);
        return events;
    }

    // Ends every open track (the source is done).
    std::vector<TrackEvent> finish() {
        std::vector<TrackEvent> events;
        end_tracks(tracker_.cut(), events);
        return events;
    }

    const std::vector<Track>& tracks() const { return tracker_.tracks(); }
    // The decision so far of a live track (nullptr for tentative tracks).
    const TrackDecision* decision(int track) const {
        auto it = state_.find(track);
        return it == state_.end() ? nullptr : &it->second.decision;
    }
    StageTimes& times() { return times_; }

private:
    struct View {
        Face face;
        Quality quality;
        std::shared_ptr<const Image> image;
    };
    struct TrackState {
        TrackDecision decision;
        View pending;             // the best view of the current window
        bool has_pending = false;
        int64_t window_start = 0;
        float best_quality = 0;
        std::map<std::string, int> rejected;
        TrackLiveness live;
    };

    void check_liveness(const std::vector<Detection>& dets, std::vector<TrackEvent>& events) {
        for (const Track& t : tracker_.tracks()) {
            auto it = state_.find(t.id);
            if (t.detection < 0 || it == state_.end() || it->second.live.verdict() != Liveness::Unknown) continue;
            const LivenessScores sc = timed(times_.liveness, [&] { return opt_.liveness->score(frame_->image, dets[size_t(t.detection)]); });
            it->second.live.add(sc);
            if (it->second.live.verdict() != Liveness::Unknown)
                events.push_back(event(it->second.live.verdict() == Liveness::Live ? "live" : "spoof", t, it->second));
        }
    }

    // Landmarks and quality for the views of undecided tracks; embeds a window's best view when it closes.
    void offer_views(const std::vector<Detection>& dets, std::vector<TrackEvent>& events) {
        std::vector<Detection> wanted;
        std::vector<int> ids;
        for (const Track& t : tracker_.tracks()) {
            auto it = state_.find(t.id);
            if (t.detection < 0 || it == state_.end() || !it->second.decision.wants_views()) continue;
            wanted.push_back(dets[size_t(t.detection)]);
            ids.push_back(t.id);
        }
        if (wanted.empty()) return;
        // add_landmarks drops faces whose crop leaves the image: match them back by box.
        std::vector<Face> faces = timed(times_.landmarks, [&] { return pipeline_.add_landmarks(frame_->image, wanted); });
        std::shared_ptr<const Image> image;
        for (Face& f : faces) {
            size_t k = 0;
            while (k < wanted.size() && iou(wanted[k].box, f.detection.box) < 0.999f) ++k;
            if (k == wanted.size()) continue;
            TrackState& s = state_[ids[k]];
            const Quality q = timed(times_.quality, [&] { return assess_quality(frame_->image, f, opt_.quality); });
            if (!s.has_pending) s.window_start = frame_->index;
            if (!q.reject.empty()) ++s.rejected[q.reject];
            if (q.reject.empty() && (!s.has_pending || q.score > s.pending.quality.score)) {
                if (!image) image = std::make_shared<const Image>(frame_->image);
                s.pending = {std::move(f), q, image};
                s.has_pending = true;
            }
        }
        for (const Track& t : tracker_.tracks()) {
            auto it = state_.find(t.id);
            if (it == state_.end() || !it->second.has_pending) continue;
            if (frame_->index - it->second.window_start + 1 >= opt_.view_gap) embed_pending(t, it->second, events);
        }
    }

    void embed_pending(const Track& t, TrackState& s, std::vector<TrackEvent>& events) {
        s.has_pending = false;
        if (!s.decision.wants_views()) return;
        View v = std::move(s.pending);
        std::vector<Face> one = timed(times_.embed, [&] { return pipeline_.add_descriptors(*v.image, {v.face}); });
        ++times_.views_embedded;
        const std::vector<float> dist = timed(times_.match, [&] { return gallery_.distances(one[0].descriptor); });
        s.best_quality = std::max(s.best_quality, v.quality.score);
        const Verdict before = s.decision.verdict();
        s.decision.add_view(dist, gallery_.names, names_taken(t.id), std::fabs(v.quality.yaw) / opt_.quality.max_yaw);
        if (s.decision.verdict() != before) {
            TrackEvent e = event(s.decision.verdict() == Verdict::Known ? "identified" : "unknown", t, s);
            e.quality = v.quality.score;
            events.push_back(e);
        }
    }

    // The names that other live tracks hold: two faces in one frame are never the same person.
    std::set<std::string> names_taken(int except) const {
        std::set<std::string> taken;
        for (const Track& t : tracker_.tracks()) {
            auto it = state_.find(t.id);
            if (t.id != except && it != state_.end() && it->second.decision.verdict() == Verdict::Known)
                taken.insert(it->second.decision.name());
        }
        return taken;
    }

    void end_tracks(std::vector<Track> ended, std::vector<TrackEvent>& events) {
        for (const Track& t : ended) {
            auto it = state_.find(t.id);
            if (it == state_.end()) continue;  // never confirmed: no events
            // The last window's best view still counts.
            if (it->second.has_pending) embed_pending(t, it->second, events);
            events.push_back(event("track_ended", t, it->second));
            state_.erase(it);
        }
    }

    TrackEvent event(const char* type, const Track& t, const TrackState& s) const {
        TrackEvent e;
        e.type = type;
        e.time = last_time_;
        e.frame = last_index_;
        e.track = t.id;
        e.box = e.type == "track_ended" ? t.seen : t.box;  // where it was last seen, not predicted
        e.verdict = s.decision.verdict();
        e.name = e.verdict == Verdict::Known ? s.decision.name() : verdict_name(e.verdict);
        e.distance = s.decision.distance();
        e.evidence = s.decision.evidence();
        e.views = s.decision.views();
        e.quality = s.best_quality;
        if (e.type == "track_ended") e.rejected = s.rejected;
        if (opt_.liveness) e.liveness = s.live;
        return e;
    }

    const Pipeline& pipeline_;
    GalleryMatrix gallery_;
    WatchOptions opt_;
    Tracker tracker_;
    SceneCuts cuts_;
    std::map<int, TrackState> state_;
    const Frame* frame_ = nullptr;  // the frame process() is working on; not valid after it returns
    double last_time_ = 0;          // the last frame's time and index, for events after it (finish())
    int64_t last_index_ = 0;
    StageTimes times_;
};

}  // namespace lfr
