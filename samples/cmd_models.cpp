// lfr models: every stage lfr can compose, what it is, and whether its model files are installed.
#include <cstdio>
#include <string>
#include <sys/stat.h>

#include "cli.h"
#include "pipeline_args.h"

namespace lfr::cli {

static const char* kModelsHelp =
    "usage: lfr models [--models DIR]\n"
    "\n"
    "Lists the detectors, landmarkers and embedders by name (use them with --detector, --landmarks,\n"
    "--embedder), marks the defaults with *, and says which are installed in the models directory.\n";

int cmd_models(Args& args) {
    if (args.flag("--help") || args.flag("-h")) {
        std::fputs(kModelsHelp, stdout);
        return 0;
    }
    const std::string dir = models_dir_option(args);
    usage_check(args.positionals().empty(), "lfr models takes no arguments (see --help)");
    struct stat dir_st {};
    LFR_CHECK(::stat(dir.c_str(), &dir_st) == 0 && S_ISDIR(dir_st.st_mode),
              dir + ": no such models folder (bash scripts/setup.sh makes models/)");
    const PipelineOptions defaults;
    auto show = [&](const char* kind, const auto& registry, const std::string& default_name) {
        std::printf("%s:\n", kind);
        for (const auto& e : registry) {
            std::string missing;
            for (const std::string& m : e.models) {
                struct stat st {};
                if (::stat((dir + "/" + m + ".lfr").c_str(), &st) != 0) missing += " " + m + ".lfr";
            }
            std::string names = e.name;
            for (const std::string& a : e.aliases) names += ", " + a;
            std::printf("  %c %-34s %-13s %s\n", e.name == default_name ? '*' : ' ', names.c_str(),
                        missing.empty() ? "installed" : "NOT INSTALLED", e.summary.c_str());
            if (!missing.empty()) std::printf("      missing in %s:%s (run scripts/setup.sh)\n", dir.c_str(), missing.c_str());
        }
    };
    show("detectors (--detector)", detector_registry(), defaults.detector);
    show("landmarkers (--landmarks; by default the embedder's own)", landmarker_registry(),
         stage_entry(embedder_registry(), defaults.embedder, "embedder").landmarker);
    show("embedders (--embedder)", embedder_registry(), defaults.embedder);
    return 0;
}

}  // namespace lfr::cli
