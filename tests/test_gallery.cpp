// The face gallery (SQLite) and descriptor distances: enrol, list, rename, remove, identify with synthetic
// unit-vector descriptors; refusals (other embedder, not a database, foreign database, newer schema);
// and crash safety: a child process enrolling people one transaction each is SIGKILLed partway.
#include <doctest/doctest.h>

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>

#include "lfr/face/distance.h"
#include "lfr/face/gallery.h"

#include "gallery_test_util.h"

using namespace gallery_test;

TEST_CASE("distance: euclidean, cosine, verify") {
    const std::vector<float> a = {0, 0, 0, 0, 0}, b = {3, 4, 0, 0, 0};
    CHECK(lfr::euclidean_distance(a, b) == doctest::Approx(5.0));
    CHECK(lfr::euclidean_distance(b, b) == 0.f);
    CHECK(lfr::cosine_distance(unit(0), unit(1)) == doctest::Approx(1.0));
    CHECK(lfr::cosine_distance(unit(3), unit(3, 2.f)) == doctest::Approx(0.0));
    CHECK(lfr::cosine_distance(unit(3), unit(3, -1.f)) == doctest::Approx(2.0));
    CHECK(lfr::cosine_distance(a, b) == doctest::Approx(1.0));  // zero vector: no direction

    auto v = lfr::verify(unit(0), unit(0, 0.5f));  // distance 0.5 < 0.6
    CHECK(v.same);
    CHECK(v.distance == doctest::Approx(0.5));
    v = lfr::verify(unit(0), unit(1));
    CHECK_FALSE(v.same);
    CHECK(v.distance == doctest::Approx(std::sqrt(2.0)));
    CHECK_FALSE(lfr::verify(unit(0), unit(0, 0.4f)).same);  // distance exactly 0.6: not below the threshold
    CHECK(lfr::verify(unit(0), unit(1), 1.5f).same);
    CHECK(contains(error_of([&] { lfr::euclidean_distance(a, unit(0)); }), "differ in length (5 and 128"));
}

