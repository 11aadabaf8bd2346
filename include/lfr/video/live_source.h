// A reader thread in front of any FrameSource, so that decoding runs beside the face pipeline.
//
// Live (a camera or network stream): the queue holds at most `capacity` frames; when the pipeline falls
// behind, the oldest queued frame is dropped (and counted), so latency never grows. When the stream
// breaks off or ends, it is reopened after a back-off (0.5 s, doubling, up to `reconnects` tries);
// then next() throws an lfr::Error that says it gave up and why.
// Not live (a file): the reader waits for room instead of dropping; the source just decodes ahead.
#pragma once
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include "lfr/video/frame_source.h"

namespace lfr {

struct LiveOptions {
    size_t capacity = 2;        // queued frames
    int reconnects = 5;         // reopen attempts after a break (live only); 0: give up at once
    double first_backoff_s = 0.5;
};

class ThreadedSource : public FrameSource {
public:
    using Opener = std::function<std::unique_ptr<FrameSource>()>;

    // `open` makes the underlying source (called again to reconnect); the first call happens here, so
    // a source that cannot be opened at all fails now, in the caller's thread.
    ThreadedSource(Opener open, bool live, LiveOptions o = {})
        : open_(std::move(open)), live_(live), opt_(o), source_(open_()) {
        name_ = source_->name();
        fps_ = source_->fps();
        reader_ = std::thread([this] { read(); });
    }
    ~ThreadedSource() override {
        {
            std::lock_guard<std::mutex> lock(mu_);
            stop_ = true;
        }
        cv_.notify_all();
        reader_.join();
    }

    std::optional<Frame> next() override {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return !queue_.empty() || done_; });
        if (queue_.empty()) {
            if (error_) std::rethrow_exception(error_);
            return std::nullopt;
        }
        Frame f = std::move(queue_.front());
        queue_.pop_front();
        cv_.notify_all();
        return f;
    }
    int64_t dropped() const override {
        std::lock_guard<std::mutex> lock(mu_);
        return dropped_;
    }
    int64_t reconnected() const {
        std::lock_guard<std::mutex> lock(mu_);
        return reconnected_;
    }
    double fps() const override { return fps_; }
    std::string name() const override { return name_; }

private:
    void read() {
        int64_t index = 0;
        double offset = 0, last_time = 0;  // times continue across reconnects
        int failures = 0;
        std::string why;
        while (!stopping()) {
            try {
                if (!source_) {
                    source_ = open_();
                    offset = last_time;
                    std::lock_guard<std::mutex> lock(mu_);
                    ++reconnected_;
                }
                std::optional<Frame> f = source_->next();
                if (!f) {
                    if (!live_) break;
                    throw Error(name_ + ": the stream ended");
                }
                failures = 0;
                f->time += offset;
                f->index = index++;
                last_time = f->time;
                push(std::move(*f));
            } catch (const std::exception& e) {
                source_.reset();
                why = e.what();
                if (!live_ || failures >= opt_.reconnects) {
                    finish(std::make_exception_ptr(
                        Error(live_ ? name_ + ": gave up after " + std::to_string(failures) + " reconnect attempts: " + why
                                    : why)));
                    return;
                }
                // Back-off: 0.5 s, 1 s, 2 s, ... (a server restarting needs a moment).
                const double wait = opt_.first_backoff_s * double(1 << std::min(failures, 6));
                ++failures;
                std::unique_lock<std::mutex> lock(mu_);
                cv_.wait_for(lock, std::chrono::duration<double>(wait), [&] { return stop_; });
            }
        }
        finish(nullptr);
    }

    void push(Frame f) {
        std::unique_lock<std::mutex> lock(mu_);
        if (live_) {
            while (queue_.size() >= opt_.capacity) queue_.pop_front(), ++dropped_;
        } else {
            cv_.wait(lock, [&] { return queue_.size() < opt_.capacity || stop_; });
        }
        queue_.push_back(std::move(f));
        cv_.notify_all();
    }

    void finish(std::exception_ptr error) {
        std::lock_guard<std::mutex> lock(mu_);
        error_ = error;
        done_ = true;
        cv_.notify_all();
    }

    bool stopping() {
        std::lock_guard<std::mutex> lock(mu_);
        return stop_;
    }

    Opener open_;
    bool live_;
    LiveOptions opt_;
    std::unique_ptr<FrameSource> source_;
    std::string name_;
    double fps_ = 0;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Frame> queue_;
    bool stop_ = false, done_ = false;
    std::exception_ptr error_;
    int64_t dropped_ = 0, reconnected_ = 0;
    std::thread reader_;
};

}  // namespace lfr
