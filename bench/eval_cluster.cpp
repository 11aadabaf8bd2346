// eval_cluster: how well lfr clusters unknown faces, and what it costs.
//
//   eval_cluster [--data DIR] [--cache FILE.jsonl] [--models DIR] [--embedder NAME] [--threshold T]
//                [--threads N] [--synthetic N] [--seed S] [--observe [--pool K] [--min-size M]] [--observe-cost]
//
// LFW (DIR/images/<person>/*.jpg, default ../shared/data/lfw-dev): every image's main face (the box
// nearest the centre), labelled with the person: people with 2 or more images, and the singletons as
// distractors. Descriptors come from --cache FILE when it exists: the `lfr embed --json` lines of every
// image (made here, one thread per core, when FILE is missing; `lfr embed --json --list` makes the same).
// Reported for Chinese whispers (unweighted, as dlib; weighted 1 - d/T) and average linkage (exact) at the
// embedder's threshold: pairwise precision/recall/F, BCubed precision/recall/F, clusters, time.
// --synthetic N: N planted descriptors instead (clusters of 1-10 members, members ~T/2 apart, clusters
// ~2.5 T apart, the embedder's size): time and memory of the neighbour graph and Chinese whispers (and
// average linkage up to 20,000, its n^2 distance matrix).
// --observe: the same LFW faces fed one by one, in a shuffled order, to Gallery::observe on a fresh
// gallery (pool K, default 200; new people from M faces, default 2; no expiry); each face's label is the
// person it ended with (faces still pending are clusters of one), scored like the batch methods.
// --observe-cost: ms per observation with 10^3, 10^4 and 10^5 faces stored (synthetic, 10 per person),
// one transaction per call (fsync'd) and grouped 100 per transaction.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "../samples/face_report.h"
#include "lfr/face/cluster.h"
#include "lfr/face/cluster_metrics.h"
#include "lfr/face/gallery.h"
#include "lfr/face/pipeline.h"
#include "lfr/image/io.h"

using namespace lfr;

namespace {

struct Args {
    std::string data = "../shared/data/lfw-dev", cache;
    PipelineOptions opt;
    float threshold = -1;
    int threads = 0;
    size_t synthetic = 0;
    uint64_t seed = 1;
    bool observe = false, observe_cost = false;
    size_t pool = 200, min_size = 2;
};

[[noreturn]] void usage(const std::string& err) {
    if (!err.empty()) std::fprintf(stderr, "eval_cluster: %s\n", err.c_str());
    std::fprintf(stderr,
                 "usage: eval_cluster [--data DIR] [--cache FILE.jsonl] [--models DIR] [--embedder NAME]\n"
                 "                    [--threshold T] [--threads N] [--synthetic N] [--seed S]\n"
                 "                    [--observe [--pool K] [--min-size M]] [--observe-cost]\n");
    std::exit(err.empty() ? 0 : 2);
}

Args parse_args(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc) usage(k + " needs a value");
            return argv[++i];
        };
        if (k == "--data") a.data = val();
        else if (k == "--cache") a.cache = val();
        else if (k == "--models") a.opt.models_dir = val();
        else if (k == "--embedder") {
            const StageEntry<FaceEmbedder>* e = find_stage(embedder_registry(), val());
            if (!e) usage("unknown embedder (one of: " + stage_names(embedder_registry()) + ")");
            a.opt.embedder = e->name;
        } else if (k == "--threshold") a.threshold = std::strtof(val().c_str(), nullptr);
        else if (k == "--threads") a.threads = std::atoi(val().c_str());
        else if (k == "--synthetic") a.synthetic = size_t(std::atof(val().c_str()));
        else if (k == "--seed") a.seed = uint64_t(std::atoll(val().c_str()));
        else if (k == "--observe") a.observe = true;
        else if (k == "--observe-cost") a.observe_cost = true;
        else if (k == "--pool") a.pool = size_t(std::atoll(val().c_str()));
        else if (k == "--min-size") a.min_size = size_t(std::atoll(val().c_str()));
        else if (k == "-h" || k == "--help") usage("");
        else usage("unknown option '" + k + "'");
    }
    if (a.threads <= 0) a.threads = int(std::max(1u, std::thread::hardware_concurrency()));
    return a;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Peak resident memory of this process so far (MiB), from /proc/self/status.
