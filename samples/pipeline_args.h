// The face-pipeline options every image subcommand takes (detect, embed, verify, enroll, identify),
// parsed in one place so that they mean the same everywhere.
#pragma once
#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "cli.h"
#include "lfr/face/gallery.h"
#include "lfr/face/pipeline.h"
#include "lfr/image/io.h"
#ifdef LFR_HAVE_CUDA
#include "lfr/cuda/backend.h"
#endif

namespace lfr::cli {

// The pipeline options' help: the stage lists come from the registry, so a new model shows up here.
inline std::string pipeline_help() {
    auto list = [](const auto& registry) {
        std::string s;
        for (const auto& e : registry) {
            std::string names = e.name;
            for (const std::string& a : e.aliases) names += " (" + a + ")";
            s += "                         " + names + ": " + e.summary + "\n";
        }
        return s;
    };
    const PipelineOptions d;
    return "pipeline options (`lfr models` lists the stages and which are installed):\n"
           "  --models DIR         converted models (default: $LFR_MODELS, else ./models; made by scripts/setup.sh)\n"
           "  --detector NAME      default " + d.detector + "; one of\n" + list(detector_registry()) +
           "  --landmarks NAME     default: the embedder's own (" + stage_entry(embedder_registry(), d.embedder, "embedder").landmarker +
           " for " + d.embedder + "); one of\n" + list(landmarker_registry()) +
           "  --embedder NAME      default " + d.embedder + "; one of (galleries hold one embedder's descriptors)\n" +
           list(embedder_registry()) +
           "  --align NAME         the embedder's alignment: face_recognition_model takes dlib (its default) or\n"
           "                       faceapi: face-api.js's crop, and with it face-api's detector and landmarks unless\n"
           "                       others are named, so that lfr reproduces face-api exactly; mobilefacenet: arcface\n"
           "  --input-size N       detector input size where it has a choice (tiny: a multiple of 32, default 416)\n"
           "  --min-face N         mtcnn: the smallest face side in pixels to look for\n"
           "  --score T            minimum detection score (default: the detector's reference value)\n"
           "  --max-faces N        at most N faces per image (default 100)\n"
           "  --threshold T        same person when the descriptor distance is below T (default: the embedder's)\n"
           "  --backend NAME       where the networks run: cpu (default), or cuda when built with the CUDA backend\n"
           "  --threads N          threads each network run may use (default: the CPUs this process may use, " +
           std::to_string(available_cpus()) + "); results do not depend on it\n"
           "  --jpeg NAME          JPEG decoder: libjpeg (default: libjpeg-turbo, chroma interpolated) or jpeg-js\n"
           "                       (exactly the pixels face-api and Human decode under Node; the default with\n"
           "                       --align faceapi, so that mode reproduces face-api from the JPEG files)\n"
           "  --max-pixels N       refuse pictures of more than N pixels, before decoding them (default " +
           std::to_string(ImageLimits{}.max_pixels) + ")\n";
}

// The registry name an option names (canonical name or alias), or a usage error listing the choices;
// "" when the option is absent and the fallback is "".
template <class Stage>
std::string stage_option(Args& args, const std::string& option, const std::vector<StageEntry<Stage>>& registry,
                         const std::string& fallback) {
    const std::string v = args.value(option, fallback);
    if (v.empty()) return v;
    const StageEntry<Stage>* e = find_stage(registry, v);
    if (!e) throw UsageError(option + " must be " + stage_names(registry) + ", not '" + v + "'");
    return e->name;
}

// --models DIR, else $LFR_MODELS, else ./models.
inline std::string models_dir_option(Args& args) {
    const char* env = std::getenv("LFR_MODELS");
    return args.value("--models", env && *env ? env : "models");
}

// Takes the pipeline options out of args. With a gallery that exists and no --embedder, the embedder
// is the one the gallery was made with, so galleries keep working when the default changes.
inline PipelineOptions pipeline_options(Args& args, const std::string& gallery = "") {
    PipelineOptions o;
    o.models_dir = models_dir_option(args);
    // --align faceapi is face-api's pipeline: its detector, landmarks and embedder unless others are named.
    o.alignment = args.value("--align", "");
    if (o.faceapi_mode()) o.detector = "tiny_face_detector", o.embedder = "face_recognition_model";
    o.detector = stage_option(args, "--detector", detector_registry(), o.detector);
    o.landmarker = stage_option(args, "--landmarks", landmarker_registry(), o.landmarker);
    struct stat st {};
    if (!gallery.empty() && ::stat(gallery.c_str(), &st) == 0 && st.st_size > 0)
        o.embedder = Gallery::open(gallery, "", 0, GalleryOptions{true, false, 5000}).embedder();
    o.embedder = stage_option(args, "--embedder", embedder_registry(), o.embedder);

    o.detector_input = args.int_value("--input-size", o.detector_input);
    o.min_face = args.int_value("--min-face", o.min_face);
    o.score_threshold = args.float_value("--score", o.score_threshold);
    o.max_faces = args.int_value("--max-faces", o.max_faces);
    o.match_threshold = args.float_value("--threshold", o.match_threshold);
    usage_check(o.problem().empty(), o.problem());
    const std::string backend = args.value("--backend", "cpu");
#ifdef LFR_HAVE_CUDA
    if (backend == "cuda") o.backend = cuda::backend();
    usage_check(backend == "cpu" || backend == "cuda", "--backend must be cpu or cuda, not '" + backend + "'");
#else
    usage_check(backend == "cpu", "--backend must be cpu (this lfr was built without CUDA), not '" + backend + "'");
#endif
    o.threads = args.int_value("--threads", available_cpus());
    usage_check(o.threads >= 1 && o.threads <= 256, "--threads must be between 1 and 256");
    return o;
}

// --jpeg NAME and --max-pixels N, taken out of args: how pictures are read. The decoder is libjpeg, or
// jpeg-js when the pipeline is in face-api's mode.
inline ImageDecoding image_option(Args& args, const PipelineOptions& o) {
    const JpegDecoder fallback = o.faceapi_mode() ? JpegDecoder::JpegJs : JpegDecoder::Libjpeg;
    const std::string d = args.value("--jpeg", jpeg_decoder_name(fallback));
    const std::optional<JpegDecoder> decoder = jpeg_decoder_from_name(d);
    if (!decoder) throw UsageError("--jpeg must be libjpeg or jpeg-js, not '" + d + "'");
    ImageDecoding how(*decoder);
    constexpr int kMostPixels = kMaxImageSide * kMaxImageSide;
    how.limits.max_pixels = args.int_value("--max-pixels", int(how.limits.max_pixels));
    usage_check(how.limits.max_pixels >= 1 && how.limits.max_pixels <= kMostPixels,
                "--max-pixels must lie in 1.." + std::to_string(kMostPixels));
    return how;
}

// The model files a pipeline with these options reads.
inline std::vector<std::string> pipeline_model_files(const PipelineOptions& o) {
    std::vector<std::string> files;
    auto add = [&](const auto& entry) {
        for (const std::string& m : entry.models) files.push_back(o.models_dir + "/" + m + ".lfr");
    };
    const auto& embedder = stage_entry(embedder_registry(), o.embedder, "embedder");
    add(stage_entry(detector_registry(), o.detector, "detector"));
    add(stage_entry(landmarker_registry(), o.landmarker.empty() ? embedder.landmarker : o.landmarker, "landmarker"));
    add(embedder);
    return files;
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
