// convert_tfjs_graph on the bytes as a model.json beside a fixed 4 KB weight shard, "shard.bin".
// The converter only reads files, so each input is written to a private temporary folder.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "tfjs_graph.h"

namespace {

const std::string& folder() {
    static const std::string dir = [] {
        char name[] = "/tmp/lfr_fuzz_tfjs_XXXXXX";
        std::string d = mkdtemp(name);
        std::ofstream shard(d + "/shard.bin", std::ios::binary);
        for (int i = 0; i < 4096; ++i) shard.put(char(i * 37));
        return d;
    }();
    return dir;
}

void remove_folder() {
    std::remove((folder() + "/shard.bin").c_str());
    std::remove((folder() + "/model.json").c_str());
    rmdir(folder().c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // Registered once the folder's name exists, so that it runs before that string is destroyed.
    static const bool cleanup = (folder(), std::atexit(remove_folder) == 0);
    (void)cleanup;
    const std::string path = folder() + "/model.json";
    {
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        f.write(reinterpret_cast<const char*>(data), std::streamsize(size));
    }
    try {
        lfr::tools::convert_tfjs_graph(path);
    } catch (const lfr::Error&) {  // a refused model is fine; anything else is a finding
    }
    return 0;
}
