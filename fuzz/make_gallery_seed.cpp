// Writes a small valid gallery, fuzz/corpus/fuzz_gallery/small.db (not a fuzz target): two people, three
// 8-d descriptors, a rejection and a setting; 512-byte pages and no WAL, so that it is a few KB.
#include <cstdio>
#include <string>

#include "lfr/face/gallery.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_gallery_seed OUT.db\n");
        return 2;
    }
    const std::string out = argv[1];
    std::remove(out.c_str());
    {
        lfr::Gallery g = lfr::Gallery::open(out, "seed", 8);
        auto unit = [](int i) {
            std::vector<float> v(8, 0.f);
            v[size_t(i)] = 1.f;
            return v;
        };
        g.enroll("alice", {{unit(0), "a1.jpg"}, {unit(1), "a2.jpg"}});
        g.enroll("bob", unit(2), "b.jpg");
        g.reject("bob", unit(3), "x.jpg");
        g.set_setting("threshold", "0.9");
    }
    sqlite3* db = nullptr;
    if (sqlite3_open(out.c_str(), &db) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode = DELETE; PRAGMA page_size = 512; VACUUM;", nullptr, nullptr, nullptr) != SQLITE_OK) {
        std::fprintf(stderr, "make_gallery_seed: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    sqlite3_close(db);
    return 0;
}
