// lfr_export: writes a converted .lfr model in another runtime's format, the same weights and
// graph, for comparing engines on identical work (bench/bench_ort.sh).
//
//   lfr_export onnx MODEL.lfr OUT.onnx [--input-shape NAME=1,H,W,3]
//
// The ONNX file takes and returns lfr's NHWC tensors under lfr's names (see onnx_export.h).
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "lfr/format/builder.h"
#include "onnx_export.h"

namespace {

void usage(FILE* f) {
    std::fprintf(f,
                 "usage: lfr_export onnx MODEL.lfr OUT.onnx [--input-shape NAME=D0,D1,...]\n"
                 "  writes an ONNX (opset 13) twin of an lfr model: NCHW inside, lfr's NHWC inputs and outputs\n"
                 "  --input-shape  an input's shape (NHWC), for inputs with sizes chosen at run time; repeatable.\n"
                 "                 A dynamic batch is exported as 1.\n");
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> pos;
    lfr::tools::ExportOptions options;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            if (a == "-h" || a == "--help") {
                usage(stdout);
                return 0;
            } else if (a == "--input-shape" && i + 1 < argc) {
                options.input_shapes.insert(lfr::tools::parse_input_shape(argv[++i]));
            } else if (!a.empty() && a[0] == '-') {
                std::fprintf(stderr, "lfr_export: unknown option %s (see --help)\n", a.c_str());
                return 2;
            } else {
                pos.push_back(a);
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lfr_export: %s\n", e.what());
        return 2;
    }
    if (pos.size() != 3 || pos[0] != "onnx") {
        usage(stderr);
        return 2;
    }
    try {
        const lfr::Model model = lfr::Model::load(pos[1]);
        const lfr::tools::onnx::Model onnx = lfr::tools::export_onnx(model, options);
        const std::string bytes = lfr::tools::onnx::write_model(onnx);
        std::ofstream f(pos[2], std::ios::binary);
        f.write(bytes.data(), std::streamsize(bytes.size()));
        if (!f.flush()) throw lfr::Error(pos[2] + ": cannot write");
        std::map<std::string, int> ops;
        for (const auto& n : onnx.graph.nodes) ++ops[n.op_type];
        std::printf("%s: %zu ONNX nodes, %zu initializers, %zu bytes\n  ops:", pos[2].c_str(), onnx.graph.nodes.size(),
                    onnx.graph.initializers.size(), bytes.size());
        for (const auto& [op, k] : ops) std::printf(" %s=%d", op.c_str(), k);
        std::printf("\n");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lfr_export: %s\n", e.what());
        return 1;
    }
    return 0;
}
