// `lfr watch SOURCE --db GALLERY`: faces in a video or stream, tracked, one decision per person, as JSON
// event lines; alerts for a watch-list; annotated output; a summary with frame rate and stage times.
#include <chrono>
#include <exception>
#include <map>
#include <cstdio>
#include <sstream>
#include <string>

#include "cli.h"
#include "face_report.h"
#include "lfr/face/calibration.h"
#include "lfr/video/detect_ahead.h"
#include "lfr/video/open_source.h"
#include "lfr/video/video_writer.h"
#include "lfr/video/watcher.h"
#include "pipeline_args.h"
#include "watch_alerts.h"

namespace lfr::cli {

static const char* kWatchHelp =
    "usage: lfr watch SOURCE --db GALLERY [options] [pipeline options]\n"
    "\n"
    "Follows the faces of a video file, a network stream (rtsp://, http://, tcp://...), a folder of images\n"
    "or a .txt list of images, and decides once per tracked person: a name from the gallery, unknown, or\n"
    "undecided. Prints one JSON event per line on stdout:\n"
    "  {\"event\": \"track_started\"|\"identified\"|\"unknown\"|\"track_ended\", \"time\": s, \"frame\": n,\n"
    "   \"track\": id, \"box\": [x1,y1,x2,y2], \"name\": n, \"views\": k, \"distance\": d, \"evidence\": e,\n"
    "   \"quality\": q}   (identified events add \"alert\": true, or \"alert\": false with \"why_not\")\n"
    "and a last line {\"event\": \"summary\", ...}; progress and the summary table go to stderr.\n"
    "\n"
    "alerts:\n"
    "  --watchlist A,B,...  only these people alert (default: everyone identified)\n"
    "  --alert-threshold T  an alert needs a distance below T (default: 0.9 x the match threshold)\n"
    "The match threshold is --threshold, else the gallery's calibration (lfr calibrate), else the embedder's.\n"
    "  --cooldown S         seconds between two alerts for one person (default 60)\n"
    "  --alerts-per-hour N  alert budget (default 60)\n"
    "  --exec CMD           run CMD (sh -c) per alert with the event's JSON line on its stdin\n"
    "liveness:\n"
    "  --liveness           score each track with Human's antispoof and liveness models and count blinks\n"
    "                       (face_landmark_68's eye aspect ratio); events live/spoof after --liveness-frames\n"
    "                       scored frames (default 10); events carry \"liveness\": {verdict, real, live, blinks}\n"
    "  --require-live       (implies --liveness) alert only for live tracks: an identification waits for the\n"
    "                       track's live event\n"
    "output:\n"
    "  --draw OUT           annotated frames: a video file (OUT.mp4, .mkv, .avi) or a folder of JPEGs\n"
    "  --quiet              no progress on stderr\n"
    "tracking and decision:\n"
    "  --detect-every K     run the detector on every K-th frame, track in between (default 1)\n"
    "  --view-gap K         embed the best view of every K frames of a track (default 3)\n"
    "  --max-views N        embed at most N views per track (default 8)\n"
    "  --min-side PX        the quality gate's smallest face side (default 32)\n"
    "  --no-cut-detection   keep tracks across shot cuts\n"
    "source:\n"
    "  --threads N          1: everything in one thread; N > 1 (default 2): decoding in a thread of its own and\n"
    "                       the detector on N frames at once (the events are the same)\n"
    "  --fps F              frame rate of image folders and lists (default 25)\n"
    "  --queue N            live streams: frames queued before the oldest is dropped (default 2)\n"
    "  --reconnects N       live streams: reopen attempts after a break, 0.5 s back-off doubling (default 5)\n"
    "  --timeout S          network connect/read timeout in seconds (default 5)\n"
    "\n";

namespace {

Color verdict_color(Verdict v) {
    return v == Verdict::Known ? colors::kGreen : v == Verdict::Unknown ? colors::kRed : colors::kYellow;
}

void annotate(Image& img, const Watcher& w) {
    const int scale = text_scale_for(img);
    for (const Track& t : w.tracks()) {
        const TrackDecision* d = w.decision(t.id);
        if (!d) continue;
        std::string label = "#" + std::to_string(t.id) + " ";
        label += d->verdict() == Verdict::Known ? d->name() : verdict_name(d->verdict());
        if (d->views() > 0) label += " " + number_text(d->distance(), "%.2f") + " v" + std::to_string(d->views());
        draw_rect(img, t.box, verdict_color(d->verdict()));
        draw_label(img, t.box, label, colors::kBlack, verdict_color(d->verdict()), scale);
    }
}

std::unique_ptr<FrameWriter> open_writer(const std::string& out, double fps) {
    const std::string ext = std::filesystem::path(out).extension().string();
    if (ext == ".mp4" || ext == ".mkv" || ext == ".avi" || ext == ".mov") {
#ifdef LFR_HAVE_FFMPEG
        return open_video_writer(out, fps);
#else
        throw Error(out + ": writing video needs FFmpeg's libraries; give a folder instead");
#endif
    }
    return open_frame_folder(out);
}

std::set<std::string> split_names(const std::string& list) {
    std::set<std::string> names;
    std::stringstream ss(list);
    for (std::string n; std::getline(ss, n, ',');)
        if (!n.empty()) names.insert(n);
    return names;
}

double ms_per_frame(double ms, int64_t frames) { return frames ? ms / double(frames) : 0; }

}  // namespace

int cmd_watch(Args& args) {
    if (args.flag("--help") || args.flag("-h")) {
        std::fputs(kWatchHelp, stdout);
        std::fputs(pipeline_help().c_str(), stdout);
        return 0;
    }
    const std::string db = args.value("--db");
    usage_check(!db.empty(), "--db GALLERY is required (see --help)");
    AlertOptions alert;
    alert.watchlist = split_names(args.value("--watchlist"));
    const float alert_threshold = args.float_value("--alert-threshold", -1);
    alert.cooldown_s = args.float_value("--cooldown", 60);
    alert.per_hour = args.int_value("--alerts-per-hour", 60);
    alert.exec = args.value("--exec");
    alert.require_live = args.flag("--require-live");
    const bool liveness = args.flag("--liveness") || alert.require_live;
    const int liveness_frames = args.int_value("--liveness-frames", 10);
    const std::string draw = args.value("--draw");
    const bool quiet = args.flag("--quiet");
    WatchOptions wo;
    wo.detect_every = args.int_value("--detect-every", 1);
    wo.view_gap = args.int_value("--view-gap", 3);
    wo.decision.max_views = args.int_value("--max-views", 8);
    wo.quality.min_side = args.float_value("--min-side", wo.quality.min_side);
    wo.cut_detection = !args.flag("--no-cut-detection");
    SourceOptions so;
    const int threads = args.int_value("--threads", 2);
    so.read_ahead = threads >= 2;
    so.image_fps = args.float_value("--fps", 25);
    so.live.capacity = size_t(args.int_value("--queue", 2));
    so.live.reconnects = args.int_value("--reconnects", 5);
    so.io_timeout_s = args.float_value("--timeout", 5);
    usage_check(wo.detect_every >= 1 && wo.view_gap >= 1 && wo.decision.max_views >= 1, "--detect-every, --view-gap and --max-views must be at least 1");
    usage_check(threads >= 1 && threads <= 16, "--threads must be between 1 and 16");
    usage_check(so.live.capacity >= 1 && so.live.reconnects >= 0 && so.image_fps > 0 && so.io_timeout_s > 0,
                "--queue, --fps and --timeout must be positive, --reconnects not negative");
    PipelineOptions po = pipeline_options(args, db);
    if (threads >= 2) po.threads = 1;  // watch's --threads runs frames side by side instead
    const std::vector<std::string> pos = args.positionals();
    usage_check(pos.size() == 1, "give one SOURCE: a video file, a stream URL, an image folder or list (see --help)");

    struct stat st {};
    LFR_CHECK(::stat(db.c_str(), &st) == 0, db + ": no such gallery (make one with: lfr enroll --db " + db + " NAME IMAGE...)");
    const Pipeline pipeline = load_pipeline(po);
    GalleryMatrix gallery;
    std::optional<Calibration> calibration;
    {
        Gallery g = Gallery::open(db, pipeline.embedder_name(), pipeline.descriptor_size(), GalleryOptions{true, false, 5000});
        gallery = GalleryMatrix::load(g);
        calibration = read_calibration(g);
    }
    // The threshold: --threshold, else the gallery's calibration (lfr calibrate), else the embedder's.
    std::string threshold_from = po.match_threshold > 0 ? "--threshold" : "embedder default";
    wo.decision.threshold = pipeline.match_threshold();
    if (liveness) {
        usage_check(liveness_frames >= 1, "--liveness-frames must be at least 1");
        wo.liveness = std::make_shared<const LivenessScorer>(po, pipeline.options().faceres_crop_scale);
        wo.liveness_frames = liveness_frames;
    }
    if (calibration && po.match_threshold <= 0) {
        wo.decision.threshold = calibration->threshold;
        threshold_from = "calibration (FPIR " + number_text(calibration->fpir, "%g") + " at " + std::to_string(calibration->people) + " people)";
        if (int64_t(gallery.names.size()) > calibration->people)
            std::fprintf(stderr, "lfr watch: warning: %s has %zu people but was calibrated with %lld: false identifications "
                                 "grow with the gallery; run lfr calibrate again\n",
                         db.c_str(), gallery.names.size(), (long long)calibration->people);
    }
    alert.threshold = alert_threshold > 0 ? alert_threshold : 0.9f * wo.decision.threshold;
    AlertPolicy alerts(alert);

    std::unique_ptr<FrameSource> source = open_frame_source(pos[0], so);
    if (!quiet)
        std::fprintf(stderr, "lfr watch: %zu people, %s; threshold %.3f (%s)\n", gallery.names.size(),
                     pipeline.embedder_name().c_str(), wo.decision.threshold, threshold_from.c_str());
    std::unique_ptr<FrameWriter> writer;
    Watcher watcher(pipeline, std::move(gallery), wo);
    StageTimes& times = watcher.times();
    std::map<int, TrackEvent> waiting_live;  // --require-live: identifications waiting for their live event
    auto emit = [&](const TrackEvent& e) {
        Json line = event_json(e);
        const bool now_live = e.type == "live" && waiting_live.count(e.track);
        if (e.type == "identified" || now_live) {
            TrackEvent who = now_live ? waiting_live[e.track] : e;
            if (now_live) who.liveness = e.liveness, waiting_live.erase(e.track);
            const std::string why = alerts.judge(who);
            if (why == "not live yet") waiting_live[e.track] = e;
            line["alert"] = why.empty();
            if (!why.empty()) line["why_not"] = why;
            if (why.empty()) {
                Json alert = event_json(who);
                alert["alert"] = true;
                alerts.run_hook(json_text(alert));
            }
        }
        print_json(line);
        std::fflush(stdout);
    };

    const auto start = std::chrono::steady_clock::now();
    auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    double last_progress = 0, last_time = 0;
    // A source that fails mid-way (a stream that stays down) still ends its tracks and gets its summary.
    std::exception_ptr failure;
    DetectAhead ahead(pipeline, threads);
    bool source_done = false;
    for (;;) {
        while (!source_done && !ahead.full()) {
            const double t0 = seconds();
            std::optional<Frame> frame;
            try {
                frame = source->next();
            } catch (const Error&) {
                failure = std::current_exception();  // the frames already read are still watched
            }
            times.decode += (seconds() - t0) * 1000;
            if (!frame) {
                source_done = true;
                break;
            }
            const bool detect = watcher.detects(*frame);
            ahead.push(std::move(*frame), detect);
        }
        if (ahead.empty()) break;
        DetectedFrame d = ahead.pop();
        times.detect += d.detect_ms;
        for (const TrackEvent& e : watcher.process(d.frame, d.detections)) emit(e);
        last_time = d.frame.time;
        if (!draw.empty()) {
            if (!writer) writer = open_writer(draw, source->fps());
            annotate(d.frame.image, watcher);
            writer->write(d.frame.image);
        }
        if (!quiet && seconds() - last_progress >= 2) {
            last_progress = seconds();
            std::fprintf(stderr, "lfr watch: %lld frames (%.1f s of video), %.1f fps, %lld tracks, %lld dropped\n",
                         (long long)times.frames, last_time, double(times.frames) / last_progress,
                         (long long)times.tracks, (long long)source->dropped());
        }
    }
    for (const TrackEvent& e : watcher.finish()) emit(e);
    if (writer) writer->close();

    const double wall = seconds();
    const double fps = wall > 0 ? double(times.frames) / wall : 0;
    const int64_t n = times.frames;
    const Json per_frame = {{"decode_wait", rounded(ms_per_frame(times.decode, n), 2)}, {"detect", rounded(ms_per_frame(times.detect, n), 2)},
                            {"track", rounded(ms_per_frame(times.track, n), 2)}, {"landmarks", rounded(ms_per_frame(times.landmarks, n), 2)},
                            {"quality", rounded(ms_per_frame(times.quality, n), 2)}, {"embed", rounded(ms_per_frame(times.embed, n), 2)},
                            {"match", rounded(ms_per_frame(times.match, n), 2)}, {"liveness", rounded(ms_per_frame(times.liveness, n), 2)}};
    print_json({{"event", "summary"}, {"source", pos[0]}, {"frames", n}, {"detected_frames", times.detected_frames},
                {"dropped", source->dropped()}, {"seconds", rounded(wall, 2)}, {"fps", rounded(fps, 2)}, {"threads", threads},
                {"threshold", rounded(wo.decision.threshold, 4)}, {"tracks", times.tracks}, {"views_embedded", times.views_embedded},
                {"alerts", alerts.alerts()}, {"ms_per_frame", per_frame}});
    if (!quiet)
        std::fprintf(stderr,
                     "lfr watch: %lld frames in %.1f s: %.2f fps (%d thread%s); %lld dropped; %lld tracks, %lld views "
                     "embedded, %d alerts\n  ms/frame: decode wait %.2f, detect %.2f, track %.2f, landmarks %.2f, quality %.2f, "
                     "embed %.2f, match %.2f, liveness %.2f\n",
                     (long long)n, wall, fps, threads, threads > 1 ? "s" : "", (long long)source->dropped(),
                     (long long)times.tracks, (long long)times.views_embedded, alerts.alerts(),
                     ms_per_frame(times.decode, n), ms_per_frame(times.detect, n), ms_per_frame(times.track, n),
                     ms_per_frame(times.landmarks, n), ms_per_frame(times.quality, n), ms_per_frame(times.embed, n),
                     ms_per_frame(times.match, n), ms_per_frame(times.liveness, n));
    if (failure) std::rethrow_exception(failure);
    return 0;
}

}  // namespace lfr::cli
