// Per-stage time of the face pipeline on one photo (default: face-api's sample1.jpg): decode, detection,
// landmarks, alignment + embedding; medians over --runs. The stages are the default pipeline's unless
// --detector / --landmarks / --embedder name others; --threads N gives the stages a pool of N (default 1).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include "lfr/face/pipeline.h"
#include "lfr/image/io.h"

using namespace lfr;

static double median_ms(int runs, const std::function<void()>& f) {
    std::vector<double> t;
    for (int i = 0; i < runs; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        f();
        t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

int main(int argc, char** argv) {
    std::string photo = ".cache/packages/face-api/package/demo/sample1.jpg", models = "models";
    int runs = 10;
    PipelineOptions o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--models" && i + 1 < argc) models = argv[++i];
        else if (a == "--detector" && i + 1 < argc) o.detector = argv[++i];
        else if (a == "--landmarks" && i + 1 < argc) o.landmarker = argv[++i];
        else if (a == "--embedder" && i + 1 < argc) o.embedder = argv[++i];
        else if (a == "--runs" && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
        else if (a == "--threads" && i + 1 < argc) o.threads = std::max(1, std::atoi(argv[++i]));
        else if (a[0] != '-') photo = a;
        else {
            std::printf("usage: bench_pipeline [PHOTO] [--models DIR] [--runs N] [--threads N] [--detector D] [--landmarks L] [--embedder E]\n");
            return a == "--help" ? 0 : 2;
        }
    }
    try {
        o.models_dir = models;
        const Pipeline p(o);
        Image img;
        const double decode_exact = median_ms(runs, [&] { img = load_image(photo, JpegDecoder::JpegJs); });
        const double decode = median_ms(runs, [&] { img = load_image(photo); });
        std::vector<Detection> dets;
        const double detect = median_ms(runs, [&] { dets = p.detect_boxes(img); });
        std::vector<Face> faces;
        const double landmarks = median_ms(runs, [&] { faces = p.add_landmarks(img, dets); });
        const double embed = median_ms(runs, [&] { p.add_descriptors(img, faces); });
        std::printf("%s: %dx%d, %zu faces, median of %d runs (%d thread%s)\n", photo.c_str(), img.width, img.height,
                    faces.size(), runs, o.threads, o.threads > 1 ? "s" : "");
        const PipelineOptions& used = p.options();
        std::printf("  decode JPEG (libjpeg)   %8.1f ms   (jpeg-js-exact decoder: %.1f ms)\n", decode, decode_exact);
        std::printf("  detect                  %8.1f ms   %s\n", detect, used.detector.c_str());
        std::printf("  landmarks               %8.1f ms   %s%s\n", landmarks, used.landmarker.c_str(),
                    used.landmarker == "mtcnn-onet" && used.detector == "mtcnn" ? " (the detector's ONet points, reused)" : "");
        std::printf("  align + embed           %8.1f ms   %s\n", embed, used.embedder.c_str());
        std::printf("  total                   %8.1f ms\n", decode + detect + landmarks + embed);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_pipeline: %s\n", e.what());
        return 1;
    }
    return 0;
}
