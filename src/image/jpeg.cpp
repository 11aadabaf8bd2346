// lfr's JPEG decoder (see jpeg.h for what it promises). Three passes: parse the markers and
// entropy-decode every scan into quantised coefficients (one code path for baseline and progressive),
// then dequantise + IDCT each component into a plane, then upsample by replication and convert to RGB.
// Built into lfr::image beside io.cpp; its building blocks are in jpeg_parts.h.
#include "lfr/image/jpeg.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "lfr/core/error.h"
#include "codecs.h"
#include "jpeg_parts.h"

namespace lfr {

namespace {

using namespace jpeg_detail;

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