double peak_rss_mib() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024;
    return 0;
}

// Writes the `lfr embed --json` line of every image under DIR/images to `cache`, in sorted order.
void embed_all(const Args& a, const Pipeline& pipeline) {
    std::vector<std::string> images;
    for (const auto& e : std::filesystem::recursive_directory_iterator(a.data + "/images"))
        if (e.path().extension() == ".jpg") images.push_back(e.path().string());
    std::sort(images.begin(), images.end());
    std::vector<std::string> lines(images.size());
    std::atomic<size_t> next{0}, done{0};
    std::mutex mu;
    auto worker = [&] {
        for (size_t i; (i = next++) < images.size();) {
            try {
                const Image img = load_image(images[i]);
                std::vector<std::string> faces;
                for (const Face& f : pipeline.embed(img)) faces.push_back(cli::face_json(f, true));
                lines[i] = cli::image_json(images[i], img, faces);
            } catch (const std::exception& e) {
                std::lock_guard<std::mutex> lk(mu);
                std::fprintf(stderr, "\n[eval_cluster] %s: %s (skipped)\n", images[i].c_str(), e.what());
            }
            if (++done % 100 == 0) {
                std::lock_guard<std::mutex> lk(mu);
                std::fprintf(stderr, "\r[eval_cluster] embedded %zu/%zu", size_t(done), images.size());
            }
        }
    };
    std::vector<std::thread> pool;
    for (int t = 0; t < a.threads; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
    std::ofstream out(a.cache);
    for (const std::string& l : lines)
        if (!l.empty()) out << l << "\n";
    LFR_CHECK(bool(out), a.cache + ": cannot write");
    std::fprintf(stderr, "\n[eval_cluster] wrote %s\n", a.cache.c_str());
}

struct Dataset {
    Descriptors x;
    std::vector<int64_t> person;
    size_t people = 0, singletons = 0, no_face = 0;
};

void count_people(Dataset& ds) {
    std::map<int64_t, int> count;
    for (int64_t p : ds.person) ++count[p];
    ds.people = count.size();
    for (const auto& c : count) ds.singletons += c.second == 1;
}

// The main face of each image in the cache, labelled by the image's folder (the person).
Dataset read_lfw(const std::string& cache, size_t dim) {
    std::ifstream f(cache);
    LFR_CHECK(bool(f), cache + ": cannot read");
    Dataset ds;
    std::map<std::string, int64_t> ids;
    std::vector<float> rows;
    std::string line;
    while (std::getline(f, line)) {
        const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (j.is_discarded() || !j.contains("faces")) continue;  // a line cut short by an interrupted run
        std::vector<Face> faces;
        for (const auto& jf : j["faces"]) {
            Face face;
            const auto& b = jf["box"];
            face.detection.box = {b[0].get<float>(), b[1].get<float>(), b[2].get<float>(), b[3].get<float>()};
            face.descriptor = jf["descriptor"].get<std::vector<float>>();
            faces.push_back(std::move(face));
        }
        const int k = main_face(faces, j["width"].get<int>(), j["height"].get<int>());
        if (k < 0) {
            ++ds.no_face;
            continue;
        }
        LFR_CHECK(faces[size_t(k)].descriptor.size() == dim,
                  cache + ": descriptors of " + std::to_string(faces[size_t(k)].descriptor.size()) +
                      " values; the embedder gives " + std::to_string(dim) + " (another embedder's cache?)");
        const std::string path = j["image"].get<std::string>();
        const std::string who = std::filesystem::path(path).parent_path().filename().string();
        ds.person.push_back(ids.emplace(who, int64_t(ids.size())).first->second);
        rows.insert(rows.end(), faces[size_t(k)].descriptor.begin(), faces[size_t(k)].descriptor.end());
    }
    ds.x.n = ds.person.size(), ds.x.d = dim, ds.x.data = std::move(rows);
    count_people(ds);
    return ds;
}

Dataset synthetic(size_t n, size_t d, float t, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> g(0.f, 1.f);
    std::uniform_int_distribution<int> size(1, 10);
    Dataset ds;
    ds.x = Descriptors(n, d);
    const float sigma = 0.5f * t / std::sqrt(2.f * float(d)), radius = 2.5f * t / std::sqrt(2.f);
    std::vector<float> centre(d);
    for (size_t i = 0; i < n;) {
        float norm = 0;
        for (float& c : centre) c = g(rng), norm += c * c;
        for (float& c : centre) c *= radius / std::sqrt(norm);
        for (int k = size(rng); k > 0 && i < n; --k, ++i) {
            for (size_t j = 0; j < d; ++j) ds.x.row(i)[j] = centre[j] + sigma * g(rng);
            ds.person.push_back(int64_t(ds.people));
        }
        ++ds.people;
    }
    count_people(ds);
    return ds;
}

void report(const char* method, const std::vector<int>& label, const std::vector<int64_t>& truth, double secs) {
    const ClusterScores s = cluster_scores(std::vector<int64_t>(label.begin(), label.end()), truth);
    std::printf("| %-26s | %6.4f | %6.4f | %6.4f | %6.4f | %6.4f | %6.4f | %6zu | %8.3f |\n", method, s.pairwise_precision,
                s.pairwise_recall, s.pairwise_f, s.bcubed_precision, s.bcubed_recall, s.bcubed_f,
                members_of(label).size(), secs);
}

// A gallery file of its own under $TMPDIR, removed (with its WAL) at scope exit.
struct TempGallery {
    std::string path;
    explicit TempGallery(const std::string& name) {
        const char* base = std::getenv("TMPDIR");
        path = std::string(base && *base ? base : "/tmp") + "/eval_cluster_" + std::to_string(::getpid()) + "_" + name + ".db";
        clear();
    }
    ~TempGallery() { clear(); }
    void clear() const {
        for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
    }
};

// Streams the faces through observe in a shuffled order; returns each face's final label.
std::vector<int> observe_all(const Dataset& ds, const std::string& embedder, float t, const Args& a, double* ms_per_face) {
    TempGallery tmp("observe");
    Gallery g = Gallery::open(tmp.path, embedder, int(ds.x.d));
    ObserveOptions o;
    o.threshold = t, o.pool_size = a.pool, o.min_cluster = a.min_size, o.max_age_s = 1e12;
    std::vector<size_t> order(ds.x.n);
    std::iota(order.begin(), order.end(), size_t(0));
    std::shuffle(order.begin(), order.end(), std::mt19937_64(a.seed));
    const auto t0 = std::chrono::steady_clock::now();
    g.begin();  // grouped: the quality does not depend on it, the run time's fsyncs do
    for (size_t k = 0; k < order.size(); ++k) {
        const size_t i = order[k];
        g.observe(std::vector<float>(ds.x.row(i), ds.x.row(i) + ds.x.d), "face-" + std::to_string(i), o);
        if (k % 100 == 99) g.commit(), g.begin();
        if (k % 500 == 499) std::fprintf(stderr, "\r[eval_cluster] observed %zu/%zu", k + 1, order.size());
    }
    g.commit();
    std::fprintf(stderr, "\n");
    *ms_per_face = seconds_since(t0) * 1000 / double(order.size());
    std::vector<int> label(ds.x.n, -1);
    std::map<std::string, int> person;
    for (const StoredFace& f : g.faces())
        if (!f.pending) label[size_t(std::atoll(f.source.c_str() + 5))] = person.emplace(f.person, int(person.size())).first->second;
    int next = int(person.size());
    for (int& l : label)
        if (l < 0) l = next++;
    return label;
}

// ms per observe() with n faces stored (n / 10 unnamed people of 10).
void observe_cost(size_t d, float t) {
    std::printf("| stored faces | people | ms/observation (own transaction) | ms/observation (100 per transaction) |\n|---|---|---|---|\n");
    for (size_t n = 1000; n <= 100000; n *= 10) {
        TempGallery tmp("cost");
        Gallery g = Gallery::open(tmp.path, "synthetic", int(d));
        const Dataset ds = synthetic(n + 400, d, t, 11);
        g.begin();
        for (size_t i = 0; i < n; i += 10) {
            std::vector<SourcedDescriptor> faces;
            for (size_t k = i; k < i + 10; ++k) faces.push_back({std::vector<float>(ds.x.row(k), ds.x.row(k) + d), ""});
            g.enroll_unnamed(faces, 0);
        }
        g.commit();
        ObserveOptions o;
        o.threshold = t, o.pool_size = 1000000, o.max_age_s = 1e12;  // timing the match, not the clustering
        auto run = [&](size_t from, bool grouped) {
            const auto t0 = std::chrono::steady_clock::now();
            if (grouped) g.begin();
            for (size_t k = from; k < from + 200; ++k) g.observe(std::vector<float>(ds.x.row(k), ds.x.row(k) + d), "", o);
            if (grouped) g.commit();
            return seconds_since(t0) * 1000 / 200;
        };
        g.identify(ds.x.row(0), d);  // the first load is not an observation's cost
        const double own = run(n, false), grouped = run(n + 200, true);
        std::printf("| %zu | %zu | %.3f | %.3f |\n", n, n / 10, own, grouped);
        std::fflush(stdout);
    }
}

}  // namespace

