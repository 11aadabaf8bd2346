// The face gallery: named people and their descriptors, kept in an SQLite file, with a 1:N matcher.
//
//   auto g = lfr::Gallery::open("gallery.db", "face_recognition_model", 128);
//   g.enroll("alice", {{descriptor1, "alice1.jpg"}, {descriptor2, "alice2.jpg"}});
//   lfr::Identification who = g.identify(query);          // who.name is "alice" or "unknown"
//
// Link SQLite yourself (CMake: find_package(SQLite3) + SQLite::SQLite3, or -lsqlite3); nothing else.
//
// File layout (schema version 2; PRAGMA application_id = 0x6C667267 "lfrg", user_version = 2):
//   lfr_schema(version)                      one row: the schema version that wrote the file
//   meta(key, value)                         'embedder' (e.g. face_recognition_model), 'dim' (e.g. 128); other
//                                            keys are settings (set_setting), e.g. `lfr calibrate`'s threshold
//   people(id, name UNIQUE, created, unnamed)                       unnamed: made by clustering (person-N)
//   descriptors(id, person_id -> people.id, embedder, dim, vector BLOB, source, created, medoid)
//   pending(id, vector BLOB, source, created)                       faces observed but not yet anyone's
//   rejections(id, person_id -> people.id, vector BLOB, source, created)   "this face is not them"
// vector is dim float32 values, little-endian whatever the host; source is the image the descriptor came
// from (may be empty); created is UTC ISO-8601 text ("2024-05-01T12:00:00.000Z"); medoid is 1 on the
// descriptor that represents its person (least summed distance to the others), else 0.
// Version 1 (no unnamed/medoid columns, no pending/rejections tables) is upgraded in place when opened
// for writing, in one transaction; opened read-only it is read as it is (no rejections).
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
// All descriptors are loaded into one in-memory matrix on the first identify; later, only descriptors
// added since (by this object or another connection) are read, by id; a rename, removal, merge, split
// or rejection (meta 'generation') makes the next query read everything again. 1:N over many queries is
// one scan of the matrix each (lfr/face/search.h).
//
// Unknown faces: a person has a medoid (their most central descriptor); observe() matches new faces
// against the medoids and clusters the rest (lfr/face/cluster.h) into unnamed people "person-N".
// Many processes may write one gallery at once: every write is one BEGIN IMMEDIATE transaction, and a
// writer waits up to GalleryOptions::busy_timeout_ms for the others.
//
// A Gallery is move-only and not thread-safe: use one per thread (SQLite serialises writers between them).
// Its const methods only read the file; identify() is not const, since it fills the matrix.
#pragma once
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "lfr/core/error.h"
#include "lfr/face/distance.h"
#include "lfr/face/gallery_sql.h"
#include "lfr/face/search.h"

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

// A face stored in the gallery: a person's descriptor, or a pending one (observed, nobody's yet).
struct StoredFace {
    int64_t id = 0;          // descriptor id (pending: pending id)
    std::string person;      // empty when pending
    bool unnamed = false;    // the person was made by clustering (person-N)
    bool pending = false;
    bool medoid = false;     // the descriptor that represents its person
    std::string source, created;
    std::vector<float> vector;
    float distance = 0;      // search(): distance to the query
};

// Gallery::observe: when does the pool of unmatched faces become new people?
struct ObserveOptions {
    float threshold = kFaceApiDistanceThreshold;  // a face joins the person whose medoid is nearer than this
    size_t pool_size = 50;     // k: re-cluster the pending pool once this many faces came into it...
    double max_age_s = 3600;   // T: ...or once its oldest face is older than this (seconds)
    size_t min_cluster = 3;    // m: clusters of at least this many faces become new unnamed people
    int iterations = 100;      // Chinese whispers' updates per face
};