TEST_CASE("gallery: enroll, list, rename, remove, identify") {
    TempDir dir;
    const std::string path = dir.file("gallery.db");
    auto g = lfr::Gallery::open(path, kEmbedder, kDim);
    CHECK(g.list().empty());
    CHECK(contains(error_of([&] { g.identify(unit(0)); }), "the gallery is empty"));

    g.enroll("alice", {{unit(0), "alice1.jpg"}, {unit(0, 0.9f), "alice2.jpg"}});
    g.enroll("bob", unit(1), "bob.jpg");
    g.enroll("carol", {{unit(2), "carol.jpg"}});
    g.enroll("bob", unit(1, 1.1f), "bob2.jpg");  // a second enrolment adds to bob

    auto people = g.list();
    REQUIRE(people.size() == 3);
    CHECK(people[0].name == "alice");
    CHECK(people[0].descriptors == 2);
    CHECK(people[1].name == "bob");
    CHECK(people[1].descriptors == 2);
    CHECK(people[2].descriptors == 1);
    CHECK(people[0].created.size() == 24);  // 2024-05-01T12:00:00.000Z
    CHECK(people[0].created.back() == 'Z');
    CHECK(people[1].updated >= people[1].created);

    auto bob = g.descriptors("bob");
    REQUIRE(bob.size() == 2);
    CHECK(bob[0].vector == unit(1));
    CHECK(bob[1].vector == unit(1, 1.1f));
    CHECK(bob[1].source == "bob2.jpg");

    // Known: close to alice; margin to the runner-up reported.
    auto q = unit(0);
    q[5] = 0.1f;
    auto who = g.identify(q);
    CHECK(who.known);
    CHECK(who.name == "alice");
    CHECK(who.best == "alice");
    CHECK(who.distance < 0.6f);
    CHECK(who.second_distance > 1.0f);
    CHECK(who.margin == doctest::Approx(who.second_distance - who.distance));

    // Unknown: a direction nobody enrolled (sqrt(2) from everyone).
    who = g.identify(unit(7));
    CHECK_FALSE(who.known);
    CHECK(who.name == "unknown");
    CHECK(who.distance > 1.0f);
    CHECK_FALSE(who.best.empty());

    // A looser threshold turns the same query into a match.
    CHECK(g.identify(unit(2, 0.5f), 0.6f).name == "carol");
    CHECK(g.identify(unit(2, 0.2f), 0.6f).name == "unknown");
    CHECK(g.identify(unit(2, 0.2f), 0.9f).name == "carol");

    // Rename: refused when the old name is missing or the new one exists; identify follows the new name.
    CHECK(contains(error_of([&] { g.rename("nobody", "x"); }), "no person named 'nobody'"));
    CHECK(contains(error_of([&] { g.rename("alice", "bob"); }), "'bob' already exists"));
    g.rename("alice", "alicia");
    CHECK_FALSE(g.contains("alice"));
    CHECK(g.contains("alicia"));
    CHECK(g.identify(unit(0)).name == "alicia");
    CHECK(g.descriptors("alicia").size() == 2);

    // Remove: the person and their descriptors go; identify no longer finds them.
    g.remove("alicia");
    CHECK(contains(error_of([&] { g.remove("alicia"); }), "no person named 'alicia'"));
    CHECK(g.list().size() == 2);
    CHECK(g.identify(unit(0)).name == "unknown");
    g.remove("bob");
    g.remove("carol");
    CHECK(contains(error_of([&] { g.identify(unit(0)); }), "the gallery is empty"));

    // Bad descriptors are refused, all or nothing: no half-enrolled person.
    CHECK(contains(error_of([&] { g.enroll("dan", {{unit(0), "a"}, {std::vector<float>(127), "b"}}); }),
                   "descriptor 1 has 127 values"));
    auto nan = unit(0);
    nan[3] = std::nanf("");
    CHECK(contains(error_of([&] { g.enroll("dan", {{unit(0), "a"}, {nan, "b"}}); }), "NaN"));
    CHECK(contains(error_of([&] { g.enroll("dan", std::vector<lfr::SourcedDescriptor>{}); }), "no descriptors"));
    CHECK(contains(error_of([&] { g.enroll("", unit(0)); }), "non-empty name"));
    CHECK_FALSE(g.contains("dan"));
    CHECK(contains(error_of([&] { g.identify(std::vector<float>(64)); }), "the query has 64 values"));
    CHECK(g.integrity_check() == "ok");
}

TEST_CASE("gallery: matching rules (face-api mean distance, nearest, centroid)") {
    TempDir dir;
    auto g = lfr::Gallery::open(dir.file("g.db"), kEmbedder, kDim);
    // A has two descriptors (e0, e1); B one unit descriptor 0.8 e0 + 0.6 e2.
    g.enroll("A", {{unit(0), ""}, {unit(1), ""}});
    auto b = unit(0, 0.8f);
    b[2] = 0.6f;
    g.enroll("B", b);

    const auto q = unit(0);
    lfr::IdentifyOptions o;
    o.threshold = 0.7f;
    // face-api (default): mean of distances; A = (0 + sqrt2)/2 = 0.707, B = sqrt(0.04 + 0.36) = 0.632.
    auto who = g.identify(q, o);
    CHECK(who.name == "B");
    CHECK(who.distance == doctest::Approx(0.6325).epsilon(1e-3));
    CHECK(who.second == "A");
    CHECK(who.second_distance == doctest::Approx(0.7071).epsilon(1e-3));
    // with face-api's default threshold 0.6, B is not close enough
    CHECK(g.identify(q).name == "unknown");
    CHECK(g.identify(q).best == "B");

    o.by = lfr::MatchBy::Nearest;  // A's e0 is exactly the query
    who = g.identify(q, o);
    CHECK(who.name == "A");
    CHECK(who.distance == 0.f);

    o.by = lfr::MatchBy::Centroid;  // A's centroid (0.5, 0.5, 0): distance 0.707 > B's 0.632
    who = g.identify(q, o);
    CHECK(who.name == "B");
    // Mean distance and centroid differ off the descriptors' span: query e2 vs A = sqrt2 and sqrt(1.5).
    CHECK(g.identify(unit(2), 9.f, lfr::MatchBy::Centroid).second_distance == doctest::Approx(std::sqrt(1.5)));
    CHECK(g.identify(unit(2), 9.f, lfr::MatchBy::MeanDistance).second_distance == doctest::Approx(std::sqrt(2.0)));

    // One person only: no runner-up.
    g.remove("A");
    who = g.identify(q, 9.f);
    CHECK(who.second.empty());
    CHECK(std::isinf(who.margin));
}

