// libFuzzer target: run-state files (Run::save's format, read by Run::load and the CLI's
// --load-state). The bytes are loaded as each of the six Run types (float/double, 1-3-D), from a
// seekable stream and from one that cannot seek (a pipe: sizes cannot be checked against the
// file's length in advance). load() must either throw tsne::invalid_argument or give a Run whose
// embedding is finite; such a Run (up to 64 points) then runs 2 iterations, which may only diverge
// (tsne::runtime_error), and save() + load() must give it back unchanged. Another exception, a
// crash, a sanitizer report, an allocation over -malloc_limit_mb (a size field trusted before
// the bytes behind it were seen) or a hang is a finding. Seeds: tests/fuzz/corpus/state/, saved
// from real small runs by make_seeds.cpp, with crafted size fields.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <string>

#include <tsne/tsne.hpp>

namespace {

/// A stream buffer that cannot seek, like a pipe's.
struct PipeBuf : std::stringbuf {
    using std::stringbuf::stringbuf;
    pos_type seekoff(off_type, std::ios_base::seekdir, std::ios_base::openmode) override { return pos_type(-1); }
    pos_type seekpos(pos_type, std::ios_base::openmode) override { return pos_type(-1); }
};

[[noreturn]] void finding(const char* what) {
    std::fprintf(stderr, "fuzz_state: %s\n", what);
    std::abort();
}

tsne::AutoRepulsion repulsion() {
    tsne::AutoRepulsion r;
    r.fft.max_boxes = 64;  // a loaded grid beyond it is refused; keeps one input fast under ASan
    return r;
}

template <class T, int Dims>
void try_load(const std::string& bytes, bool pipe) {
    using RunT = tsne::Run<T, Dims>;
    PipeBuf pbuf(bytes);
    std::stringbuf sbuf(bytes);
    std::istream is(pipe ? static_cast<std::streambuf*>(&pbuf) : &sbuf);
    try {
        RunT run = RunT::load(is, repulsion(), {}, 1);
        const auto Y = run.embedding();
        if (!Y.allFinite()) finding("load() accepted non-finite coordinates");
        if (run.size() > 64) return;
        try {
            run.optimize(2);
        } catch (const tsne::runtime_error&) {  // diverged: save() must refuse by name
            std::stringstream s;
            try {
                run.save(s);
                finding("save() of a diverged run did not refuse");
            } catch (const tsne::runtime_error&) {
            }
            return;
        }
        std::stringstream file;
        run.save(file);
        RunT back = RunT::load(file, repulsion(), {}, 1);
        if (!(back.embedding() == run.embedding()) || back.iteration() != run.iteration())
            finding("save() + load() changed the run");
    } catch (const tsne::invalid_argument&) {
        // a truncated, foreign or inconsistent file: the expected outcome for most inputs
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    try {
        for (bool pipe : {false, true}) {
            try_load<float, 1>(bytes, pipe);
            try_load<float, 2>(bytes, pipe);
            try_load<float, 3>(bytes, pipe);
            try_load<double, 1>(bytes, pipe);
            try_load<double, 2>(bytes, pipe);
            try_load<double, 3>(bytes, pipe);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_state: an exception that is not an expected tsne:: error: %s\n", e.what());
        std::abort();
    }
    return 0;
}
