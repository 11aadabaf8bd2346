// `lfr watch`'s event lines and alert policy: which identifications become alerts (watch-list, a
// stricter threshold, a cooldown per person, a budget per hour) and the --exec hook each alert runs.
#pragma once
#include <cstdio>
#include <deque>
#include <map>
#include <set>
#include <string>

#include <sys/wait.h>

#include "face_report.h"
#include "lfr/video/watcher.h"

namespace lfr::cli {

// One event as a JSON object.
inline Json event_json(const TrackEvent& e) {
    Json j = {{"event", e.type}, {"time", rounded(e.time, 3)}, {"frame", e.frame}, {"track", e.track},
              {"box", box_json(e.box, 1)}, {"name", e.name}, {"views", e.views}};
    if (e.views > 0) {
        j["distance"] = rounded(e.distance, 4);
        j["evidence"] = rounded(e.evidence, 2);
        j["quality"] = rounded(e.quality, 3);
    }
    if (e.liveness && e.liveness->frames() > 0) {
        const TrackLiveness& l = *e.liveness;
        const char* v = l.verdict() == Liveness::Live ? "live" : l.verdict() == Liveness::Spoof ? "spoof" : "unknown";
        j["liveness"] = {{"verdict", v}, {"real", rounded(l.real(), 3)}, {"live", rounded(l.live(), 3)},
                         {"blinks", l.blinks()}, {"frames", l.frames()}};
    }
    if (!e.rejected.empty()) j["rejected"] = e.rejected;
    return j;
}

struct AlertOptions {
    std::set<std::string> watchlist;  // empty: every identified person alerts
    float threshold = 0;              // an alert needs the track's best distance below this
    double cooldown_s = 60;           // per person
    int per_hour = 60;                // alerts in any hour of the source's time
    std::string exec;                 // shell command run per alert, the event JSON on its stdin
    bool require_live = false;        // alert only once the track's liveness verdict is "live"
};

class AlertPolicy {
public:
    explicit AlertPolicy(AlertOptions o) : opt_(std::move(o)) {}

    // "" when `e` (an identification) is an alert, else why not (for the event line).
    std::string judge(const TrackEvent& e) {
        if (!opt_.watchlist.empty() && !opt_.watchlist.count(e.name)) return "not on the watch-list";
        if (opt_.require_live && (!e.liveness || e.liveness->verdict() != Liveness::Live))
            return e.liveness && e.liveness->verdict() == Liveness::Spoof ? "spoof" : "not live yet";
        if (e.distance >= opt_.threshold) return "distance above the alert threshold";
        auto last = last_.find(e.name);
        if (last != last_.end() && e.time - last->second < opt_.cooldown_s) return "cooldown";
        while (!recent_.empty() && e.time - recent_.front() >= 3600) recent_.pop_front();
        if (int(recent_.size()) >= opt_.per_hour) return "hourly alert budget spent";
        last_[e.name] = e.time;
        recent_.push_back(e.time);
        ++alerts_;
        return "";
    }

    // Runs --exec with the alert's JSON on stdin; a failing hook is reported, never fatal.
    void run_hook(const std::string& json) const {
        if (opt_.exec.empty()) return;
        std::fflush(stdout);
        FILE* p = ::popen(opt_.exec.c_str(), "w");
        if (!p) {
            report_error("watch", "--exec: cannot start '" + opt_.exec + "'");
            return;
        }
        std::fputs((json + "\n").c_str(), p);
        const int status = ::pclose(p);
        if (status != 0)
            report_error("watch", "--exec '" + opt_.exec + "' exited with status " +
                                      std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : status));
    }
    int alerts() const { return alerts_; }

private:
    AlertOptions opt_;
    std::map<std::string, double> last_;
    std::deque<double> recent_;
    int alerts_ = 0;
};

}  // namespace lfr::cli
