// Detection, the slowest stage, on several frames at once: up to `depth` frames are in flight, each
// detected by a task of its own, and they come back in order for tracking (which must see frames in
// sequence). Results are the same whatever the depth; depth 1 runs everything in the caller's thread.
#pragma once
#include <chrono>
#include <deque>
#include <future>
#include <optional>
#include <vector>

#include "lfr/face/pipeline.h"
#include "lfr/video/frame_source.h"

namespace lfr {

struct DetectedFrame {
    Frame frame;
    std::optional<std::vector<Detection>> detections;  // none on frames the detector skips
    double detect_ms = 0;
};

class DetectAhead {
public:
    DetectAhead(const Pipeline& pipeline, int depth) : pipeline_(pipeline), depth_(depth < 1 ? 1 : depth) {}

    bool full() const { return int(pending_.size()) >= depth_; }
    bool empty() const { return pending_.empty(); }

    void push(Frame f, bool detect) {
        const auto policy = depth_ > 1 ? std::launch::async : std::launch::deferred;
        pending_.push_back(std::async(policy, [this, f = std::move(f), detect]() mutable {
            DetectedFrame d;
            if (detect) {
                const auto t0 = std::chrono::steady_clock::now();
                d.detections = pipeline_.detect_boxes(f.image);
                d.detect_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            }
            d.frame = std::move(f);
            return d;
        }));
    }

    // The oldest frame, once detected (its detector's exceptions come out here).
    DetectedFrame pop() {
        DetectedFrame d = pending_.front().get();
        pending_.pop_front();
        return d;
    }

private:
    const Pipeline& pipeline_;
    int depth_;
    std::deque<std::future<DetectedFrame>> pending_;
};

}  // namespace lfr
