// The pieces of lfr's JPEG decoder (jpeg.cpp) that stand on their own: the zig-zag order, Huffman
// tables, the entropy-coded bit reader, a component's coefficients and planes, and jpeg-js's integer
// IDCT. Private to src/image/.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace lfr {
namespace jpeg_detail {

// Zig-zag order -> natural (row-major) index in the 8x8 block (ITU T.81 figure A.6).
constexpr uint8_t kNatural[64] = {0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,
                                  12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28,
                                  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
                                  58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

struct DecodeError {
    std::string why;
};

[[noreturn]] inline void fail(const std::string& why) { throw DecodeError{why}; }

// A canonical Huffman table (T.81 annex C): 9-bit lookup for short codes, per-length ranges for the rest.
struct HuffmanTable {
    static constexpr int kFastBits = 9;
    bool defined = false;
    std::array<uint8_t, 1 << kFastBits> fast_length{};  // 0: the code is longer than kFastBits
    std::array<uint8_t, 1 << kFastBits> fast_symbol{};
    std::array<int32_t, 17> max_code{};  // largest code of each length, -1 if none
    std::array<int32_t, 17> first_index{};  // index into symbols of the first code of each length
    std::array<int32_t, 17> first_code{};
    std::array<uint8_t, 256> symbols{};

    void build(const uint8_t counts[16], const uint8_t* values, int total) {
        *this = HuffmanTable();
        defined = true;
        std::copy(values, values + total, symbols.begin());
        int32_t code = 0;
        int index = 0;
        for (int length = 1; length <= 16; ++length) {
            const int count = counts[length - 1];
            first_index[size_t(length)] = index;
            first_code[size_t(length)] = code;
            max_code[size_t(length)] = count ? code + count - 1 : -1;
            for (int i = 0; i < count; ++i, ++code, ++index) {
                if (code >= (1 << length)) fail("corrupt JPEG: over-subscribed Huffman table");
                if (length > kFastBits) continue;
                const int spread = kFastBits - length;
                for (int fill = 0; fill < (1 << spread); ++fill) {
                    const size_t slot = size_t((code << spread) | fill);
                    fast_length[slot] = uint8_t(length);
                    fast_symbol[slot] = symbols[size_t(index)];
                }
            }
            code <<= 1;
        }
    }
};

// Reads the entropy-coded bits of one scan. At a marker (0xFF not followed by a stuffed 0x00) or the
// end of the data it supplies zero bits and counts them; consuming any of those means the scan data
// ran short, which is an error (jpeg-js throws there too).
class BitReader {
public:
    BitReader(const uint8_t* data, size_t pos, size_t end) : data_(data), pos_(pos), end_(end) {}

    uint32_t bits(int n) {  // n in 0..16
        if (n == 0) return 0;
        if (count_ < n) refill();
        const uint32_t v = uint32_t(buffer_ >> (64 - n));
        buffer_ <<= n;
        count_ -= n;
        return v;
    }

    int decode(const HuffmanTable& table) {
        if (count_ < 16) refill();
        const size_t look = size_t(buffer_ >> (64 - HuffmanTable::kFastBits));
        if (const int length = table.fast_length[look]) {
            buffer_ <<= length;
            count_ -= length;
            return table.fast_symbol[look];
        }
        const int32_t code16 = int32_t(buffer_ >> 48);
        for (int length = HuffmanTable::kFastBits + 1; length <= 16; ++length) {
            const int32_t code = code16 >> (16 - length);
            if (code <= table.max_code[size_t(length)]) {
                buffer_ <<= length;
                count_ -= length;
                const int32_t index = table.first_index[size_t(length)] + code - table.first_code[size_t(length)];
                if (index < 0 || index > 255) break;
                return table.symbols[size_t(index)];
            }
        }
        fail("corrupt JPEG: bad Huffman code");
    }

    // receive + extend (T.81 F.2.2.1): s bits as a signed magnitude-category value.
    int32_t signed_bits(int s) {
        if (s == 0) return 0;
        const int32_t v = int32_t(bits(s));
        return v < (int32_t(1) << (s - 1)) ? v - (int32_t(1) << s) + 1 : v;
    }

    bool overran() const { return padded_ > count_; }

    // Discards what is buffered and moves to the next marker; returns its position (0xFF) or end.
    size_t next_marker() {
        buffer_ = 0, count_ = 0, padded_ = 0;
        while (pos_ + 1 < end_ && !(data_[pos_] == 0xFF && data_[pos_ + 1] != 0x00)) pos_ += data_[pos_] == 0xFF ? 2 : 1;
        while (pos_ + 2 < end_ && data_[pos_ + 1] == 0xFF) ++pos_;  // fill bytes before the marker
        at_marker_ = false;
        return pos_ + 1 < end_ ? pos_ : end_;
    }

    void skip_marker() { pos_ += 2; }

private:
    void refill() {
        while (count_ <= 56) {
            uint32_t byte = 0;
            bool real = false;
            if (!at_marker_ && pos_ < end_) {
                byte = data_[pos_];
                if (byte != 0xFF) {
                    ++pos_, real = true;
                } else if (pos_ + 1 < end_ && data_[pos_ + 1] == 0x00) {
                    pos_ += 2, real = true;  // stuffed 0xFF
                } else {
                    at_marker_ = true, byte = 0;  // pos_ stays on the marker
                }
            }
            if (!real) padded_ += 8;
            buffer_ |= uint64_t(byte) << (56 - count_);
            count_ += 8;
        }
    }

    const uint8_t* data_;
    size_t pos_, end_;
    uint64_t buffer_ = 0;
    int count_ = 0;    // valid bits at the top of buffer_
    int padded_ = 0;   // of those, made-up zero bits at the bottom
    bool at_marker_ = false;
};

struct Component {
    int id = 0, h = 1, v = 1, quant_table = 0;
    int blocks_x = 0, blocks_y = 0;  // blocks holding image data (T.81 A.2: non-interleaved scan order)
    int stride = 0, rows = 0;        // blocks allocated: whole MCUs
    int dc_table = 0, ac_table = 0;
    int32_t dc_pred = 0;
    std::vector<int16_t> coef;   // stride * rows blocks of 64, natural order, quantised
    std::vector<uint8_t> plane;  // stride*8 x rows*8 samples after the IDCT

    int16_t* block(int bx, int by) { return coef.data() + (size_t(by) * size_t(stride) + size_t(bx)) * 64; }
};

// The integer Loeffler/Ligtenberg/Moschytz IDCT with jpeg-js's fixed-point constants and rounding
// (cos/sin of k*pi/16 scaled by 4096, sqrt(2) and sqrt(2)/2 by 4096 and 2048). Rows scale by 16 and
// round at 8 bits; columns round at 12 bits; the output is 128 + (x + 8) >> 4, clamped.
//
// jpeg-js computes in doubles (exact at these magnitudes) and wraps to 32 bits at every `>>` and
// Int32Array store (JavaScript's ToInt32). Unsigned 32-bit arithmetic wraps the same way and, unlike
// signed overflow, is defined, so corrupt coefficients give jpeg-js's garbage instead of UB.
constexpr uint32_t kCos1 = 4017, kSin1 = 799, kCos3 = 3406, kSin3 = 2276, kCos6 = 1567, kSin6 = 3784;
constexpr uint32_t kSqrt2 = 5793, kSqrt1d2 = 2896;

inline int32_t sar(uint32_t v, int s) { return int32_t(v) >> s; }  // ToInt32, then an arithmetic shift

// Eight 8-point transforms side by side: transform j runs down column j of the 8x8 block p (elements
// p[8k + j]), so every step is the same operation on 8 adjacent lanes and the compiler vectorises it.
// Row selects the row pass's scaling (the row pass runs on the transposed block).
template <bool Row>
inline void idct_pass(int32_t* p) {
    constexpr int shift = Row ? 8 : 12;
    constexpr uint32_t half = uint32_t(1) << (shift - 1);
    for (int j = 0; j < 8; ++j) {
        auto at = [&](int k) { return uint32_t(p[8 * k + j]); };
        // jpeg-js's shortcut for a transform whose AC inputs are all zero (it rounds differently).
        const bool dc_only = (at(1) | at(2) | at(3) | at(4) | at(5) | at(6) | at(7)) == 0;
        const int32_t flat = Row ? sar(kSqrt2 * at(0) + 512, 10) : sar(kSqrt2 * at(0) + 8192, 14);
        auto avg = [](uint32_t v) { return uint32_t(sar(v + 1, 1)); };
        auto rot = [](uint32_t v, int s) { return uint32_t(sar(v, s)); };
        // stage 4
        uint32_t v0 = rot(kSqrt2 * at(0) + half, shift);
        uint32_t v1 = rot(kSqrt2 * at(4) + half, shift);
        uint32_t v2 = at(2);
        uint32_t v3 = at(6);
        uint32_t v4 = rot(kSqrt1d2 * (at(1) - at(7)) + half, shift);
        uint32_t v7 = rot(kSqrt1d2 * (at(1) + at(7)) + half, shift);
        uint32_t v5 = Row ? at(3) << 4 : at(3);
        uint32_t v6 = Row ? at(5) << 4 : at(5);
        // stage 3
        uint32_t t = avg(v0 - v1);
        v0 = avg(v0 + v1);
        v1 = t;
        t = rot(v2 * kSin6 + v3 * kCos6 + half, shift);
        v2 = rot(v2 * kCos6 - v3 * kSin6 + half, shift);
        v3 = t;
        t = avg(v4 - v6);
        v4 = avg(v4 + v6);
        v6 = t;
        t = avg(v7 + v5);
        v5 = avg(v7 - v5);
        v7 = t;
        // stage 2
        t = avg(v0 - v3);
        v0 = avg(v0 + v3);
        v3 = t;
        t = avg(v1 - v2);
        v1 = avg(v1 + v2);
        v2 = t;
        t = rot(v4 * kSin3 + v7 * kCos3 + 2048, 12);
        v4 = rot(v4 * kCos3 - v7 * kSin3 + 2048, 12);
        v7 = t;
        t = rot(v5 * kSin1 + v6 * kCos1 + 2048, 12);
        v5 = rot(v5 * kCos1 - v6 * kSin1 + 2048, 12);
        v6 = t;
        // stage 1
        const uint32_t out[8] = {v0 + v7, v1 + v6, v2 + v5, v3 + v4, v3 - v4, v2 - v5, v1 - v6, v0 - v7};
        for (int k = 0; k < 8; ++k) p[8 * k + j] = dc_only ? flat : int32_t(out[k]);
    }
}

inline void dequantise_idct(const int16_t* coef, const uint16_t* quant, uint8_t* out, size_t out_stride) {
    // A block without AC coefficients (most chroma blocks) takes jpeg-js's all-zero shortcut in both passes:
    // one flat value.
    int16_t ac = 0;
    for (int i = 1; i < 64; ++i) ac |= coef[i];
    if (ac == 0) {
        const int32_t row = sar(kSqrt2 * uint32_t(int32_t(coef[0]) * int32_t(quant[0])) + 512, 10);
        const int32_t col = sar(kSqrt2 * uint32_t(row) + 8192, 14);
        const uint8_t v = uint8_t(std::clamp(128 + sar(uint32_t(col) + 8, 4), 0, 255));
        for (int y = 0; y < 8; ++y) std::memset(out + size_t(y) * out_stride, v, 8);
        return;
    }
    int32_t p[64], q[64];
    // Transposed, so that the row pass runs down columns too; |coef * quant| < 2^31: no wrap.
    for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 8; ++x) q[8 * x + y] = int32_t(coef[8 * y + x]) * int32_t(quant[8 * y + x]);
    idct_pass<true>(q);
    for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 8; ++x) p[8 * y + x] = q[8 * x + y];
    idct_pass<false>(p);
    for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 8; ++x) {
            const int32_t s = 128 + sar(uint32_t(p[8 * y + x]) + 8, 4);
            out[size_t(y) * out_stride + size_t(x)] = uint8_t(std::clamp(s, 0, 255));
        }
}

}  // namespace jpeg_detail
}  // namespace lfr
