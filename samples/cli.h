// Small helpers shared by the `lfr` subcommands: argument walking and error reporting.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "lfr/core/error.h"

namespace lfr::cli {

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
                LFR_CHECK(i + 1 < args_.size(), "option " + name + " needs a value");
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
        LFR_CHECK(v.size() <= 1, "option " + name + " given more than once");
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
        throw Error("option " + name + " expects an integer, got '" + v + "'");
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
        throw Error("option " + name + " expects a number, got '" + v + "'");
    }
    // What is left once the options are taken; refuses unknown options.
    std::vector<std::string> positionals() const {
        for (const auto& a : args_)
            LFR_CHECK(a.size() < 2 || a[0] != '-' || a[1] != '-', "unknown option " + a + " (see --help)");
        return args_;
    }

private:
    std::vector<std::string> args_;
};

}  // namespace lfr::cli
