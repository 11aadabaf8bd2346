// FFmpeg-backed FrameSource (see ffmpeg_source.h). The one place lfr talks to libav*.
#include "lfr/video/ffmpeg_source.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

#include <cmath>
#include <cstring>
#include <string>

namespace lfr {
namespace {

std::string av_message(int err) {
    char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(err, buf, sizeof buf);
    return buf;
}

class FfmpegSource : public FrameSource {
public:
    FfmpegSource(const std::string& url, const StreamOptions& o) : url_(url), stream_(is_stream_url(url)) {
        try {
            open(o);
        } catch (...) {
            release();
            throw;
        }
    }
    ~FfmpegSource() override { release(); }

    std::optional<Frame> next() override {
        for (;;) {
            const int rc = avcodec_receive_frame(dec_, frame_);
            if (rc == 0) return convert();
            if (rc == AVERROR_EOF) return std::nullopt;
            if (rc != AVERROR(EAGAIN)) fail("cannot decode", rc);
            feed();
        }
    }
    double fps() const override { return fps_; }
    std::string name() const override { return url_; }

private:
    void open(const StreamOptions& o) {
        // Quiet: errors come back to us as codes and become one line naming the source.
        av_log_set_level(AV_LOG_FATAL);
        if (stream_) avformat_network_init();
        AVDictionary* opts = nullptr;
        const std::string us = std::to_string(int64_t(o.io_timeout_s * 1e6));
        if (stream_) {
            av_dict_set(&opts, "rw_timeout", us.c_str(), 0);  // stalled reads fail instead of hanging
            av_dict_set(&opts, "timeout", us.c_str(), 0);     // connect (tcp, http); socket timeout (rtsp)
            av_dict_set(&opts, "rtsp_transport", "tcp", 0);
        }
        int rc = avformat_open_input(&fmt_, url_.c_str(), nullptr, &opts);
        av_dict_free(&opts);
        if (rc < 0) fail("cannot open", rc);
        if ((rc = avformat_find_stream_info(fmt_, nullptr)) < 0) fail("cannot read the stream info", rc);
        const AVCodec* codec = nullptr;
        video_ = av_find_best_stream(fmt_, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
        if (video_ < 0 || !codec) fail("no decodable video stream", video_ < 0 ? video_ : AVERROR_DECODER_NOT_FOUND);
        const AVStream* st = fmt_->streams[video_];
        time_base_ = av_q2d(st->time_base);
        const AVRational r = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;
        fps_ = r.num && r.den ? av_q2d(r) : 0;
        dec_ = avcodec_alloc_context3(codec);
        LFR_CHECK(dec_, url_ + ": out of memory");
        if ((rc = avcodec_parameters_to_context(dec_, st->codecpar)) < 0) fail("bad codec parameters", rc);
        if ((rc = avcodec_open2(dec_, codec, nullptr)) < 0) fail("cannot open the decoder", rc);
        packet_ = av_packet_alloc();
        frame_ = av_frame_alloc();
        LFR_CHECK(packet_ && frame_, url_ + ": out of memory");
    }

    void release() {
        sws_freeContext(sws_);
        sws_ = nullptr;
        av_frame_free(&frame_);
        av_packet_free(&packet_);
        avcodec_free_context(&dec_);
        avformat_close_input(&fmt_);
    }

    // One packet of the video stream into the decoder; at the end, the flush that drains it.
    void feed() {
        for (;;) {
            int rc = av_read_frame(fmt_, packet_);
            if (rc == AVERROR_EOF || (rc < 0 && !stream_ && decoded_ > 0)) {
                // A file whose tail is cut off ends where its data ends; a stream that breaks is an error.
                avcodec_send_packet(dec_, nullptr);
                return;
            }
            if (rc < 0) fail(stream_ ? "stream broke off" : "cannot read", rc);
            if (packet_->stream_index != video_) {
                av_packet_unref(packet_);
                continue;
            }
            rc = avcodec_send_packet(dec_, packet_);
            av_packet_unref(packet_);
            if (rc < 0 && rc != AVERROR_INVALIDDATA) fail("cannot decode", rc);
            return;
        }
    }

    Frame convert() {
        const int w = frame_->width, h = frame_->height;
        LFR_CHECK(w > 0 && h > 0, url_ + ": decoded a frame without size");
        sws_ = sws_getCachedContext(sws_, w, h, AVPixelFormat(frame_->format), w, h, AV_PIX_FMT_RGB24, SWS_BILINEAR,
                                    nullptr, nullptr, nullptr);
        LFR_CHECK(sws_, url_ + ": cannot convert pixel format " + std::to_string(frame_->format) + " to RGB");
        Frame f;
        f.image = Image(w, h);
        uint8_t* dst[4] = {f.image.rgb.data(), nullptr, nullptr, nullptr};
        int stride[4] = {3 * w, 0, 0, 0};
        sws_scale(sws_, frame_->data, frame_->linesize, 0, h, dst, stride);
        const int64_t pts = frame_->best_effort_timestamp;
        if (pts != AV_NOPTS_VALUE) {
            if (first_pts_ == AV_NOPTS_VALUE) first_pts_ = pts;
            f.time = double(pts - first_pts_) * time_base_;
        } else {
            f.time = fps_ > 0 ? double(decoded_) / fps_ : 0;
        }
        f.index = decoded_++;
        av_frame_unref(frame_);
        return f;
    }

    [[noreturn]] void fail(const std::string& what, int rc) { throw Error(url_ + ": " + what + ": " + av_message(rc)); }

    std::string url_;
    bool stream_;
    AVFormatContext* fmt_ = nullptr;
    AVCodecContext* dec_ = nullptr;
    AVPacket* packet_ = nullptr;
    AVFrame* frame_ = nullptr;
    SwsContext* sws_ = nullptr;
    int video_ = -1;
    double time_base_ = 0, fps_ = 0;
    int64_t first_pts_ = AV_NOPTS_VALUE;
    int64_t decoded_ = 0;
};

}  // namespace

std::unique_ptr<FrameSource> open_ffmpeg_source(const std::string& url, const StreamOptions& options) {
    return std::make_unique<FfmpegSource>(url, options);
}

}  // namespace lfr
