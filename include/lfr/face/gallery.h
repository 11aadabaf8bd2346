// The face gallery: named people and their descriptors, kept in an SQLite file, with a 1:N matcher.
//
//   auto g = lfr::Gallery::open("gallery.db", "face_recognition_model", 128);
//   g.enroll("alice", {{descriptor1, "alice1.jpg"}, {descriptor2, "alice2.jpg"}});
//   lfr::Identification who = g.identify(query);          // who.name is "alice" or "unknown"
//
// Link SQLite yourself (CMake: find_package(SQLite3) + SQLite::SQLite3, or -lsqlite3); nothing else.
//
// File layout (schema version 1; PRAGMA application_id = 0x6C667267 "lfrg", user_version = 1):
//   lfr_schema(version)                      one row: the schema version that wrote the file
//   meta(key, value)                         'embedder' (e.g. face_recognition_model), 'dim' (e.g. 128); other
//                                            keys are settings (set_setting), e.g. `lfr calibrate`'s threshold
//   people(id, name UNIQUE, created)
//   descriptors(id, person_id -> people.id, embedder, dim, vector BLOB, source, created)
// vector is dim float32 values, little-endian whatever the host; source is the image the descriptor came
// from (may be empty); created is UTC ISO-8601 text ("2024-05-01T12:00:00.000Z").
//
// Safety: the file is opened in WAL mode with synchronous=FULL, and every enroll/rename/remove is one
// transaction, so a crash or power cut loses at most the call in progress and never corrupts the file.
// A gallery made for another embedder or descriptor size is refused, as is a file that is not an SQLite
// database or an SQLite database without our schema; a foreign database is never written to.
// Every SQLite failure becomes an lfr::Error naming the file and SQLite's own message.
//
// Matching (identify): the distance from the query to each person is, by default, face-api's FaceMatcher
// rule: the MEAN of the Euclidean distances to each of that person's descriptors (MatchBy::MeanDistance).
// MatchBy::Nearest uses the closest single descriptor, MatchBy::Centroid the distance to the mean
// descriptor. The best person is the answer when its distance is below the threshold, else "unknown".
// All descriptors are loaded into one in-memory matrix on the first identify and kept until the gallery
// changes (through this object, or committed by another connection), so 1:N over many queries is one
// scan of the matrix each.
//
// A Gallery is move-only and not thread-safe: use one per thread (SQLite serialises writers between them).
#pragma once
#include <sqlite3.h>

#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "lfr/core/error.h"
#include "lfr/face/distance.h"

namespace lfr {

// One descriptor to enroll, and the image it came from.
struct SourcedDescriptor {
    std::vector<float> vector;
    std::string source;
};

struct PersonInfo {
    int64_t id = 0;
    std::string name;
    int64_t descriptors = 0;  // how many descriptors are enrolled
    std::string created;      // when the person was first enrolled (UTC ISO-8601)
    std::string updated;      // when their latest descriptor was added
};

enum class MatchBy {
    MeanDistance,  // mean of the distances to each of the person's descriptors (face-api FaceMatcher)
    Nearest,       // distance to the person's closest descriptor
    Centroid,      // distance to the mean of the person's descriptors
};

struct IdentifyOptions {
    float threshold = kFaceApiDistanceThreshold;  // known when the best distance < threshold
    MatchBy by = MatchBy::MeanDistance;
};

struct Identification {
    std::string name;         // the best person, or "unknown" when best_distance >= threshold
    bool known = false;       // name is a person (not "unknown")
    std::string best;         // the closest person, even when the answer is "unknown"
    float distance = 0;       // distance to `best`
    std::string second;       // the runner-up person; empty when the gallery holds one person
    float second_distance = std::numeric_limits<float>::infinity();
    float margin = std::numeric_limits<float>::infinity();  // second_distance - distance
};

struct GalleryOptions {
    bool read_only = false;  // open an existing gallery without writing; refuses a missing file
    bool create = true;      // create the file when missing (ignored when read_only)
    int busy_timeout_ms = 5000;  // how long to wait for another process's write lock
};

namespace gallery_detail {

constexpr int kSchemaVersion = 1;
constexpr int32_t kApplicationId = 0x6C667267;  // "lfrg"

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

class Gallery {
public:
    // Creates the gallery at `path` (unless options say not to) or opens it. `embedder` names the model
    // whose descriptors it holds and `dim` their length; an existing gallery made with another embedder or
    // dim is refused.
    // embedder "" and dim 0: an existing gallery, whatever embedder made it (embedder() and dim() then
    // say which), so that a command on a gallery can use the embedder the gallery was made with.
    static Gallery open(const std::string& path, const std::string& embedder, int dim,
                        const GalleryOptions& options = {}) {
        const bool adopt = embedder.empty() && dim == 0;
        LFR_CHECK(adopt || !embedder.empty(), path + ": gallery needs an embedder name");
        LFR_CHECK(adopt || dim > 0, path + ": descriptor size must be positive, not " + std::to_string(dim));
        Gallery g;
        g.path_ = path;
        g.embedder_ = embedder;
        g.dim_ = dim;
        g.read_only_ = options.read_only;
        int flags = options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
        if (!options.read_only && options.create) flags |= SQLITE_OPEN_CREATE;
        const int rc = sqlite3_open_v2(path.c_str(), &g.db_, flags, nullptr);
        if (rc != SQLITE_OK) {
            const std::string msg = g.db_ ? sqlite3_errmsg(g.db_) : sqlite3_errstr(rc);
            throw Error(path + ": cannot open gallery: " + msg);
        }
        sqlite3_extended_result_codes(g.db_, 1);
        sqlite3_busy_timeout(g.db_, options.busy_timeout_ms);
        g.attach_or_create();
        return g;
    }