TEST_CASE("gallery: reopen, transactions, another connection's changes, read-only") {
    TempDir dir;
    const std::string path = dir.file("gallery.db");
    {
        auto g = lfr::Gallery::open(path, kEmbedder, kDim);
        g.enroll("alice", unit(0), "a.jpg");
        g.begin();
        g.enroll("bob", unit(1));
        g.enroll("carol", unit(2));
        g.rollback();
        CHECK(g.list().size() == 1);
        g.begin();
        g.enroll("bob", unit(1));
        CHECK_THROWS_AS(g.enroll("bad", std::vector<float>(3)), lfr::Error);  // undoes only itself
        g.enroll("carol", unit(2));
        g.commit();
        CHECK(g.list().size() == 3);
        g.begin();
        g.enroll("dave", unit(3));
        // left open: closing the gallery rolls it back
    }
    auto g = lfr::Gallery::open(path, kEmbedder, kDim);
    CHECK(g.list().size() == 3);
    CHECK_FALSE(g.contains("dave"));
    CHECK(g.descriptors("alice")[0].source == "a.jpg");

    // The in-memory matrix notices commits made through another connection.
    CHECK(g.identify(unit(4)).name == "unknown");
    {
        auto other = lfr::Gallery::open(path, kEmbedder, kDim);
        other.enroll("erin", unit(4));
    }
    CHECK(g.identify(unit(4)).name == "erin");

    lfr::GalleryOptions ro;
    ro.read_only = true;
    auto r = lfr::Gallery::open(path, kEmbedder, kDim, ro);
    CHECK(r.identify(unit(1)).name == "bob");
    CHECK(contains(error_of([&] { r.enroll("x", unit(5)); }), "read-only"));
    CHECK(contains(error_of([&] { lfr::Gallery::open(dir.file("missing.db"), kEmbedder, kDim, ro); }), "missing.db"));
    lfr::GalleryOptions no_create;
    no_create.create = false;
    CHECK(contains(error_of([&] { lfr::Gallery::open(dir.file("missing.db"), kEmbedder, kDim, no_create); }),
                   "cannot open gallery"));
    CHECK_FALSE(std::filesystem::exists(dir.file("missing.db")));
    CHECK(contains(error_of([&] { lfr::Gallery::open(dir.file("no/such/dir/g.db"), kEmbedder, kDim); }),
                   "no/such/dir/g.db: cannot open gallery"));
}

