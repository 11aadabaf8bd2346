// Presentation attacks made from real photos, for reporting what the passive liveness models say when
// no real attack data is at hand: the photo shown on a display or printed on paper, then photographed
// again. Simulations, not captures: they model what the antispoof literature names as the cues (the
// display's subpixel grid and the moire of re-sampling it, a raised black level and a colour cast;
// the printer's halftone dots, paper white and lost contrast; the frame around the medium; the
// camera's JPEG) and nothing else. Scores on them say how the models react to these cues only.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>

#include "lfr/image/io.h"

namespace spoof {

using lfr::Image;

inline uint8_t clamp8(double v) { return uint8_t(std::lround(std::min(255.0, std::max(0.0, v)))); }

// Bilinear resize (pixel centres aligned), enough for simulation.
inline Image resize(const Image& src, int w, int h) {
    Image out(w, h);
    const double sx = double(src.width) / w, sy = double(src.height) / h;
    for (int y = 0; y < h; ++y) {
        const double fy = std::max(0.0, (y + 0.5) * sy - 0.5);
        const int y0 = std::min(int(fy), src.height - 1), y1 = std::min(y0 + 1, src.height - 1);
        const double ay = fy - y0;
        for (int x = 0; x < w; ++x) {
            const double fx = std::max(0.0, (x + 0.5) * sx - 0.5);
            const int x0 = std::min(int(fx), src.width - 1), x1 = std::min(x0 + 1, src.width - 1);
            const double ax = fx - x0;
            for (int c = 0; c < 3; ++c) {
                const double top = src.at(x0, y0)[c] * (1 - ax) + src.at(x1, y0)[c] * ax;
                const double bottom = src.at(x0, y1)[c] * (1 - ax) + src.at(x1, y1)[c] * ax;
                out.at(x, y)[c] = clamp8(top * (1 - ay) + bottom * ay);
            }
        }
    }
    return out;
}

// `inner` centred in a frame of colour `rgb`, `margin` of its size on every side.
inline Image framed(const Image& inner, double margin, const uint8_t rgb[3]) {
    const int mx = int(inner.width * margin), my = int(inner.height * margin);
    Image out(inner.width + 2 * mx, inner.height + 2 * my);
    for (int y = 0; y < out.height; ++y)
        for (int x = 0; x < out.width; ++x) {
            const bool in = x >= mx && x < mx + inner.width && y >= my && y < my + inner.height;
            for (int c = 0; c < 3; ++c) out.at(x, y)[c] = in ? inner.at(x - mx, y - my)[c] : rgb[c];
        }
    return out;
}

// What a phone camera writes: a JPEG at quality 85.
inline Image camera_jpeg(const Image& img) {
    const auto bytes = lfr::encode_jpg(img, 85);
    return lfr::decode_image(bytes.data(), bytes.size(), "camera");
}

// The photo on an LCD (RGB stripe subpixels, a dark gap between pixel rows, raised black level, a
// cool backlight) re-photographed at a scale that does not divide the pixel pitch (moire), in a bezel.
inline Image screen_replay(const Image& photo) {
    const int pitch = 3;  // camera pixels per display pixel before the camera's own resampling
    const Image display = resize(photo, std::max(1, photo.width * 2 / 5), std::max(1, photo.height * 2 / 5));
    Image lit(display.width * pitch, display.height * pitch);
    for (int y = 0; y < lit.height; ++y)
        for (int x = 0; x < lit.width; ++x) {
            const uint8_t* p = display.at(x / pitch, y / pitch);
            const int stripe = x % pitch;
            const double row_gain = y % pitch == pitch - 1 ? 0.55 : 1.0;
            for (int c = 0; c < 3; ++c) {
                const double v = (c == stripe ? 1.0 : 0.35) * p[c] * row_gain * 1.45;  // stripes, brightened
                const double cast[3] = {-6, 0, 10};
                lit.at(x, y)[c] = clamp8(28 + 0.82 * v + cast[c]);
            }
        }
    const Image shot = resize(lit, photo.width * 97 / 100, photo.height * 97 / 100);
    const uint8_t bezel[3] = {18, 18, 20};
    return camera_jpeg(framed(shot, 0.08, bezel));
}

// The photo printed (ordered-dither halftone per ink at twice the resolution, paper white, ink that
// never reaches black, a warm room light) and re-photographed lying on a grey table.
inline Image paper_print(const Image& photo) {
    static const int bayer[4][4] = {{0, 8, 2, 10}, {12, 4, 14, 6}, {3, 11, 1, 9}, {15, 7, 13, 5}};
    const Image fine = resize(photo, photo.width * 2, photo.height * 2);
    Image dots(fine.width, fine.height);
    const double paper[3] = {238, 233, 220}, ink_floor[3] = {48, 44, 52};
    for (int y = 0; y < fine.height; ++y)
        for (int x = 0; x < fine.width; ++x)
            for (int c = 0; c < 3; ++c) {
                const double threshold = (bayer[y % 4][(x + 2 * c) % 4] + 0.5) * 16;  // inks' screens offset
                dots.at(x, y)[c] = clamp8(fine.at(x, y)[c] > threshold ? paper[c] : ink_floor[c]);
            }
    const Image print = resize(resize(dots, photo.width / 2, photo.height / 2), photo.width, photo.height);
    Image lit = print;
    const double light[3] = {1.02, 1.0, 0.95};
    for (size_t i = 0; i < lit.rgb.size(); ++i) lit.rgb[i] = clamp8(print.rgb[i] * light[i % 3]);
    const uint8_t table[3] = {112, 106, 98};
    return camera_jpeg(framed(lit, 0.1, table));
}

}  // namespace spoof
