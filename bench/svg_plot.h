// A tiny self-contained SVG line plot for the evaluation programs (ROC and precision/recall
// curves): one or more polylines, optional log-scale x axis, tick labels, axis titles, a legend
// and marked points with captions. No dependencies; the output opens in any browser.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "lfr/core/error.h"

namespace lfr_bench {

struct PlotSeries {
    std::string label, color;
    std::vector<double> x, y;
};

struct PlotMark {
    double x = 0, y = 0;
    std::string label, color = "#d62728";
};

struct Plot {
    std::string title, x_label, y_label;
    double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
    bool log_x = false;  // x_min must then be > 0; values <= 0 are clamped to x_min
    std::vector<PlotSeries> series;
    std::vector<PlotMark> marks;
};

namespace detail {
inline std::string esc(const std::string& s) {
    std::string o;
    for (char c : s) {
        if (c == '<') o += "&lt;";
        else if (c == '>') o += "&gt;";
        else if (c == '&') o += "&amp;";
        else o += c;
    }
    return o;
}
inline std::string num(double v, int prec = 4) {
    char b[32];
    std::snprintf(b, sizeof b, "%.*g", prec, v);
    return b;
}
}  // namespace detail

inline std::string render_svg(const Plot& p) {
    const double W = 720, H = 540, L = 80, R = 30, T = 50, B = 70;  // canvas and margins
    const double pw = W - L - R, ph = H - T - B;
    auto fx = [&](double x) {
        double t;
        if (p.log_x) {
            x = std::max(x, p.x_min);
            t = (std::log10(x) - std::log10(p.x_min)) / (std::log10(p.x_max) - std::log10(p.x_min));
        } else {
            t = (x - p.x_min) / (p.x_max - p.x_min);
        }
        return L + std::min(1.0, std::max(0.0, t)) * pw;
    };
    auto fy = [&](double y) {
        const double t = (y - p.y_min) / (p.y_max - p.y_min);
        return T + (1 - std::min(1.0, std::max(0.0, t))) * ph;
    };
    std::ostringstream s;
    s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H << "\" viewBox=\"0 0 " << W
      << " " << H << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
    s << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    s << "<text x=\"" << W / 2 << "\" y=\"28\" text-anchor=\"middle\" font-size=\"15\">" << detail::esc(p.title)
      << "</text>\n";
    // Grid and ticks.
    std::vector<double> xt, yt;
    if (p.log_x) {
        for (double e = std::ceil(std::log10(p.x_min) - 1e-9); e <= std::log10(p.x_max) + 1e-9; e += 1)
            xt.push_back(std::pow(10.0, e));
    } else {
        for (int i = 0; i <= 10; ++i) xt.push_back(p.x_min + (p.x_max - p.x_min) * i / 10);
    }
    for (int i = 0; i <= 10; ++i) yt.push_back(p.y_min + (p.y_max - p.y_min) * i / 10);
    for (double x : xt) {
        s << "<line x1=\"" << fx(x) << "\" y1=\"" << T << "\" x2=\"" << fx(x) << "\" y2=\"" << T + ph
          << "\" stroke=\"#ddd\"/>\n";
        s << "<text x=\"" << fx(x) << "\" y=\"" << T + ph + 18 << "\" text-anchor=\"middle\">" << detail::num(x, 3)
          << "</text>\n";
    }
    for (double y : yt) {
        s << "<line x1=\"" << L << "\" y1=\"" << fy(y) << "\" x2=\"" << L + pw << "\" y2=\"" << fy(y)
          << "\" stroke=\"#ddd\"/>\n";
        s << "<text x=\"" << L - 6 << "\" y=\"" << fy(y) + 4 << "\" text-anchor=\"end\">" << detail::num(y, 3)
          << "</text>\n";
    }
    s << "<rect x=\"" << L << "\" y=\"" << T << "\" width=\"" << pw << "\" height=\"" << ph
      << "\" fill=\"none\" stroke=\"black\"/>\n";
    s << "<text x=\"" << L + pw / 2 << "\" y=\"" << H - 25 << "\" text-anchor=\"middle\" font-size=\"13\">"
      << detail::esc(p.x_label) << (p.log_x ? " (log scale)" : "") << "</text>\n";
    s << "<text transform=\"translate(22," << T + ph / 2 << ") rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">"
      << detail::esc(p.y_label) << "</text>\n";
    // Curves.
    for (size_t k = 0; k < p.series.size(); ++k) {
        const PlotSeries& c = p.series[k];
        s << "<polyline fill=\"none\" stroke=\"" << c.color << "\" stroke-width=\"2\" points=\"";
        for (size_t i = 0; i < c.x.size() && i < c.y.size(); ++i) s << fx(c.x[i]) << "," << fy(c.y[i]) << " ";
        s << "\"/>\n";
        const double ly = T + 18 + 18 * double(k);
        s << "<line x1=\"" << L + pw - 230 << "\" y1=\"" << ly << "\" x2=\"" << L + pw - 205 << "\" y2=\"" << ly
          << "\" stroke=\"" << c.color << "\" stroke-width=\"3\"/>\n";
        s << "<text x=\"" << L + pw - 200 << "\" y=\"" << ly + 4 << "\">" << detail::esc(c.label) << "</text>\n";
    }
    // Marked points.
    for (const PlotMark& m : p.marks) {
        s << "<circle cx=\"" << fx(m.x) << "\" cy=\"" << fy(m.y) << "\" r=\"5\" fill=\"" << m.color
          << "\" stroke=\"black\"/>\n";
        if (!m.label.empty())
            s << "<text x=\"" << fx(m.x) + 8 << "\" y=\"" << fy(m.y) + 14 << "\" fill=\"" << m.color << "\">"
              << detail::esc(m.label) << "</text>\n";
    }
    s << "</svg>\n";
    return s.str();
}

inline void save_svg(const std::string& path, const Plot& p) {
    std::ofstream f(path);
    LFR_CHECK(bool(f), path + ": cannot open for writing");
    f << render_svg(p);
    LFR_CHECK(bool(f), path + ": write failed");
}

}  // namespace lfr_bench
