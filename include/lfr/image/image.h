// Image: an owned 8-bit RGB picture, row-major, 3 bytes per pixel, no padding between rows.
#pragma once
#include <cstdint>
#include <vector>

namespace lfr {

struct Image {
    int width = 0, height = 0;
    std::vector<uint8_t> rgb;  // width * height * 3

    Image() = default;
    Image(int w, int h) : width(w), height(h), rgb(size_t(w) * size_t(h) * 3, 0) {}
    uint8_t* at(int x, int y) { return rgb.data() + (size_t(y) * size_t(width) + size_t(x)) * 3; }
    const uint8_t* at(int x, int y) const { return rgb.data() + (size_t(y) * size_t(width) + size_t(x)) * 3; }
};

}  // namespace lfr
