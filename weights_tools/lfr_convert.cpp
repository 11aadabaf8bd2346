// lfr_convert: turns a model package into an .lfr file.
//
//   lfr_convert tfjs MODEL.json -o OUT.lfr [--no-fold]    a TF.js graph model (model.json + shards)
//   lfr_convert faceapi NET_NAME MODEL_DIR -o OUT.lfr     a face-api network from its weight manifest
//   lfr_convert tflite FILE.tflite -o OUT.lfr [--input-shape NAME=1,H,W,3] [--no-fold]   a TFLite model
//   lfr_convert onnx MODEL.onnx -o OUT.lfr [--input-shape NAME=1,H,W,3]   an ONNX model (NCHW -> NHWC)
//   lfr_convert lfr IN.lfr -o OUT.lfr --weights f16      re-encode an .lfr file's weights
//   Any of them: --weights f32 (the default) or f16 (half the size; widened to float32 at load).
//
// Prints a one-line summary per model; exits non-zero with the error on stderr on failure.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "faceapi_nets.h"
#include "onnx_model.h"
#include "passes.h"
#include "tfjs_graph.h"
#include "tflite_model.h"

namespace {

void usage(FILE* f) {
    std::fprintf(f,
                 "usage:\n"
                 "  lfr_convert tfjs MODEL.json -o OUT.lfr [--no-fold]\n"
                 "      convert a TF.js graph model (MODEL.json with modelTopology + weightsManifest, shards beside it)\n"
                 "      --no-fold  skip the graph rewrites (bias/act/pad/scale folds); dead nodes are still removed\n"
                 "  lfr_convert faceapi NET_NAME MODEL_DIR -o OUT.lfr\n"
                 "      convert a face-api network; NET_NAME is one of:");
    for (const std::string& n : lfr::tools::faceapi_net_names()) std::fprintf(f, " %s", n.c_str());
    std::fprintf(f,
                 "\n  lfr_convert tflite FILE.tflite -o OUT.lfr [--input-shape NAME=D0,D1,...] [--no-fold]\n"
                 "      convert a TensorFlow Lite model (float32 or float16 weights; subgraph 0)\n"
                 "  lfr_convert onnx MODEL.onnx -o OUT.lfr [--input-shape NAME=D0,D1,...] [--no-fold]\n"
                 "      convert a float32 ONNX model (the CNN ops of face detectors and embedders, see onnx_model.h):\n"
                 "      NCHW becomes NHWC (4-D inputs and outputs are NHWC), BatchNormalization folds into the conv,\n"
                 "      shape subgraphs are evaluated; a dynamic batch is converted as 1\n"
                 "  lfr_convert lfr IN.lfr -o OUT.lfr --weights f16|f32\n"
                 "      re-encode an .lfr model (the same graph, its weights in the other storage type)\n"
                 "  --weights f32|f16  weight storage in OUT.lfr: float32 (default, used in place) or float16\n"
                 "                 (rounded to nearest even, half the file, widened to float32 at load)\n"
                 "  --input-shape  replace an input's shape, in lfr order (NHWC for images); repeatable; -1 = any\n"
                 "                 size at run time, e.g. --input-shape pnet/input=1,-1,-1,3\n"
                 "  lfr_convert --help\n");
}

std::string shape_list(const lfr::Graph& g, const std::vector<int32_t>& ids) {
    std::string s;
    for (int32_t id : ids) s += (s.empty() ? "" : ", ") + g.tensors[size_t(id)].name + g.tensors[size_t(id)].shape.str();
    return s;
}

void summary(const lfr::tools::ConvertedModel& m, const std::string& out, size_t before) {
    const lfr::Graph& g = m.graph;
    size_t weights = 0, bytes = 0;
    for (size_t t = 0; t < g.tensors.size(); ++t)
        if (g.tensors[t].kind == lfr::TensorKind::Weight) ++weights, bytes += m.weights[t].size() * 4;
    std::map<std::string, int> ops;
    for (const lfr::Node& n : g.nodes) ++ops[lfr::op_name(n.op)];
    std::printf("%s: %zu nodes", out.c_str(), g.nodes.size());
    if (before) std::printf(" (%zu before folding)", before);
    std::printf(", %zu weights (%zu bytes as float32; file %llu bytes)\n  ops:", weights, bytes,
                (unsigned long long)std::filesystem::file_size(out));
    for (const auto& [op, n] : ops) std::printf(" %s=%d", op.c_str(), n);
    std::printf("\n  inputs: %s\n  outputs: %s\n", shape_list(g, g.inputs).c_str(), shape_list(g, g.outputs).c_str());
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> pos;
    std::string out;
    bool fold = true;
    lfr::WeightType weights = lfr::WeightType::F32;
    std::map<std::string, lfr::Shape> input_shapes;  // --input-shape, for tflite and onnx
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-h" || a == "--help") {
            usage(stdout);
            return 0;
        } else if (a == "-o" || a == "--output") {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "lfr_convert: %s needs a file name\n", a.c_str());
                return 2;
            }
            out = argv[++i];
        } else if (a == "--input-shape") {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "lfr_convert: --input-shape needs NAME=D0,D1,...\n");
                return 2;
            }
            try {
                input_shapes.insert(lfr::tools::parse_input_shape(argv[++i]));
            } catch (const std::exception& e) {
                std::fprintf(stderr, "lfr_convert: %s\n", e.what());
                return 2;
            }
        } else if (a == "--weights") {
            const std::string v = i + 1 < argc ? argv[++i] : "";
            if (v != "f32" && v != "f16") {
                std::fprintf(stderr, "lfr_convert: --weights wants f32 or f16, got '%s'\n", v.c_str());
                return 2;
            }
            weights = v == "f16" ? lfr::WeightType::F16 : lfr::WeightType::F32;
        } else if (a == "--no-fold") {
            fold = false;
        } else if (!a.empty() && a[0] == '-') {
            std::fprintf(stderr, "lfr_convert: unknown option %s (see --help)\n", a.c_str());
            return 2;
        } else {
            pos.push_back(a);
        }
    }
    if (pos.empty()) {
        usage(stderr);
        return 2;
    }
    const std::string cmd = pos[0];
    const size_t want = cmd == "tfjs" || cmd == "tflite" || cmd == "onnx" || cmd == "lfr" ? 2 : cmd == "faceapi" ? 3 : 0;
    if (!want) {
        std::fprintf(stderr, "lfr_convert: unknown command '%s' (expected tfjs, faceapi, tflite, onnx or lfr; see --help)\n",
                     cmd.c_str());
        return 2;
    }
    if (pos.size() != want || out.empty()) {
        std::fprintf(stderr, "lfr_convert %s: expected %s -o OUT.lfr (see --help)\n", cmd.c_str(),
                     cmd == "tfjs" ? "MODEL.json" : cmd == "tflite" ? "FILE.tflite" : cmd == "onnx" ? "MODEL.onnx"
                                                                                            : cmd == "lfr" ? "IN.lfr"
                                                                                            : "NET_NAME MODEL_DIR");
        return 2;
    }
    try {
        lfr::tools::ConvertedModel m;
        size_t before = 0;
        if (cmd == "tfjs") {
            lfr::tools::TfjsOptions opt;
            opt.optimize = fold;
            lfr::tools::TfjsReport rep;
            m = lfr::tools::convert_tfjs_graph(pos[1], opt, &rep);
            before = rep.nodes_before_folds;
            if (rep.batch_pinned)
                std::printf("note: %s: a Shape/StridedSlice/Reshape was resolved for batch 1; run it with batch 1\n",
                            pos[1].c_str());
        } else if (cmd == "tflite") {
            lfr::tools::TfliteOptions opt;
            opt.optimize = fold;
            opt.input_shapes = input_shapes;
            lfr::tools::TfliteReport rep;
            m = lfr::tools::convert_tflite_file(pos[1], opt, &rep);
            before = rep.nodes_before_folds;
        } else if (cmd == "onnx") {
            lfr::tools::OnnxOptions opt;
            opt.optimize = fold;
            opt.input_shapes = input_shapes;
            lfr::tools::OnnxReport rep;
            m = lfr::tools::convert_onnx_file(pos[1], opt, &rep);
            before = rep.nodes_before_folds;
            std::printf("%s: ONNX opset %lld, %zu ONNX nodes\n", pos[1].c_str(), (long long)rep.opset, rep.onnx_nodes);
            lfr::tools::validate_round_trip(m);
        } else if (cmd == "lfr") {
            m = lfr::tools::to_converted(lfr::Model::load(pos[1]));
        } else {
            m = lfr::tools::convert_faceapi(pos[1], pos[2]);
            lfr::tools::validate_round_trip(m);
        }
        m.save(out, weights);
        summary(m, out, before);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lfr_convert: %s\n", e.what());
        return 1;
    }
    return 0;
}
