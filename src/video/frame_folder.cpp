// FrameWriter into a folder of numbered JPEG files (see video_writer.h).
#include <cstdio>
#include <filesystem>

#include "lfr/core/error.h"
#include "lfr/image/io.h"
#include "lfr/video/video_writer.h"

namespace lfr {
namespace {

class FolderWriter : public FrameWriter {
public:
    explicit FolderWriter(std::string dir) : dir_(std::move(dir)) {
        std::error_code ec;
        std::filesystem::create_directories(dir_, ec);
        LFR_CHECK(!ec && std::filesystem::is_directory(dir_), dir_ + ": cannot create folder (" + ec.message() + ")");
    }
    void write(const Image& frame) override {
        char name[32];
        std::snprintf(name, sizeof name, "frame%06d.jpg", n_++);
        save_jpg((std::filesystem::path(dir_) / name).string(), frame, 90);
    }
    void close() override {}

private:
    std::string dir_;
    int n_ = 0;
};

}  // namespace

std::unique_ptr<FrameWriter> open_frame_folder(const std::string& dir) { return std::make_unique<FolderWriter>(dir); }

}  // namespace lfr
