// lfr::Error: the one exception type the library throws. Every message names what was wrong
// ("model file truncated: tensor table ends at byte 812 of 640"), so callers can print it as is.
#pragma once
#include <stdexcept>
#include <string>

namespace lfr {

struct Error : std::runtime_error {
    explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// LFR_CHECK(cond, msg): throw lfr::Error(msg) when cond is false. msg may be any expression
// building a std::string; it is only evaluated on failure.
#define LFR_CHECK(cond, msg)                          \
    do {                                              \
        if (!(cond)) throw ::lfr::Error(msg);         \
    } while (0)

}  // namespace lfr
