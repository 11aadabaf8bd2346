// The gallery's unknown-face features with synthetic descriptors: unnamed people and medoids, observe
// (joining by medoid, the pending pool clustered into new people, the cannot-link rule), merge, split,
// reject, search, and the incrementally loaded matrix seeing another connection's additions.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "gallery_test_util.h"
#include "lfr/face/gallery.h"

using namespace gallery_test;

namespace {

// A face near unit(axis): a small offset in another coordinate, different for each k.
std::vector<float> near(int axis, int k) {
    std::vector<float> v = unit(axis);
    v[size_t(100 + k % 20)] += 0.05f + 0.01f * float(k % 7);
    return v;
}

lfr::ObserveOptions small_pool() {
    lfr::ObserveOptions o;
    o.threshold = 0.6f;
    o.pool_size = 6;
    o.min_cluster = 3;
    return o;
}

}  // namespace

TEST_CASE("gallery: unnamed people get the next free person-N and a medoid") {
    TempDir dir;
    lfr::Gallery g = lfr::Gallery::open(dir.file("g.db"), kEmbedder, kDim);
    CHECK(g.enroll_unnamed({{near(1, 0), "a.jpg"}, {near(1, 1), "b.jpg"}}, 1) == "person-1");
    g.rename("person-1", "carol");
    CHECK(g.enroll_unnamed({{near(2, 0), "c.jpg"}}, 0) == "person-2");  // numbers are never reused
    g.rename("person-2", "person-4");
    CHECK(g.enroll_unnamed({{near(3, 0), "d.jpg"}}, 0) == "person-3");
    CHECK(g.enroll_unnamed({{near(4, 0), "e.jpg"}}, 0) == "person-5");  // person-4 is taken
    int medoids = 0;
    for (const lfr::StoredFace& f : g.faces()) {
        medoids += f.medoid;
        if (f.medoid && f.person == "carol") CHECK(f.source == "b.jpg");
        CHECK(f.unnamed);  // made by clustering, renamed or not
    }
    CHECK(medoids == 4);
    CHECK(contains(error_of([&] { g.enroll_unnamed({{near(5, 0), ""}}, 1); }), "medoid"));
}

TEST_CASE("gallery: observe joins by medoid, pools the rest, and clusters the pool into new people") {
    TempDir dir;
    lfr::Gallery g = lfr::Gallery::open(dir.file("g.db"), kEmbedder, kDim);
    g.enroll("alice", {{near(1, 0), "a0.jpg"}, {near(1, 1), "a1.jpg"}});
    const lfr::ObserveOptions o = small_pool();

    lfr::Observation seen = g.observe(near(1, 5), "x.jpg", o);
    CHECK(seen.person == "alice");
    CHECK(seen.distance < 0.6f);
    // Another face of x.jpg near alice: not alice (one image, one person), so it waits.
    CHECK(g.observe(near(1, 6), "x.jpg", o).person.empty());

    // Strangers: 3 faces of person A, 2 of B: 6 pending faces in all (with x.jpg's) -> A becomes someone.
    std::vector<std::string> made;
    for (int k = 0; k < 3; ++k) CHECK(g.observe(near(10, k), "s" + std::to_string(k) + ".jpg", o).person.empty());
    g.observe(near(20, 0), "t0.jpg", o);
    seen = g.observe(near(20, 1), "t1.jpg", o);
    REQUIRE(seen.new_people.size() == 1);
    CHECK(seen.new_people[0] == "person-1");
    CHECK(g.descriptors("person-1").size() == 3);
    // The left-overs (x.jpg's face and B's two) wait for the next clustering.
    size_t pending = 0;
    for (const lfr::StoredFace& f : g.faces()) pending += f.pending;
    CHECK(pending == 3);
    // The new person is matched by their medoid from now on.
    CHECK(g.observe(near(10, 9), "s9.jpg", o).person == "person-1");
    CHECK(g.identify(near(10, 9), 0.6f).name == "person-1");
}

TEST_CASE("gallery: merge, split, reject") {
    TempDir dir;
    lfr::Gallery g = lfr::Gallery::open(dir.file("g.db"), kEmbedder, kDim);
    g.enroll("alice", {{near(1, 0), "a0.jpg"}, {near(1, 1), "a1.jpg"}});
    g.enroll("person-1", {{near(1, 2), "a2.jpg"}, {near(5, 0), "z.jpg"}});
    g.enroll("bob", {{near(2, 0), "a0.jpg"}});
    CHECK(g.identify(near(1, 3), 0.6f).name == "alice");

    CHECK(contains(error_of([&] { g.merge("bob", "alice"); }), "both have a face from a0.jpg"));
    CHECK(contains(error_of([&] { g.merge("nobody", "alice"); }), "no person named 'nobody'"));
    g.merge("person-1", "alice");
    CHECK_FALSE(g.contains("person-1"));
    CHECK(g.descriptors("alice").size() == 4);

    std::vector<int64_t> stray;
    for (const lfr::StoredFace& f : g.faces())
        if (f.source == "z.jpg") stray.push_back(f.id);
    CHECK(contains(error_of([&] { g.split("alice", {999999}, "zed"); }), "is not 'alice''s"));
    CHECK(contains(error_of([&] { g.split("alice", stray, "bob"); }), "'bob' already exists"));
    g.split("alice", stray, "zed");
    CHECK(g.descriptors("zed").size() == 1);
    CHECK(g.descriptors("alice").size() == 3);
    CHECK(g.identify(near(5, 1), 0.6f).name == "zed");

    // A query nearer to a rejected face of alice than to alice: never alice.
    const std::vector<float> lookalike = near(1, 13);
    CHECK(g.identify(lookalike, 0.6f).name == "alice");
    g.reject("alice", lookalike, "lookalike.jpg");
    const lfr::Identification who = g.identify(lookalike, 0.6f);
    CHECK(who.name != "alice");
    CHECK(g.identify(near(1, 0), 0.6f).name == "alice");  // her own photo still is
}

TEST_CASE("gallery: search ranks every stored face; the matrix grows with another connection's rows") {
    TempDir dir;
    const std::string path = dir.file("g.db");
    lfr::Gallery a = lfr::Gallery::open(path, kEmbedder, kDim);
    a.enroll("alice", {{near(1, 0), "a0.jpg"}});
    lfr::ObserveOptions o = small_pool();
    a.observe(near(7, 0), "p.jpg", o);  // pending
    const std::vector<lfr::StoredFace> hits = a.search(near(7, 1));
    REQUIRE(hits.size() == 2);
    CHECK(hits[0].pending);
    CHECK(hits[0].source == "p.jpg");
    CHECK(hits[1].person == "alice");
    CHECK(hits[0].distance <= hits[1].distance);
    CHECK(a.search(near(7, 1), 1).size() == 1);

    CHECK(a.identify(near(1, 0), 0.6f).name == "alice");
    {
        lfr::Gallery b = lfr::Gallery::open(path, kEmbedder, kDim);
        b.enroll("bob", {{near(2, 0), "b.jpg"}});
    }
    CHECK(a.identify(near(2, 0), 0.6f).name == "bob");  // appended
    {
        lfr::Gallery b = lfr::Gallery::open(path, kEmbedder, kDim);
        b.rename("bob", "robert");
    }
    CHECK(a.identify(near(2, 0), 0.6f).name == "robert");  // reloaded
    a.remove("alice");
    CHECK(a.identify(near(1, 0), 0.6f).name == "unknown");
}
