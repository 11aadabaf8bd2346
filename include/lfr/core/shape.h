// Shape: up to kMaxRank dimensions, row-major (C order). Tensors are NHWC throughout.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>

#include "lfr/core/error.h"

namespace lfr {

constexpr int kMaxRank = 6;

struct Shape {
    int rank = 0;
    int64_t dim[kMaxRank] = {};

    Shape() = default;
    Shape(std::initializer_list<int64_t> dims) {
        LFR_CHECK(dims.size() <= kMaxRank, "shape rank over " + std::to_string(kMaxRank));
        for (int64_t d : dims) dim[rank++] = d;
    }
    int64_t operator[](int i) const { return dim[i < 0 ? i + rank : i]; }
    int64_t& operator[](int i) { return dim[i < 0 ? i + rank : i]; }
    int64_t numel() const {
        int64_t n = 1;
        for (int i = 0; i < rank; ++i) n *= dim[i];
        return n;
    }
    bool operator==(const Shape& o) const {
        if (rank != o.rank) return false;
        for (int i = 0; i < rank; ++i)
            if (dim[i] != o.dim[i]) return false;
        return true;
    }
    bool operator!=(const Shape& o) const { return !(*this == o); }
    std::string str() const {
        std::string s = "[";
        for (int i = 0; i < rank; ++i) s += (i ? "," : "") + std::to_string(dim[i]);
        return s + "]";
    }
};

}  // namespace lfr