struct Observation {
    std::string person;                   // whom the face joined; empty when it went to the pending pool
    float distance = std::numeric_limits<float>::infinity();  // to the nearest medoid
    std::vector<std::string> new_people;  // unnamed people this call made from the pool
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

constexpr int kSchemaVersion = 2;
constexpr int32_t kApplicationId = 0x6C667267;  // "lfrg"

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
        // The file may come from anyone: SQL functions with side effects may not run from its schema, and
        // writes that could corrupt it (PRAGMA writable_schema, ...) are refused.
        sqlite3_db_config(g.db_, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
        sqlite3_db_config(g.db_, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
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
            schema_ = o.schema_;
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
    // A new person's medoid (the descriptor nearest the others) is marked; later additions keep it.
    void enroll(const std::string& name, const std::vector<SourcedDescriptor>& descriptors) {
        writable("enroll");
        LFR_CHECK(!name.empty(), path_ + ": enroll: a person needs a non-empty name");
        check_descriptors("enroll " + gallery_detail::quoted(name), descriptors);
        Savepoint sp(*this);
        int64_t person = find_person(name);
        const bool is_new = person < 0;
        if (is_new) person = add_person(name, false);
        insert_descriptors(person, descriptors, is_new ? medoid_of(descriptors) : descriptors.size());
        sp.release();
    }

    // Stores a cluster of unknown faces as a new unnamed person "person-N" (N counts up, never reused),
    // with descriptors[medoid] marked as its medoid. Returns the name.
    std::string enroll_unnamed(const std::vector<SourcedDescriptor>& descriptors, size_t medoid) {
        writable("enroll");
        check_descriptors("enroll an unnamed person", descriptors);
        LFR_CHECK(medoid < descriptors.size(), path_ + ": enroll: the medoid is not one of the descriptors");
        Savepoint sp(*this);
        const std::string name = next_unnamed_name();
        insert_descriptors(add_person(name, true), descriptors, medoid);
        sp.release();
        return name;
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
        bump_generation();
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
        bump_generation();
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
    // Not const: it brings the in-memory matrix up to date (one Gallery per thread, as every write).
    Identification identify(const float* query, size_t n, const IdentifyOptions& options = {});

    Identification identify(const std::vector<float>& query, const IdentifyOptions& options = {}) {
        return identify(query.data(), query.size(), options);
    }

    Identification identify(const std::vector<float>& query, float threshold, MatchBy by = MatchBy::MeanDistance) {
        IdentifyOptions o;
        o.threshold = threshold;
        o.by = by;
        return identify(query, o);
    }

    // --- Unknown faces (lfr/face/gallery_observe.h) -----------------------------------------------------
    // One face seen: it joins the person whose medoid is nearest when within options.threshold (unless
    // that person already has a face from the same source image), else it waits in the pending pool;
    // when pool_size faces have come into the pool since it was last clustered, or its oldest face is
    // older than max_age_s, the pool is clustered (Chinese whispers, faces of one source kept apart) and
    // clusters of min_cluster or more become unnamed people. Faces left over wait for the next clustering
    // unless they have waited max_age_s (then they are dropped, so the pool is bounded by what arrives in
    // max_age_s). Cost: the scan of one medoid per person, plus, once every pool_size faces, the pool's
    // clustering (bounded by the pool, not by the gallery).
    Observation observe(const std::vector<float>& descriptor, const std::string& source, const ObserveOptions& options);
    // Puts a face in the pending pool as it is (for restoring a backup; observe decides by itself).
    void add_pending(const SourcedDescriptor& face);
    // Every stored face: people's descriptors (by person id, then id) and the pending pool (vectors included).
    std::vector<StoredFace> faces() const;
    // Every stored face ranked by distance to the query, nearest first (at most `limit`; 0: all).
    std::vector<StoredFace> search(const std::vector<float>& query, size_t limit = 0) const;

    // --- Corrections (lfr/face/gallery_edit.h) ---------------------------------------------------------
    // Moves all of `from`'s descriptors and rejections to `into` and removes `from`; the medoid is chosen again.
    void merge(const std::string& from, const std::string& into);
    // Moves the descriptors with these ids from `name` to a new person `new_name` (empty: the next unnamed
    // person-N); the medoids are chosen again. Returns the new person's name.
    std::string split(const std::string& name, const std::vector<int64_t>& descriptor_ids, const std::string& new_name = "");
    // Records that this face is not `name`: identify never answers `name` for a query at least as near
    // to a rejected face as to them.
    void reject(const std::string& name, const std::vector<float>& descriptor, const std::string& source);

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

    // One call's transaction: BEGIN IMMEDIATE at top level, a SAVEPOINT inside begin()/commit().
    // IMMEDIATE takes the write lock before the first read, so concurrent writers queue on the busy
    // timeout; a deferred transaction that read first could not upgrade and would fail with SQLITE_BUSY.
    // Rolled back on scope exit unless released.
    class Savepoint {
    public:
        explicit Savepoint(Gallery& g) : g_(g), nested_(g.in_transaction()) {
            g_.exec(nested_ ? "SAVEPOINT lfr_call" : "BEGIN IMMEDIATE");
        }
        void release() {
            g_.exec(nested_ ? "RELEASE lfr_call" : "COMMIT");
            done_ = true;
            g_.cache_.stale = true;
        }
        ~Savepoint() {
            if (done_) return;
            // Errors here cannot be reported (we may be unwinding); the transaction is undone either way.
            sqlite3_exec(g_.db_, nested_ ? "ROLLBACK TO lfr_call; RELEASE lfr_call" : "ROLLBACK", nullptr, nullptr, nullptr);
            g_.cache_.loaded = false;
        }
        Savepoint(const Savepoint&) = delete;
        Savepoint& operator=(const Savepoint&) = delete;

    private:
        Gallery& g_;
        bool nested_;
        bool done_ = false;
    };

    // The in-memory matrix: descriptors in id order, appended to as rows are added (by this object or
    // another connection); anything else (rename, remove, merge, split, reject) bumps meta 'generation'
    // and the next query reads everything again.
    struct Cache {
        bool loaded = false;
        bool stale = false;               // this object committed a change
        int64_t data_version = -1;        // PRAGMA data_version when last checked
        int64_t generation = -1;          // meta 'generation' when loaded
        int64_t last_id = 0;              // highest descriptor id loaded
        std::vector<float> rows;          // every descriptor, row-major [descriptor][dim]
        std::vector<uint32_t> owner;      // row -> person index
        std::vector<int64_t> row_ids;     // row -> descriptor id
        std::vector<std::string> names;   // person index -> name (people with at least one descriptor)
        std::vector<int64_t> person_ids;  // person index -> people.id
        std::map<int64_t, uint32_t> index;  // people.id -> person index
        std::vector<uint32_t> counts;     // descriptors per person
        std::vector<float> sums;          // [person][dim] sum of descriptors (centroid = sum / count)
        std::vector<float> medoids;       // [person][dim] their medoid's descriptor (marked, else their first)
        std::vector<float> rejections;    // [rejection][dim]
        std::vector<uint32_t> rejection_owner;
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

    int64_t add_person(const std::string& name, bool unnamed) {
        gallery_detail::Statement ins(db_, path_, schema_ >= 2
            ? "INSERT INTO people(name, created, unnamed) VALUES(?1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?2)"
            : "INSERT INTO people(name, created) VALUES(?1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
        ins.bind(1, name);
        if (schema_ >= 2) ins.bind(2, int64_t(unnamed));
        ins.run();
        return sqlite3_last_insert_rowid(db_);
    }

    void check_descriptor(const std::string& what, const std::vector<float>& v) const {
        LFR_CHECK(v.size() == size_t(dim_), path_ + ": " + what + " has " + std::to_string(v.size()) +
                                                " values; this gallery holds " + std::to_string(dim_) +
                                                "-d descriptors of " + embedder_);
        for (float x : v) LFR_CHECK(std::isfinite(x), path_ + ": " + what + " holds a NaN or infinite value");
    }

    void check_descriptors(const std::string& who, const std::vector<SourcedDescriptor>& descriptors) const {
        LFR_CHECK(!descriptors.empty(), path_ + ": " + who + ": no descriptors given");
        for (size_t i = 0; i < descriptors.size(); ++i)
            check_descriptor(who + ": descriptor " + std::to_string(i), descriptors[i].vector);
    }

    // Index of the descriptor with the least summed distance to the others.
    static size_t medoid_of(const std::vector<SourcedDescriptor>& descriptors) {
        size_t best = 0;
        double best_sum = std::numeric_limits<double>::infinity();
        for (size_t i = 0; i < descriptors.size(); ++i) {
            double sum = 0;
            for (const auto& o : descriptors) sum += euclidean_distance(descriptors[i].vector, o.vector);
            if (sum < best_sum) best_sum = sum, best = i;
        }
        return best;
    }

    // Adds the descriptors to the person; descriptors[medoid] is marked (none when medoid is out of range).
    void insert_descriptors(int64_t person, const std::vector<SourcedDescriptor>& descriptors, size_t medoid) {
        gallery_detail::Statement ins(db_, path_,
                                      "INSERT INTO descriptors(person_id, embedder, dim, vector, source, created) "
                                      "VALUES(?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
        for (size_t i = 0; i < descriptors.size(); ++i) {
            const std::string bytes = gallery_detail::encode(descriptors[i].vector);
            ins.reset();
            ins.bind(1, person).bind(2, embedder_).bind(3, int64_t(dim_)).bind_blob(4, bytes.data(), bytes.size());
            ins.bind(5, descriptors[i].source).run();
            if (i == medoid && schema_ >= 2) {
                gallery_detail::Statement mark(db_, path_, "UPDATE descriptors SET medoid = 1 WHERE id = ?1");
                mark.bind(1, sqlite3_last_insert_rowid(db_)).run();
            }
        }
    }

    void refresh_medoid(int64_t person);  // lfr/face/gallery_edit.h

    // "person-N" for a new unnamed person, N counting up in meta 'next_unnamed' (so that finding it does
    // not scan the people; names taken meanwhile, e.g. by a rename, are skipped). In a write transaction.
    std::string next_unnamed_name() {
        int64_t n = pragma_int("SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'next_unnamed'), 1)");
        while (find_person("person-" + std::to_string(n)) >= 0) ++n;
        gallery_detail::Statement next(db_, path_, "INSERT OR REPLACE INTO meta(key, value) VALUES('next_unnamed', ?1)");
        next.bind(1, std::to_string(n + 1)).run();
        return "person-" + std::to_string(n);
    }

    // Marks a change other than added descriptors, so that every open gallery reloads its matrix.
    void bump_generation() {
        exec("INSERT OR REPLACE INTO meta(key, value) VALUES('generation',"
             " coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'), 0) + 1)");
    }

    template <class Query>
    void decode_vector(const Query& q, int col, const std::string& whose, float* out) const {
        size_t n;
        const unsigned char* p = q.blob(col, &n);
        LFR_CHECK(n == size_t(dim_) * 4, corrupt_vector(whose, n));
        gallery_detail::decode(p, size_t(dim_), out);
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

    // The file's schema (lfr/face/gallery_schema.h): new (make it), ours (check version, embedder and
    // dim; upgrade an older version), or foreign (refuse, having written nothing).
    void attach_or_create();
    void create_schema();
    void upgrade_1_to_2();
    void migrate();
    void check_ours();
    void check_tables();

    // Brings the in-memory matrix up to date (lfr/face/gallery_match.h).
    void load();

    std::string path_, embedder_;
    int dim_ = 0;
    bool read_only_ = false;
    int schema_ = gallery_detail::kSchemaVersion;  // the file's version (1: read-only, not upgraded)
    sqlite3* db_ = nullptr;
    Cache cache_;
};

}  // namespace lfr

#include "lfr/face/gallery_edit.h"
#include "lfr/face/gallery_match.h"
#include "lfr/face/gallery_observe.h"
#include "lfr/face/gallery_schema.h"
