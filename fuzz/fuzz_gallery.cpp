// The gallery's open path on the bytes written as a database file: Gallery::open (read-only, adopting
// the file's embedder), the schema checks, list(), then identify() of one descriptor of the gallery's size.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "lfr/face/gallery.h"

namespace {

const std::string& path() {
    static const std::string p = [] {
        char name[] = "/tmp/lfr_fuzz_gallery_XXXXXX";
        return std::string(mkdtemp(name)) + "/g.db";
    }();
    return p;
}

void remove_files() {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::remove((path() + suffix).c_str());
}

void remove_folder() {
    remove_files();
    rmdir(path().substr(0, path().rfind('/')).c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const bool cleanup = (path(), std::atexit(remove_folder) == 0);
    (void)cleanup;
    remove_files();
    {
        std::ofstream f(path(), std::ios::binary);
        f.write(reinterpret_cast<const char*>(data), std::streamsize(size));
    }
    try {
        lfr::GalleryOptions ro;
        ro.read_only = true;
        ro.busy_timeout_ms = 0;
        lfr::Gallery g = lfr::Gallery::open(path(), "", 0, ro);
        g.list();
        if (g.dim() <= 4096) g.identify(std::vector<float>(size_t(g.dim()), 0.1f));
    } catch (const lfr::Error&) {  // a refused file is fine; anything else is a finding
    }
    return 0;
}
