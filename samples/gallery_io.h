// `lfr gallery` output and backups: the people table, one person's faces, export to JSON and import.
#pragma once
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "cli.h"
#include "face_report.h"
#include "lfr/face/gallery.h"

namespace lfr::cli {

inline int list_people(const Gallery& gallery, bool json) {
    const std::vector<PersonInfo> people = gallery.list();
    if (json) {
        Json list = Json::array();
        for (const PersonInfo& p : people)
            list.push_back({{"name", p.name}, {"descriptors", p.descriptors}, {"created", p.created}, {"updated", p.updated}});
        print_json({{"gallery", gallery.path()}, {"people", std::move(list)}});
        return 0;
    }
    if (people.empty()) {
        std::printf("%s: no one enrolled\n", gallery.path().c_str());
        return 0;
    }
    size_t width = 4;
    for (const PersonInfo& p : people) width = std::max(width, p.name.size());
    std::printf("%-*s  %11s  %-24s  %s\n", int(width), "name", "descriptors", "enrolled", "last added");
    for (const PersonInfo& p : people)
        std::printf("%-*s  %11lld  %-24s  %s\n", int(width), p.name.c_str(), static_cast<long long>(p.descriptors),
                    p.created.c_str(), p.updated.c_str());
    return 0;
}

// One person's faces: id (* the medoid), when, source.
inline int list_person(const Gallery& gallery, const std::string& name, bool json) {
    LFR_CHECK(gallery.contains(name), gallery.path() + ": no person named '" + name + "'");
    Json faces = Json::array();
    for (const StoredFace& f : gallery.faces()) {
        if (f.pending || f.person != name) continue;
        if (json)
            faces.push_back({{"id", f.id}, {"medoid", f.medoid}, {"created", f.created}, {"source", f.source}});
        else
            std::printf("%8lld%s  %s  %s\n", static_cast<long long>(f.id), f.medoid ? "*" : " ", f.created.c_str(), f.source.c_str());
    }
    if (json) print_json({{"name", name}, {"faces", std::move(faces)}});
    return 0;
}

// "3,5,8" -> {3, 5, 8}.
inline std::vector<int64_t> id_list(const std::string& text) {
    usage_check(!text.empty(), "--ids ID,ID,... is required (the ids from: lfr gallery list NAME)");
    std::vector<int64_t> ids;
    size_t at = 0;
    while (at <= text.size()) {
        const size_t comma = std::min(text.find(',', at), text.size());
        const std::string one = text.substr(at, comma - at);
        char* end = nullptr;
        const long long v = std::strtoll(one.c_str(), &end, 10);
        usage_check(!one.empty() && *end == '\0' && v > 0, "--ids expects positive integers separated by commas, not '" + text + "'");
        ids.push_back(v);
        at = comma + 1;
    }
    return ids;
}

// Descriptors print as the shortest text that reads back to the same float: an export loses nothing.
inline Json face_backup_json(const StoredFace& f) {
    return {{"source", f.source}, {"created", f.created}, {"medoid", f.medoid}, {"descriptor", f.vector}};
}

// One person or pending face a line, so that backups diff well.
inline std::string export_json(const Gallery& gallery) {
    std::vector<Json> people, pending;
    for (const StoredFace& f : gallery.faces()) {  // people's faces come grouped by person
        if (f.pending) {
            pending.push_back(face_backup_json(f));
            continue;
        }
        if (people.empty() || people.back()["name"] != f.person)
            people.push_back({{"name", f.person}, {"unnamed", f.unnamed}, {"faces", Json::array()}});
        people.back()["faces"].push_back(face_backup_json(f));
    }
    auto lines = [](const std::vector<Json>& items) {
        std::string s;
        for (const Json& j : items) s += (s.empty() ? "\n  " : ",\n  ") + json_text(j);
        return s;
    };
    return "{\"embedder\": " + json_text(gallery.embedder()) + ", \"dim\": " + std::to_string(gallery.dim()) +
           ",\n \"people\": [" + lines(people) + "],\n \"pending\": [" + lines(pending) + "]}\n";
}

// Adds the people and pending faces of an export to the gallery at `db`, in one transaction.
inline int import_json(const std::string& file, const std::string& db) {
    std::ifstream in(file);
    LFR_CHECK(bool(in), file + ": cannot read");
    nlohmann::json j;
    try {
        in >> j;
        const std::string embedder = j.at("embedder").get<std::string>();
        const int dim = j.at("dim").get<int>();
        Gallery gallery = Gallery::open(db, embedder, dim);
        auto faces_of = [](const nlohmann::json& list, size_t* medoid) {
            std::vector<SourcedDescriptor> out;
            for (const auto& f : list) {
                if (medoid && f.value("medoid", false)) *medoid = out.size();
                out.push_back({f.at("descriptor").get<std::vector<float>>(), f.value("source", "")});
            }
            return out;
        };
        gallery.begin();
        size_t people = 0, pending = 0;
        for (const auto& p : j.at("people")) {
            size_t medoid = 0;
            const std::vector<SourcedDescriptor> faces = faces_of(p.at("faces"), &medoid);
            if (p.value("unnamed", false) && !gallery.contains(p.at("name").get<std::string>()))
                gallery.rename(gallery.enroll_unnamed(faces, medoid), p.at("name").get<std::string>());
            else
                gallery.enroll(p.at("name").get<std::string>(), faces);
            ++people;
        }
        for (const SourcedDescriptor& f : faces_of(j.at("pending"), nullptr)) gallery.add_pending(f), ++pending;
        gallery.commit();
        std::printf("imported %zu people and %zu pending faces from %s into %s\n", people, pending, file.c_str(), db.c_str());
    } catch (const nlohmann::json::exception& e) {
        throw Error(file + ": not a gallery export: " + e.what());
    }
    return 0;
}

}  // namespace lfr::cli
