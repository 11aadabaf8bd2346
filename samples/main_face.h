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

// Reads the photo, finds its faces and embeds only the main one (lfr::main_face). Throws lfr::Error
// naming the file when it cannot be read or shows no face.
inline MainFace main_face_of(const Pipeline& pipeline, const std::string& path) {
    const Image img = load_image(path);
    const std::vector<Face> faces = pipeline.detect(img);
    const int i = main_face(faces, img.width, img.height);
    LFR_CHECK(i >= 0, path + ": no face found");
    MainFace m;
    m.faces = faces.size();
    m.face = pipeline.add_descriptors(img, {faces[size_t(i)]})[0];
    return m;
}

}  // namespace lfr::cli
