// SQLite plumbing for the gallery (lfr/face/gallery.h): prepared statements that throw lfr::Error naming
// the file, and descriptors as little-endian float32 blobs.
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "lfr/core/error.h"

namespace lfr {

namespace gallery_detail {

inline std::string quoted(const std::string& s) { return "'" + s + "'"; }

// One prepared statement, finalized on scope exit.
class Statement {
public:
    Statement(sqlite3* db, const std::string& path, const char* sql) : db_(db), path_(path) {
        const int rc = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
        if (rc != SQLITE_OK) fail("cannot prepare \"" + std::string(sql) + "\"");
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int i, const std::string& s) {
        check(sqlite3_bind_text(stmt_, i, s.data(), int(s.size()), SQLITE_TRANSIENT), "bind");
        return *this;
    }
    Statement& bind(int i, int64_t v) {
        check(sqlite3_bind_int64(stmt_, i, v), "bind");
        return *this;
    }
    Statement& bind_blob(int i, const void* p, size_t n) {
        check(sqlite3_bind_blob(stmt_, i, p, int(n), SQLITE_TRANSIENT), "bind");
        return *this;
    }
    // true while there is a row; false when done.
    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        fail("query failed");
        return false;
    }
    void run() {
        while (step()) {
        }
    }
    // Ready to run again with new bindings.
    void reset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
    double real(int col) const { return sqlite3_column_double(stmt_, col); }
    std::string text(int col) const {
        const unsigned char* p = sqlite3_column_text(stmt_, col);
        return p ? std::string(reinterpret_cast<const char*>(p), size_t(sqlite3_column_bytes(stmt_, col))) : std::string();
    }
    const unsigned char* blob(int col, size_t* n) const {
        const void* p = sqlite3_column_blob(stmt_, col);
        *n = size_t(sqlite3_column_bytes(stmt_, col));
        return static_cast<const unsigned char*>(p);
    }

private:
    void check(int rc, const char* what) {
        if (rc != SQLITE_OK) fail(what);
    }
    [[noreturn]] void fail(const std::string& what) {
        throw Error(path_ + ": " + what + ": " + sqlite3_errmsg(db_));
    }
    sqlite3* db_;
    const std::string& path_;
    sqlite3_stmt* stmt_ = nullptr;
};

// float32 <-> little-endian bytes, independent of the host's byte order.
inline std::string encode(const std::vector<float>& v) {
    std::string bytes(v.size() * 4, '\0');
    for (size_t i = 0; i < v.size(); ++i) {
        uint32_t u;
        std::memcpy(&u, &v[i], 4);
        for (int k = 0; k < 4; ++k) bytes[i * 4 + k] = char((u >> (8 * k)) & 0xFF);
    }
    return bytes;
}

inline void decode(const unsigned char* p, size_t n, float* out) {
    for (size_t i = 0; i < n; ++i) {
        const uint32_t u = uint32_t(p[i * 4]) | uint32_t(p[i * 4 + 1]) << 8 | uint32_t(p[i * 4 + 2]) << 16 |
                           uint32_t(p[i * 4 + 3]) << 24;
        std::memcpy(&out[i], &u, 4);
    }
}

}  // namespace gallery_detail

}  // namespace lfr
