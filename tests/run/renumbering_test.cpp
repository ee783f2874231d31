#include <doctest/doctest.h>

#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_renumbering {

namespace {

using Order = std::vector<std::uint32_t>;

/// What a Run numbers, reduced to an embedding and each point's input index.
struct Owner {
    tsne::Embedding<float, 2> Y;
    Order id;
    bool fail = false;
    void operator()(const Order& rel, const Order& inv) {
        CHECK(tsne::detail::Renumbering<float, 2>::inverse(rel) == inv);
        if (fail) throw std::runtime_error("out of memory (simulated)");
        Order next(rel.size());
        for (std::size_t i = 0; i < rel.size(); ++i) next[i] = id[rel[i]];
        Y = Y.permuted(rel.data());
        id = next;
    }
};

tsne::Embedding<float, 2> cloud(std::size_t n) {
    const auto M = testing::clusters<float>(n, 2, 3, 5);
    tsne::Embedding<float, 2> Y(n);
    Y.assign(tsne::MatrixRef<float>(M));
    return Y;
}

}  // namespace

TEST_CASE("renumbering: Morton renumbering, views in the input's order, enter/leave round trips") {
    const std::size_t n = 300;
    tsne::Executor ex(2);
    const auto Y0 = cloud(n);
    Owner o{Y0, Order(n), false};
    std::iota(o.id.begin(), o.id.end(), 0u);
    tsne::detail::Renumbering<float, 2> r;
    auto permute = [&o](const Order& rel, const Order& inv) { o(rel, inv); };

    CHECK_FALSE(r.internal());
    CHECK(r.order().empty());
    r.enter(permute);  // never renumbered: nothing to do
    CHECK_FALSE(r.internal());
    CHECK(&r.input_order_view(o.Y, ex) == &o.Y);

    r.reorder(o.Y, ex, permute);
    CHECK(r.internal());
    CHECK(r.order() == o.id);  // internal point i is input point order()[i]
    CHECK_FALSE(o.Y == Y0);    // clustered points in input order are not in Morton order
    CHECK(r.input_order_view(o.Y, ex) == Y0);
    CHECK(r.input_order_matrix(o.Y) == Y0.to_matrix());

    // A second renumbering composes with the first.
    r.reorder(o.Y, ex, permute);
    CHECK(r.order() == o.id);
    CHECK(r.input_order_view(o.Y, ex) == Y0);

    r.leave(permute);
    CHECK_FALSE(r.internal());
    CHECK(o.Y == Y0);
    CHECK(o.id == r.inverse(r.inverse(o.id)));
    for (std::size_t i = 0; i < n; ++i) CHECK(o.id[i] == i);
    r.drop_view();

    r.enter(permute);  // back into the saved numbering
    CHECK(r.internal());
    CHECK(r.order() == o.id);

    // A failing permute changes nothing: still renumbered, same order.
    const Order before = r.order();
    o.fail = true;
    CHECK_THROWS_AS(r.leave(permute), std::runtime_error);
    CHECK(r.internal());
    CHECK(r.order() == before);
    o.fail = false;
    r.leave(permute);
    CHECK(o.Y == Y0);
}

TEST_CASE("renumbering: the period and a restored numbering") {
    tsne::detail::Renumbering<double, 1> r;
    for (int it : {0, 1, 7, 50}) CHECK_FALSE(r.due(it));
    r.set_every(3);
    CHECK(r.every() == 3);
    CHECK(r.due(0));
    CHECK(r.due(6));
    CHECK_FALSE(r.due(4));
    r.restore(5, Order{2, 0, 1});
    CHECK(r.every() == 5);
    CHECK(r.order() == Order{2, 0, 1});
    CHECK_FALSE(r.internal());
    CHECK(tsne::detail::Renumbering<double, 1>::inverse(r.order()) == Order{1, 2, 0});
}

}  // namespace t_renumbering
