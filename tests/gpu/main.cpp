// lfr_gpu_tests: doctest's main, after a device check. Without a CUDA driver or device it prints one
// line and exits 0 (or the code given by --skip-exit-code=N, which ctest uses to report "Skipped").
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "lfr/cuda/device.h"

int main(int argc, char** argv) {
    int skip_code = 0;
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        const char* flag = "--skip-exit-code=";
        if (std::strncmp(argv[i], flag, std::strlen(flag)) == 0)
            skip_code = std::atoi(argv[i] + std::strlen(flag));
        else
            args.push_back(argv[i]);
    }
    if (!lfr::cuda::cuda_available()) {
        std::printf("lfr_gpu_tests: no CUDA device present, skipping GPU tests\n");
        return skip_code;
    }
    std::printf("lfr_gpu_tests: %s\n", lfr::cuda::device_description().c_str());
    doctest::Context context(int(args.size()), args.data());
    return context.run();
}
