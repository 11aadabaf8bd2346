// samples/from_memory (the default pipeline with its models compiled in by lfr_embed_model) against the
// same pipeline reading models/: the same faces with bit-identical descriptors on a sample photo.
#include <sstream>

#include "cli_test_util.h"
#include "lfr/image/io.h"
#include "test_support.h"

namespace {

// from_memory's output: "face X1 Y1 X2 Y2 score S descriptor V..." per face.
struct PrintedFace {
    lfr::Box box;
    float score = 0;
    std::vector<float> descriptor;
};

std::vector<PrintedFace> parse_faces(const std::string& out) {
    std::vector<PrintedFace> faces;
    for (const std::string& line : cli_test::lines(out)) {
        std::istringstream in(line);
        std::string face, score, descriptor;
        PrintedFace f;
        in >> face >> f.box.x1 >> f.box.y1 >> f.box.x2 >> f.box.y2 >> score >> f.score >> descriptor;
        REQUIRE_MESSAGE((face == "face" && score == "score" && descriptor == "descriptor"), line);
        for (float v; in >> v;) f.descriptor.push_back(v);
        faces.push_back(f);
    }
    return faces;
}

}  // namespace

TEST_CASE("samples/from_memory: models compiled into the program give the file-loaded pipeline's faces") {
    if (!cli_test::have_models()) return;
    // Built beside `lfr` when models/ existed at configure time (scripts/setup.sh sees to it).
    const fs::path program = fs::path(LFR_CLI_PATH).parent_path() / "from_memory";
    if (!lfr::test::have_file(program, "configure again once models/ exists: scripts/setup.sh")) return;

    const std::string photo = cli_test::photo(1);
    const cli_test::Result r = cli_test::run_program(program.string(), cli_test::quote(photo));
    INFO("stderr: " << r.err);
    REQUIRE(r.rc == 0);
    const std::vector<PrintedFace> got = parse_faces(r.out);

    lfr::PipelineOptions files;  // the same defaults, models from files
    files.models_dir = cli_test::kModels;
    const std::vector<lfr::Face> want = lfr::Pipeline(files).embed(lfr::load_image(photo));
    REQUIRE(!want.empty());
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
        CHECK(got[i].box.x1 == want[i].detection.box.x1);
        CHECK(got[i].box.y2 == want[i].detection.box.y2);
        CHECK(got[i].score == want[i].detection.score);
        CHECK(got[i].descriptor == want[i].descriptor);  // exactly: %.9g round-trips a float
    }
}

TEST_CASE("PipelineOptions::models_in_memory: read in place, not copied; other models from models_dir") {
    if (!lfr::test::have_models({"mtcnn-pnet", "mtcnn-rnet"})) return;
    const std::string bytes = cli_test::read_text(lfr::test::models_dir() / "mtcnn-pnet.lfr");
    lfr::PipelineOptions o;
    o.models_dir = lfr::test::models_dir().string();
    o.models_in_memory["mtcnn-pnet"] = {bytes.data(), bytes.size()};

    const lfr::StageModel pnet(o, "mtcnn-pnet");
    const lfr::Graph& g = pnet.model().graph();
    int weights = 0;
    for (size_t id = 0; id < g.tensors.size(); ++id)
        if (g.tensors[id].kind == lfr::TensorKind::Weight) {
            const char* w = reinterpret_cast<const char*>(pnet.model().weight(int32_t(id)));
            CHECK((w >= bytes.data() && w < bytes.data() + bytes.size()));
            ++weights;
        }
    CHECK(weights > 0);
    CHECK(lfr::StageModel(o, "mtcnn-rnet").model().label().find("mtcnn-rnet.lfr") != std::string::npos);  // from the file

    o.models_in_memory["mtcnn-pnet"] = {bytes.data(), 100};  // truncated: refused, naming the model
    CHECK_THROWS_WITH_AS(lfr::StageModel(o, "mtcnn-pnet"), doctest::Contains("mtcnn-pnet (in memory)"), lfr::Error);
}
