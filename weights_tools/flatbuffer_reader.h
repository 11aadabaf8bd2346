// A small checked FlatBuffers reader: tables, vectors, strings and scalars read by field index,
// without generated code or a schema file. Every offset, vtable, vector length and element index is
// checked here, in one place, against the bytes actually present, so a hostile or truncated file
// gives one lfr::Error ("<label>: flatbuffer ...") and never a read out of range. Callers only
// validate meaning (op codes, tensor indices), not memory.
//
// Wire format (flatbuffers.dev/internals): the buffer starts with a u32 offset to the root table.
// A table starts with an i32 soffset: its vtable is at table - soffset. A vtable is u16 vtable size,
// u16 table size, then one u16 per field: the field's offset from the table start, 0 = absent
// (the default applies). A reference field (table, vector, string) holds a u32 offset relative to
// the field's own position. A vector or string is a u32 element count followed by the elements;
// a vector of tables holds u32 offsets, each relative to its own slot.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "lfr/core/error.h"

namespace lfr::tools::fb {

class Table;
class Vector;

class Buffer {
public:
    Buffer(const uint8_t* data, size_t size, std::string label) : data_(data), size_(size), label_(std::move(label)) {
        LFR_CHECK(size_ <= 0x7fffffffu, label_ + ": flatbuffer larger than 2 GiB");
    }
    inline Table root() const;
    size_t size() const { return size_; }
    const std::string& label() const { return label_; }

    [[noreturn]] void fail(const std::string& what) const { throw Error(label_ + ": flatbuffer " + what); }

    // `n` bytes at `at` are inside the buffer.
    void need(uint64_t at, uint64_t n, const char* what) const {
        if (at > size_ || n > size_ - at)
            fail(std::string(what) + " at byte " + std::to_string(at) + " (+" + std::to_string(n) +
                 ") runs past the end (" + std::to_string(size_) + " bytes)");
    }
    template <class T> T load(uint64_t at, const char* what) const {
        static_assert(std::is_trivially_copyable_v<T>);
        need(at, sizeof(T), what);
        T v;
        std::memcpy(&v, data_ + at, sizeof(T));  // unaligned and little-endian, as the format is
        return v;
    }
    // The target of the u32 offset stored at `at`.
    uint32_t follow(uint64_t at, const char* what) const {
        const uint64_t target = at + load<uint32_t>(at, what);
        need(target, 4, what);  // every target (table, vector, string) starts with 4 bytes
        return uint32_t(target);
    }
    const uint8_t* bytes(uint64_t at) const { return data_ + at; }  // only after need()

    inline Table table_at(uint32_t pos) const;

private:
    const uint8_t* data_;
    size_t size_;
    std::string label_;
};

// A vector of fixed-size elements (scalars, or u32 offsets to tables). Empty when absent.
class Vector {
public:
    Vector() = default;
    Vector(const Buffer* b, uint32_t pos, size_t elem) : b_(b) {
        size_ = b->load<uint32_t>(pos, "vector length");
        b->need(uint64_t(pos) + 4, uint64_t(size_) * elem, "vector");
        data_ = pos + 4;
    }
    uint32_t size() const { return size_; }
    template <class T> T at(uint32_t i) const {
        check(i);
        return b_->load<T>(uint64_t(data_) + uint64_t(i) * sizeof(T), "vector element");
    }
    inline Table table(uint32_t i) const;
    // Raw element bytes (a [ubyte] vector's data), valid for size() elements.
    const uint8_t* bytes() const { return size_ ? b_->bytes(data_) : nullptr; }

private:
    void check(uint32_t i) const {
        if (i >= size_) b_->fail("vector index " + std::to_string(i) + " out of range (size " + std::to_string(size_) + ")");
    }
    const Buffer* b_ = nullptr;
    uint32_t data_ = 0, size_ = 0;
};

class Table {
public:
    Table() = default;  // an absent table: every field reads as absent
    Table(const Buffer* b, uint32_t pos) : b_(b), pos_(pos) {
        const int64_t vt = int64_t(pos) - b->load<int32_t>(pos, "table");
        if (vt < 0) b->fail("vtable offset of the table at byte " + std::to_string(pos) + " points before the start");
        vt_ = uint32_t(vt);
        vt_size_ = b->load<uint16_t>(vt_, "vtable");
        const uint16_t table_size = b->load<uint16_t>(uint64_t(vt_) + 2, "vtable");
        if (vt_size_ < 4 || vt_size_ % 2) b->fail("vtable at byte " + std::to_string(vt_) + " has a bad size");
        b->need(vt_, vt_size_, "vtable");
        b->need(pos, table_size, "table");
        table_size_ = table_size;
    }
    bool present() const { return b_ != nullptr; }
    bool has(int field) const { return offset(field) != 0; }

    template <class T> T scalar(int field, T def) const {
        const uint16_t o = offset(field);
        if (!o) return def;
        field_fits(o, sizeof(T));
        return b_->load<T>(uint64_t(pos_) + o, "scalar field");
    }
    Table table(int field) const {
        const uint16_t o = offset(field);
        if (!o) return {};
        field_fits(o, 4);
        return b_->table_at(b_->follow(uint64_t(pos_) + o, "table field"));
    }
    // A vector of elem-byte elements (use elem 4 for vectors of tables).
    Vector vector(int field, size_t elem) const {
        const uint16_t o = offset(field);
        if (!o) return {};
        field_fits(o, 4);
        return Vector(b_, b_->follow(uint64_t(pos_) + o, "vector field"), elem);
    }
    std::string string(int field) const {
        const Vector v = vector(field, 1);
        return std::string(reinterpret_cast<const char*>(v.bytes()), v.size());
    }

private:
    // The field's offset inside the table, 0 when absent (including fields past the vtable's end,
    // which newer schemas add).
    uint16_t offset(int field) const {
        if (!b_) return 0;
        const uint64_t slot = 4 + 2 * uint64_t(field);
        return slot + 2 <= vt_size_ ? b_->load<uint16_t>(vt_ + slot, "vtable") : 0;
    }
    void field_fits(uint16_t o, size_t n) const {
        if (o + n > table_size_) b_->fail("field at offset " + std::to_string(o) + " lies outside its table");
    }
    const Buffer* b_ = nullptr;
    uint32_t pos_ = 0, vt_ = 0;
    uint16_t vt_size_ = 0, table_size_ = 0;
};

inline Table Buffer::table_at(uint32_t pos) const { return Table(this, pos); }
inline Table Buffer::root() const { return table_at(follow(0, "root offset")); }
inline Table Vector::table(uint32_t i) const {
    check(i);
    const uint64_t slot = uint64_t(data_) + uint64_t(i) * 4;
    return b_->table_at(b_->follow(slot, "vector of tables"));
}

}  // namespace lfr::tools::fb
