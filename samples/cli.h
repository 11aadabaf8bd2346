// Small helpers shared by the `lfr` subcommands: argument walking and error reporting.
//
// Exit status of every subcommand: 0 success, 1 bad input or a failed run (one line on stderr naming the
// file), 2 a usage error (unknown option, missing or malformed value; also one line on stderr).
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "lfr/core/error.h"

namespace lfr::cli {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// A mistake on the command line (as opposed to bad input data): exit status 2.
struct UsageError : Error {
    explicit UsageError(const std::string& what) : Error(what) {}
};

inline void usage_check(bool ok, const std::string& msg) {
    if (!ok) throw UsageError(msg);
}

// One error line on stderr for a problem the command reports and survives (e.g. one bad image of many).
inline void report_error(const char* command, const std::string& msg) {
    std::fflush(stdout);
    std::fprintf(stderr, "lfr %s: error: %s\n", command, msg.c_str());
}

// Walks argv; subcommands pull flags and positionals from it in any order.
class Args {
public:
    Args(int argc, char** argv, int first) : args_(argv + first, argv + argc) {}

    bool flag(const std::string& name) {
        for (size_t i = 0; i < args_.size(); ++i)
            if (args_[i] == name) {
                args_.erase(args_.begin() + long(i));
                return true;
            }
        return false;
    }
    // Every value of a repeatable option (--input a --input b).
    std::vector<std::string> values(const std::string& name) {
        std::vector<std::string> out;
        for (size_t i = 0; i < args_.size();) {
            if (args_[i] == name) {
                usage_check(i + 1 < args_.size(), "option " + name + " needs a value");
                out.push_back(args_[i + 1]);
                args_.erase(args_.begin() + long(i), args_.begin() + long(i) + 2);
            } else {
                ++i;
            }
        }
        return out;
    }
    std::string value(const std::string& name, const std::string& fallback = "") {
        auto v = values(name);
        usage_check(v.size() <= 1, "option " + name + " given more than once");
        return v.empty() ? fallback : v[0];
    }
    int int_value(const std::string& name, int fallback) {
        std::string v = value(name);
        if (v.empty()) return fallback;
        try {
            size_t used = 0;
            int x = std::stoi(v, &used);
            if (used == v.size()) return x;
        } catch (const std::exception&) {
        }
        throw UsageError("option " + name + " expects an integer, got '" + v + "'");
    }
    float float_value(const std::string& name, float fallback) {
        std::string v = value(name);
        if (v.empty()) return fallback;
        try {
            size_t used = 0;
            float x = std::stof(v, &used);
            if (used == v.size()) return x;
        } catch (const std::exception&) {
        }
        throw UsageError("option " + name + " expects a number, got '" + v + "'");
    }
    // What is left once the options are taken; refuses unknown options.
    std::vector<std::string> positionals() const {
        for (const auto& a : args_)
            usage_check(a.size() < 2 || a[0] != '-' || a == "-" || (a[1] >= '0' && a[1] <= '9') || a[1] == '.',
                        "unknown option " + a + " (see --help)");
        return args_;
    }

private:
    std::vector<std::string> args_;
};

}  // namespace lfr::cli
