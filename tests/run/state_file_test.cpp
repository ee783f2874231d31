#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_state_file {

namespace {

constexpr std::size_t header_bytes = 8 + 4 * 4 + 8 + 4 + 4 + 8 + 4;  // version 2

template <class V>
std::string with(std::string bytes, std::size_t at, V v) {
    std::memcpy(&bytes[at], &v, sizeof v);
    return bytes;
}

}  // namespace

TEST_CASE("state file: read_state_header reports what a saved run holds, and load continues after it") {
    const auto X = testing::clusters<double>(150, 5, 2, 8);
    auto run = tsne::embed<3>(X).threads(1).dof(0.5).kl_every(7).reorder(4).prepare();
    run.optimize(6);
    std::stringstream file;
    run.save(file);
    const tsne::StateHeader h = tsne::read_state_header(file);
    CHECK(h.version == 2);
    CHECK(h.value_size == 8);
    CHECK(h.dims == 3);
    CHECK(h.n == 150);
    CHECK(h.iteration == 6);
    CHECK(h.kl_every == 7);
    CHECK(h.dof == 0.5);
    CHECK(h.reorder == 4);
    CHECK(file.tellg() == static_cast<std::streamoff>(header_bytes));
    auto loaded = decltype(run)::load(file, h);
    CHECK(loaded.embedding() == run.embedding());
    CHECK(loaded.iteration() == 6);
    // A header of another type is refused by load, naming both.
    std::stringstream again(file.str());
    const tsne::StateHeader h2 = tsne::read_state_header(again);
    using Run3f = tsne::Run<float, 3>;
    CHECK_THROWS_WITH_AS(Run3f::load(again, h2), doctest::Contains("8-byte values; expected 3-D of 4-byte"),
                         tsne::invalid_argument);
    // A header the caller built or changed is checked by load as when it is read.
    auto bad_n = h, bad_iteration = h, bad_reorder = h, bad_version = h;
    bad_n.n = 1;
    bad_iteration.iteration = -1;
    bad_reorder.reorder = -2;
    bad_version.version = 7;
    for (const auto& [bad, what] : {std::pair{bad_n, "points 1"}, std::pair{bad_iteration, "iteration -1"},
                                    std::pair{bad_reorder, "bad reorder -2"}, std::pair{bad_version, "version 7"}}) {
        std::stringstream rest(file.str());
        rest.seekg(static_cast<std::streamoff>(header_bytes));
        const std::string expected = what;
        CHECK_THROWS_WITH_AS(decltype(run)::load(rest, bad), doctest::Contains(expected.c_str()), tsne::invalid_argument);
    }
}

TEST_CASE("state file: every truncated, foreign or corrupt header is a named tsne::invalid_argument") {
    const auto X = testing::clusters<float>(120, 4, 2, 3);
    auto run = tsne::embed<2>(X).threads(1).prepare();
    run.optimize(2);
    std::stringstream good;
    run.save(good);
    const std::string bytes = good.str();
    for (std::size_t cut = 0; cut < header_bytes; ++cut) {
        std::stringstream part(bytes.substr(0, cut));
        CHECK_THROWS_WITH_AS(tsne::read_state_header(part), doctest::Contains("truncated"), tsne::invalid_argument);
    }
    auto refused = [](const std::string& b, const char* why) {
        std::stringstream s(b);
        CHECK_THROWS_WITH_AS(tsne::read_state_header(s), doctest::Contains(why), tsne::invalid_argument);
    };
    refused("TSNERUM" + bytes.substr(7), "not a tsne run-state file");
    refused(with(bytes, 8, std::uint32_t{3}), "format version 3");
    refused(with(bytes, 8, std::uint32_t{0}), "format version 0");
    refused(with(bytes, 12, std::uint32_t{0x04030201u}), "another byte order");
    refused(with(bytes, 16, std::uint32_t{5}), "value size 5");
    refused(with(bytes, 20, std::uint32_t{0}), "dimensions 0");
    refused(with(bytes, 24, std::uint64_t{1}), "points 1");
    refused(with(bytes, 32, std::int32_t{-1}), "iteration -1");
    refused(with(bytes, 36, std::int32_t{-2}), "kl_every -2");
    refused(with(bytes, 48, std::int32_t{-3}), "bad reorder -3");
    // Version 1 headers end before reorder.
    const std::string v1 = with(bytes, 8, std::uint32_t{1});
    std::stringstream s1(v1);
    const tsne::StateHeader h1 = tsne::read_state_header(s1);
    CHECK(h1.version == 1);
    CHECK(h1.reorder == 0);
    CHECK(s1.tellg() == static_cast<std::streamoff>(header_bytes - 4));
}

}  // namespace t_state_file
