// The face-pipeline options every image subcommand takes (detect, embed, verify, enroll, identify),
// parsed in one place so that they mean the same everywhere.
#pragma once
#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "cli.h"
#include "lfr/face/pipeline.h"
#include "lfr/image/io.h"

namespace lfr::cli {

inline const char* const kPipelineHelp =
    "pipeline options:\n"
    "  --models DIR         converted models (default: $LFR_MODELS, else ./models; made by scripts/setup.sh)\n"
    "  --detector NAME      tiny (default), blazeface-back, blazeface-front or ssd (face-api's\n"
    "                       ssd_mobilenetv1: slower, finds more faces)\n"
    "  --input-size N       tiny detector input size, a multiple of 32 (default 416; smaller is faster)\n"
    "  --score T            minimum detection score (default: tiny and ssd 0.5, blazeface 0.2)\n"
    "  --max-faces N        at most N faces per image (default 100)\n"
    "  --tiny-landmarks     the small 68-point landmark model (faster, less precise)\n"
    "  --align NAME         dlib (default: dlib's face chip) or faceapi (face-api.js's crop)\n"
    "  --embedder NAME      face_recognition_model (default: 128-d) or faceres (Human's: 1024-d, adds age\n"
    "                       and gender; galleries hold one embedder's descriptors)\n"
    "  --threshold T        same person when the descriptor distance is below T (default: 0.6, faceres 10)\n"
    "  --jpeg NAME          JPEG decoder: stb (default: chroma interpolated, as libjpeg does) or jpeg-js\n"
    "                       (exactly the pixels face-api and Human decode under Node; the default with\n"
    "                       --align faceapi, so that mode reproduces face-api from the JPEG files)\n";

// --embedder NAME (default face_recognition_model), taken out of args.
inline Embedder embedder_option(Args& args) {
    const std::string e = args.value("--embedder", "face_recognition_model");
    if (e == "face_recognition_model") return Embedder::FaceRecognition;
    if (e == "faceres") return Embedder::FaceRes;
    throw UsageError("--embedder must be face_recognition_model or faceres, not '" + e + "'");
}

// Takes the pipeline options out of args.
inline PipelineOptions pipeline_options(Args& args) {
    PipelineOptions o;
    const char* env = std::getenv("LFR_MODELS");
    o.models_dir = args.value("--models", env && *env ? env : "models");

    const std::string det = args.value("--detector", "tiny");
    const std::optional<Detector> detector = detector_from_name(det);
    if (!detector) throw UsageError("--detector must be tiny, blazeface-back, blazeface-front or ssd, not '" + det + "'");
    o.detector = *detector;

    o.detector_input = args.int_value("--input-size", o.detector_input);
    usage_check(o.detector_input >= 32 && o.detector_input % 32 == 0 && o.detector_input <= 4096,
                "--input-size must be a multiple of 32 between 32 and 4096, not " + std::to_string(o.detector_input));
    o.score_threshold = args.float_value("--score", o.score_threshold);
    usage_check(o.score_threshold < 0 || o.score_threshold <= 1, "--score must lie in [0, 1]");
    o.max_faces = args.int_value("--max-faces", o.max_faces);
    usage_check(o.max_faces >= 1, "--max-faces must be at least 1");
    o.tiny_landmarks = args.flag("--tiny-landmarks");

    const std::string align = args.value("--align", "dlib");
    if (align == "dlib") o.alignment = Alignment::Dlib;
    else if (align == "faceapi") o.alignment = Alignment::FaceApi;
    else throw UsageError("--align must be dlib or faceapi, not '" + align + "'");

    o.embedder = embedder_option(args);
    o.match_threshold = args.float_value("--threshold", default_match_threshold(o.embedder));
    usage_check(o.match_threshold > 0, "--threshold must be positive");
    return o;
}

// --jpeg NAME, taken out of args: stb, or jpeg-js when the pipeline is in face-api's mode.
inline JpegDecoder jpeg_option(Args& args, const PipelineOptions& o) {
    const JpegDecoder fallback = o.alignment == Alignment::FaceApi ? JpegDecoder::JpegJs : JpegDecoder::Stb;
    const std::string d = args.value("--jpeg", jpeg_decoder_name(fallback));
    const std::optional<JpegDecoder> decoder = jpeg_decoder_from_name(d);
    if (!decoder) throw UsageError("--jpeg must be stb or jpeg-js, not '" + d + "'");
    return *decoder;
}

// The model files a pipeline with these options reads.
inline std::vector<std::string> pipeline_model_files(const PipelineOptions& o) {
    return {o.models_dir + "/" + detector_name(o.detector) + ".lfr",
            o.models_dir + "/" + (o.tiny_landmarks ? "face_landmark_68_tiny" : "face_landmark_68") + ".lfr",
            o.models_dir + "/" + embedder_name(o.embedder) + ".lfr"};
}

// Loads the models, first checking that they are there at all (the usual first-run mistake).
inline Pipeline load_pipeline(const PipelineOptions& o) {
    for (const std::string& path : pipeline_model_files(o)) {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0)
            throw Error(path + ": model file not found; run `bash scripts/setup.sh` to download and convert the "
                               "models, or point --models (or LFR_MODELS) at the directory holding them");
    }
    return Pipeline(o);
}

}  // namespace lfr::cli
