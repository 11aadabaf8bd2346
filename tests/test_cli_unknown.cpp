// The `lfr` commands for unknown faces and shared galleries, run as a user would: cluster (clusters.json,
// sheets, index page, --enroll-into), observe, search, gallery merge/split/reject/export/import, and
// eight `lfr enroll` processes writing one gallery at once.
#include <doctest/doctest.h>

#include <set>

#include "cli_test_util.h"

using namespace cli_test;

namespace {

// sample1.jpg (three people) under another name: each of its faces has an exact double.
std::string copy_of_sample1(const TempDir& dir, const std::string& name) {
    fs::copy_file(photo(1), dir / name);
    return dir / name;
}

json gallery_people(const std::string& db) {
    const Result r = run_lfr("gallery list --json --db " + quote(db));
    REQUIRE(r.rc == 0);
    return json::parse(r.out)["people"];
}

}  // namespace

TEST_CASE("lfr cluster: clusters.json, sheets and index page; faces of one image never together") {
    if (!have_models()) return;
    TempDir dir;
    const std::string copy = copy_of_sample1(dir, "copy.jpg"), out = dir / "out", db = dir / "g.db";
    Result r = run_lfr("cluster " + quote(photo(1)) + " " + quote(copy) + " --out " + quote(out) + " --enroll-into " + quote(db));
    INFO(r.err);
    REQUIRE(r.rc == 0);
    const json j = json::parse(read_text(out + "/clusters.json"));
    REQUIRE(j.size() == 1);
    const json& clusters = j["clusters"];
    REQUIRE(clusters.size() >= 3);  // each of sample1's people (three, or more where the detector sees more)
    int id = 0;
    for (const json& c : clusters) {
        REQUIRE(c.size() == 4);
        CHECK(c["id"] == ++id);
        CHECK(c["silhouette"].get<double>() > 0.5);
        REQUIRE(c["faces"].size() == 2);  // with their double
        CHECK(c["medoid"].get<int>() >= 0);
        CHECK(c["medoid"].get<int>() < 2);
        std::set<std::string> images;
        for (const json& f : c["faces"]) {
            REQUIRE(f.size() == 2);
            CHECK(f["box"].size() == 4);
            images.insert(f["image"].get<std::string>());
        }
        CHECK(images.size() == 2);  // one face of each image
        CHECK(fs::exists(out + "/cluster-" + std::to_string(id) + ".png"));
    }
    CHECK(read_text(out + "/index.html").find("cluster-3.png") != std::string::npos);
    // --enroll-into: one unnamed person per cluster, medoid marked.
    const json people = gallery_people(db);
    REQUIRE(people.size() == clusters.size());
    CHECK(people[0]["name"] == "person-1");
    CHECK(people[0]["descriptors"] == 2);
    r = run_lfr("gallery list person-1 --json --db " + quote(db));
    REQUIRE(r.rc == 0);
    const json faces = json::parse(r.out)["faces"];
    CHECK(int(faces[0]["medoid"]) + int(faces[1]["medoid"]) == 1);

    // Average linkage finds the same three; usage errors exit 2.
    r = run_lfr("cluster " + quote(photo(1)) + " " + quote(copy) + " --method average --out " + quote(out));
    CHECK(r.rc == 0);
    CHECK(json::parse(read_text(out + "/clusters.json"))["clusters"].size() == clusters.size());
    CHECK(run_lfr("cluster " + quote(photo(1))).rc == 2);  // no --out
    CHECK(run_lfr("cluster " + quote(photo(1)) + " --out " + quote(out) + " --method kmeans").rc == 2);
    r = run_lfr("cluster " + quote(dir / "missing.jpg") + " --out " + quote(out));
    CHECK(r.rc == 1);
}

TEST_CASE("lfr observe and search: the pool becomes people, who are then joined") {
    if (!have_models()) return;
    TempDir dir;
    const std::string db = dir / "g.db";
    const std::string a = copy_of_sample1(dir, "a.jpg"), b = copy_of_sample1(dir, "b.jpg"), c = copy_of_sample1(dir, "c.jpg");
    // The pool is clustered once both copies are in: a face per line, then a line per new person.
    Result r = run_lfr("observe --db " + quote(db) + " --pool 1000 --min-size 2 " + quote(a));
    REQUIRE(r.rc == 0);
    const size_t faces = lines(r.out).size();
    REQUIRE(faces >= 3);
    const std::string pool = std::to_string(2 * faces);
    r = run_lfr("observe --db " + quote(db) + " --pool " + pool + " --min-size 2 " + quote(b));
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
    CHECK(lines(r.out).size() == 2 * faces);
    CHECK(r.out.find("new person person-" + std::to_string(faces)) != std::string::npos);
    r = run_lfr("observe --db " + quote(db) + " --pool " + pool + " --min-size 2 " + quote(c));
    REQUIRE(r.rc == 0);
    CHECK(r.out.find("joined person-") != std::string::npos);
    CHECK(r.out.find("pending") == std::string::npos);
    for (const json& p : gallery_people(db)) CHECK(p["descriptors"] == 3);

    r = run_lfr("search --json --top 4 --db " + quote(db) + " " + quote(photo(1)));
    REQUIRE(r.rc == 0);
    const json hits = json::parse(r.out)["results"];
    REQUIRE(hits.size() == 4);
    CHECK(hits[0]["distance"].get<double>() < 1e-3);
    CHECK(hits[0]["unnamed"] == true);
    for (size_t i = 1; i < hits.size(); ++i) CHECK(hits[i - 1]["distance"].get<double>() <= hits[i]["distance"].get<double>());
    CHECK(run_lfr("search --db " + quote(db)).rc == 2);
}

