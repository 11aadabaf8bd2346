// The gallery's file schema: making it, checking it is ours, upgrading older versions. Member
// definitions of lfr::Gallery, included at the end of lfr/face/gallery.h (the layout is documented there).
#pragma once

namespace lfr {

// Decide whether the file is new (no tables: make our schema), ours (check schema version, embedder,
// dim), or foreign (refuse, having written nothing).
inline void Gallery::attach_or_create() {
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

inline void Gallery::create_schema() {
    // BEGIN IMMEDIATE takes the write lock, so two processes creating the same gallery do it once.
    exec("BEGIN IMMEDIATE");
    try {
        // Only a database with nothing in it and no other application's id becomes a gallery.
        const int64_t app = pragma_int("PRAGMA application_id");
        if (pragma_int("SELECT count(*) FROM sqlite_master") == 0 && (app == 0 || app == gallery_detail::kApplicationId)) {
            exec(("PRAGMA application_id = " + std::to_string(gallery_detail::kApplicationId)).c_str());
            exec("PRAGMA user_version = 1");
            exec("CREATE TABLE lfr_schema(version INTEGER NOT NULL);"
                 "INSERT INTO lfr_schema(version) VALUES(1);"
                 "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                 "CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created TEXT NOT NULL);"
                 "CREATE TABLE descriptors(id INTEGER PRIMARY KEY,"
                 " person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,"
                 " embedder TEXT NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL,"
                 " source TEXT NOT NULL DEFAULT '', created TEXT NOT NULL);"
                 "CREATE INDEX descriptors_by_person ON descriptors(person_id);");
            gallery_detail::Statement m(db_, path_, "INSERT INTO meta(key, value) VALUES('embedder', ?1), ('dim', ?2)");
            m.bind(1, embedder_).bind(2, std::to_string(dim_)).run();
            upgrade_1_to_2();  // every new gallery goes through the migration: one path to test
        }
        exec("COMMIT");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

// Version 1 -> 2, inside the caller's write transaction.
inline void Gallery::upgrade_1_to_2() {
    exec("ALTER TABLE people ADD COLUMN unnamed INTEGER NOT NULL DEFAULT 0;"
         "ALTER TABLE descriptors ADD COLUMN medoid INTEGER NOT NULL DEFAULT 0;"
         "CREATE TABLE pending(id INTEGER PRIMARY KEY, vector BLOB NOT NULL, source TEXT NOT NULL DEFAULT '',"
         " created TEXT NOT NULL);"
         "CREATE TABLE rejections(id INTEGER PRIMARY KEY,"
         " person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE, vector BLOB NOT NULL,"
         " source TEXT NOT NULL DEFAULT '', created TEXT NOT NULL);"
         "CREATE INDEX rejections_by_person ON rejections(person_id);"
         "CREATE INDEX descriptors_by_source ON descriptors(source);"
         "UPDATE lfr_schema SET version = 2;"
         "PRAGMA user_version = 2;");
}

// Brings an older gallery up to this build's schema (re-checked under the write lock: another
// process may have done it meanwhile).
inline void Gallery::migrate() {
    exec("BEGIN IMMEDIATE");
    try {
        if (pragma_int("SELECT max(version) FROM lfr_schema") == 1) upgrade_1_to_2();
        exec("COMMIT");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    schema_ = gallery_detail::kSchemaVersion;
}

inline void Gallery::check_ours() {
    static_assert(gallery_detail::kSchemaVersion == 2, "update create_schema and add a migration");
    const bool has_schema = pragma_int("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'lfr_schema'") == 1;
    const bool has_meta = pragma_int("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'") == 1;
    if (!has_schema || !has_meta || pragma_int("PRAGMA application_id") != gallery_detail::kApplicationId)
        throw Error(path_ + ": not an lfr gallery: an SQLite database without the lfr gallery schema "
                            "(no lfr_schema/meta tables or application_id 'lfrg'); refusing to use it");
    const int64_t version = pragma_int("SELECT max(version) FROM lfr_schema");
    LFR_CHECK(version >= 1 && version <= gallery_detail::kSchemaVersion,
              path_ + ": lfr gallery schema version " + std::to_string(version) + "; this build reads versions 1 to " +
                  std::to_string(gallery_detail::kSchemaVersion) +
                  (version > gallery_detail::kSchemaVersion ? " (made by a newer lfr)" : ""));
    schema_ = int(version);
    if (schema_ < gallery_detail::kSchemaVersion && !read_only_) migrate();
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

}  // namespace lfr
