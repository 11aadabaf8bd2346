// A checked reader for the protobuf wire format (what .onnx files are), with no generated code and
// no libprotobuf: messages are walked field by field and decoded by hand (onnx_proto.cpp).
//
// Every varint, length, field number and wire type is checked here, in one place, against the
// bytes actually present, so a truncated or hostile file ends in one lfr::Error naming the file,
// the problem and its byte offset, never in an out-of-range read. Nothing here allocates more than
// the input's own size (packed arrays are sized by their byte length). protobuf_writer.h is the
// writing half (lfr_export, the tests' hand-made models).
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "lfr/core/error.h"

namespace lfr::tools::pb {

enum WireType : uint8_t { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

struct Field {
    uint32_t number = 0;
    WireType type = kVarint;
    uint64_t value = 0;              // kVarint; kFixed32 / kFixed64: the raw little-endian bits
    const uint8_t* data = nullptr;   // kBytes
    size_t size = 0;                 // kBytes
    size_t offset = 0;               // of the field's tag, from the start of the file
};

class Reader {
public:
    // what: names the file in errors; base: offset of `data` in the file; depth: message nesting.
    Reader(const uint8_t* data, size_t size, std::string what, size_t base = 0, int depth = 0)
        : begin_(data), p_(data), end_(data + size), what_(std::move(what)), base_(base), depth_(depth) {}

    // The next field, or false at the end of the message.
    bool next(Field& f) {
        if (p_ == end_) return false;
        f = Field{};
        f.offset = offset();
        const uint64_t tag = varint();
        const uint64_t number = tag >> 3;
        if (number == 0 || number > (1u << 29) - 1) fail("bad field number " + std::to_string(number), f.offset);
        f.number = uint32_t(number);
        switch (tag & 7) {
            case kVarint: f.type = kVarint, f.value = varint(); break;
            case kFixed64: f.type = kFixed64, f.value = fixed(8); break;
            case kFixed32: f.type = kFixed32, f.value = fixed(4); break;
            case kBytes: {
                f.type = kBytes;
                const uint64_t n = varint();
                if (n > uint64_t(end_ - p_))
                    fail("field " + std::to_string(number) + " claims " + std::to_string(n) + " bytes, " +
                             std::to_string(end_ - p_) + " remain",
                         f.offset);
                f.data = p_, f.size = size_t(n);
                p_ += n;
                break;
            }
            default: fail("unsupported wire type " + std::to_string(tag & 7) + " in field " + std::to_string(number), f.offset);
        }
        return true;
    }

    // Typed views of a field; each checks the wire type its schema field must have.
    Reader message(const Field& f) const {
        expect(f, kBytes, "a message");
        if (depth_ >= kMaxDepth) fail("messages nested too deeply", f.offset);
        return Reader(f.data, f.size, what_, base_ + size_t(f.data - begin_), depth_ + 1);
    }
    // A length-delimited payload (bytes, string, packed data) as it lies in the file.
    const uint8_t* bytes(const Field& f) const {
        expect(f, kBytes, "bytes");
        return f.data;
    }
    std::string string(const Field& f) const {
        expect(f, kBytes, "a string");
        return std::string(reinterpret_cast<const char*>(f.data), f.size);
    }
    int64_t int64(const Field& f) const {
        expect(f, kVarint, "an integer");
        return int64_t(f.value);  // two's complement, as protobuf encodes negative int64/int32
    }
    float float32(const Field& f) const {
        expect(f, kFixed32, "a float");
        const uint32_t bits = uint32_t(f.value);
        float v;
        std::memcpy(&v, &bits, 4);
        return v;
    }
    // Repeated int64/int32: packed (one kBytes field) or one varint per field.
    void int64s(const Field& f, std::vector<int64_t>& out) const {
        if (f.type == kVarint) return out.push_back(int64(f));
        expect(f, kBytes, "packed integers");
        Reader r(f.data, f.size, what_, base_ + size_t(f.data - begin_), depth_);
        while (r.p_ != r.end_) out.push_back(int64_t(r.varint()));
    }
    // Repeated float: packed or one fixed32 per field.
    void floats(const Field& f, std::vector<float>& out) const {
        if (f.type == kFixed32) return out.push_back(float32(f));
        expect(f, kBytes, "packed floats");
        if (f.size % 4) fail("packed floats of " + std::to_string(f.size) + " bytes", f.offset);
        const size_t n = f.size / 4;
        if (n == 0) return;  // an empty field may carry no data pointer (memcpy from null is UB; found by fuzzing)
        out.resize(out.size() + n);
        std::memcpy(out.data() + out.size() - n, f.data, f.size);  // little-endian hosts only, as the .lfr format
    }

    [[noreturn]] void fail(const std::string& msg, size_t offset) const {
        throw Error(what_ + ": malformed protobuf: " + msg + " at byte " + std::to_string(offset));
    }

private:
    static constexpr int kMaxDepth = 32;

    size_t offset() const { return base_ + size_t(p_ - begin_); }

    uint64_t varint() {
        const size_t at = offset();
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p_ == end_) fail("varint runs past the end", at);
            const uint8_t b = *p_++;
            if (shift == 63 && b > 1) fail("varint longer than 64 bits", at);
            v |= uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80)) return v;
        }
        fail("varint longer than 10 bytes", at);
    }
    uint64_t fixed(size_t n) {
        if (size_t(end_ - p_) < n) fail(std::to_string(n) + "-byte value runs past the end", offset());
        uint64_t v = 0;
        for (size_t i = 0; i < n; ++i) v |= uint64_t(p_[i]) << (8 * i);
        p_ += n;
        return v;
    }
    void expect(const Field& f, WireType t, const char* want) const {
        if (f.type != t)
            fail("field " + std::to_string(f.number) + " should be " + want + " (wire type " + std::to_string(int(t)) +
                     "), has wire type " + std::to_string(int(f.type)),
                 f.offset);
    }

    const uint8_t* begin_;
    const uint8_t* p_;
    const uint8_t* end_;
    std::string what_;
    size_t base_;
    int depth_;
};

}  // namespace lfr::tools::pb
