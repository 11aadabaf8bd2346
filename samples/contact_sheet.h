// Contact sheets: face thumbnails on a grid, for looking at clusters.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "lfr/face/types.h"
#include "lfr/image/draw.h"
#include "lfr/image/image.h"
#include "lfr/image/preprocess.h"

namespace lfr::cli {

// The face's box made square and 30% larger (some hair and chin), resized to size x size; grey outside
// the picture.
inline Image face_thumbnail(const Image& img, const Box& box, int size) {
    const float cx = (box.x1 + box.x2) / 2, cy = (box.y1 + box.y2) / 2;
    const float half = 0.65f * std::max(box.x2 - box.x1, box.y2 - box.y1);
    const float w = float(std::max(img.width - 1, 1)), h = float(std::max(img.height - 1, 1));
    std::vector<float> px(size_t(size) * size_t(size) * 3);
    crop_and_resize(img.rgb.data(), img.height, img.width, 3, (cy - half) / h, (cx - half) / w, (cy + half) / h,
                    (cx + half) / w, size, size, px.data(), 128.f);
    Image out(size, size);
    for (size_t i = 0; i < px.size(); ++i) out.rgb[i] = uint8_t(std::clamp(std::lround(px[i]), 0L, 255L));
    return out;
}

// The thumbnails in rows of `columns` with a gap between them; the first one framed in `first` (the medoid).
inline Image contact_sheet(const std::vector<Image>& thumbs, int columns, Color first) {
    constexpr int kGap = 4;
    if (thumbs.empty()) return Image(1, 1);
    const int size = thumbs[0].width, n = int(thumbs.size());
    const int cols = std::min(columns, n), rows = (n + cols - 1) / cols;
    Image sheet(kGap + cols * (size + kGap), kGap + rows * (size + kGap));
    std::fill(sheet.rgb.begin(), sheet.rgb.end(), uint8_t(255));
    for (int i = 0; i < n; ++i) {
        const int x = kGap + (i % cols) * (size + kGap), y = kGap + (i / cols) * (size + kGap);
        for (int r = 0; r < size; ++r) std::copy_n(thumbs[size_t(i)].at(0, r), size_t(size) * 3, sheet.at(x, y + r));
    }
    draw_rect(sheet, Box{float(kGap), float(kGap), float(kGap + size), float(kGap + size)}, first, 3);
    return sheet;
}

}  // namespace lfr::cli
