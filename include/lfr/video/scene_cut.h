// Shot cuts: after a cut, a box where a face was is someone else's, so every track must end there.
// A cut is a frame whose 32x18 grey thumbnail differs from the previous frame's by more than
// `threshold` grey levels on average (the cuts of short_hamilton_clip.mp4 measure 26-30, its fastest
// motion 12).
#pragma once
#include <cmath>
#include <vector>

#include "lfr/image/image.h"

namespace lfr {

class SceneCuts {
public:
    explicit SceneCuts(float threshold = 20) : threshold_(threshold) {}

    bool is_cut(const Image& img) {
        constexpr int W = 32, H = 18;
        std::vector<float> t(W * H, 0.f);
        for (int y = 0; y < H; ++y)
            for (int x = 0; x < W; ++x) {
                // The mean of a 4x4 sample grid in each cell is plenty for a cut.
                float sum = 0;
                for (int sy = 0; sy < 4; ++sy)
                    for (int sx = 0; sx < 4; ++sx) {
                        const int px = (x * 4 + sx) * img.width / (W * 4), py = (y * 4 + sy) * img.height / (H * 4);
                        const uint8_t* p = img.at(px, py);
                        sum += 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
                    }
                t[size_t(y * W + x)] = sum / 16;
            }
        bool cut = false;
        if (!last_.empty()) {
            double diff = 0;
            for (size_t i = 0; i < t.size(); ++i) diff += std::fabs(t[i] - last_[i]);
            cut = diff / double(t.size()) > threshold_;
        }
        last_ = std::move(t);
        return cut;
    }

private:
    float threshold_;
    std::vector<float> last_;
};

}  // namespace lfr