TEST_CASE("gallery: refusals: other embedder, not a database, foreign database, newer schema") {
    TempDir dir;
    const std::string path = dir.file("gallery.db");
    { lfr::Gallery::open(path, "faceres", 1024).enroll("x", std::vector<float>(1024, 0.5f)); }
    CHECK(error_of([&] { lfr::Gallery::open(path, kEmbedder, kDim); }) ==
          path + " was made with faceres (1024-d); this query uses face_recognition_model (128-d)");
    CHECK(contains(error_of([&] { lfr::Gallery::open(path, "faceres", 512); }), "faceres (1024-d); this query uses faceres (512-d)"));
    CHECK(lfr::Gallery::open(path, "faceres", 1024).list().size() == 1);

    // Not a database at all (a long file and a short one): refused, and left byte for byte as it was.
    for (const std::string& junk : {std::string(5000, 'j'), std::string("not a database\n")}) {
        const std::string notdb = dir.file("photo.jpg");
        spit(notdb, junk);
        const std::string e = error_of([&] { lfr::Gallery::open(notdb, kEmbedder, kDim); });
        CHECK(contains(e, "photo.jpg: not an lfr gallery: not an SQLite database"));
        CHECK(slurp(notdb) == junk);
    }

    // Someone else's SQLite database: refused, never written to (no WAL switch, no tables added).
    const std::string foreign = dir.file("contacts.db");
    raw_sql(foreign, "CREATE TABLE contacts(name TEXT); INSERT INTO contacts VALUES('zoe');");
    const std::string before = slurp(foreign);
    CHECK(contains(error_of([&] { lfr::Gallery::open(foreign, kEmbedder, kDim); }), "without the lfr gallery schema"));
    CHECK(slurp(foreign) == before);
    CHECK_FALSE(std::filesystem::exists(foreign + "-wal"));

    // An empty database that another application has stamped with its own application_id: not ours either.
    const std::string stamped = dir.file("stamped.db");
    raw_sql(stamped, "PRAGMA application_id = 42;");
    const std::string stamped_before = slurp(stamped);
    CHECK(contains(error_of([&] { lfr::Gallery::open(stamped, kEmbedder, kDim); }), "without the lfr gallery schema"));
    CHECK(slurp(stamped) == stamped_before);

    // A gallery from a newer lfr: refused with the version named.
    const std::string newer = dir.file("newer.db");
    { lfr::Gallery::open(newer, kEmbedder, kDim); }
    raw_sql(newer, "UPDATE lfr_schema SET version = 3");
    CHECK(contains(error_of([&] { lfr::Gallery::open(newer, kEmbedder, kDim); }), "schema version 3; this build reads versions 1 to 2 (made by a newer lfr)"));

    // An empty file (e.g. from mktemp) becomes a gallery.
    const std::string empty = dir.file("empty.db");
    spit(empty, "");
    CHECK(lfr::Gallery::open(empty, kEmbedder, kDim).list().empty());
}

TEST_CASE("gallery: a version 1 file is read as it is read-only, and upgraded to version 2 in place") {
    TempDir dir;
    const std::string v1 = dir.file("v1.db");
    // The file as lfr's schema version 1 made it, with one person.
    const std::string bytes = lfr::gallery_detail::encode(unit(3));
    std::string blob;
    for (unsigned char c : bytes) {
        char hex[3];
        std::snprintf(hex, sizeof hex, "%02X", c);
        blob += hex;
    }
    raw_sql(v1, ("PRAGMA application_id = 1818653287; PRAGMA user_version = 1;"
                 "CREATE TABLE lfr_schema(version INTEGER NOT NULL); INSERT INTO lfr_schema(version) VALUES(1);"
                 "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                 "INSERT INTO meta VALUES('embedder', 'face_recognition_model'), ('dim', '128');"
                 "CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created TEXT NOT NULL);"
                 "CREATE TABLE descriptors(id INTEGER PRIMARY KEY,"
                 " person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,"
                 " embedder TEXT NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL,"
                 " source TEXT NOT NULL DEFAULT '', created TEXT NOT NULL);"
                 "CREATE INDEX descriptors_by_person ON descriptors(person_id);"
                 "INSERT INTO people VALUES(1, 'alice', '2024-05-01T12:00:00.000Z');"
                 "INSERT INTO descriptors VALUES(1, 1, 'face_recognition_model', 128, x'" + blob +
                 "', 'a.jpg', '2024-05-01T12:00:00.000Z');").c_str());
    {
        lfr::GalleryOptions ro;
        ro.read_only = true;
        lfr::Gallery g = lfr::Gallery::open(v1, kEmbedder, kDim, ro);
        CHECK(g.identify(unit(3)).name == "alice");
    }
    CHECK(contains(slurp(v1), "lfr_schema"));
    {
        lfr::Gallery g = lfr::Gallery::open(v1, kEmbedder, kDim);  // writable: upgraded
        CHECK(g.identify(unit(3)).name == "alice");
        g.enroll("bob", unit(4), "b.jpg");
        CHECK(g.list().size() == 2);
    }
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(v1.c_str(), &db) == SQLITE_OK);
    auto count = [&](const char* sql) {
        sqlite3_stmt* st = nullptr;
        REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
        REQUIRE(sqlite3_step(st) == SQLITE_ROW);
        const int64_t v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return v;
    };
    CHECK(count("SELECT max(version) FROM lfr_schema") == 2);
    CHECK(count("PRAGMA user_version") == 2);
    CHECK(count("SELECT count(*) FROM pending") == 0);
    CHECK(count("SELECT count(*) FROM rejections") == 0);
    CHECK(count("SELECT sum(medoid) FROM descriptors") == 1);  // bob's, marked when he was made
    sqlite3_close(db);
}