    Gallery(Gallery&& o) noexcept { *this = std::move(o); }
    Gallery& operator=(Gallery&& o) noexcept {
        if (this != &o) {
            close();
            path_ = std::move(o.path_);
            embedder_ = std::move(o.embedder_);
            dim_ = o.dim_;
            read_only_ = o.read_only_;
            db_ = o.db_;
            o.db_ = nullptr;
            cache_ = std::move(o.cache_);
        }
        return *this;
    }
    Gallery(const Gallery&) = delete;
    Gallery& operator=(const Gallery&) = delete;
    ~Gallery() { close(); }  // rolls back a transaction left open by begin()

    const std::string& path() const { return path_; }
    const std::string& embedder() const { return embedder_; }
    int dim() const { return dim_; }

    // --- Transactions for large enrolments -------------------------------------------------------------
    // Each enroll/rename/remove is its own transaction. To group many (e.g. commit every 100 images
    // rather than every image), call begin(), then the calls, then commit(); rollback() undoes the group.
    // A call that fails inside a group undoes only itself; the group stays open.
    void begin() {
        writable("begin");
        exec("BEGIN IMMEDIATE");
    }
    void commit() { exec("COMMIT"); }
    void rollback() {
        exec("ROLLBACK");
        cache_.loaded = false;
    }
    bool in_transaction() const { return db_ && sqlite3_get_autocommit(db_) == 0; }

