// Drawing for annotated output pictures: rectangles, lines, filled circles and text labels with a
// built-in 5x7 bitmap font (ASCII 32..126) scaled by an integer factor. Everything is clipped to the
// image: shapes partly or wholly outside it, huge or non-finite coordinates, are safe.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "lfr/core/geometry.h"
#include "lfr/image/image.h"

namespace lfr {

struct Color {
    uint8_t r = 0, g = 0, b = 0;
};

namespace colors {
constexpr Color kRed{230, 40, 40}, kGreen{40, 200, 70}, kBlue{40, 110, 240}, kYellow{250, 210, 30};
constexpr Color kWhite{255, 255, 255}, kBlack{0, 0, 0}, kGray{128, 128, 128};
}  // namespace colors

namespace detail {

// Float pixel coordinate -> int, saturated well beyond any image side so that later arithmetic
// cannot overflow; NaN maps to a far-off coordinate (nothing is drawn).
inline int to_pixel(double v) {
    constexpr double kFar = 1 << 28;
    if (!(v == v)) return -(1 << 28);
    return int(std::lround(std::max(-kFar, std::min(kFar, v))));
}

// The 5x7 font: 5 column bytes per glyph, bit 0 = top row. ASCII 32 (space) to 126 (~).
constexpr int kGlyphW = 5, kGlyphH = 7, kCellW = 6, kCellH = 8;
constexpr uint8_t kFont5x7[95][5] = {
    {0x00, 0x00, 0x00, 0x00, 0x00},  // ' '
    {0x00, 0x00, 0x5F, 0x00, 0x00},  // !
    {0x00, 0x07, 0x00, 0x07, 0x00},  // "
    {0x14, 0x7F, 0x14, 0x7F, 0x14},  // #
    {0x24, 0x2A, 0x7F, 0x2A, 0x12},  // $
    {0x23, 0x13, 0x08, 0x64, 0x62},  // %
    {0x36, 0x49, 0x55, 0x22, 0x50},  // &
    {0x00, 0x05, 0x03, 0x00, 0x00},  // '
    {0x00, 0x1C, 0x22, 0x41, 0x00},  // (
    {0x00, 0x41, 0x22, 0x1C, 0x00},  // )
    {0x14, 0x08, 0x3E, 0x08, 0x14},  // *
    {0x08, 0x08, 0x3E, 0x08, 0x08},  // +
    {0x00, 0x50, 0x30, 0x00, 0x00},  // ,
    {0x08, 0x08, 0x08, 0x08, 0x08},  // -
    {0x00, 0x60, 0x60, 0x00, 0x00},  // .
    {0x20, 0x10, 0x08, 0x04, 0x02},  // /
    {0x3E, 0x51, 0x49, 0x45, 0x3E},  // 0
    {0x00, 0x42, 0x7F, 0x40, 0x00},  // 1
    {0x42, 0x61, 0x51, 0x49, 0x46},  // 2
    {0x21, 0x41, 0x45, 0x4B, 0x31},  // 3
    {0x18, 0x14, 0x12, 0x7F, 0x10},  // 4
    {0x27, 0x45, 0x45, 0x45, 0x39},  // 5
    {0x3C, 0x4A, 0x49, 0x49, 0x30},  // 6
    {0x01, 0x71, 0x09, 0x05, 0x03},  // 7
    {0x36, 0x49, 0x49, 0x49, 0x36},  // 8
    {0x06, 0x49, 0x49, 0x29, 0x1E},  // 9
    {0x00, 0x36, 0x36, 0x00, 0x00},  // :
    {0x00, 0x56, 0x36, 0x00, 0x00},  // ;
    {0x08, 0x14, 0x22, 0x41, 0x00},  // <
    {0x14, 0x14, 0x14, 0x14, 0x14},  // =
    {0x00, 0x41, 0x22, 0x14, 0x08},  // >
    {0x02, 0x01, 0x51, 0x09, 0x06},  // ?
    {0x32, 0x49, 0x79, 0x41, 0x3E},  // @
    {0x7E, 0x11, 0x11, 0x11, 0x7E},  // A
    {0x7F, 0x49, 0x49, 0x49, 0x36},  // B
    {0x3E, 0x41, 0x41, 0x41, 0x22},  // C
    {0x7F, 0x41, 0x41, 0x22, 0x1C},  // D
    {0x7F, 0x49, 0x49, 0x49, 0x41},  // E
    {0x7F, 0x09, 0x09, 0x09, 0x01},  // F
    {0x3E, 0x41, 0x49, 0x49, 0x7A},  // G
    {0x7F, 0x08, 0x08, 0x08, 0x7F},  // H
    {0x00, 0x41, 0x7F, 0x41, 0x00},  // I
    {0x20, 0x40, 0x41, 0x3F, 0x01},  // J
    {0x7F, 0x08, 0x14, 0x22, 0x41},  // K
    {0x7F, 0x40, 0x40, 0x40, 0x40},  // L
    {0x7F, 0x02, 0x0C, 0x02, 0x7F},  // M
    {0x7F, 0x04, 0x08, 0x10, 0x7F},  // N
    {0x3E, 0x41, 0x41, 0x41, 0x3E},  // O
    {0x7F, 0x09, 0x09, 0x09, 0x06},  // P
    {0x3E, 0x41, 0x51, 0x21, 0x5E},  // Q
    {0x7F, 0x09, 0x19, 0x29, 0x46},  // R
    {0x46, 0x49, 0x49, 0x49, 0x31},  // S
    {0x01, 0x01, 0x7F, 0x01, 0x01},  // T
    {0x3F, 0x40, 0x40, 0x40, 0x3F},  // U
    {0x1F, 0x20, 0x40, 0x20, 0x1F},  // V
    {0x3F, 0x40, 0x38, 0x40, 0x3F},  // W
    {0x63, 0x14, 0x08, 0x14, 0x63},  // X
    {0x07, 0x08, 0x70, 0x08, 0x07},  // Y
    {0x61, 0x51, 0x49, 0x45, 0x43},  // Z
    {0x00, 0x7F, 0x41, 0x41, 0x00},  // [
    {0x02, 0x04, 0x08, 0x10, 0x20},  // backslash
    {0x00, 0x41, 0x41, 0x7F, 0x00},  // ]
    {0x04, 0x02, 0x01, 0x02, 0x04},  // ^
    {0x40, 0x40, 0x40, 0x40, 0x40},  // _
    {0x00, 0x01, 0x02, 0x04, 0x00},  // `
    {0x20, 0x54, 0x54, 0x54, 0x78},  // a
    {0x7F, 0x48, 0x44, 0x44, 0x38},  // b
    {0x38, 0x44, 0x44, 0x44, 0x20},  // c
    {0x38, 0x44, 0x44, 0x48, 0x7F},  // d
    {0x38, 0x54, 0x54, 0x54, 0x18},  // e
    {0x08, 0x7E, 0x09, 0x01, 0x02},  // f
    {0x0C, 0x52, 0x52, 0x52, 0x3E},  // g
    {0x7F, 0x08, 0x04, 0x04, 0x78},  // h
    {0x00, 0x44, 0x7D, 0x40, 0x00},  // i
    {0x20, 0x40, 0x44, 0x3D, 0x00},  // j
    {0x7F, 0x10, 0x28, 0x44, 0x00},  // k
    {0x00, 0x41, 0x7F, 0x40, 0x00},  // l
    {0x7C, 0x04, 0x18, 0x04, 0x78},  // m
    {0x7C, 0x08, 0x04, 0x04, 0x78},  // n
    {0x38, 0x44, 0x44, 0x44, 0x38},  // o
    {0x7C, 0x14, 0x14, 0x14, 0x08},  // p
    {0x08, 0x14, 0x14, 0x18, 0x7C},  // q
    {0x7C, 0x08, 0x04, 0x04, 0x08},  // r
    {0x48, 0x54, 0x54, 0x54, 0x20},  // s
    {0x04, 0x3F, 0x44, 0x40, 0x20},  // t
    {0x3C, 0x40, 0x40, 0x20, 0x7C},  // u
    {0x1C, 0x20, 0x40, 0x20, 0x1C},  // v
    {0x3C, 0x40, 0x30, 0x40, 0x3C},  // w
    {0x44, 0x28, 0x10, 0x28, 0x44},  // x
    {0x0C, 0x50, 0x50, 0x50, 0x3C},  // y
    {0x44, 0x64, 0x54, 0x4C, 0x44},  // z
    {0x00, 0x08, 0x36, 0x41, 0x00},  // {
    {0x00, 0x00, 0x7F, 0x00, 0x00},  // |
    {0x00, 0x41, 0x36, 0x08, 0x00},  // }
    {0x08, 0x04, 0x08, 0x10, 0x08},  // ~
};
static_assert(sizeof(kFont5x7) / sizeof(kFont5x7[0]) == 126 - 32 + 1, "one glyph per printable ASCII character");

// Glyph of a byte; anything outside 32..126 draws as '?'.
inline const uint8_t* glyph(unsigned char ch) { return kFont5x7[(ch >= 32 && ch <= 126 ? ch : '?') - 32]; }

}  // namespace detail

// A filled rectangle covering columns [x1, x2) and rows [y1, y2), clipped.
inline void fill_rect(Image& image, int x1, int y1, int x2, int y2, Color c) {
    x1 = std::max(x1, 0);
    y1 = std::max(y1, 0);
    x2 = std::min(x2, image.width);
    y2 = std::min(y2, image.height);
    for (int y = y1; y < y2; ++y)
        for (int x = x1; x < x2; ++x) {
            uint8_t* p = image.at(x, y);
            p[0] = c.r;
            p[1] = c.g;
            p[2] = c.b;
        }
}

// The outline of the box (x1, y1)-(x2, y2) in pixel coordinates, `thickness` pixels wide, drawn
// inward from the box edges so it never covers what lies just outside the box.
inline void draw_rect(Image& image, const Box& box, Color c, int thickness = 2) {
    const int x1 = detail::to_pixel(std::min(box.x1, box.x2)), x2 = detail::to_pixel(std::max(box.x1, box.x2));
    const int y1 = detail::to_pixel(std::min(box.y1, box.y2)), y2 = detail::to_pixel(std::max(box.y1, box.y2));
    const int t = std::max(1, thickness);
    fill_rect(image, x1, y1, x2, std::min(y2, y1 + t), c);  // top
    fill_rect(image, x1, std::max(y1, y2 - t), x2, y2, c);  // bottom
    fill_rect(image, x1, y1, std::min(x2, x1 + t), y2, c);  // left
    fill_rect(image, std::max(x1, x2 - t), y1, x2, y2, c);  // right
}

// A filled disc of the given radius around (cx, cy): for landmarks and keypoints.
inline void fill_circle(Image& image, float cx, float cy, float radius, Color c) {
    if (!(radius >= 0) || !std::isfinite(cx) || !std::isfinite(cy)) return;
    const double r = std::min<double>(radius, 1 << 20);
    const int x1 = std::max(0, detail::to_pixel(std::floor(cx - r))), x2 = std::min(image.width - 1, detail::to_pixel(std::ceil(cx + r)));
    const int y1 = std::max(0, detail::to_pixel(std::floor(cy - r))), y2 = std::min(image.height - 1, detail::to_pixel(std::ceil(cy + r)));
    const double r2 = (r + 0.5) * (r + 0.5);  // pixel centres within r + half a pixel
    for (int y = y1; y <= y2; ++y)
        for (int x = x1; x <= x2; ++x) {
            const double dx = x - double(cx), dy = y - double(cy);
            if (dx * dx + dy * dy <= r2) fill_rect(image, x, y, x + 1, y + 1, c);
        }
}

// A straight line, `thickness` pixels wide, clipped to the image first (Liang-Barsky), so far-away
// endpoints cost nothing.
inline void draw_line(Image& image, Point a, Point b, Color c, int thickness = 1) {
    if (!std::isfinite(a.x) || !std::isfinite(a.y) || !std::isfinite(b.x) || !std::isfinite(b.y)) return;
    const int t = std::max(1, thickness);
    // Clip to the image grown by the pen's half width.
    const double lo_x = -t, hi_x = image.width + t, lo_y = -t, hi_y = image.height + t;
    double x0 = a.x, y0 = a.y, dx = double(b.x) - a.x, dy = double(b.y) - a.y, u0 = 0, u1 = 1;
    const double p[4] = {-dx, dx, -dy, dy}, q[4] = {x0 - lo_x, hi_x - x0, y0 - lo_y, hi_y - y0};
    for (int i = 0; i < 4; ++i) {
        if (p[i] == 0) {
            if (q[i] < 0) return;
            continue;
        }
        const double u = q[i] / p[i];
        if (p[i] < 0) u0 = std::max(u0, u);
        else u1 = std::min(u1, u);
    }
    if (u0 > u1) return;
    int xa = detail::to_pixel(x0 + u0 * dx), ya = detail::to_pixel(y0 + u0 * dy);
    const int xb = detail::to_pixel(x0 + u1 * dx), yb = detail::to_pixel(y0 + u1 * dy);
    // Bresenham, stamping a t x t square at each step.
    const int sx = xa < xb ? 1 : -1, sy = ya < yb ? 1 : -1;
    const int ex = std::abs(xb - xa), ey = -std::abs(yb - ya);
    int err = ex + ey;
    const int half = (t - 1) / 2;
    while (true) {
        fill_rect(image, xa - half, ya - half, xa - half + t, ya - half + t, c);
        if (xa == xb && ya == yb) break;
        const int e2 = 2 * err;
        if (e2 >= ey) {
            err += ey;
            xa += sx;
        }
        if (e2 <= ex) {
            err += ex;
            ya += sy;
        }
    }
}

// Size in pixels of `text` at `scale` (without the background margin).
constexpr size_t kMaxTextChars = 1024;  // longer text is cut (keeps every size well inside int)
inline int text_width(const std::string& text, int scale) {
    const int n = int(std::min(text.size(), kMaxTextChars));
    return n == 0 ? 0 : n * detail::kCellW * scale - scale;
}
inline int text_height(int scale) { return detail::kGlyphH * scale; }

// A text scale that reads well on a picture of this size: 1 up to 640 px, 3 on a 1920 px photo.
inline int text_scale_for(const Image& image) {
    return std::max(1, int(std::lround(std::max(image.width, image.height) / 640.0)));
}

// Draws text with its top-left corner at (x, y) on a filled background box that extends `scale`
// pixels around it. Characters outside ASCII 32..126 draw as '?'. Clipped to the image.
inline void draw_text(Image& image, int x, int y, const std::string& text, Color fg, Color bg, int scale = 1) {
    const int s = std::max(1, std::min(scale, 64));
    if (text.empty()) return;
    x = std::max(-(1 << 28), std::min(x, 1 << 28));
    y = std::max(-(1 << 28), std::min(y, 1 << 28));
    fill_rect(image, x - s, y - s, x + text_width(text, s) + s, y + text_height(s) + s, bg);
    for (size_t i = 0; i < std::min(text.size(), kMaxTextChars); ++i) {
        const int gx = x + int(i) * detail::kCellW * s;
        if (gx >= image.width) break;
        if (gx + detail::kGlyphW * s < 0) continue;
        const uint8_t* g = detail::glyph(static_cast<unsigned char>(text[i]));
        for (int col = 0; col < detail::kGlyphW; ++col)
            for (int row = 0; row < detail::kGlyphH; ++row)
                if (g[col] >> row & 1) fill_rect(image, gx + col * s, y + row * s, gx + (col + 1) * s, y + (row + 1) * s, fg);
    }
}

// A label for a box: above its top-left corner when there is room, else just inside it; shifted
// so that it stays inside the image where the image is wide enough.
inline void draw_label(Image& image, const Box& box, const std::string& text, Color fg, Color bg, int scale) {
    if (text.empty()) return;
    const int s = std::max(1, std::min(scale, 64));
    const int w = text_width(text, s) + 2 * s, h = text_height(s) + 2 * s;  // with the background margin
    int x = detail::to_pixel(std::min(box.x1, box.x2));
    int y = detail::to_pixel(std::min(box.y1, box.y2)) - h;
    if (y < 0) y = detail::to_pixel(std::min(box.y1, box.y2));
    x = std::max(0, std::min(x, image.width - w));
    y = std::max(0, std::min(y, image.height - h));
    draw_text(image, x + s, y + s, text, fg, bg, s);
}

}  // namespace lfr