namespace {

constexpr int kCrashPeople = 2000, kCrashDescriptors = 3;

std::string crash_name(int i) { return "person" + std::to_string(i); }

std::vector<float> crash_descriptor(int person, int j) {
    std::vector<float> v(kDim);
    for (int k = 0; k < kDim; ++k) v[size_t(k)] = float((person * 131 + j * 31 + k * 7) % 97 - 48) / 64.f;
    return v;
}

// The child: enrol people one transaction each, reporting each commit's count through the pipe.
[[noreturn]] void crash_child(const std::string& path, int fd) {
    try {
        auto g = lfr::Gallery::open(path, kEmbedder, kDim);
        for (int i = 0; i < kCrashPeople; ++i) {
            std::vector<lfr::SourcedDescriptor> ds;
            for (int j = 0; j < kCrashDescriptors; ++j)
                ds.push_back({crash_descriptor(i, j), "img" + std::to_string(i) + "_" + std::to_string(j) + ".jpg"});
            g.enroll(crash_name(i), ds);
            const int committed = i + 1;
            if (write(fd, &committed, sizeof committed) != sizeof committed) _exit(4);
        }
    } catch (...) {
        _exit(3);
    }
    _exit(0);
}

}  // namespace

TEST_CASE("gallery: crash safety: SIGKILL mid-enrolment loses nothing committed") {
    TempDir dir;
    const std::string path = dir.file("gallery.db");
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    std::fflush(nullptr);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(fds[0]);
        crash_child(path, fds[1]);
    }
    close(fds[1]);
    constexpr int kKillAfter = 150;
    int reported = 0, value = 0;
    while (reported < kKillAfter && read(fds[0], &value, sizeof value) == sizeof value) reported = value;
    kill(child, SIGKILL);
    // Commits reported before the kill landed are in the pipe too.
    while (read(fds[0], &value, sizeof value) == sizeof value) reported = value;
    close(fds[0]);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE_MESSAGE(reported >= kKillAfter, "the child stopped after " << reported << " people (exit status " << status << ")");
    if (WIFEXITED(status)) WARN_MESSAGE(false, "the child finished all " << kCrashPeople << " people before SIGKILL landed");
    auto g = lfr::Gallery::open(path, kEmbedder, kDim);
    CHECK(g.integrity_check() == "ok");
    const auto people = g.list();
    MESSAGE("child killed after reporting " << reported << " committed people; " << people.size() << " present");
    CHECK(people.size() >= size_t(reported));
    // Committed one after another: present people are exactly person0..personM-1, each complete.
    std::map<std::string, int64_t> counts;
    for (const auto& p : people) counts[p.name] = p.descriptors;
    for (int i = 0; i < int(people.size()); ++i) {
        const auto it = counts.find(crash_name(i));
        REQUIRE_MESSAGE(it != counts.end(), crash_name(i) << " missing but " << people.size() << " people present");
        REQUIRE(it->second == kCrashDescriptors);
        const auto ds = g.descriptors(crash_name(i));
        for (int j = 0; j < kCrashDescriptors; ++j) {
            REQUIRE(ds[size_t(j)].vector == crash_descriptor(i, j));
            REQUIRE(ds[size_t(j)].source == "img" + std::to_string(i) + "_" + std::to_string(j) + ".jpg");
        }
    }
    // Still a working gallery: it identifies and takes more enrolments.
    CHECK(g.identify(crash_descriptor(7, 1), 0.6f, lfr::MatchBy::Nearest).name == crash_name(7));
    g.enroll("after the crash", unit(0));
    CHECK(g.integrity_check() == "ok");
}