    // --- Changes ---------------------------------------------------------------------------------------
    // Adds descriptors to `name` (creating the person if new), all or nothing.
    void enroll(const std::string& name, const std::vector<SourcedDescriptor>& descriptors) {
        writable("enroll");
        const std::string who = "enroll " + gallery_detail::quoted(name);
        LFR_CHECK(!name.empty(), path_ + ": enroll: a person needs a non-empty name");
        LFR_CHECK(!descriptors.empty(), path_ + ": " + who + ": no descriptors given");
        for (size_t i = 0; i < descriptors.size(); ++i) {
            const auto& v = descriptors[i].vector;
            LFR_CHECK(v.size() == size_t(dim_), path_ + ": " + who + ": descriptor " + std::to_string(i) + " has " +
                                                    std::to_string(v.size()) + " values; this gallery holds " +
                                                    std::to_string(dim_) + "-d descriptors of " + embedder_);
            for (float x : v)
                LFR_CHECK(std::isfinite(x), path_ + ": " + who + ": descriptor " + std::to_string(i) +
                                                " holds a NaN or infinite value");
        }
        Savepoint sp(*this);
        int64_t person = find_person(name);
        if (person < 0) {
            gallery_detail::Statement ins(db_, path_, "INSERT INTO people(name, created) VALUES(?1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
            ins.bind(1, name).run();
            person = sqlite3_last_insert_rowid(db_);
        }
        gallery_detail::Statement ins(db_, path_,
                                      "INSERT INTO descriptors(person_id, embedder, dim, vector, source, created) "
                                      "VALUES(?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
        for (const auto& d : descriptors) {
            const std::string bytes = gallery_detail::encode(d.vector);
            ins.reset();
            ins.bind(1, person).bind(2, embedder_).bind(3, int64_t(dim_)).bind_blob(4, bytes.data(), bytes.size());
            ins.bind(5, d.source).run();
        }
        sp.release();
    }

    void enroll(const std::string& name, const std::vector<float>& descriptor, const std::string& source = "") {
        enroll(name, std::vector<SourcedDescriptor>{{descriptor, source}});
    }

    void rename(const std::string& old_name, const std::string& new_name) {
        writable("rename");
        LFR_CHECK(!new_name.empty(), path_ + ": rename: the new name is empty");
        Savepoint sp(*this);
        const int64_t id = find_person(old_name);
        LFR_CHECK(id >= 0, path_ + ": rename: no person named " + gallery_detail::quoted(old_name));
        if (new_name == old_name) return;
        LFR_CHECK(find_person(new_name) < 0, path_ + ": rename " + gallery_detail::quoted(old_name) + ": " +
                                                 gallery_detail::quoted(new_name) + " already exists");
        gallery_detail::Statement up(db_, path_, "UPDATE people SET name = ?1 WHERE id = ?2");
        up.bind(1, new_name).bind(2, id).run();
        sp.release();
    }

    // Removes the person and all their descriptors.
    void remove(const std::string& name) {
        writable("remove");
        Savepoint sp(*this);
        const int64_t id = find_person(name);
        LFR_CHECK(id >= 0, path_ + ": remove: no person named " + gallery_detail::quoted(name));
        gallery_detail::Statement del_d(db_, path_, "DELETE FROM descriptors WHERE person_id = ?1");
        del_d.bind(1, id).run();
        gallery_detail::Statement del_p(db_, path_, "DELETE FROM people WHERE id = ?1");
        del_p.bind(1, id).run();
        sp.release();
    }

    // --- Queries ---------------------------------------------------------------------------------------
    // Everyone, by name, with their descriptor counts and dates.
    std::vector<PersonInfo> list() const {
        gallery_detail::Statement q(db_, path_,
                                    "SELECT p.id, p.name, count(d.id), p.created, coalesce(max(d.created), p.created) "
                                    "FROM people p LEFT JOIN descriptors d ON d.person_id = p.id "
                                    "GROUP BY p.id ORDER BY p.name");
        std::vector<PersonInfo> out;
        while (q.step()) {
            PersonInfo p;
            p.id = q.integer(0);
            p.name = q.text(1);
            p.descriptors = q.integer(2);
            p.created = q.text(3);
            p.updated = q.text(4);
            out.push_back(std::move(p));
        }
        return out;
    }

    bool contains(const std::string& name) const { return find_person(name) >= 0; }

    // One person's descriptors with their sources, in enrolment order. Throws if the person is missing.
    std::vector<SourcedDescriptor> descriptors(const std::string& name) const {
        const int64_t id = find_person(name);
        LFR_CHECK(id >= 0, path_ + ": no person named " + gallery_detail::quoted(name));
        gallery_detail::Statement q(db_, path_, "SELECT vector, source FROM descriptors WHERE person_id = ?1 ORDER BY id");
        q.bind(1, id);
        std::vector<SourcedDescriptor> out;
        while (q.step()) {
            SourcedDescriptor d;
            d.vector.resize(size_t(dim_));
            size_t n;
            const unsigned char* p = q.blob(0, &n);
            LFR_CHECK(n == size_t(dim_) * 4, corrupt_vector(name, n));
            gallery_detail::decode(p, size_t(dim_), d.vector.data());
            d.source = q.text(1);
            out.push_back(std::move(d));
        }
        return out;
    }

    // 1:N identification: who, of everyone enrolled, is `query`? See the top of this file for MatchBy.
    Identification identify(const float* query, size_t n, const IdentifyOptions& options = {}) const {
        LFR_CHECK(n == size_t(dim_), path_ + ": identify: the query has " + std::to_string(n) +
                                         " values; this gallery holds " + std::to_string(dim_) + "-d descriptors of " +
                                         embedder_);
        load();
        const Cache& c = cache_;
        LFR_CHECK(!c.names.empty(), path_ + ": identify: the gallery is empty; enroll someone first");
        const size_t people = c.names.size(), d = size_t(dim_);
        std::vector<float> score(people, 0.f);
        if (options.by == MatchBy::Centroid) {
            for (size_t p = 0; p < people; ++p) score[p] = euclidean_distance(query, &c.centroids[p * d], d);
        } else {
            const bool nearest = options.by == MatchBy::Nearest;
            if (nearest) score.assign(people, std::numeric_limits<float>::infinity());
            for (size_t r = 0; r < c.owner.size(); ++r) {
                const float dist = euclidean_distance(query, &c.rows[r * d], d);
                float& s = score[c.owner[r]];
                s = nearest ? (dist < s ? dist : s) : s + dist;
            }
            if (!nearest)
                for (size_t p = 0; p < people; ++p) score[p] /= float(c.counts[p]);
        }
        size_t best = 0, second = people;
        for (size_t p = 1; p < people; ++p) {
            if (score[p] < score[best]) {
                second = best;
                best = p;
            } else if (second == people || score[p] < score[second]) {
                second = p;
            }
        }
        Identification id;
        id.best = c.names[best];
        id.distance = score[best];
        id.known = id.distance < options.threshold;
        id.name = id.known ? id.best : "unknown";
        if (second < people) {
            id.second = c.names[second];
            id.second_distance = score[second];
            id.margin = id.second_distance - id.distance;
        }
        return id;
    }

    Identification identify(const std::vector<float>& query, const IdentifyOptions& options = {}) const {
        return identify(query.data(), query.size(), options);
    }

    Identification identify(const std::vector<float>& query, float threshold, MatchBy by = MatchBy::MeanDistance) const {
        IdentifyOptions o;
        o.threshold = threshold;
        o.by = by;
        return identify(query, o);
    }

    // --- Settings kept with the gallery (meta keys other than 'embedder' and 'dim', e.g. a calibration) ---
    // The value of `key`, or "" when it is not set.
    std::string setting(const std::string& key) const {
        gallery_detail::Statement q(db_, path_, "SELECT value FROM meta WHERE key = ?1");
        q.bind(1, key);
        return q.step() ? q.text(0) : std::string();
    }
    void set_setting(const std::string& key, const std::string& value) {
        writable("set_setting");
        LFR_CHECK(key != "embedder" && key != "dim", path_ + ": set_setting: '" + key + "' is fixed when the gallery is made");
        gallery_detail::Statement up(db_, path_, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)");
        up.bind(1, key).bind(2, value).run();
    }

    // SQLite's PRAGMA integrity_check: "ok", or its findings one per line.
    std::string integrity_check() const {
        gallery_detail::Statement q(db_, path_, "PRAGMA integrity_check");
        std::string out;
        while (q.step()) out += (out.empty() ? "" : "\n") + q.text(0);
        return out;
    }

private:
    Gallery() = default;

    // SAVEPOINT: a transaction of its own at top level, a nested one inside begin()/commit().
    // Rolled back on scope exit unless released.
    class Savepoint {
    public:
        explicit Savepoint(Gallery& g) : g_(g) { g_.exec("SAVEPOINT lfr_call"); }
        void release() {
            g_.exec("RELEASE lfr_call");
            done_ = true;
            g_.cache_.loaded = false;
        }
        ~Savepoint() {
            if (done_) return;
            // Errors here cannot be reported (we may be unwinding); the transaction is undone either way.
            sqlite3_exec(g_.db_, "ROLLBACK TO lfr_call; RELEASE lfr_call", nullptr, nullptr, nullptr);
            g_.cache_.loaded = false;
        }
        Savepoint(const Savepoint&) = delete;
        Savepoint& operator=(const Savepoint&) = delete;

    private:
        Gallery& g_;
        bool done_ = false;
    };

    struct Cache {
        bool loaded = false;
        int64_t data_version = -1;
        std::vector<float> rows;        // every descriptor, row-major [descriptor][dim]
        std::vector<uint32_t> owner;    // row -> index into names
        std::vector<std::string> names; // people with at least one descriptor
        std::vector<uint32_t> counts;   // descriptors per person
        std::vector<float> centroids;   // [person][dim] mean descriptor
    };

    void close() noexcept {
        if (!db_) return;
        if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        sqlite3_close_v2(db_);
        db_ = nullptr;
    }

    void exec(const char* sql) const {
        char* err = nullptr;
        const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
        if (rc != SQLITE_OK) {
            const std::string msg = err ? err : sqlite3_errmsg(db_);
            sqlite3_free(err);
            throw Error(path_ + ": \"" + sql + "\" failed: " + msg);
        }
    }

    void writable(const char* what) const {
        LFR_CHECK(!read_only_, path_ + ": " + what + ": the gallery was opened read-only");
    }

    int64_t find_person(const std::string& name) const {
        gallery_detail::Statement q(db_, path_, "SELECT id FROM people WHERE name = ?1");
        q.bind(1, name);
        return q.step() ? q.integer(0) : -1;
    }

    std::string corrupt_vector(const std::string& name, size_t bytes) const {
        return path_ + ": a descriptor of " + gallery_detail::quoted(name) + " is " + std::to_string(bytes) +
               " bytes, not " + std::to_string(dim_ * 4) + " (" + std::to_string(dim_) + " float32): the file is damaged";
    }

    std::string meta(const std::string& key) const {
        gallery_detail::Statement q(db_, path_, "SELECT value FROM meta WHERE key = ?1");
        q.bind(1, key);
        LFR_CHECK(q.step(), path_ + ": lfr gallery has no " + gallery_detail::quoted(key) + " in its meta table: the file is damaged");
        return q.text(0);
    }

    int64_t pragma_int(const char* sql) const {
        gallery_detail::Statement q(db_, path_, sql);
        return q.step() ? q.integer(0) : 0;
    }

    // Decide whether the file is new (no tables: make our schema), ours (check schema version, embedder,
    // dim), or foreign (refuse, having written nothing).
    void attach_or_create() {
        // The first read tells a non-database file apart (SQLITE_NOTADB) before anything is written.
        std::vector<std::string> tables;
        {
            char* err = nullptr;
            auto collect = [](void* out, int, char** v, char**) {
                static_cast<std::vector<std::string>*>(out)->push_back(v[0] ? v[0] : "");
                return 0;
            };
            const int rc = sqlite3_exec(db_, "SELECT name FROM sqlite_master WHERE type = 'table'", collect, &tables, &err);
            if (rc != SQLITE_OK) {
                const std::string msg = err ? err : sqlite3_errmsg(db_);
                sqlite3_free(err);
                if ((rc & 0xFF) == SQLITE_NOTADB)
                    throw Error(path_ + ": not an lfr gallery: not an SQLite database (" + msg + ")");
                throw Error(path_ + ": cannot read gallery: " + msg);
            }
        }
        if (tables.empty()) {
            LFR_CHECK(!embedder_.empty(), path_ + ": no gallery here (empty or missing file), and no embedder given to make one");
            LFR_CHECK(!read_only_, path_ + ": no gallery here (empty or missing file) and it was opened read-only");
            create_schema();
        }
        check_ours();
        if (!read_only_) {
            // WAL + synchronous=FULL: each committed transaction is on disk before commit returns, and a crash
            // mid-transaction leaves the file as of the last commit.
            gallery_detail::Statement wal(db_, path_, "PRAGMA journal_mode = WAL");
            wal.run();
        }
        exec("PRAGMA synchronous = FULL");
        exec("PRAGMA foreign_keys = ON");
    }

    void create_schema() {
        // BEGIN IMMEDIATE takes the write lock, so two processes creating the same gallery do it once.
        exec("BEGIN IMMEDIATE");
        try {
            // Only a database with nothing in it and no other application's id becomes a gallery.
            const int64_t app = pragma_int("PRAGMA application_id");
            if (pragma_int("SELECT count(*) FROM sqlite_master") == 0 && (app == 0 || app == gallery_detail::kApplicationId)) {
                exec(("PRAGMA application_id = " + std::to_string(gallery_detail::kApplicationId)).c_str());
                exec(("PRAGMA user_version = " + std::to_string(gallery_detail::kSchemaVersion)).c_str());
                exec("CREATE TABLE lfr_schema(version INTEGER NOT NULL);"
                     "INSERT INTO lfr_schema(version) VALUES(1);"  // kSchemaVersion
                     "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                     "CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created TEXT NOT NULL);"
                     "CREATE TABLE descriptors(id INTEGER PRIMARY KEY,"
                     " person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,"
                     " embedder TEXT NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL,"
                     " source TEXT NOT NULL DEFAULT '', created TEXT NOT NULL);"
                     "CREATE INDEX descriptors_by_person ON descriptors(person_id);");
                gallery_detail::Statement m(db_, path_, "INSERT INTO meta(key, value) VALUES('embedder', ?1), ('dim', ?2)");
                m.bind(1, embedder_).bind(2, std::to_string(dim_)).run();
            }
            exec("COMMIT");
        } catch (...) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }

    void check_ours() {
        static_assert(gallery_detail::kSchemaVersion == 1, "update create_schema and add a migration");
        const bool has_schema = pragma_int("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'lfr_schema'") == 1;
        const bool has_meta = pragma_int("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'") == 1;
        if (!has_schema || !has_meta || pragma_int("PRAGMA application_id") != gallery_detail::kApplicationId)
            throw Error(path_ + ": not an lfr gallery: an SQLite database without the lfr gallery schema "
                                "(no lfr_schema/meta tables or application_id 'lfrg'); refusing to use it");
        const int64_t version = pragma_int("SELECT max(version) FROM lfr_schema");
        LFR_CHECK(version == gallery_detail::kSchemaVersion,
                  path_ + ": lfr gallery schema version " + std::to_string(version) + "; this build reads version " +
                      std::to_string(gallery_detail::kSchemaVersion) +
                      (version > gallery_detail::kSchemaVersion ? " (made by a newer lfr)" : ""));
        const std::string made_with = meta("embedder"), made_dim = meta("dim");
        if (embedder_.empty()) {  // open(path, "", 0): adopt the gallery's embedder
            embedder_ = made_with;
            dim_ = std::atoi(made_dim.c_str());
            LFR_CHECK(dim_ > 0, path_ + ": lfr gallery records descriptor size " + gallery_detail::quoted(made_dim) +
                                    ": the file is damaged");
            return;
        }
        if (made_with != embedder_ || made_dim != std::to_string(dim_))
            throw Error(path_ + " was made with " + made_with + " (" + made_dim + "-d); this query uses " + embedder_ +
                        " (" + std::to_string(dim_) + "-d)");
    }

    // Loads every descriptor into the in-memory matrix, unless it is already current.
    void load() const {
        const int64_t version = pragma_int("PRAGMA data_version");  // changes when another connection commits
        if (cache_.loaded && cache_.data_version == version) return;
        Cache c;
        c.data_version = version;
        const size_t d = size_t(dim_);
        gallery_detail::Statement q(db_, path_,
                                    "SELECT p.name, d.vector, d.embedder, d.dim FROM descriptors d "
                                    "JOIN people p ON p.id = d.person_id ORDER BY p.id, d.id");
        while (q.step()) {
            std::string name = q.text(0);
            if (c.names.empty() || name != c.names.back()) {
                c.names.push_back(name);
                c.counts.push_back(0);
                c.centroids.resize(c.centroids.size() + d, 0.f);
            }
            if (q.text(2) != embedder_ || q.integer(3) != dim_)
                throw Error(path_ + ": a descriptor of " + gallery_detail::quoted(name) + " was made with " + q.text(2) +
                            " (" + std::to_string(q.integer(3)) + "-d); this gallery holds " + embedder_ + " (" +
                            std::to_string(dim_) + "-d)");
            size_t n;
            const unsigned char* p = q.blob(1, &n);
            LFR_CHECK(n == d * 4, corrupt_vector(name, n));
            const size_t at = c.rows.size();
            c.rows.resize(at + d);
            gallery_detail::decode(p, d, &c.rows[at]);
            c.owner.push_back(uint32_t(c.names.size() - 1));
            c.counts.back() += 1;
            float* centroid = &c.centroids[c.centroids.size() - d];
            for (size_t i = 0; i < d; ++i) centroid[i] += c.rows[at + i];
        }
        for (size_t p = 0; p < c.names.size(); ++p)
            for (size_t i = 0; i < d; ++i) c.centroids[p * d + i] /= float(c.counts[p]);
        c.loaded = true;
        cache_ = std::move(c);
    }

    std::string path_, embedder_;
    int dim_ = 0;
    bool read_only_ = false;
    sqlite3* db_ = nullptr;
    mutable Cache cache_;
};

}  // namespace lfr
