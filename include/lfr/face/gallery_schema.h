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
    check_tables();
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

// Our tables must be tables with our columns, and nothing may run behind them: a `descriptors` VIEW
// over an endless recursive query passed the name checks above and made identify run for ever, and a
// trigger or generated column could do the same on a write or a read.
inline void Gallery::check_tables() {
    const std::string refuse = path_ + ": not an lfr gallery: ";
    LFR_CHECK(pragma_int("SELECT count(*) FROM sqlite_master WHERE type IN ('view', 'trigger')") == 0,
              refuse + "it holds views or triggers; refusing to use it");
    struct Table {
        const char* name;
        std::vector<const char*> columns;  // those of schema version 1, then those version 2 adds
        size_t v1_columns;
    };
    const Table tables[] = {
        {"lfr_schema", {"version"}, 1},
        {"meta", {"key", "value"}, 2},
        {"people", {"id", "name", "created", "unnamed"}, 3},
        {"descriptors", {"id", "person_id", "embedder", "dim", "vector", "source", "created", "medoid"}, 7},
        {"pending", {"id", "vector", "source", "created"}, 0},
        {"rejections", {"id", "person_id", "vector", "source", "created"}, 0},
    };
    for (const Table& t : tables) {
        const size_t expected = schema_ == 1 ? t.v1_columns : t.columns.size();
        if (expected == 0) continue;
        gallery_detail::Statement type(db_, path_, "SELECT type FROM sqlite_master WHERE name = ?1");
        type.bind(1, std::string(t.name));
        LFR_CHECK(type.step() && type.text(0) == "table", refuse + t.name + " is not a table");
        // table_xinfo's `hidden`: 2 and 3 are generated columns, computed on every read.
        gallery_detail::Statement info(db_, path_, (std::string("PRAGMA table_xinfo(") + t.name + ")").c_str());
        std::vector<std::string> have;
        while (info.step()) {
            LFR_CHECK(info.integer(6) == 0, refuse + t.name + "." + info.text(1) + " is a generated or hidden column");
            have.push_back(info.text(1));
        }
        for (size_t i = 0; i < expected; ++i)
            LFR_CHECK(std::find(have.begin(), have.end(), t.columns[i]) != have.end(),
                      refuse + "table " + t.name + " has no column " + t.columns[i]);
    }
}

}  // namespace lfr
