// Shape: up to kMaxRank dimensions, row-major (C order). Tensors are NHWC throughout.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>

#include "lfr/core/error.h"

namespace lfr {

constexpr int kMaxRank = 6;
// Shapes read from a file or inferred from one are refused past this many elements, so that their
// numel() cannot wrap round (six dims below 2^31 multiply far past int64) and sizes in bytes fit.
constexpr int64_t kMaxNumel = int64_t(1) << 40;

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
    // Element count. Throws lfr::Error when it would pass kMaxNumel (so never wraps round), whatever
    // the shape's origin: a size computed from it can then be trusted.
    int64_t numel() const {
        int64_t n = 1;
        for (int i = 0; i < rank; ++i) {
            if (dim[i] == 0) return 0;
            LFR_CHECK(!__builtin_mul_overflow(n, dim[i], &n) && n <= kMaxNumel && n >= -kMaxNumel,
                      "shape " + str() + " has more than 2^40 elements");
        }
        return n;
    }
    // numel() of an untrusted shape: throws, naming `what`, on a negative dim or over kMaxNumel.
    int64_t checked_numel(const std::string& what) const {
        bool empty = false;
        for (int i = 0; i < rank; ++i) {
            LFR_CHECK(dim[i] >= 0, what + " has a negative dimension: " + str());
            empty = empty || dim[i] == 0;
        }
        if (empty) return 0;  // a later dim may be huge: zero elements all the same
        int64_t n = 1;
        for (int i = 0; i < rank; ++i) {
            LFR_CHECK(dim[i] <= kMaxNumel / n, what + " " + str() + " has more than 2^40 elements");
            n *= dim[i];
        }
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
