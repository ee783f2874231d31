#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <vector>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_schedule {

TEST_CASE("schedule: a per-iteration schedule equals the same phases run one after another") {
    const auto X = testing::clusters<float>(400, 8, 4, 12);
    auto a = tsne::embed<2>(X).threads(2).prepare();
    auto b = tsne::embed<2>(X).threads(2).prepare();
    a.optimize(30, tsne::exaggerated(12.0, 0.5)).optimize(20, tsne::normal(0.8)).optimize(10, tsne::Phase{3.0, 0.8});
    std::vector<double> seen;
    b.optimize(60,
               tsne::schedule([](int it) {
                   if (it <= 30) return tsne::exaggerated(12.0, 0.5);
                   return it <= 50 ? tsne::normal(0.8) : tsne::Phase{3.0, 0.8};
               }),
               [&](const tsne::Status<float, 2>& s) { seen.push_back(s.exaggeration); });
    CHECK(a.embedding() == b.embedding());
    REQUIRE(seen.size() == 60);
    CHECK(seen[29] == 12.0);
    CHECK(seen[30] == 1.0);
    CHECK(seen[59] == 3.0);
    // Resumed schedules see the global iteration number.
    auto c = tsne::embed<2>(X).threads(2).prepare();
    std::vector<int> its;
    auto sched = tsne::schedule([&](int it) {
        its.push_back(it);
        return tsne::normal();
    });
    c.optimize(3, sched).optimize(2, sched);
    CHECK(its == std::vector<int>{1, 2, 3, 4, 5});
}

TEST_CASE("schedule: a bad phase from a schedule is a clear error naming the field") {
    const auto X = testing::clusters<float>(200, 5, 2, 13);
    auto run = tsne::embed<2>(X).threads(1).prepare();
    CHECK_THROWS_WITH_AS(run.optimize(10, tsne::schedule([](int it) { return tsne::Phase{it < 5 ? 2.0 : -1.0}; })),
                         doctest::Contains("exaggeration"), tsne::invalid_argument);
    CHECK(run.iteration() == 4);  // the iterations before the bad one ran
    CHECK_THROWS_WITH_AS(run.optimize(1, tsne::schedule([](int) { return tsne::Phase{1.0, 1.5}; })),
                         doctest::Contains("momentum"), tsne::invalid_argument);
}

TEST_CASE("schedule: late exaggeration in Options runs as a third phase") {
    const auto X = testing::clusters<float>(300, 6, 3, 14);
    tsne::Options o;
    o.threads = 2;
    o.iterations = 60;
    o.early_exaggeration_iterations = 20;
    o.late_exaggeration = 4.0;
    o.late_exaggeration_start = 45;
    auto a = tsne::embed<2>(X).options(o).prepare();
    std::vector<double> seen;
    tsne::run_schedule(a, o, [&](const tsne::Status<float, 2>& s) { seen.push_back(s.exaggeration); });
    auto b = tsne::embed<2>(X).options(o).prepare();
    b.optimize(20, o.early_phase()).optimize(25, o.final_phase()).optimize(15, tsne::Phase{4.0, 0.8});
    CHECK(a.embedding() == b.embedding());
    REQUIRE(seen.size() == 60);
    CHECK(seen[44] == 1.0);
    CHECK(seen[45] == 4.0);
    // The fluent API sets the same two fields.
    const auto c = tsne::embed<2>(X).threads(2).iterations(60).early_exaggeration_iterations(20)
                       .late_exaggeration(4.0, 45).fit();
    CHECK(c == a.embedding());
    // Validation names the field and the allowed range.
    o.late_exaggeration_start = 10;
    CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("late_exaggeration_start"), tsne::invalid_argument);
    o.late_exaggeration_start = 61;
    CHECK_THROWS_AS(o.validate(), tsne::invalid_argument);
    o.late_exaggeration_start = 60;
    CHECK_NOTHROW(o.validate());
    o.late_exaggeration = 0;
    CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("late_exaggeration"), tsne::invalid_argument);
}


TEST_CASE("divergence: the message names the likely cause from the settings in force, not always the learning rate") {
    using tsne::detail::divergence_hint;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK(divergence_hint(1000, 1, 12, 83, 0.5, 1, 4e6).find("initial layout is too large: it spans 4e+06") !=
          std::string::npos);
    CHECK(divergence_hint(1000, 200, 12, 83, 0.5, 1, 4e6).find("initial layout") == std::string::npos);  // not early
    CHECK(divergence_hint(1000, 9, 5000, 1, 0.5, 1, nan).find("exaggeration 5e+03 is very large") != std::string::npos);
    CHECK(divergence_hint(1000, 9, 1, 1e8, 0.8, 1, nan).find("learning_rate 1e+08 is far above the automatic N / exaggeration = 1e+03") !=
          std::string::npos);
    CHECK(divergence_hint(1000, 9, 1, 1000, 0.8, 0.01, nan).find("dof 0.01 is extreme") != std::string::npos);
    const std::string none = divergence_hint(1000, 9, 12, 83, 0.5, 1, nan);
    CHECK(none.find("likely cause") == std::string::npos);
    CHECK(none.find("learning_rate (now 83), exaggeration (now 12) or momentum (now 0.5)") != std::string::npos);

    // End to end: a user layout that spans 1e7 in float gives Z = 0 at once; the error says so.
    const auto X = testing::clusters<float>(100, 4, 2, 3);
    tsne::RowMatrix<float> Y0 = 1e7f * tsne::RowMatrix<float>::Random(100, 2);
    CHECK_THROWS_WITH_AS(tsne::embed<2>(X).init(tsne::user_init(Y0)).iterations(20).early_exaggeration_iterations(10).fit(),
                         doctest::Contains("likely cause: the initial layout is too large"), tsne::runtime_error);
}

}  // namespace t_schedule