int main(int argc, char** argv) try {
    const Args a = parse_args(argc, argv);
    const Pipeline pipeline(a.opt);
    const float t = a.threshold > 0 ? a.threshold : cluster_threshold(pipeline.match_threshold());
    const size_t dim = size_t(pipeline.descriptor_size());
    if (a.observe_cost) {
        observe_cost(dim, t);
        return 0;
    }
    Dataset ds;
    if (a.synthetic) {
        ds = synthetic(a.synthetic, dim, t, a.seed);
    } else {
        if (a.cache.empty()) usage("--cache FILE.jsonl is needed for LFW (made when missing)");
        if (!std::filesystem::exists(a.cache)) embed_all(a, pipeline);
        ds = read_lfw(a.cache, dim);
    }
    std::printf("%s: %zu faces of %zu people (%zu with one image), %zu images without a face; %s, threshold %.3g\n",
                a.synthetic ? "synthetic" : "LFW", ds.x.n, ds.people, ds.singletons, ds.no_face,
                pipeline.embedder_name().c_str(), t);

    auto t0 = std::chrono::steady_clock::now();
    const std::vector<Edge> edges = neighbour_edges(ds.x, t);
    const double graph_s = seconds_since(t0);
    std::printf("neighbour graph: %zu edges in %.3f s (%.1f MiB of edges)", edges.size(), graph_s,
                double(edges.size() * sizeof(Edge)) / (1 << 20));
    if (ds.x.n <= 20000) {
        t0 = std::chrono::steady_clock::now();
        const size_t plain = neighbour_edges_all_pairs(ds.x, t).size();
        std::printf("; all-pairs scan %.3f s (%s)", seconds_since(t0), plain == edges.size() ? "same edges" : "DIFFERENT");
    }
    std::printf("\n\n| %-26s | pair P | pair R | pair F | B3 P   | B3 R   | B3 F   | clusters | seconds |\n", "method");
    std::printf("|----------------------------|--------|--------|--------|--------|--------|--------|----------|---------|\n");
    WhispersOptions cw;
    cw.seed = a.seed;
    t0 = std::chrono::steady_clock::now();
    std::vector<int> label = chinese_whispers(ds.x.n, edges, {}, cw);
    report("chinese whispers", label, ds.person, seconds_since(t0) + graph_s);
    cw.threshold = t;
    t0 = std::chrono::steady_clock::now();
    label = chinese_whispers(ds.x.n, edges, {}, cw);
    report("chinese whispers, weighted", label, ds.person, seconds_since(t0) + graph_s);
    const double cw_peak = peak_rss_mib();
    if (ds.x.n <= 20000) {
        t0 = std::chrono::steady_clock::now();
        label = average_linkage(ds.x, t);
        report("average linkage (exact)", label, ds.person, seconds_since(t0));
    }
    if (a.observe) {
        double ms = 0;
        label = observe_all(ds, pipeline.embedder_name(), t, a, &ms);
        char name[64];
        std::snprintf(name, sizeof name, "observe (pool %zu, min %zu)", a.pool, a.min_size);
        report(name, label, ds.person, ms / 1000 * double(ds.x.n));
    }
    std::printf("\npeak memory: %.0f MiB after Chinese whispers, %.0f MiB in all (average linkage's matrix: %.0f MiB)\n",
                cw_peak, peak_rss_mib(), ds.x.n <= 20000 ? double(ds.x.n) * double(ds.x.n) * 4 / (1 << 20) : 0.0);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "eval_cluster: %s\n", e.what());
    return 1;
}
