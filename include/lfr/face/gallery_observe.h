// Unknown faces in the gallery: observe (join a person by their medoid, or wait in the pending pool that
// is clustered into new unnamed people), every stored face, and search over them. Member definitions
// of lfr::Gallery, included at the end of lfr/face/gallery.h (documented there).
#pragma once
#include <algorithm>
#include <map>

#include "lfr/face/cluster.h"

namespace lfr {

inline Observation Gallery::observe(const std::vector<float>& descriptor, const std::string& source,
                                    const ObserveOptions& options) {
    writable("observe");
    LFR_CHECK(schema_ >= 2, path_ + ": observe: the gallery was opened read-only at schema version 1");
    LFR_CHECK(options.pool_size >= 1 && options.min_cluster >= 1, path_ + ": observe: pool size and cluster size must be positive");
    check_descriptor("observe: the descriptor", descriptor);
    Savepoint sp(*this);
    load();  // inside the write lock: the medoids are those of the file
    const Cache& c = cache_;
    const size_t d = size_t(dim_);
    Observation seen;
    size_t best = c.names.size();
    for (size_t p = 0; p < c.names.size(); ++p) {
        const float dist = euclidean_distance(descriptor.data(), &c.medoids[p * d], d);
        if (dist < seen.distance) seen.distance = dist, best = p;
    }
    bool joins = best < c.names.size() && seen.distance < options.threshold;
    if (joins && !source.empty()) {  // two faces of one image are never one person
        gallery_detail::Statement q(db_, path_, "SELECT 1 FROM descriptors WHERE person_id = ?1 AND source = ?2 LIMIT 1");
        q.bind(1, c.person_ids[best]).bind(2, source);
        joins = !q.step();
    }
    if (joins) {
        seen.person = c.names[best];
        insert_descriptors(c.person_ids[best], {{descriptor, source}}, /*no new medoid*/ 1);
        sp.release();
        return seen;
    }
    add_pending({descriptor, source});
    // Due when pool_size faces came since the last clustering (meta 'pool_mark': the last pending id it
    // saw), or when the oldest waits longer than max_age_s.
    const char* age = "(julianday('now') - julianday(created)) * 86400";
    const int64_t mark = pragma_int("SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'pool_mark'), 0)");
    gallery_detail::Statement pool(db_, path_, ("SELECT count(*) FILTER (WHERE id > ?1), coalesce(max(" + std::string(age) +
                                                 "), 0), max(id) FROM pending").c_str());
    pool.bind(1, mark).step();
    if (size_t(pool.integer(0)) < options.pool_size && pool.real(1) < options.max_age_s) {
        sp.release();
        return seen;
    }
    gallery_detail::Statement set_mark(db_, path_, "INSERT OR REPLACE INTO meta(key, value) VALUES('pool_mark', ?1)");
    set_mark.bind(1, std::to_string(pool.integer(2))).run();

    // The pool is due: cluster it, oldest first.
    gallery_detail::Statement all(db_, path_, ("SELECT id, vector, source, " + std::string(age) + " FROM pending ORDER BY id").c_str());
    std::vector<int64_t> ids;
    std::vector<std::string> sources;
    std::vector<double> ages;
    std::vector<float> rows;
    std::map<std::string, int64_t> image;  // source -> group, for the cannot-link rule
    Groups groups;
    while (all.step()) {
        ids.push_back(all.integer(0));
        rows.resize(rows.size() + d);
        decode_vector(all, 1, "a pending face", &rows[rows.size() - d]);
        sources.push_back(all.text(2));
        ages.push_back(all.real(3));
        groups.push_back(sources.back().empty() ? -int64_t(ids.size()) : image.emplace(sources.back(), int64_t(image.size())).first->second);
    }
    Descriptors x;
    x.n = ids.size(), x.d = d, x.data = std::move(rows);
    WhispersOptions cw;
    cw.iterations = options.iterations;
    const std::vector<int> label = chinese_whispers(x.n, neighbour_edges(x, options.threshold), groups, cw);
    std::vector<bool> placed(x.n, false);
    gallery_detail::Statement del(db_, path_, "DELETE FROM pending WHERE id = ?1");
    for (const std::vector<uint32_t>& members : members_of(label)) {
        if (members.size() < options.min_cluster) continue;
        std::vector<SourcedDescriptor> faces;
        const uint32_t med = medoid(x, members);
        size_t med_at = 0;
        for (uint32_t i : members) {
            if (i == med) med_at = faces.size();
            faces.push_back({std::vector<float>(x.row(i), x.row(i) + d), sources[i]});
            placed[i] = true;
        }
        seen.new_people.push_back(enroll_unnamed(faces, med_at));
    }
    // What is left waits for the next clustering, unless it has waited max_age_s already.
    for (size_t i = 0; i < x.n; ++i) {
        if (!placed[i] && ages[i] < options.max_age_s) continue;
        del.reset();
        del.bind(1, ids[i]).run();
    }
    sp.release();
    return seen;
}

inline void Gallery::add_pending(const SourcedDescriptor& face) {
    writable("add_pending");
    LFR_CHECK(schema_ >= 2, path_ + ": add_pending: the gallery was opened read-only at schema version 1");
    check_descriptor("pending face", face.vector);
    const std::string bytes = gallery_detail::encode(face.vector);
    gallery_detail::Statement ins(db_, path_, "INSERT INTO pending(vector, source, created) "
                                              "VALUES(?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
    ins.bind_blob(1, bytes.data(), bytes.size()).bind(2, face.source).run();
}

inline std::vector<StoredFace> Gallery::faces() const {
    std::vector<StoredFace> out;
    gallery_detail::Statement q(db_, path_, schema_ >= 2
        ? "SELECT d.id, p.name, p.unnamed, d.medoid, d.source, d.created, d.vector FROM descriptors d "
          "JOIN people p ON p.id = d.person_id ORDER BY p.id, d.id"
        : "SELECT d.id, p.name, 0, 0, d.source, d.created, d.vector FROM descriptors d "
          "JOIN people p ON p.id = d.person_id ORDER BY p.id, d.id");
    while (q.step()) {
        StoredFace f;
        f.id = q.integer(0), f.person = q.text(1), f.unnamed = q.integer(2) != 0, f.medoid = q.integer(3) != 0;
        f.source = q.text(4), f.created = q.text(5);
        f.vector.resize(size_t(dim_));
        decode_vector(q, 6, f.person, f.vector.data());
        out.push_back(std::move(f));
    }
    if (schema_ < 2) return out;
    gallery_detail::Statement p(db_, path_, "SELECT id, source, created, vector FROM pending ORDER BY id");
    while (p.step()) {
        StoredFace f;
        f.id = p.integer(0), f.pending = true, f.source = p.text(1), f.created = p.text(2);
        f.vector.resize(size_t(dim_));
        decode_vector(p, 3, "a pending face", f.vector.data());
        out.push_back(std::move(f));
    }
    return out;
}

inline std::vector<StoredFace> Gallery::search(const std::vector<float>& query, size_t limit) const {
    check_descriptor("search: the query", query);
    std::vector<StoredFace> all = faces();
    for (StoredFace& f : all) f.distance = euclidean_distance(query, f.vector);
    std::stable_sort(all.begin(), all.end(), [](const StoredFace& a, const StoredFace& b) { return a.distance < b.distance; });
    if (limit && all.size() > limit) all.resize(limit);
    return all;
}

}  // namespace lfr
