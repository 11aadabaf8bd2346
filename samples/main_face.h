// The one face a single-subject photo is about, with its descriptor: for verify and enroll.
#pragma once
#include <string>
#include <vector>

#include "lfr/core/error.h"
#include "lfr/face/pipeline.h"
#include "lfr/image/io.h"

namespace lfr::cli {

struct MainFace {
    Face face;         // with its descriptor
    size_t faces = 0;  // how many faces the photo shows
};

// Reads the photo and embeds the face it is about (Pipeline::embed_subject). Throws lfr::Error
// naming the file when it cannot be read or shows no face.
inline MainFace main_face_of(const Pipeline& pipeline, const std::string& path, const ImageDecoding& decoding) {
    const Image img = load_image(path, decoding);
    int found = 0;
    std::optional<Face> face = pipeline.embed_subject(img, &found);
    LFR_CHECK(face, path + ": no face found");
    return {std::move(*face), size_t(found)};
}

}  // namespace lfr::cli
