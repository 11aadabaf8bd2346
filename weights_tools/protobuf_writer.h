// The protobuf wire format written by hand, the mirror of protobuf_reader.h (same wire types and
// varint rules): what lfr_export writes .onnx files with, and what the importer's tests build
// their hand-made (and deliberately broken) models with. Fields are appended in call order.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "protobuf_reader.h"

namespace lfr::tools::pb {

struct Writer {
    std::string b;  // the encoded message so far

    // A bare varint, no tag (packed arrays, or a test's malformed bytes).
    void raw(uint64_t v) {
        for (; v >= 0x80; v >>= 7) b += char(uint8_t(v) | 0x80);
        b += char(v);
    }
    // Negative values are written as 10-byte two's complement, as protobuf does for int32/int64.
    Writer& varint(uint32_t field, int64_t v) { return tag(field, kVarint), raw(uint64_t(v)), *this; }
    Writer& bytes(uint32_t field, const std::string& s) { return bytes(field, s.data(), s.size()); }
    Writer& bytes(uint32_t field, const void* data, size_t size) {
        tag(field, kBytes);
        raw(size);
        b.append(static_cast<const char*>(data), size);
        return *this;
    }
    Writer& msg(uint32_t field, const Writer& m) { return bytes(field, m.b); }
    Writer& f32(uint32_t field, float f) {
        tag(field, kFixed32);
        char le[4];
        std::memcpy(le, &f, 4);  // little-endian hosts only, as the reader
        b.append(le, 4);
        return *this;
    }
    // Packed repeated fields: one length-delimited payload.
    Writer& packed_ints(uint32_t field, const std::vector<int64_t>& v) {
        Writer p;
        for (int64_t x : v) p.raw(uint64_t(x));
        return bytes(field, p.b);
    }
    Writer& packed_floats(uint32_t field, const std::vector<float>& v) { return bytes(field, v.data(), v.size() * 4); }

private:
    void tag(uint32_t field, WireType t) { raw(uint64_t(field) << 3 | t); }
};

}  // namespace lfr::tools::pb
