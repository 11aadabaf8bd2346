// Corrections to the gallery: merge two people, split some descriptors off into a new person, reject a
// face for a person. Member definitions of lfr::Gallery, included at the end of lfr/face/gallery.h.
#pragma once
#include <set>

namespace lfr {

inline void Gallery::merge(const std::string& from, const std::string& into) {
    writable("merge");
    LFR_CHECK(schema_ >= 2, path_ + ": merge: the gallery was opened read-only at schema version 1");
    const std::string what = "merge " + gallery_detail::quoted(from) + " into " + gallery_detail::quoted(into);
    Savepoint sp(*this);
    const int64_t a = find_person(from), b = find_person(into);
    LFR_CHECK(a >= 0, path_ + ": " + what + ": no person named " + gallery_detail::quoted(from));
    LFR_CHECK(b >= 0, path_ + ": " + what + ": no person named " + gallery_detail::quoted(into));
    LFR_CHECK(a != b, path_ + ": " + what + ": that is one person");
    gallery_detail::Statement shared(db_, path_, "SELECT x.source FROM descriptors x JOIN descriptors y ON x.source = y.source "
                                                 "WHERE x.person_id = ?1 AND y.person_id = ?2 AND x.source != '' LIMIT 1");
    shared.bind(1, a).bind(2, b);
    if (shared.step())
        throw Error(path_ + ": " + what + ": both have a face from " + shared.text(0) +
                    "; two faces of one image are never one person");
    for (const char* sql : {"UPDATE descriptors SET person_id = ?2 WHERE person_id = ?1",
                            "UPDATE rejections SET person_id = ?2 WHERE person_id = ?1"}) {
        gallery_detail::Statement st(db_, path_, sql);
        st.bind(1, a).bind(2, b).run();
    }
    gallery_detail::Statement gone(db_, path_, "DELETE FROM people WHERE id = ?1");
    gone.bind(1, a).run();
    refresh_medoid(b);
    bump_generation();
    sp.release();
}

inline std::string Gallery::split(const std::string& name, const std::vector<int64_t>& descriptor_ids,
                                  const std::string& new_name) {
    writable("split");
    LFR_CHECK(schema_ >= 2, path_ + ": split: the gallery was opened read-only at schema version 1");
    const std::string what = "split " + gallery_detail::quoted(name);
    LFR_CHECK(!descriptor_ids.empty(), path_ + ": " + what + ": no descriptor ids given");
    Savepoint sp(*this);
    const int64_t from = find_person(name);
    LFR_CHECK(from >= 0, path_ + ": " + what + ": no person named " + gallery_detail::quoted(name));
    const std::string to_name = new_name.empty() ? next_unnamed_name() : new_name;
    LFR_CHECK(find_person(to_name) < 0, path_ + ": " + what + ": " + gallery_detail::quoted(to_name) + " already exists");
    std::set<int64_t> mine;
    gallery_detail::Statement q(db_, path_, "SELECT id FROM descriptors WHERE person_id = ?1");
    q.bind(1, from);
    while (q.step()) mine.insert(q.integer(0));
    const std::set<int64_t> moving(descriptor_ids.begin(), descriptor_ids.end());
    for (int64_t id : moving)
        LFR_CHECK(mine.count(id), path_ + ": " + what + ": descriptor " + std::to_string(id) + " is not " +
                                      gallery_detail::quoted(name) + "'s (see lfr gallery list " + name + ")");
    LFR_CHECK(moving.size() < mine.size(), path_ + ": " + what + ": that is every descriptor; use rename");
    const int64_t to = add_person(to_name, new_name.empty());
    gallery_detail::Statement move(db_, path_, "UPDATE descriptors SET person_id = ?2 WHERE id = ?1");
    for (int64_t id : moving) {
        move.reset();
        move.bind(1, id).bind(2, to).run();
    }
    refresh_medoid(from);
    refresh_medoid(to);
    bump_generation();
    sp.release();
    return to_name;
}

inline void Gallery::reject(const std::string& name, const std::vector<float>& descriptor, const std::string& source) {
    writable("reject");
    LFR_CHECK(schema_ >= 2, path_ + ": reject: the gallery was opened read-only at schema version 1");
    check_descriptor("reject: the descriptor", descriptor);
    Savepoint sp(*this);
    const int64_t id = find_person(name);
    LFR_CHECK(id >= 0, path_ + ": reject: no person named " + gallery_detail::quoted(name));
    const std::string bytes = gallery_detail::encode(descriptor);
    gallery_detail::Statement ins(db_, path_, "INSERT INTO rejections(person_id, vector, source, created) "
                                              "VALUES(?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
    ins.bind(1, id).bind_blob(2, bytes.data(), bytes.size()).bind(3, source).run();
    bump_generation();
    sp.release();
}

// Marks the person's medoid again (the descriptor with the least summed distance to the others).
inline void Gallery::refresh_medoid(int64_t person) {
    std::vector<SourcedDescriptor> faces;
    std::vector<int64_t> ids;
    gallery_detail::Statement q(db_, path_, "SELECT id, vector FROM descriptors WHERE person_id = ?1 ORDER BY id");
    q.bind(1, person);
    while (q.step()) {
        ids.push_back(q.integer(0));
        faces.push_back({std::vector<float>(size_t(dim_)), ""});
        decode_vector(q, 1, "a descriptor", faces.back().vector.data());
    }
    if (ids.empty()) return;
    gallery_detail::Statement mark(db_, path_, "UPDATE descriptors SET medoid = (id = ?2) WHERE person_id = ?1");
    mark.bind(1, person).bind(2, ids[medoid_of(faces)]).run();
}

}  // namespace lfr
