// lfr's JPEG decoder (see jpeg.h for what it promises). Three passes: parse the markers and
// entropy-decode every scan into quantised coefficients (one code path for baseline and progressive),
// then dequantise + IDCT each component into a plane, then upsample by replication and convert to RGB.
// Built into lfr::image beside io.cpp.
#include "lfr/image/jpeg.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "lfr/core/error.h"
#include "lfr/image/codecs.h"

namespace lfr {

namespace {

// Zig-zag order -> natural (row-major) index in the 8x8 block (ITU T.81 figure A.6).
constexpr uint8_t kNatural[64] = {0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,
                                  12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28,
                                  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
                                  58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

struct DecodeError {
    std::string why;
};

[[noreturn]] void fail(const std::string& why) { throw DecodeError{why}; }

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
void idct_pass(int32_t* p) {
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

void dequantise_idct(const int16_t* coef, const uint16_t* quant, uint8_t* out, size_t out_stride) {
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

// jpeg-js's clampTo8bit: clamps but keeps the fraction; the byte store that follows truncates.
inline double clamp255(double v) { return v < 0 ? 0 : v > 255 ? 255 : v; }

class Decoder {
public:
    Decoder(const uint8_t* data, size_t n, const ImageLimits& limits) : data_(data), n_(n), limits_(limits) {}

    Image decode() {
        if (n_ < 2 || data_[0] != 0xFF || data_[1] != 0xD8) fail("not a JPEG: no start-of-image marker");
        pos_ = 2;
        while (true) {
            const int marker = next_marker();
            if (marker == 0xD9) break;  // EOI
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no payload
            if (marker == 0xD8) fail("corrupt JPEG: a second start-of-image marker");
            const size_t length = segment_length();
            const uint8_t* seg = data_ + pos_ + 2;
            const size_t seg_n = length - 2;
            switch (marker) {
                case 0xC0: case 0xC1: case 0xC2: read_frame(seg, seg_n, marker == 0xC2); break;
                case 0xC4: read_huffman(seg, seg_n); break;
                case 0xDB: read_quant(seg, seg_n); break;
                case 0xDD: read_restart(seg, seg_n); break;
                case 0xEE: read_adobe(seg, seg_n); break;
                case 0xDA: pos_ += length; read_scan(seg, seg_n); continue;
                case 0xC3: case 0xC5: case 0xC6: case 0xC7: case 0xCB: case 0xCD: case 0xCE: case 0xCF:
                    fail("unsupported JPEG: lossless or hierarchical coding");
                case 0xC9: case 0xCA: case 0xCC:
                    fail("unsupported JPEG: arithmetic coding");
                default: break;  // APPn, COM, DNL and the rest carry nothing we need
            }
            pos_ += length;
        }
        if (components_.empty()) fail("corrupt JPEG: no frame header");
        if (scans_ == 0) fail("corrupt JPEG: no image data");
        return to_rgb();
    }

private:
    // Position of the next marker's code; skips fill bytes. Junk between segments is skipped too
    // (libjpeg warns and does the same); running out of data is a truncated file.
    int next_marker() {
        while (pos_ < n_ && data_[pos_] != 0xFF) ++pos_;
        while (pos_ < n_ && data_[pos_] == 0xFF) ++pos_;
        if (pos_ >= n_) fail("truncated JPEG: the data ends before the end-of-image marker");
        return data_[pos_++];
    }

    size_t segment_length() {
        if (pos_ + 2 > n_) fail("truncated JPEG: the data ends before the end-of-image marker");
        const size_t length = size_t(data_[pos_]) << 8 | data_[pos_ + 1];
        if (length < 2) fail("corrupt JPEG: segment length " + std::to_string(length));
        if (pos_ + length > n_) fail("truncated JPEG: the data ends before the end-of-image marker");
        return length;
    }

    void read_frame(const uint8_t* s, size_t n, bool progressive) {
        if (!components_.empty()) fail("unsupported JPEG: more than one frame");
        if (n < 6) fail("corrupt JPEG: short frame header");
        if (s[0] != 8) fail("unsupported JPEG: " + std::to_string(s[0]) + "-bit samples (only 8-bit)");
        height_ = s[1] << 8 | s[2];
        width_ = s[3] << 8 | s[4];
        const int count = s[5];
        if (width_ == 0) fail("corrupt JPEG: zero width");
        if (height_ == 0) fail("unsupported JPEG: height given by a DNL marker");
        const std::string refusal = limits_.refusal(width_, height_);
        if (!refusal.empty()) fail(refusal);
        if (count != 1 && count != 3 && count != 4) fail("unsupported JPEG: " + std::to_string(count) + " components");
        if (n < 6 + size_t(count) * 3) fail("corrupt JPEG: short frame header");
        progressive_ = progressive;
        components_.resize(size_t(count));
        for (int i = 0; i < count; ++i) {
            Component& c = components_[size_t(i)];
            c.id = s[6 + 3 * i];
            c.h = s[7 + 3 * i] >> 4;
            c.v = s[7 + 3 * i] & 15;
            c.quant_table = s[8 + 3 * i];
            if (c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4) fail("corrupt JPEG: sampling factor outside 1..4");
            if (c.quant_table > 3) fail("corrupt JPEG: quantisation table id " + std::to_string(c.quant_table));
            for (int j = 0; j < i; ++j)
                if (components_[size_t(j)].id == c.id) fail("corrupt JPEG: two components with one id");
            max_h_ = std::max(max_h_, c.h);
            max_v_ = std::max(max_v_, c.v);
        }
        mcus_x_ = (width_ + 8 * max_h_ - 1) / (8 * max_h_);
        mcus_y_ = (height_ + 8 * max_v_ - 1) / (8 * max_v_);
        for (Component& c : components_) {
            const int samples_x = (width_ * c.h + max_h_ - 1) / max_h_;
            const int samples_y = (height_ * c.v + max_v_ - 1) / max_v_;
            c.blocks_x = (samples_x + 7) / 8;
            c.blocks_y = (samples_y + 7) / 8;
            c.stride = mcus_x_ * c.h;
            c.rows = mcus_y_ * c.v;
            c.coef.assign(size_t(c.stride) * size_t(c.rows) * 64, 0);
        }
    }

    void read_huffman(const uint8_t* s, size_t n) {
        size_t i = 0;
        while (i < n) {
            if (i + 17 > n) fail("corrupt JPEG: short Huffman table");
            const int cls = s[i] >> 4, id = s[i] & 15;
            if (cls > 1 || id > 3) fail("corrupt JPEG: Huffman table class/id");
            int total = 0;
            for (int k = 0; k < 16; ++k) total += s[i + 1 + size_t(k)];
            if (total > 256 || i + 17 + size_t(total) > n) fail("corrupt JPEG: Huffman table size");
            (cls == 0 ? dc_tables_ : ac_tables_)[size_t(id)].build(s + i + 1, s + i + 17, total);
            i += 17 + size_t(total);
        }
    }

    void read_quant(const uint8_t* s, size_t n) {
        size_t i = 0;
        while (i < n) {
            const int precision = s[i] >> 4, id = s[i] & 15;
            if (precision > 1 || id > 3) fail("corrupt JPEG: quantisation table precision/id");
            const size_t bytes = precision ? 128 : 64;
            if (i + 1 + bytes > n) fail("corrupt JPEG: short quantisation table");
            std::array<uint16_t, 64>& q = quant_[size_t(id)];
            for (size_t k = 0; k < 64; ++k)
                q[kNatural[k]] = precision ? uint16_t(s[i + 1 + 2 * k] << 8 | s[i + 2 + 2 * k]) : s[i + 1 + k];
            quant_defined_[size_t(id)] = true;
            i += 1 + bytes;
        }
    }

    void read_restart(const uint8_t* s, size_t n) {
        if (n < 2) fail("corrupt JPEG: short restart interval");
        restart_interval_ = s[0] << 8 | s[1];
    }

    void read_adobe(const uint8_t* s, size_t n) {
        if (n >= 12 && std::memcmp(s, "Adobe", 5) == 0) adobe_transform_ = s[11];
    }

    // ---- entropy decoding -------------------------------------------------------------------------------
    struct Scan {
        std::vector<Component*> components;
        int ss = 0, se = 63, ah = 0, al = 0;
    };

    void read_scan(const uint8_t* s, size_t n) {
        if (components_.empty()) fail("corrupt JPEG: scan before the frame header");
        if (n < 1) fail("corrupt JPEG: short scan header");
        const size_t count = s[0];
        if (count < 1 || count > 4 || n < 4 + 2 * count) fail("corrupt JPEG: scan header");
        Scan scan;
        for (size_t i = 0; i < count; ++i) {
            const int id = s[1 + 2 * i];
            auto it = std::find_if(components_.begin(), components_.end(), [&](const Component& c) { return c.id == id; });
            if (it == components_.end()) fail("corrupt JPEG: scan names component " + std::to_string(id));
            it->dc_table = s[2 + 2 * i] >> 4;
            it->ac_table = s[2 + 2 * i] & 15;
            if (it->dc_table > 3 || it->ac_table > 3) fail("corrupt JPEG: Huffman table id");
            scan.components.push_back(&*it);
        }
        scan.ss = s[1 + 2 * count];
        scan.se = s[2 + 2 * count];
        scan.ah = s[3 + 2 * count] >> 4;
        scan.al = s[3 + 2 * count] & 15;
        if (progressive_) {
            const bool dc = scan.ss == 0;
            if (scan.se > 63 || scan.ss > scan.se || (dc && scan.se != 0) || (!dc && count != 1) || scan.al > 13)
                fail("corrupt JPEG: progressive scan parameters");
        } else {
            scan.ss = 0, scan.se = 63, scan.ah = 0, scan.al = 0;
        }
        for (Component* c : scan.components) {
            const bool needs_dc = !progressive_ || (scan.ss == 0 && scan.ah == 0);
            const bool needs_ac = !progressive_ || scan.ss > 0;
            if ((needs_dc && !dc_tables_[size_t(c->dc_table)].defined) || (needs_ac && !ac_tables_[size_t(c->ac_table)].defined))
                fail("corrupt JPEG: scan uses an undefined Huffman table");
        }
        // kMaxJpegScans (codecs.h): each scan is a pass over every block.
        if (++scans_ > kMaxJpegScans) fail("progressive JPEG with more than " + std::to_string(kMaxJpegScans) + " scans");
        decode_scan(scan);
    }

    void decode_scan(const Scan& scan) {
        BitReader bits(data_, pos_, n_);
        const bool single = scan.components.size() == 1;
        const Component& first = *scan.components[0];
        const int64_t units = single ? int64_t(first.blocks_x) * first.blocks_y : int64_t(mcus_x_) * mcus_y_;
        const int64_t interval = restart_interval_ ? restart_interval_ : units;
        for (int64_t unit = 0; unit < units;) {
            for (Component* c : scan.components) c->dc_pred = 0;
            eobrun_ = 0;
            for (int64_t k = 0; k < interval && unit < units; ++k, ++unit) {
                if (single) {
                    Component& c = *scan.components[0];
                    decode_block(bits, scan, c, c.block(int(unit % c.blocks_x), int(unit / c.blocks_x)));
                } else {
                    const int mx = int(unit % mcus_x_), my = int(unit / mcus_x_);
                    for (Component* c : scan.components)
                        for (int y = 0; y < c->v; ++y)
                            for (int x = 0; x < c->h; ++x) decode_block(bits, scan, *c, c->block(mx * c->h + x, my * c->v + y));
                }
                if (bits.overran()) fail("corrupt JPEG: the scan data ends early");
            }
            const size_t marker = bits.next_marker();
            if (marker >= n_) fail("truncated JPEG: the data ends before the end-of-image marker");
            const uint8_t code = data_[marker + 1];
            const bool rst = code >= 0xD0 && code <= 0xD7;
            if (unit < units && !rst) fail("corrupt JPEG: missing restart marker");
            if (rst) bits.skip_marker();
            pos_ = rst ? marker + 2 : marker;
        }
    }

    void decode_block(BitReader& bits, const Scan& scan, Component& c, int16_t* zz) {
        const HuffmanTable& dc = dc_tables_[size_t(c.dc_table)];
        const HuffmanTable& ac = ac_tables_[size_t(c.ac_table)];
        if (!progressive_) {
            zz[0] = int16_t(c.dc_pred = int32_t(uint32_t(c.dc_pred) + uint32_t(dc_diff(bits, dc))));
            for (int k = 1; k < 64;) {
                const int rs = bits.decode(ac), r = rs >> 4, s = rs & 15;
                if (s == 0) {
                    if (r < 15) break;
                    k += 16;
                    continue;
                }
                k += r;
                if (k > 63) fail("corrupt JPEG: AC coefficient index past 63");
                zz[kNatural[k]] = int16_t(bits.signed_bits(s));
                ++k;
            }
        } else if (scan.ss == 0) {
            if (scan.ah == 0)
                zz[0] = int16_t(c.dc_pred = int32_t(uint32_t(c.dc_pred) + (uint32_t(dc_diff(bits, dc)) << scan.al)));
            else if (bits.bits(1))
                zz[0] = int16_t(zz[0] | (1 << scan.al));
        } else if (scan.ah == 0) {
            decode_ac_first(bits, scan, ac, zz);
        } else {
            decode_ac_refine(bits, scan, ac, zz);
        }
    }

    int32_t dc_diff(BitReader& bits, const HuffmanTable& dc) {
        const int t = bits.decode(dc);
        if (t > 16) fail("corrupt JPEG: DC difference category " + std::to_string(t));
        return bits.signed_bits(t);
    }

    void decode_ac_first(BitReader& bits, const Scan& scan, const HuffmanTable& ac, int16_t* zz) {
        if (eobrun_ > 0) {
            --eobrun_;
            return;
        }
        for (int k = scan.ss; k <= scan.se;) {
            const int rs = bits.decode(ac), r = rs >> 4, s = rs & 15;
            if (s == 0) {
                if (r < 15) {
                    eobrun_ = int32_t(bits.bits(r)) + (1 << r) - 1;
                    break;
                }
                k += 16;
                continue;
            }
            k += r;
            if (k > 63) fail("corrupt JPEG: AC coefficient index past 63");
            zz[kNatural[k]] = int16_t(bits.signed_bits(s) * (int32_t(1) << scan.al));
            ++k;
        }
    }

    // Successive approximation of AC coefficients (T.81 G.1.2.3): new 1/-1 coefficients at the current
    // bit, correction bits for those already non-zero, end-of-band runs across blocks.
    void decode_ac_refine(BitReader& bits, const Scan& scan, const HuffmanTable& ac, int16_t* zz) {
        const int p1 = 1 << scan.al, m1 = -p1;
        auto refine = [&](int16_t& coef) {
            if (bits.bits(1) && (coef & p1) == 0) coef = int16_t(coef + (coef >= 0 ? p1 : m1));
        };
        int k = scan.ss;
        if (eobrun_ == 0) {
            while (k <= scan.se) {
                const int rs = bits.decode(ac);
                int r = rs >> 4;
                const int s = rs & 15;
                int value = 0;
                if (s == 0) {
                    if (r < 15) {
                        eobrun_ = int32_t(bits.bits(r)) + (1 << r);
                        break;
                    }
                } else {
                    if (s != 1) fail("corrupt JPEG: bad refinement code");
                    value = bits.bits(1) ? p1 : m1;
                }
                while (k <= scan.se) {
                    int16_t& coef = zz[kNatural[k]];
                    ++k;
                    if (coef != 0) {
                        refine(coef);
                    } else if (r-- == 0) {
                        if (value) coef = int16_t(value);
                        break;
                    }
                }
            }
        }
        if (eobrun_ > 0) {
            for (; k <= scan.se; ++k) {
                int16_t& coef = zz[kNatural[k]];
                if (coef != 0) refine(coef);
            }
            --eobrun_;
        }
    }

    // ---- pixels -----------------------------------------------------------------------------------------
    void inverse_transform(Component& c) {
        if (!quant_defined_[size_t(c.quant_table)]) fail("corrupt JPEG: undefined quantisation table");
        const size_t plane_stride = size_t(c.stride) * 8;
        c.plane.assign(plane_stride * size_t(c.rows) * 8, 0);
        for (int by = 0; by < c.rows; ++by)
            for (int bx = 0; bx < c.stride; ++bx)
                dequantise_idct(c.block(bx, by), quant_[size_t(c.quant_table)].data(),
                                c.plane.data() + size_t(by) * 8 * plane_stride + size_t(bx) * 8, plane_stride);
        c.coef = std::vector<int16_t>();  // the coefficients are no longer needed
    }

    // jpeg-js's upsampling: output pixel (x, y) takes the sample at (int(x * h / max_h), int(y * v / max_v)),
    // the factors formed in double as jpeg-js forms them.
    Image to_rgb() {
        for (Component& c : components_) inverse_transform(c);
        const size_t count = components_.size();
        std::vector<std::vector<int>> col(count);
        for (size_t i = 0; i < count; ++i) {
            const double scale = double(components_[i].h) / max_h_;
            col[i].resize(size_t(width_));
            for (int x = 0; x < width_; ++x) col[i][size_t(x)] = int(x * scale);
        }
        // Colour tables: each product jpeg-js forms per pixel, rounded once, so that the per-pixel work is
        // additions only (no fused multiply-add can change a result).
        std::array<double, 256> cr_r{}, cb_g{}, cr_g{}, cb_b{};
        for (int i = 0; i < 256; ++i) {
            cr_r[size_t(i)] = 1.402 * (i - 128);
            cb_g[size_t(i)] = 0.3441363 * (i - 128);
            cr_g[size_t(i)] = 0.71413636 * (i - 128);
            cb_b[size_t(i)] = 1.772 * (i - 128);
        }
        auto ycbcr_to_rgb = [&](int luma, int cb, int cr, double rgb[3]) {
            rgb[0] = clamp255(luma + cr_r[size_t(cr)]);
            rgb[1] = clamp255(luma - cb_g[size_t(cb)] - cr_g[size_t(cr)]);
            rgb[2] = clamp255(luma + cb_b[size_t(cb)]);
        };
        const bool ycc = count == 3 ? adobe_transform_ != 0 : adobe_transform_ > 0;  // -1: no Adobe marker
        Image image(width_, height_);
        const uint8_t* line[4] = {};
        for (int y = 0; y < height_; ++y) {
            for (size_t i = 0; i < count; ++i) {
                const Component& c = components_[i];
                const int row = int(y * (double(c.v) / max_v_));
                line[i] = c.plane.data() + size_t(row) * size_t(c.stride) * 8;
            }
            uint8_t* out = image.at(0, y);
            auto sample = [&](size_t i, int x) -> int { return line[i][col[i][size_t(x)]]; };
            if (count == 1) {
                for (int x = 0; x < width_; ++x, out += 3) out[0] = out[1] = out[2] = uint8_t(sample(0, x));
            } else if (count == 3) {
                for (int x = 0; x < width_; ++x, out += 3) {
                    double rgb[3] = {double(sample(0, x)), double(sample(1, x)), double(sample(2, x))};
                    if (ycc) ycbcr_to_rgb(sample(0, x), sample(1, x), sample(2, x), rgb);
                    for (size_t i = 0; i < 3; ++i) out[i] = uint8_t(rgb[i]);  // truncation, as a Uint8Array store
                }
            } else {
                // jpeg-js: CMYK, or YCCK turned into CMY as 255 - RGB, is stored inverted as bytes, then
                // RGB = 255 - clamp(C * (1 - K/255) + K) on those inverted bytes.
                for (int x = 0; x < width_; ++x, out += 3) {
                    double v[3] = {double(sample(0, x)), double(sample(1, x)), double(sample(2, x))};
                    if (ycc) ycbcr_to_rgb(sample(0, x), sample(1, x), sample(2, x), v);
                    const double k = 255 - sample(3, x);
                    for (size_t i = 0; i < 3; ++i) {
                        const double c = ycc ? double(uint8_t(255 - (255 - v[i]))) : 255 - v[i];
                        out[i] = uint8_t(255 - clamp255(c * (1 - k / 255) + k));
                    }
                }
            }
        }
        return image;
    }

    const uint8_t* data_;
    size_t n_;
    ImageLimits limits_;
    size_t pos_ = 0;
    int width_ = 0, height_ = 0, max_h_ = 1, max_v_ = 1, mcus_x_ = 0, mcus_y_ = 0;
    bool progressive_ = false;
    int restart_interval_ = 0;
    int adobe_transform_ = -1;
    int scans_ = 0;
    int32_t eobrun_ = 0;
    std::vector<Component> components_;
    std::array<HuffmanTable, 4> dc_tables_, ac_tables_;
    std::array<std::array<uint16_t, 64>, 4> quant_{};
    std::array<bool, 4> quant_defined_{};
};

}  // namespace

Image decode_jpeg(const uint8_t* bytes, size_t n, const std::string& label, const ImageLimits& limits) {
    try {
        return Decoder(bytes, n, limits).decode();
    } catch (const DecodeError& e) {
        throw Error(label + ": cannot decode image (" + e.why + ")");
    }
}

}  // namespace lfr
