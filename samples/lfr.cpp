// The `lfr` command line: one program, one subcommand per task.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "cli.h"
#include "lfr/version.h"

namespace lfr::cli {
int cmd_run(Args& args);
int cmd_detect(Args& args, bool embed);
int cmd_verify(Args& args);
int cmd_enroll(Args& args);
int cmd_identify(Args& args);
int cmd_gallery(Args& args);
int cmd_models(Args& args);
int cmd_cluster(Args& args);
int cmd_observe(Args& args);
int cmd_search(Args& args);
int cmd_watch(Args& args);
int cmd_calibrate(Args& args);
}

static const char* kHelp =
    "usage: lfr COMMAND [options]   (lfr COMMAND --help for details; lfr --version)\n"
    "\n"
    "commands:\n"
    "  detect    find the faces of images: boxes, scores, landmarks (--json, --draw-dir)\n"
    "  embed     detect, plus a descriptor per face (faceres also gives age and gender)\n"
    "  verify    are the main faces of two photos the same person?\n"
    "  enroll    add a person's photos to a gallery (an SQLite file)\n"
    "  identify  name every face of images from a gallery, or \"unknown\"\n"
    "  gallery   list, rename or remove the people of a gallery\n"
    "  cluster   group the faces of many images by person, without knowing who anyone is\n"
    "  observe   add faces to a gallery: each joins a known person or waits to form a new one\n"
    "  search    every stored face ranked by distance to a photo's face\n"
    "  calibrate store a gallery's threshold for a false positive identification rate\n"
    "  watch     follow the faces of a video or stream: tracks, one decision per person, alerts\n"
    "  models    the detectors, landmarkers and embedders, and which are installed\n"
    "  run       run one model on .npy inputs, write its outputs as .npy\n"
    "\n"
    "Models are read from ./models (or --models DIR, or $LFR_MODELS); scripts/setup.sh makes them.\n"
    "Exit status: 0 success, 1 bad input (one line on stderr naming the file), 2 a usage error.\n";

int main(int argc, char** argv) {
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        std::fputs(kHelp, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!std::strcmp(argv[1], "--version")) {
        std::printf("lfr %s\n", lfr::kVersionString);
        return 0;
    }
    const std::string cmd = argv[1];
    lfr::cli::Args args(argc, argv, 2);
    try {
        if (cmd == "run") return lfr::cli::cmd_run(args);
        if (cmd == "detect") return lfr::cli::cmd_detect(args, /*embed=*/false);
        if (cmd == "embed") return lfr::cli::cmd_detect(args, /*embed=*/true);
        if (cmd == "verify") return lfr::cli::cmd_verify(args);
        if (cmd == "enroll") return lfr::cli::cmd_enroll(args);
        if (cmd == "identify") return lfr::cli::cmd_identify(args);
        if (cmd == "gallery") return lfr::cli::cmd_gallery(args);
        if (cmd == "models") return lfr::cli::cmd_models(args);
        if (cmd == "cluster") return lfr::cli::cmd_cluster(args);
        if (cmd == "observe") return lfr::cli::cmd_observe(args);
        if (cmd == "search") return lfr::cli::cmd_search(args);
        if (cmd == "watch") return lfr::cli::cmd_watch(args);
        if (cmd == "calibrate") return lfr::cli::cmd_calibrate(args);
        std::fprintf(stderr, "lfr: unknown command '%s' (see lfr --help)\n", cmd.c_str());
        return lfr::cli::kExitUsage;
    } catch (const lfr::cli::UsageError& e) {
        std::fprintf(stderr, "lfr %s: error: %s\n", cmd.c_str(), e.what());
        return lfr::cli::kExitUsage;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lfr %s: error: %s\n", cmd.c_str(), e.what());
        return 1;
    }
}
