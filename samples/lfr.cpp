// The `lfr` command line: one program, one subcommand per task.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "cli.h"

namespace lfr::cli {
int cmd_run(Args& args);
}

static const char* kHelp =
    "usage: lfr COMMAND [options]   (lfr COMMAND --help for details)\n"
    "\n"
    "commands:\n"
    "  run      run one model on .npy inputs, write its outputs as .npy\n";

int main(int argc, char** argv) {
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        std::fputs(kHelp, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const std::string cmd = argv[1];
    lfr::cli::Args args(argc, argv, 2);
    try {
        if (cmd == "run") return lfr::cli::cmd_run(args);
        std::fprintf(stderr, "lfr: unknown command '%s' (see lfr --help)\n", cmd.c_str());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lfr %s: error: %s\n", cmd.c_str(), e.what());
        return 1;
    }
}
