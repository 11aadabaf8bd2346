// The gallery's in-memory matrix and 1:N matching: loading (incrementally) and identify. Member
// definitions of lfr::Gallery, included at the end of lfr/face/gallery.h (documented there).
#pragma once

namespace lfr {

inline Identification Gallery::identify(const float* query, size_t n, const IdentifyOptions& options) {
    LFR_CHECK(n == size_t(dim_), path_ + ": identify: the query has " + std::to_string(n) +
                                     " values; this gallery holds " + std::to_string(dim_) + "-d descriptors of " +
                                     embedder_);
    load();
    const Cache& c = cache_;
    LFR_CHECK(!c.names.empty(), path_ + ": identify: the gallery is empty; enroll someone first");
    const size_t people = c.names.size(), d = size_t(dim_);
    std::vector<float> score(people, 0.f);
    if (options.by == MatchBy::Centroid) {
        std::vector<float> centroid(d);
        for (size_t p = 0; p < people; ++p) {
            for (size_t i = 0; i < d; ++i) centroid[i] = c.sums[p * d + i] / float(c.counts[p]);
            score[p] = euclidean_distance(query, centroid.data(), d);
        }
    } else {
        const bool nearest = options.by == MatchBy::Nearest;
        if (nearest) score.assign(people, std::numeric_limits<float>::infinity());
        std::vector<float> distance(c.owner.size());
        distances_to_rows(c.rows.data(), c.owner.size(), d, query, distance.data());
        for (size_t r = 0; r < c.owner.size(); ++r) {
            const float dist = distance[r];
            float& s = score[c.owner[r]];
            s = nearest ? (dist < s ? dist : s) : s + dist;
        }
        if (!nearest)
            for (size_t p = 0; p < people; ++p) score[p] /= float(c.counts[p]);
    }
    // A person with a rejected face at least as near the query as they are is not the answer.
    for (size_t r = 0; r < c.rejection_owner.size(); ++r) {
        float& s = score[c.rejection_owner[r]];
        if (euclidean_distance(query, &c.rejections[r * d], d) <= s) s = std::numeric_limits<float>::infinity();
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

// Brings the in-memory matrix up to date: nothing to do when no one committed since; only the new
// rows when descriptors were only added; else everything.
inline void Gallery::load() {
    const int64_t version = pragma_int("PRAGMA data_version");  // changes when another connection commits
    if (cache_.loaded && !cache_.stale && cache_.data_version == version) return;
    const int64_t generation = pragma_int("SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'), 0)");
    const bool full = !cache_.loaded || generation != cache_.generation;
    if (full) {
        cache_ = Cache();
        cache_.generation = generation;
    }
    cache_.data_version = version;
    cache_.stale = false;
    const size_t d = size_t(dim_);
    Cache& c = cache_;
    c.loaded = false;  // until the rows are all in
    gallery_detail::Statement q(db_, path_, schema_ >= 2
        ? "SELECT d.id, p.id, p.name, d.vector, d.embedder, d.dim, d.medoid FROM descriptors d "
          "JOIN people p ON p.id = d.person_id WHERE d.id > ?1 ORDER BY d.id"
        : "SELECT d.id, p.id, p.name, d.vector, d.embedder, d.dim, 0 FROM descriptors d "
          "JOIN people p ON p.id = d.person_id WHERE d.id > ?1 ORDER BY d.id");
    q.bind(1, c.last_id);
    while (q.step()) {
        const std::string name = q.text(2);
        const auto found = c.index.emplace(q.integer(1), uint32_t(c.names.size()));
        const uint32_t person = found.first->second;
        if (found.second) {
            c.names.push_back(name);
            c.person_ids.push_back(q.integer(1));
            c.counts.push_back(0);
            c.sums.resize(c.sums.size() + d, 0.f);
        }
        if (q.text(4) != embedder_ || q.integer(5) != dim_)
            throw Error(path_ + ": a descriptor of " + gallery_detail::quoted(name) + " was made with " + q.text(4) +
                        " (" + std::to_string(q.integer(5)) + "-d); this gallery holds " + embedder_ + " (" +
                        std::to_string(dim_) + "-d)");
        const size_t at = c.rows.size();
        c.rows.resize(at + d);
        decode_vector(q, 3, name, &c.rows[at]);
        if (found.second) c.medoids.insert(c.medoids.end(), &c.rows[at], &c.rows[at] + d);
        if (q.integer(6)) std::copy_n(&c.rows[at], d, &c.medoids[size_t(person) * d]);
        c.owner.push_back(person);
        c.row_ids.push_back(q.integer(0));
        c.last_id = q.integer(0);
        c.counts[person] += 1;
        float* sum = &c.sums[size_t(person) * d];
        for (size_t i = 0; i < d; ++i) sum[i] += c.rows[at + i];
    }
    if (full && schema_ >= 2) {  // rejections change the generation, so they are read with everything
        gallery_detail::Statement r(db_, path_, "SELECT person_id, vector FROM rejections ORDER BY id");
        while (r.step()) {
            const auto it = c.index.find(r.integer(0));
            if (it == c.index.end()) continue;  // a person with no descriptors left is never an answer
            c.rejections.resize(c.rejections.size() + d);
            decode_vector(r, 1, "a rejected face", &c.rejections[c.rejections.size() - d]);
            c.rejection_owner.push_back(it->second);
        }
    }
    c.loaded = true;
}

}  // namespace lfr