TEST_CASE("lfr gallery merge, split, reject, export and import") {
    if (!have_models()) return;
    TempDir dir;
    const std::string db = dir / "g.db";
    REQUIRE(run_lfr("enroll --db " + quote(db) + " alice " + quote(photo(1))).rc == 0);
    REQUIRE(run_lfr("enroll --db " + quote(db) + " bob " + quote(photo(2))).rc == 0);
    Result r = run_lfr("gallery merge bob alice --db " + quote(db));
    REQUIRE(r.rc == 0);
    json people = gallery_people(db);
    REQUIRE(people.size() == 1);
    CHECK(people[0]["descriptors"] == 2);
    r = run_lfr("gallery list alice --json --db " + quote(db));
    const json faces = json::parse(r.out)["faces"];
    REQUIRE(faces.size() == 2);
    const std::string second = std::to_string(faces[1]["id"].get<int>());
    r = run_lfr("gallery split alice --ids " + second + " --as bob --db " + quote(db));
    REQUIRE(r.rc == 0);
    CHECK(gallery_people(db).size() == 2);
    CHECK(run_lfr("gallery split alice --db " + quote(db)).rc == 2);                   // no --ids
    CHECK(run_lfr("gallery split alice --ids x --db " + quote(db)).rc == 2);
    CHECK(run_lfr("gallery split alice --ids 99999 --as zed --db " + quote(db)).rc == 1);  // not hers
    CHECK(run_lfr("gallery merge nobody alice --db " + quote(db)).rc == 1);

    // bob's own photo, rejected for bob: identify no longer answers bob for it.
    auto names = [&] {
        const Result id = run_lfr("identify --json --db " + quote(db) + " " + quote(photo(2)));
        const json line = json::parse(id.out);
        std::set<std::string> found;
        for (const json& f : line["faces"]) found.insert(f["identity"]["name"].get<std::string>());
        return found;
    };
    CHECK(names().count("bob") == 1);
    REQUIRE(run_lfr("gallery reject bob " + quote(photo(2)) + " --db " + quote(db)).rc == 0);
    CHECK(names().count("bob") == 0);

    r = run_lfr("gallery export --json --db " + quote(db));
    REQUIRE(r.rc == 0);
    const std::string backup = dir / "backup.json";
    { std::ofstream(backup) << r.out; }
    const std::string copy = dir / "copy.db";
    REQUIRE(run_lfr("gallery import " + quote(backup) + " --db " + quote(copy)).rc == 0);
    people = gallery_people(copy);
    REQUIRE(people.size() == 2);
    CHECK(people[0]["name"] == "alice");
    CHECK(people[1]["name"] == "bob");
    CHECK(run_lfr("gallery export --db " + quote(db)).rc == 2);  // --json is the format
    { std::ofstream(dir / "junk.json") << "{\"people\": 3"; }
    r = run_lfr("gallery import " + quote(dir / "junk.json") + " --db " + quote(copy));
    CHECK(r.rc == 1);
    check_one_error_line(r, "junk.json");
}

TEST_CASE("lfr enroll: eight processes writing one new gallery at once all succeed") {
    if (!have_models()) return;
    TempDir dir;
    const std::string db = dir / "g.db";
    std::string script;
    for (int i = 0; i < 8; ++i)
        script += "(LFR_MODELS=" + quote(kModels) + " " + quote(LFR_CLI_PATH) + " enroll --db " + quote(db) + " p" +
                  std::to_string(i) + " " + quote(photo(2 + i % 5)) + " >/dev/null 2>" + quote(dir / ("err" + std::to_string(i))) +
                  "; echo $? > " + quote(dir / ("rc" + std::to_string(i))) + ") & ";
    script += "wait";
    REQUIRE(std::system(("bash -c " + quote(script)).c_str()) == 0);
    for (int i = 0; i < 8; ++i) {
        INFO("process " << i << ": " << read_text(dir / ("err" + std::to_string(i))));
        CHECK(read_text(dir / ("rc" + std::to_string(i))) == "0\n");
    }
    const json people = gallery_people(db);
    CHECK(people.size() == 8);
    for (const json& p : people) CHECK(p["descriptors"] == 1);
}
