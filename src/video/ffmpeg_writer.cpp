// FrameWriter into a video file through FFmpeg's libraries (see video_writer.h).
#include "lfr/video/video_writer.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libswscale/swscale.h>
}

#include <cmath>
#include <string>

#include "lfr/core/error.h"

namespace lfr {
namespace {

class VideoWriter : public FrameWriter {
public:
    VideoWriter(const std::string& path, double fps) : path_(path), fps_(fps > 0 ? fps : 25) {}
    ~VideoWriter() override {
        try {
            close();
        } catch (const std::exception&) {
            // Errors are reported by an explicit close(); a destructor only releases.
        }
        release();
    }

    void write(const Image& frame) override {
        if (!enc_) open(frame.width, frame.height);
        LFR_CHECK(frame.width == width_ && frame.height == height_,
                  path_ + ": frame size changed from " + std::to_string(width_) + "x" + std::to_string(height_));
        check(av_frame_make_writable(yuv_), "frame buffer");
        // The encoder takes even sizes: the last odd row/column is cropped.
        const uint8_t* src[4] = {frame.rgb.data(), nullptr, nullptr, nullptr};
        const int stride[4] = {3 * frame.width, 0, 0, 0};
        sws_scale(sws_, src, stride, 0, enc_->height, yuv_->data, yuv_->linesize);
        yuv_->pts = pts_++;
        send(yuv_);
    }

    void close() override {
        if (!enc_ || closed_) return;
        closed_ = true;
        send(nullptr);
        check(av_write_trailer(fmt_), "cannot finish the file");
    }

private:
    void open(int w, int h) {
        width_ = w, height_ = h;
        check(avformat_alloc_output_context2(&fmt_, nullptr, nullptr, path_.c_str()), "unknown video format");
        const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_H264);
        if (!codec) codec = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
        LFR_CHECK(codec, path_ + ": this FFmpeg has neither an H.264 nor an MPEG-4 encoder");
        stream_ = avformat_new_stream(fmt_, nullptr);
        enc_ = avcodec_alloc_context3(codec);
        LFR_CHECK(stream_ && enc_, path_ + ": out of memory");
        enc_->width = w & ~1, enc_->height = h & ~1;
        enc_->pix_fmt = AV_PIX_FMT_YUV420P;
        const int den = int(std::lround(fps_ * 1000));
        enc_->time_base = AVRational{1000, den};
        stream_->time_base = enc_->time_base;
        enc_->framerate = AVRational{den, 1000};
        enc_->gop_size = 50;
        enc_->bit_rate = int64_t(w) * h * 4;  // ~4 bits per pixel per second: plenty to read labels
        if (fmt_->oformat->flags & AVFMT_GLOBALHEADER) enc_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
        check(avcodec_open2(enc_, codec, nullptr), "cannot open the encoder");
        check(avcodec_parameters_from_context(stream_->codecpar, enc_), "encoder parameters");
        if (!(fmt_->oformat->flags & AVFMT_NOFILE)) check(avio_open(&fmt_->pb, path_.c_str(), AVIO_FLAG_WRITE), "cannot write");
        check(avformat_write_header(fmt_, nullptr), "cannot write the header");
        yuv_ = av_frame_alloc();
        packet_ = av_packet_alloc();
        LFR_CHECK(yuv_ && packet_, path_ + ": out of memory");
        yuv_->format = enc_->pix_fmt, yuv_->width = enc_->width, yuv_->height = enc_->height;
        check(av_frame_get_buffer(yuv_, 0), "frame buffer");
        sws_ = sws_getContext(enc_->width, enc_->height, AV_PIX_FMT_RGB24, enc_->width, enc_->height, AV_PIX_FMT_YUV420P,
                              SWS_BILINEAR, nullptr, nullptr, nullptr);
        LFR_CHECK(sws_, path_ + ": cannot convert RGB to YUV");
    }

    void send(const AVFrame* f) {
        check(avcodec_send_frame(enc_, f), "cannot encode");
        for (;;) {
            const int rc = avcodec_receive_packet(enc_, packet_);
            if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
            check(rc, "cannot encode");
            // One frame long: without a duration the MP4 muxer's edit list cuts the last frame off.
            if (packet_->duration == 0) packet_->duration = 1;
            av_packet_rescale_ts(packet_, enc_->time_base, stream_->time_base);
            packet_->stream_index = stream_->index;
            check(av_interleaved_write_frame(fmt_, packet_), "cannot write");
        }
    }

    void check(int rc, const char* what) {
        if (rc >= 0) return;
        char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
        av_strerror(rc, buf, sizeof buf);
        throw Error(path_ + ": " + what + ": " + buf);
    }

    void release() {
        sws_freeContext(sws_);
        av_frame_free(&yuv_);
        av_packet_free(&packet_);
        avcodec_free_context(&enc_);
        if (fmt_ && !(fmt_->oformat->flags & AVFMT_NOFILE)) avio_closep(&fmt_->pb);
        avformat_free_context(fmt_);
        fmt_ = nullptr;
    }

    std::string path_;
    double fps_;
    int width_ = 0, height_ = 0;
    int64_t pts_ = 0;
    bool closed_ = false;
    AVFormatContext* fmt_ = nullptr;
    AVStream* stream_ = nullptr;
    AVCodecContext* enc_ = nullptr;
    AVFrame* yuv_ = nullptr;
    AVPacket* packet_ = nullptr;
    SwsContext* sws_ = nullptr;
};

}  // namespace

std::unique_ptr<FrameWriter> open_video_writer(const std::string& path, double fps) {
    return std::make_unique<VideoWriter>(path, fps);
}

}  // namespace lfr
